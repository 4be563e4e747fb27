"""`evdash fetch iea`: recorded responses served by a local HTTP server (pytest-httpserver; no internet).

Good, same-again, changed (renamed `value` column), truncated, HTTP 500, slow (timeout) and revised (a later
edition), plus the order of arrival not mattering: the later PUBLICATION is current. "Nothing changed" is
checked as a user would notice it: the served database file is byte-identical (its sha256) and the
`current` link points at the same version.

The recorded responses are slices of the publisher's own files (../shared/facts): the 2024 edition's CSV and
the 2026 workbook's data sheet, written back as a workbook with the original's sheet name and dates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pytest_httpserver import HTTPServer
from python_calamine import CalamineWorkbook
from werkzeug import Request, Response

from evdash import apply, build, cli, fetch, raw
from evdash.connectors import iea
from evdash.csvread import SeedError

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
RAW = REPO / "data" / "raw" / "iea"
CSV_2024 = RAW / "iea_global_ev_data_2024.csv"
XLSX_2026 = RAW / "ev-data-explorer-2026.xlsx"
MARKETS = {"Netherlands", "Norway"}  # not in the fixture seeds' IEA rows, so every row is new


def _csv_slice() -> bytes:
    """The 2024 edition's rows for MARKETS, as the IEA's CSV (same header, same text)."""
    lines = CSV_2024.read_text(encoding="utf-8-sig").splitlines()
    return (
        "\n".join([lines[0], *[ln for ln in lines[1:] if ln.split(",", 1)[0] in MARKETS]]) + "\n"
    ).encode()


def _xlsx_slice() -> bytes:
    """The 2026 workbook's data rows for MARKETS (2 and 3 wheelers among them) plus rows of the new
    vocabularies (an aggregate, an EREV price row with no region), in a workbook whose data sheet is not
    the first one."""
    book = CalamineWorkbook.from_path(str(XLSX_2026))
    sheet = next(n for n in book.sheet_names if n.startswith("GEVO_EV"))
    rows = book.get_sheet_by_name(sheet).to_python()
    header, body = rows[0], rows[1:]
    keep = [r for r in body if r[0] in MARKETS]
    extra = [
        next(r for r in body if r[0] == "Africa" and r[3] == "Cars"),
        next(r for r in body if r[0] == "" and r[4] == "EREV"),
    ]
    wb = openpyxl.Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["not data"])
    data = wb.create_sheet(sheet)
    for r in [header, *keep, *extra]:
        data.append(r)
    out = io.BytesIO()
    wb.save(out)
    with zipfile.ZipFile(XLSX_2026) as zf:
        core = zf.read("docProps/core.xml")  # the original's dates (the edition's as-of)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src, zipfile.ZipFile(rewritten, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, core if item.filename == "docProps/core.xml" else src.read(item.filename))
    return rewritten.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    link = tmp_path_factory.mktemp("fetch_built") / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    return link


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the fixture database (its versions folder and `current` link)."""
    shutil.copytree(built.parent / "versions", tmp_path / "versions")
    link = tmp_path / "evdash.duckdb"
    link.symlink_to(Path("versions") / built.resolve().name)
    yield link


def served(db: Path) -> tuple[str, str]:
    """(version file the link points at, its sha256)."""
    target = db.resolve()
    return target.name, hashlib.sha256(target.read_bytes()).hexdigest()


def go(db: Path, url: str, **kw: object) -> fetch.FetchResult:
    return fetch.fetch("iea", url=url, db=db, seeds=FIXTURE_SEEDS, user="tester", **kw)  # type: ignore[arg-type]


def figure(db: Path, market: str, year: int, metric: str) -> tuple[float, float | None, str]:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        row = con.execute(
            "select value, revised_from_value, source_url from v_market_measures "
            "where market_code = $m and year = $y and metric = $k",
            {"m": market, "y": year, "k": metric},
        ).fetchall()
    finally:
        con.close()
    assert len(row) == 1
    return row[0]


def iea_value(frame_rows: Sequence[Sequence[object]], region: str, year: int) -> float:
    """Cars BEV sales of `region` in `year` as the publisher's rows state it."""
    return next(
        float(str(r[7]))  # the `value` column of both formats (the workbook adds `Aggregate group`)
        for r in frame_rows
        if r[0] == region
        and r[2] == "EV sales"
        and r[3] == "Cars"
        and r[4] == "BEV"
        and int(float(str(r[5]))) == year
        and r[1] == "Historical"
    )


