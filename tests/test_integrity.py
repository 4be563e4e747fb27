"""Version files that prove themselves (issue #25, case 4): a truncated version file is never served and
never re-used — the previous good version is served, `evdash build` rebuilds the damaged one with a log line
naming it, and `evdash verify` reports it and exits 1."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from evdash import build, cli, db, integrity, logs
from tests.conftest import FIXTURE_SEEDS, mutated_seeds


def _two_versions(tmp_path: Path) -> tuple[Path, build.BuildResult, build.BuildResult]:
    """A link at the newer of two versions built here (the older one stays kept)."""
    link = tmp_path / "var" / "evdash.duckdb"
    old = build.build(seeds=FIXTURE_SEEDS, db=link)
    changed = mutated_seeds(tmp_path / "seeds2", replace={"brands.csv": ("acme,Acme,", "acme,Acme Motors,")})
    new = build.build(seeds=changed, db=link)
    assert old.version != new.version and link.resolve() == new.path
    return link, old, new


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def _log_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logger = logs.configure()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_each_version_records_its_sha256_and_verifies(tmp_path: Path) -> None:
    _link, old, new = _two_versions(tmp_path)
    for result in (old, new):
        recorded = integrity.checksum_file(result.path).read_text().split()[0]
        assert recorded == integrity.file_sha256(result.path)
        assert integrity.verify(result.path) is None


def test_truncated_current_version_is_not_served_the_previous_good_one_is(
    tmp_path: Path, captured_logs: io.StringIO
) -> None:
    link, old, new = _two_versions(tmp_path)
    _truncate(new.path)
    with db.connect_readonly(link) as con:  # before: duckdb.IOException on every page
        version, _ = db.data_version(con)
    assert version == old.version
    damaged = [e for e in _log_lines(captured_logs) if e["event"] == "version.damaged"]
    assert damaged and str(new.path) in str(damaged[0]["problem"]) and damaged[0]["served"] == str(old.path)


def test_server_path_serves_the_good_version_and_repairs_the_damaged_one(
    tmp_path: Path, captured_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    link, old, new = _two_versions(tmp_path)
    monkeypatch.setenv("EVDASH_SEEDS", str(tmp_path / "seeds2" / "seeds"))
    _truncate(new.path)
    served = build.ensure_built(link)  # what the pages open (evdash.ui.current_db_file)
    assert served == old.path
    build._repairs[link].join(timeout=120)
    assert integrity.verify(new.path) is None and link.resolve() == new.path
    events = [e["event"] for e in _log_lines(captured_logs)]
    assert "version.damaged" in events and "version.repaired" in events
    assert build.ensure_built(link) == new.path


def test_build_rebuilds_a_damaged_version_instead_of_reusing_it(
    tmp_path: Path, captured_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "var" / "evdash.duckdb"
    first = build.build(seeds=FIXTURE_SEEDS, db=link)
    _truncate(first.path)
    assert cli.main(["build", "--seeds", str(FIXTURE_SEEDS), "--db", str(link)]) == 0
    out = capsys.readouterr().out
    assert "re-used" not in out and "seed rows" in out
    assert integrity.verify(first.path) is None
    with db.connect_readonly(link) as con:
        assert db.data_version(con)[0] == first.version
    damaged = [e for e in _log_lines(captured_logs) if e["event"] == "version.damaged"]
    assert damaged and damaged[0]["path"] == str(first.path) and damaged[0]["action"] == "rebuilding"


def test_verify_reports_a_damaged_version_and_a_tampered_journal_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link, old, new = _two_versions(tmp_path)
    assert cli.main(["verify", "--db", str(link)]) == 0
    assert f"ok {new.path.name}" in capsys.readouterr().out
    _truncate(old.path)
    assert cli.main(["verify", "--db", str(link)]) == 1
    err = capsys.readouterr().err
    assert f"{old.path}: damaged" in err and str(new.path) + ":" not in err


def test_verify_checks_the_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evdash import importer

    link = tmp_path / "var" / "evdash.duckdb"
    seeds = mutated_seeds(tmp_path / "seeds")
    build.build(seeds=seeds, db=link)
    brands = "brand_id,name,home_market,tariff_company\nnova,Nova Cars,DEU,none\n"
    importer.import_files([("brands", ("brands.csv", brands.encode()))], db=link, seeds=seeds, user="t")
    assert cli.main(["verify", "--db", str(link)]) == 0
    assert "1 file(s) match" in capsys.readouterr().out
    stored = next((tmp_path / "var" / "imports").glob("brands-*.csv"))
    stored.write_bytes(stored.read_bytes() + b"evil,Evil,DEU\n")
    assert cli.main(["verify", "--db", str(link)]) == 1
    assert "does not match its recorded sha256" in capsys.readouterr().err
