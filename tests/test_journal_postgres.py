"""The import journal on a real PostgreSQL 15 (EVDASH_JOURNAL): several app servers, each with its own
local folder and database, share one journal. An import through one server is served by the other
with the same version id; concurrent imports are serialised; PostgreSQL going away mid-import leaves
no trace of the batch; while it is away every server keeps serving and imports are refused; when it is
back the next import goes through and everyone catches up."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from evdash import build, importer, serving, versions
from evdash.journal import open_journal
from evdash.journal import postgres as pg_journal
from evdash.journal.base import JournalUnavailable
from evdash.replica import Replica

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"
pytestmark = pytest.mark.xdist_group("postgres")


def deliveries(month: str, units: int) -> bytes:
    return (
        f"{HEADER}\nacme,,CHN,{month},{units},reported,https://ir.acme.example/{month},2025-07-01\n".encode()
    )


def units_served(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        rows = con.execute(
            "select strftime(month, '%Y-%m'), units from deliveries_monthly where brand_id = 'acme' "
            "and month >= '2025-06-01' order by month"
        ).fetchall()
        return {str(m): int(u) for m, u in rows}
    finally:
        con.close()


def history(db: Path) -> list[tuple[int, str, str]]:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        rows = con.execute("select batch_id, imported_by, file_name from import_history order by batch_id")
        return [(int(b), str(u), str(f)) for b, u, f in rows.fetchall()]
    finally:
        con.close()


@pytest.fixture
def servers(journal_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """Two app servers' database links (separate folders) on one shared journal, both built."""
    monkeypatch.setenv("EVDASH_JOURNAL", journal_dsn)
    monkeypatch.setenv("EVDASH_SEEDS", str(FIXTURE_SEEDS))
    a, b = tmp_path / "a" / "evdash.duckdb", tmp_path / "b" / "evdash.duckdb"
    assert build.build(db=a).version == build.build(db=b).version
    yield a, b