def test_good_file_lands_as_a_vintage_with_its_provenance(db: Path, httpserver: HTTPServer) -> None:
    body = _csv_slice()
    httpserver.expect_request("/iea.csv").respond_with_data(
        body, headers={"ETag": '"e1"'}, content_type="text/csv"
    )
    before = served(db)
    result = go(db, httpserver.url_for("/iea.csv"))
    assert result.state == "landed" and served(db)[0] != before[0]
    sha = hashlib.sha256(body).hexdigest()
    assert result.sha256 == sha
    kept = raw.read_manifest(raw.runtime_dir(db) / "iea")
    assert [(r["file"], r["sha256"], r["http_status"], r["etag"], r["parser_version"]) for r in kept] == [
        ("iea.csv", sha, "200", '"e1"', iea.PARSER_VERSION)
    ]
    assert kept[0]["url"] == httpserver.url_for("/iea.csv") and "CC BY 4.0" in kept[0]["licence"]
    assert (raw.runtime_dir(db) / "iea" / "iea.csv").read_bytes() == body  # byte for byte
    rows = list(csv.reader(io.StringIO(body.decode())))
    nl_2023 = iea_value(rows, "Netherlands", 2023)
    assert figure(db, "NLD", 2023, "bev_sales") == (nl_2023, None, iea.EXPLORER_URL)


