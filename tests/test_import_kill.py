"""kill -9 of an import at every step: the previous version keeps serving, no partial file is in use,
and the next import/build sees a consistent state (an import is accepted once its manifest line is
durable; one killed after that point is rolled forward by the next import or build)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from evdash import build, importer
from evdash.journal import open_journal

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
ROW = "acme,,CHN,2025-06,{units},reported,https://ir.acme.example/results,2025-07-01"
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"


def served_units(db: Path) -> list[int]:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        rows = con.execute(
            "select units from deliveries_monthly where brand_id = 'acme' and month = '2025-06-01' order by units"
        ).fetchall()
        return [int(r[0]) for r in rows]
    finally:
        con.close()


def start_import(db: Path, file: Path, crash_at: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EVDASH_SEEDS": str(FIXTURE_SEEDS), "EVDASH_USER": "killer"}
    env.pop("EVDASH_IMPORT_CRASH_AT", None)
    if crash_at:
        env["EVDASH_IMPORT_CRASH_AT"] = crash_at
    cmd = [sys.executable, "-m", "evdash.cli", "import", "--db", str(db), "deliveries", str(file)]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("stage", ["applying", "built", "stored", "manifest_torn", "committed"])
def test_import_killed_at_each_step(tmp_path: Path, stage: str) -> None:
    db = tmp_path / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=db)
    first = tmp_path / "first.csv"
    first.write_text(f"{HEADER}\n{ROW.format(units=100)}\n")
    assert start_import(db, first, None).wait(timeout=300) == 0
    before_file = db.resolve()
    before_sha = hashlib.sha256(before_file.read_bytes()).hexdigest()

    second = tmp_path / "second.csv"
    second.write_text(f"{HEADER}\n{ROW.format(units=200)}\n")
    proc = start_import(db, second, stage)
    assert proc.wait(timeout=300) == -signal.SIGKILL

    # The previous version still serves, untouched, and it is a complete database file.
    assert db.resolve() == before_file
    assert hashlib.sha256(before_file.read_bytes()).hexdigest() == before_sha
    assert served_units(db) == [100]
    assert not db.resolve().name.startswith(".")
    accepted = [b.batch_id for b in open_journal(db).batches()]
    if stage == "committed":
        assert accepted == [1, 2]
        assert [b.batch_id for b in importer.pending_batches(db)] == [2]
    else:
        assert accepted == [1]
        assert importer.pending_batches(db) == []

    # The lock died with the process: the next import runs, and rolls an accepted batch forward.
    third = tmp_path / "third.csv"
    third.write_text(f"{HEADER}\n{ROW.format(units=300).replace('2025-06', '2025-09')}\n")
    done = start_import(db, third, None)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()
    expected = [200] if stage == "committed" else [100]
    assert served_units(db) == expected
    assert [b.batch_id for b in open_journal(db).batches()] == ([1, 2, 3] if stage == "committed" else [1, 2])
    if stage == "committed":
        assert b"interrupted import(s) [2]" in out
    versions = db.parent / "versions"
    assert not [p for p in versions.iterdir() if p.name.startswith(".building-")]  # strays cleaned


def test_import_killed_from_outside_mid_way(tmp_path: Path) -> None:
    """A real kill -9 from another process at an arbitrary moment."""
    db = tmp_path / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=db)
    before = db.resolve()
    file = tmp_path / "big.csv"
    rows = [
        ROW.format(units=n).replace("2025-06", f"{2030 + n // 12}-{n % 12 + 1:02d}") for n in range(20_000)
    ]
    file.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    proc = start_import(db, file, None)
    deadline = time.monotonic() + 120
    versions = db.parent / "versions"
    while time.monotonic() < deadline and proc.poll() is None:  # wait until the new version is being written
        if any(p.name.startswith(".building-") for p in versions.iterdir()):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    manifest = open_journal(db).batches()
    if proc.returncode == -signal.SIGKILL and not manifest:
        assert db.resolve() == before
    # Whatever the moment, what is served is a complete version consistent with the manifest or the one before.
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        version = con.execute("select version from build_info").fetchone()
    finally:
        con.close()
    assert version is not None and db.resolve().name == f"evdash-{version[0]}.duckdb"
