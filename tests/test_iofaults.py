"""I/O faults named as such (issue #25, case 5): a full disk or an I/O error during a build or an import
says what happened and where, exits 5, leaves the served data byte-identical and never blames an input
file (before: "data/seeds/iea_ev_data.csv: rejected by the database", or a raw FatalException)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from evdash import build, cli, integrity, iofaults, logs
from evdash.journal.local import LocalJournal
from tests.conftest import FIXTURE_SEEDS, mutated_seeds

BRANDS = "brand_id,name,home_market,tariff_company\nnova,Nova Cars,DEU,none\n"


@pytest.fixture(autouse=True)
def _logs_to_this_tests_stderr() -> Iterator[None]:
    """The JSON log handler writes to the stderr of the test that first configured it: give each test
    its own, so a log line lands in the captured stderr instead of a closed stream."""
    logger = logging.getLogger(logs.LOGGER_NAME)
    saved = logger.handlers[:]
    logger.handlers = []
    yield
    logger.handlers = saved


def _served(link: Path) -> tuple[str, str]:
    return link.resolve().name, integrity.file_sha256(link.resolve())


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 48 MB tmpfs (room for one fixture version of about 30 MB, not for a second one)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="evdash-small-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def test_disk_full_during_import_on_a_real_small_disk(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = mutated_seeds(tmp_path)
    monkeypatch.setenv("EVDASH_SEEDS", str(seeds))
    link = small_disk / "evdash.duckdb"
    build.build(seeds=seeds, db=link)
    before = _served(link)
    upload = tmp_path / "brands.csv"
    upload.write_text(BRANDS)
    code = cli.main(["import", "brands", str(upload), "--db", str(link), "--user", "t"])
    err = capsys.readouterr().err
    assert code == iofaults.EXIT_CODE == 5
    assert "no space left on device writing" in err and str(small_disk / "versions" / ".building-") in err
    verdict = err.strip().splitlines()[-1]  # above it: the progress lines ("applying brands brands.csv")
    assert verdict.startswith("import not done: no space left on device writing")
    assert "rejected" not in err and "brands.csv" not in verdict and "Traceback" not in err
    assert _served(link) == before  # the served version is byte-identical
    assert not list((small_disk / "versions").glob(".building-*"))  # the half-written file is gone
    assert not (small_disk / "imports").exists() or not list((small_disk / "imports").glob("brands-*"))


class _FullDisk:
    """A DuckDB connection whose inserts into `table` fail as DuckDB fails on a full disk."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        self._con, self._table = con, table

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith(f"insert into {self._table}"):
            raise duckdb.IOException(
                'IO Error: Could not write file "var/versions/.building-1.duckdb": No space left on device'
            )
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_disk_full_during_build_is_not_blamed_on_a_seed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "var" / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    before = _served(link)
    insert = build._insert

    def full_disk_insert(con: duckdb.DuckDBPyConnection, table: str, frame: Any, where: str) -> None:
        target = _FullDisk(con, "iea_ev_data") if table == "iea_ev_data" else con
        insert(target, table, frame, where)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "_insert", full_disk_insert)
    code = cli.main(["build", "--force", "--seeds", str(FIXTURE_SEEDS), "--db", str(link)])
    err = capsys.readouterr().err
    assert code == 5
    assert f"no space left on device writing {link.parent / 'versions' / '.building-'}" in err
    assert "iea_ev_data.csv" not in err and "rejected" not in err
    assert _served(link) == before


def test_disk_full_writing_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = mutated_seeds(tmp_path)
    monkeypatch.setenv("EVDASH_SEEDS", str(seeds))
    link = tmp_path / "var" / "evdash.duckdb"
    build.build(seeds=seeds, db=link)
    before = _served(link)

    def no_space(self: LocalJournal, f: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalJournal, "_store", no_space)
    upload = tmp_path / "brands.csv"
    upload.write_text(BRANDS)
    code = cli.main(["import", "brands", str(upload), "--db", str(link), "--user", "t"])
    err = capsys.readouterr().err
    assert code == 5
    assert f"no space left on device writing the import journal at {link.parent / 'imports'}" in err
    assert "rejected" not in err and "Traceback" not in err
    assert _served(link) == before


def test_named_passes_other_errors_and_names_io_errors() -> None:
    with pytest.raises(ValueError, match="bad cell"), iofaults.named("writing", "x"):
        raise ValueError("bad cell")
    io_error = OSError(errno.EIO, "Input/output error")
    with (
        pytest.raises(iofaults.IOFault, match="input/output error reading /data/f"),
        iofaults.named("reading", "/data/f"),
    ):
        raise io_error