def cli_import(db: Path, name: str, data: bytes, user: str, **env: str) -> subprocess.Popen[str]:
    file = db.parent / name
    file.write_bytes(data)
    cmd = [
        sys.executable,
        "-m",
        "evdash.cli",
        "import",
        "--db",
        str(db),
        "--user",
        user,
        "deliveries",
        str(file),
    ]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("EVDASH_IMPORT_")} | env
    return subprocess.Popen(
        cmd, cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(predicate: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def journal_rows(dsn: str) -> tuple[list[int], int]:
    with psycopg.connect(dsn) as con:
        batches = [int(r[0]) for r in con.execute("select batch_id from evdash_journal_batches order by 1")]
        files = con.execute("select count(*) from evdash_journal_files").fetchone()
    return batches, int(files[0]) if files else 0


def test_migrations_apply_once_even_when_servers_start_together(journal_dsn: str) -> None:
    applied: list[list[str]] = []

    def start() -> None:
        with psycopg.connect(journal_dsn, autocommit=True) as con:
            applied.append(pg_journal.migrate(con))

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(p.name for p in pg_journal.MIGRATIONS.glob("*.sql"))
    assert sorted(n for run in applied for n in run) == names  # each applied by exactly one server
    with psycopg.connect(journal_dsn) as con:
        assert [r[0] for r in con.execute("select name from evdash_schema_migrations order by 1")] == names


def test_an_import_on_one_server_is_served_by_the_other(servers: tuple[Path, Path]) -> None:
    a, b = servers
    result = importer.import_files(
        [("deliveries", ("june.csv", deliveries("2025-06", 1234)))], db=a, user="ana@example.com"
    )
    assert versions.current_version(a) == result.version
    assert units_served(b) == {}  # B has not caught up yet
    replica_b = Replica(b, open_journal(b), poll_seconds=60)
    assert replica_b.sync() is True
    assert versions.current_version(b) == result.version  # same inputs, same version id
    assert units_served(b) == {"2025-06": 1234}
    assert history(b) == [(1, "ana@example.com", "june.csv")]

    # The background replica is woken by NOTIFY: with a 60 s poll it could not have seen it otherwise.
    replica_b.start()
    try:
        second = importer.import_files(
            [("deliveries", ("july.csv", deliveries("2025-07", 99)))], db=a, user="ana@example.com"
        )
        wait_for(lambda: versions.current_version(b) == second.version, "server B to serve batch 2", 30)
    finally:
        replica_b.stop()
    assert units_served(b) == {"2025-06": 1234, "2025-07": 99}
    # A rebuild of B from scratch gives the same version (files come from its cache or PostgreSQL).
    assert build.build(db=b, force=True).version == second.version


def test_two_imports_at_once_on_two_servers_are_serialised(
    servers: tuple[Path, Path], journal_dsn: str
) -> None:
    a, b = servers
    hold = a.parent / "hold"
    hold.write_text("")
    first = cli_import(a, "on_a.csv", deliveries("2025-06", 111), "ana@example.com",
                       EVDASH_IMPORT_HOLD_AT="built", EVDASH_IMPORT_HOLD_FILE=str(hold))  # fmt: skip
    wait_for(lambda: Path(str(hold) + ".reached").exists() or first.poll() is not None, "A to hold the lock")
    assert first.poll() is None, first.communicate()
    second = cli_import(b, "on_b.csv", deliveries("2025-07", 222), "bea@example.com")

    def b_waits_for_the_lock() -> bool:
        with psycopg.connect(journal_dsn) as con:
            row = con.execute(
                "select count(*) from pg_locks where locktype = 'advisory' and not granted"
            ).fetchone()
        return bool(row and row[0])

    wait_for(b_waits_for_the_lock, "B to wait for A's advisory lock")
    hold.unlink()
    out_a, err_a = first.communicate(timeout=120)
    out_b, err_b = second.communicate(timeout=120)
    assert first.returncode == 0, err_a
    assert second.returncode == 0, err_b
    assert "imported as batch #1" in out_a and "imported as batch #2" in out_b
    assert journal_rows(journal_dsn)[0] == [1, 2]
    # B's import was built on top of A's: B serves both; A catches up to the very same version.
    assert units_served(b) == {"2025-06": 111, "2025-07": 222}
    Replica(a, open_journal(a)).sync()
    assert versions.current_version(a) == versions.current_version(b)
    assert history(a) == [(1, "ana@example.com", "on_a.csv"), (2, "bea@example.com", "on_b.csv")]


def test_postgres_stopped_mid_import_leaves_no_trace(
    servers: tuple[Path, Path], journal_dsn: str, postgres_server: serving.Postgres
) -> None:
    a, _ = servers
    before = a.resolve()
    hold = a.parent / "hold"
    hold.write_text("")
    proc = cli_import(a, "lost.csv", deliveries("2025-06", 777), "ana@example.com",
                      EVDASH_IMPORT_HOLD_AT="in_transaction", EVDASH_IMPORT_HOLD_FILE=str(hold))  # fmt: skip
    # The import has written its files inside the open transaction; now PostgreSQL goes away.
    wait_for(lambda: Path(str(hold) + ".reached").exists() or proc.poll() is not None, "the open transaction")
    try:
        postgres_server.stop("fast")
        hold.unlink()
        out, err = proc.communicate(timeout=120)
    finally:
        postgres_server.start()
    assert proc.returncode == 3, out + err
    assert "import not started: the shared import journal" in err and "cannot be reached" in err
    assert "nothing was changed" in err
    assert journal_rows(journal_dsn) == ([], 0)  # not the batch, not its file
    assert a.resolve() == before and units_served(a) == {}
    # The next import goes through, as batch #1.
    again = importer.import_files(
        [("deliveries", ("lost.csv", deliveries("2025-06", 777)))], db=a, user="ana@example.com"
    )
    assert again.batch.batch_id == 1 and units_served(a) == {"2025-06": 777}


def test_outage_keeps_every_server_serving_refuses_imports_and_catches_up(
    servers: tuple[Path, Path], journal_dsn: str, postgres_server: serving.Postgres
) -> None:
    a, b = servers
    importer.import_files(
        [("deliveries", ("june.csv", deliveries("2025-06", 5)))], db=a, user="ana@example.com"
    )
    replica_a, replica_b = Replica(a, open_journal(a)), Replica(b, open_journal(b))
    assert replica_a.sync() is False  # A made the import: it serves it already
    assert replica_b.sync() is True
    served = a.resolve(), b.resolve()
    postgres_server.stop("fast")
    try:
        for replica in (replica_a, replica_b):
            assert replica.sync() is False
            status = replica.status()
            assert status.paused_since is not None and "cannot be reached" in str(status.reason)
        with pytest.raises(JournalUnavailable, match=r"cannot be reached.*nothing was changed"):
            importer.import_files(
                [("deliveries", ("july.csv", deliveries("2025-07", 6)))], db=a, user="ana@example.com"
            )
        with pytest.raises(JournalUnavailable):  # the Data page's "Check files" is refused the same way
            importer.import_files(
                [("deliveries", ("july.csv", deliveries("2025-07", 6)))], db=b, dry_run=True
            )
        assert (a.resolve(), b.resolve()) == served  # both keep serving what they had
        assert units_served(a) == units_served(b) == {"2025-06": 5}
        # A server started during the outage serves the seeds instead of failing to start.
        c = a.parent.parent / "c" / "evdash.duckdb"
        assert build.ensure_built(c).name == f"evdash-{build.inputs_version(FIXTURE_SEEDS)}.duckdb"
    finally:
        postgres_server.start()
    assert replica_a.sync() is False and replica_a.status().paused_since is None  # nothing new for A
    result = importer.import_files(
        [("deliveries", ("july.csv", deliveries("2025-07", 6)))], db=a, user="ana@example.com"
    )
    assert result.batch.batch_id == 2
    assert replica_b.sync() is True and replica_b.status().paused_since is None
    assert units_served(b) == {"2025-06": 5, "2025-07": 6}
    replica_c = Replica(c, open_journal(c))
    assert replica_c.sync() is True and versions.current_version(c) == result.version


def test_an_import_killed_after_its_commit_is_rolled_forward(
    servers: tuple[Path, Path], journal_dsn: str
) -> None:
    a, _ = servers
    before = a.resolve()
    proc = cli_import(
        a, "june.csv", deliveries("2025-06", 42), "ana@example.com", EVDASH_IMPORT_CRASH_AT="committed"
    )
    proc.communicate(timeout=120)
    assert proc.returncode < 0  # killed
    assert journal_rows(journal_dsn)[0] == [1] and a.resolve() == before
    assert [batch.batch_id for batch in importer.pending_batches(a)] == [1]
    assert Replica(a, open_journal(a)).sync() is True
    assert units_served(a) == {"2025-06": 42} and importer.pending_batches(a) == []
