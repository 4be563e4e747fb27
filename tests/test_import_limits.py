"""Bounded input (issue #25, cases 6, 7, 8): a file over the size limit is refused before it is read;
a file of 10⁶ columns is refused at once with one message; lines, cells and names have limits; names
refuse NUL, CR/LF, control and bidi-override characters; no message echoes a huge value; and the error
list stops at the first 100 problems with a count of the rest. Every refusal leaves the served database
byte-identical."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.import_memory_bench import LAUNCHER
from evdash import build, csvread, importer
from evdash.csvread import SeedError
from tests.conftest import FIXTURE_SEEDS
from tests.test_import import snapshot

BRANDS = "brand_id,name,home_market,tariff_company\n"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    link = tmp_path_factory.mktemp("limits") / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    return link


def refused(db: Path, name: str, data: bytes, kind: str = "brands") -> list[str]:
    before = snapshot(db)
    with pytest.raises(SeedError) as info:
        importer.import_files([(kind, (name, data))], db=db, seeds=FIXTURE_SEEDS, user="t")
    assert snapshot(db) == before
    return info.value.errors


def test_a_1_gb_file_is_refused_before_it_is_read(shared_db: Path, tmp_path: Path) -> None:
    huge = tmp_path / "registrations.csv"
    with open(huge, "wb") as fh:
        fh.truncate(1024 * MB)  # sparse: 1 GB on paper, nothing on disk
    code, err, peak = measured_cli(shared_db, "registrations", str(huge))
    assert code == 1
    assert f"registrations.csv: file is {1024 * MB:,} bytes, over the limit of {200 * MB:,} bytes" in err
    assert peak < 600, f"peak {peak} MB: the file was read (before the fix: 1.19 GB)"


# A child's ru_maxrss starts from the image of the process that spawned it (Linux keeps the high-water
# mark across exec), so a CLI spawned straight from a pytest worker that already holds 700 MB reports
# 700 MB whatever it does. A small launcher process (the benchmark's) spawns the CLI instead and reports
# the CLI's own peak.


def measured_cli(db: Path, *args: str) -> tuple[int, str, int]:
    """Exit code, stderr and peak resident memory (MB) of `evdash import --user t *args`."""
    env = {**os.environ, "EVDASH_SEEDS": str(FIXTURE_SEEDS), "EVDASH_DB": str(db)}
    cli = [sys.executable, "-m", "evdash.cli", "import", "--user", "t", *args]
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *cli], capture_output=True, env=env, check=False)
    code, peak = (int(v) for v in done.stdout.split())
    return code, done.stderr.decode(), peak // MB


def test_a_million_columns_are_refused_at_once_with_one_message(shared_db: Path) -> None:
    wide = (",".join(f"c{i}" for i in range(10**6)) + "\n" + "," * (10**6 - 1) + "\n").encode()
    assert len(wide) > 8 * MB
    errors = refused(shared_db, "wide.csv", wide)
    assert errors == [
        "wide.csv, line 1: 1,000,000 columns, over the limit of 200 per file (EVDASH_IMPORT_MAX_COLUMNS); "
        "an import file has the columns of its kind's format"
    ]


def test_a_50_mb_name_is_refused_without_being_echoed(shared_db: Path, tmp_path: Path) -> None:
    upload = tmp_path / "brands.csv"
    upload.write_bytes((BRANDS + "nova," + "N" * (50 * MB) + ",DEU,none\n").encode())
    code, err, peak = measured_cli(shared_db, "--dry-run", "brands", str(upload))
    assert code == 1
    assert "brands.csv, line 2, column 'name': 52,428,814 bytes long, over the limit of 100,000 bytes" in err
    assert "NNNNNNNNNN" not in err and len(err) < 2000  # before: the whole 50 MB printed back
    print(f"peak {peak} MB")
    assert peak < 600, f"peak {peak} MB (before the fix: 1.06 GB)"


@pytest.mark.parametrize(
    ("value", "problem", "shown"),
    [
        ("Nova\x00Cars", "contains a NUL byte", "'Nova\\u0000Cars'"),
        ("Nova\r\nCars", "contains a line break (CR/LF)", "'Nova\\u000d\\u000aCars'"),
        ("Nova\x07Cars", "contains a control character (U+0007)", "'Nova\\u0007Cars'"),
        ("Nova \u202eraC", "contains a bidirectional override (U+202E)", "'Nova \\u202eraC'"),
        ("Nova \u2067Cars", "contains a bidirectional override (U+2067)", "'Nova \\u2067Cars'"),
    ],
    ids=["nul", "crlf", "bell", "rlo", "rli"],
)
def test_hostile_characters_in_a_brand_name_are_refused(
    shared_db: Path, value: str, problem: str, shown: str
) -> None:
    data = (BRANDS + f'nova,"{value}",DEU,none\n').encode()
    errors = refused(shared_db, "brands.csv", data)
    assert errors == [f"brands.csv, line 2, column 'name': {shown} {problem}, which a name may not"]


def test_a_long_name_is_refused_with_a_cut_value_and_its_length(shared_db: Path) -> None:
    errors = refused(shared_db, "brands.csv", (BRANDS + "nova," + "N" * 5000 + ",DEU,none\n").encode())
    assert errors == [
        f"brands.csv, line 2, column 'name': '{'N' * 40}…' (5,000 characters) is longer than the 200 "
        "characters a name may have (EVDASH_IMPORT_MAX_NAME)"
    ]


def test_a_long_note_is_refused_but_line_breaks_in_it_are_kept(
    shared_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVDASH_IMPORT_MAX_CELL", "500")
    errors = refused(
        shared_db, "brands.csv", (BRANDS[:-1] + ",note\nnova,Nova,DEU,none," + "n" * 600 + "\n").encode()
    )
    assert errors[0].startswith("brands.csv, line 2, column 'note': ") and "(600 characters)" in errors[0]
    monkeypatch.delenv("EVDASH_IMPORT_MAX_CELL")
    ok = (BRANDS[:-1] + ',note\nnova,Nova,DEU,none,"two\nlines"\n').encode()
    result = importer.import_files(
        [("brands", ("b.csv", ok))], db=shared_db, seeds=FIXTURE_SEEDS, dry_run=True, user="t"
    )
    assert result.files[0].added == 1


def test_the_error_list_stops_at_100_and_counts_the_rest(shared_db: Path) -> None:
    rows = "".join(f"b{i},Brand {i},XXY,none\n" for i in range(300))
    errors = refused(shared_db, "many.csv", (BRANDS + rows).encode())
    assert len(errors) == csvread.MAX_ERRORS + 1 == 101
    assert errors[0].startswith("many.csv, line 2, column 'home_market': 'XXY' is not an ISO 3166-1")
    assert errors[99].startswith("many.csv, line 101, column 'home_market'")
    assert errors[100] == "… and 200 more problem(s) not listed (the first 100 are)"


def test_cell_errors_are_capped_and_counted_too(shared_db: Path) -> None:
    header = "brand,model,market,month,units,confidence,source_url,as_of\n"
    rows = "".join(f"acme,,CHN,2025-06,many{i},reported,https://x.example/,2025-07-01\n" for i in range(250))
    errors = refused(shared_db, "d.csv", (header + rows).encode(), kind="deliveries")
    assert len(errors) == 101 and errors[-1] == "… and 150 more problem(s) not listed (the first 100 are)"


def test_line_and_row_limits(shared_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVDASH_IMPORT_MAX_ROWS", "2")
    rows = "".join(f"b{i},Brand {i},DEU,none\n" for i in range(3))
    assert refused(shared_db, "rows.csv", (BRANDS + rows).encode()) == [
        "rows.csv: 3 rows, over the limit of 2 (EVDASH_IMPORT_MAX_ROWS)"
    ]
    monkeypatch.setenv("EVDASH_IMPORT_MAX_ROWS", "5000000")
    monkeypatch.setenv("EVDASH_IMPORT_MAX_LINE", "60")
    long_line = BRANDS + "nova,Nova,DEU," + "x" * 80 + "\n"
    assert refused(shared_db, "line.csv", long_line.encode()) == [
        f"line.csv, line 2, column 'tariff_company': {len('nova,Nova,DEU,') + 80} bytes long, over the "
        "limit of 60 bytes per line "
        "(EVDASH_IMPORT_MAX_LINE); the value is not shown"
    ]


def _registrations_file(path: Path, size: int) -> int:
    """A valid registrations file of the fixture seeds' brands, about `size` bytes; returns its bytes."""
    brands = ("acme", "zeta", "bolt")
    markets = ("DEU", "FRA", "ITA", "ESP", "NLD", "POL")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("month,market,brand,model_name,powertrain,body_type,units,source_url,as_of,confidence\n")
        n = 0
        while n == 0 or fh.tell() < size:
            fh.write(
                f"{2019 + (n // 12) % 7}-{n % 12 + 1:02d},{markets[(n // 84) % 6]},{brands[(n // 504) % 3]},"
                f"Model {n // 1512},{('BEV', 'PHEV')[n % 2]},{('suv', 'sedan')[(n // 2) % 2]},{n % 5000 + 1},"
                "https://example.org/registrations,2026-11-10,estimate\n"
            )
            n += 1
    return path.stat().st_size


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_an_import_s_memory_stays_a_small_multiple_of_its_file(tmp_path: Path, dry_run: bool) -> None:
    """Issue 25, case 11: the peak memory an import adds over a one-row file of the same kind is bounded
    by the file's size (the target is 3×, measured in bench/import_memory_bench.py; here 3× plus 1.25×
    of margin: two runs of the same dry run once measured 3.65× and 4.9×, DuckDB's and the allocators'
    peaks vary by about 25 MB between identical runs). With the seeds checkpointed before the import
    (`apply.replay`) this file measured 2.55× (dry run) and 3.05× (import); before that 3.65–4.9×, and
    before chunked reading the file was read whole into pandas frames: 8.7× (183 MB over one row)."""
    measured = []
    for name, size in (("one.csv", 1), ("big.csv", 20 * MB)):
        db = tmp_path / name.removesuffix(".csv") / "evdash.duckdb"
        build.build(seeds=FIXTURE_SEEDS, db=db)
        file = tmp_path / name
        file_bytes = _registrations_file(file, size)
        code, err, peak = measured_cli(db, *(["--dry-run"] if dry_run else []), "registrations", str(file))
        assert code == 0, err
        measured.append((file_bytes, peak))
    (_, base), (file_bytes, peak) = measured
    added = (peak - base) * MB
    print(f"one-row file {base} MB, {file_bytes / MB:.0f} MB file {peak} MB: {added / file_bytes:.2f}×")
    assert added < 4.25 * file_bytes, (
        f"{added / MB:.0f} MB over the one-row file for a {file_bytes / MB:.0f} MB file"
    )