def test_same_file_again_changes_nothing(db: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/iea.csv").respond_with_data(_csv_slice())
    go(db, httpserver.url_for("/iea.csv"))
    before = served(db)
    again = go(db, httpserver.url_for("/iea.csv"))
    assert again.state == "unchanged" and "already fetched" in again.message
    assert served(db) == before
    assert len(raw.read_manifest(raw.runtime_dir(db) / "iea")) == 1


def test_revised_edition_shows_the_earlier_value_and_order_of_arrival_does_not_matter(
    db: Path, built: Path, httpserver: HTTPServer, tmp_path: Path
) -> None:
    old, new = _csv_slice(), _xlsx_slice()
    httpserver.expect_request("/2024.csv").respond_with_data(old)
    httpserver.expect_request("/2026.xlsx").respond_with_data(new)
    before_2024 = iea_value(list(csv.reader(io.StringIO(old.decode()))), "Netherlands", 2023)
    book = CalamineWorkbook.from_filelike(io.BytesIO(new))
    after_2026 = iea_value(book.get_sheet_by_name(book.sheet_names[1]).to_python(), "Netherlands", 2023)
    assert (before_2024, after_2026) == (130000.0, 110000.0)  # as the two editions publish it
    go(db, httpserver.url_for("/2024.csv"))
    result = go(db, httpserver.url_for("/2026.xlsx"))
    assert any("Africa" in n for n in result.notes) and any("no region" in n for n in result.notes)
    assert any("a mode evdash does not hold" in n for n in result.notes)  # e.g. 2 and 3 wheelers
    assert figure(db, "NLD", 2023, "bev_sales") == (after_2026, before_2024, iea.edition_url(2026))
    # The other order: the older edition arrives last and does not replace the newer one.
    other = tmp_path / "other" / "evdash.duckdb"
    shutil.copytree(built.parent / "versions", other.parent / "versions")
    other.symlink_to(Path("versions") / built.resolve().name)
    go(other, httpserver.url_for("/2026.xlsx"))
    go(other, httpserver.url_for("/2024.csv"))
    assert figure(other, "NLD", 2023, "bev_sales") == (after_2026, before_2024, iea.edition_url(2026))


def test_renamed_value_column_fails_naming_it_and_nothing_changes(db: Path, httpserver: HTTPServer) -> None:
    body = _csv_slice().replace(b",unit,value\n", b",unit,amount\n", 1)
    httpserver.expect_request("/iea.csv").respond_with_data(body)
    before = served(db)
    with pytest.raises(fetch.FormatChanged, match="'value'") as err:
        go(db, httpserver.url_for("/iea.csv"))
    assert err.value.exit_code == 5 and "amount" in str(err.value)
    assert served(db) == before
    assert not (raw.runtime_dir(db) / "iea").exists()


def test_http_500_fails_naming_the_status_and_nothing_changes(
    db: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/iea.csv").respond_with_data("oops", status=500)
    before = served(db)
    code = cli.main(["fetch", "iea", "--url", httpserver.url_for("/iea.csv"), "--db", str(db)])
    assert code == 4
    assert "HTTP 500" in capsys.readouterr().err
    assert served(db) == before


def test_truncated_workbook_fails_naming_it_and_nothing_changes(db: Path, httpserver: HTTPServer) -> None:
    whole = _xlsx_slice()
    httpserver.expect_request("/cut.xlsx").respond_with_data(whole[: len(whole) // 2])
    before = served(db)
    with pytest.raises(fetch.FormatChanged, match="truncated"):
        go(db, httpserver.url_for("/cut.xlsx"))
    assert served(db) == before


def test_transfer_shorter_than_its_content_length_is_a_truncated_download(
    db: Path, httpserver: HTTPServer
) -> None:
    body = _csv_slice()

    def short(_request: Request) -> Response:
        response = Response(body[:1000], content_type="text/csv")
        response.headers["Content-Length"] = str(len(body))
        response.automatically_set_content_length = False
        return response

    httpserver.expect_request("/short.csv").respond_with_handler(short)
    before = served(db)
    with pytest.raises(fetch.DownloadError) as err:
        go(db, httpserver.url_for("/short.csv"))
    assert err.value.exit_code == 4
    assert served(db) == before


def test_slow_publisher_times_out_and_nothing_changes(db: Path, httpserver: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(2)
        return Response(_csv_slice())

    httpserver.expect_request("/slow.csv").respond_with_handler(slow)
    before = served(db)
    with pytest.raises(fetch.DownloadError, match="timed out") as err:
        go(db, httpserver.url_for("/slow.csv"), read_timeout=0.3)
    assert err.value.exit_code == 4
    assert served(db) == before


def test_shipped_file_is_unchanged(db: Path) -> None:
    """The repository's own raw files are replayed by every build: fetching one again is a no-op."""
    result = fetch.fetch("iea", file=XLSX_2026, db=db)
    assert result.state == "unchanged" and "data/raw/iea/ev-data-explorer-2026.xlsx" in result.message


def test_reader_vocabularies_are_the_schemas(built: Path) -> None:
    con = duckdb.connect(str(built.resolve()), read_only=True)
    try:
        _, allowed, _ = apply.constraint_info(con, "iea_ev_data")
    finally:
        con.close()
    assert set(allowed["category"]) == set(iea.CATEGORIES)
    assert set(allowed["mode"]) == set(iea.MODES)
    assert set(allowed["powertrain"]) == set(iea.POWERTRAINS)


def test_unknown_source_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "nosuch", "--url", "http://127.0.0.1:9/x"]) == 2
    assert "unknown source 'nosuch'" in capsys.readouterr().err


def test_build_replays_shipped_raw_files_and_refuses_a_changed_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raw file in the shipped folder is replayed by the build (its rows are in the database); one whose
    bytes no longer match its manifest's sha256 fails the build naming the file, serving nothing new."""
    shipped = tmp_path / "raw"
    monkeypatch.setenv("EVDASH_RAW", str(shipped))
    monkeypatch.setenv("EVDASH_RAW_CACHE", str(tmp_path / "cache"))
    body = _csv_slice()
    raw.keep(
        shipped / "iea", "slice.csv", body, {"url": "file:slice.csv", "parser_version": iea.PARSER_VERSION}
    )
    link = tmp_path / "db" / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert figure(link, "NLD", 2023, "bev_sales") == (
        iea_value(rows, "Netherlands", 2023),
        None,
        iea.EXPLORER_URL,
    )
    before = served(link)
    (shipped / "iea" / "slice.csv").write_bytes(body.replace(b"130000", b"130001"))
    with pytest.raises(SeedError, match=r"raw/iea/slice.csv: sha256 .* differs from MANIFEST.csv"):
        build.build(seeds=FIXTURE_SEEDS, db=link, force=True)
    assert served(link) == before
