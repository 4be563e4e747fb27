"""National registration offices' readers (evdash/connectors/kba.py, rdw.py, dft.py) on the publishers'
real files kept in data/raw/, their format checks (a renamed or missing header, a truncated file, an
unknown layout: a FormatError naming it), the build's replay of data/raw (sha256 checked, rows validated
like an import) and what a user sees: Germany's 2025 BEV registrations on the Market mix page."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from evdash import apply, build, queries, theme
from evdash.connectors import dft, kba, rdw
from evdash.connectors.base import FormatError
from evdash.csvread import SeedError
from evdash.figures import registrations as figures
from tests.conftest import FIXTURE_SEEDS, REPO, run_page, shown

RAW = REPO / "data" / "raw"
KBA_2025 = sorted((RAW / "kba").glob("fz10_2025_*.xlsx"))
DEC_2025 = RAW / "kba" / "fz10_2025_12.xlsx"
DEC_2024 = RAW / "kba" / "fz10_2024_12.xlsx"
VEH1153 = RAW / "dft" / "veh1153.ods"
RDW_PAGE = RAW / "rdw" / "m9d7-ebf2.csv"
SHARED = REPO.parent / "shared" / "facts" / "publishers"
NATIONAL_READERS = {r.SOURCE: r for r in (kba, rdw, dft)}


def _parse_kba(path: Path) -> pd.DataFrame:
    return kba.parse(path.read_bytes(), path.name).frame


@pytest.fixture(scope="module")
def kba_2025() -> pd.DataFrame:
    return pd.concat([_parse_kba(p) for p in KBA_2025], ignore_index=True)


# --- KBA FZ 10 ------------------------------------------------------------------------------------------


def test_kba_2025_bev_registrations_add_up_to_the_december_files_year(kba_2025: pd.DataFrame) -> None:
    """Twelve monthly files, each read for its own month: Germany's 2025 BEV registrations are 545,142
    and BYD's 11,167, and the same figures stand in the December file's 'Jan. - Dezember 2025' column."""
    assert len(KBA_2025) == 12
    assert sorted(kba_2025["month"].unique()) == [f"2025-{m:02d}" for m in range(1, 13)]
    bev = kba_2025[kba_2025["powertrain"] == "BEV"]
    national = bev[bev["subject_kind"] == "market"]
    byd = bev[(bev["subject_kind"] == "brand") & (bev["subject"] == "BYD")]
    assert len(national) == len(byd) == 12
    assert int(national["units"].sum()) == 545_142
    assert int(byd["units"].sum()) == 11_167
    year = kba.read(DEC_2025.read_bytes(), DEC_2025.name)
    assert year.total().bev_ytd == int(national["units"].sum())
    byd_line = next(line for line in year.lines if line.kind == "brand" and line.make == "BYD")
    assert byd_line.bev_ytd == int(byd["units"].sum())
    # every make's twelve months equal its year-to-date column in the December file
    by_make = bev[bev["subject_kind"] == "brand"].groupby("subject")["units"].sum()
    ytd = {kba._make(line.make): line.bev_ytd for line in year.lines if line.kind == "brand"}
    ytd["Other makes"] = ytd.pop(kba.OTHERS)
    assert {k: int(v) for k, v in by_make.items() if k in ytd} == {k: v or 0 for k, v in ytd.items()}


def test_kba_rows_are_reported_figures_with_kba_provenance() -> None:
    parsed = kba.parse(DEC_2025.read_bytes(), DEC_2025.name)
    frame = parsed.frame
    assert parsed.kind == "national_registrations" and parsed.period == "Dec 2025"
    assert str(parsed.published) == "2026-01-08"  # 'Veröffentlichung: 8. Januar 2026' in the Impressum
    assert set(frame["confidence"]) == {"reported"} and frame["qualifier"].isna().all()
    assert set(frame["as_of"]) == {"2026-01-08"} and set(frame["market"]) == {"DEU"}
    assert set(frame["source_url"]) == {kba.SOURCE_URL}
    assert set(frame.loc[frame["powertrain"] == "BEV", "scope_note"]) == {
        "KBA FZ 10, BEV (mit Elektroantrieb)"
    }
    # the total row of the file: 54,774 BEVs of 246,439 new cars
    market = frame[frame["subject_kind"] == "market"].set_index("powertrain")["units"]
    assert (int(market["BEV"]), int(market["all"])) == (54_774, 246_439)
    # makes carry the product's brand id where the product has the brand, KBA's name otherwise
    brands = frame[frame["subject_kind"] == "brand"].set_index("subject")["brand"]
    assert brands["MG ROEWE"] == "mg" and brands["BYD"] == "byd" and brands["TESLA"] == "tesla"
    assert pd.isna(brands["POLESTAR"]) and pd.isna(brands["Other makes"])
    # a make with no BEV that month ('-') is a 0, not a gap; model series carry their make
    assert int(frame.loc[(frame["subject"] == "ASTON MARTIN"), "units"].iloc[0]) == 0
    assert "BYD SEALION 7" in set(frame.loc[frame["subject_kind"] == "model", "subject"])


def test_every_mapped_brand_id_is_a_seeded_brand() -> None:
    seeded = set(pd.read_csv(REPO / "data" / "seeds" / "brands.csv")["brand_id"])
    assert set(kba.BRAND_IDS.values()) <= seeded


def test_dec_2024_other_makes_are_derived_and_ssangyong_is_kgm() -> None:
    """The Dec 2024 file has no 'SONSTIGE ZUSAMMEN' row: its other makes are the total minus the makes
    listed (so the makes still add up to the national figure); SSANGYONG is carried as KGM."""
    frame = _parse_kba(DEC_2024)
    bev = frame[frame["powertrain"] == "BEV"]
    total = int(bev.loc[bev["subject_kind"] == "market", "units"].iloc[0])
    makes = bev[bev["subject_kind"] == "brand"]
    assert int(makes["units"].sum()) == total == 33_561
    other = makes[makes["subject"] == "Other makes"]
    assert "national total minus" in other["note"].iloc[0]
    assert "KGM" in set(makes["subject"]) and "SSANGYONG" not in set(makes["subject"])
    assert "renamed KGM" in makes.loc[makes["subject"] == "KGM", "note"].iloc[0]


def _edited(path: Path, edit: str) -> bytes:
    """The real file with one change made by openpyxl (the way a publisher's new layout would look)."""
    book = openpyxl.load_workbook(path)
    sheet = next(s for s in book.worksheets if s.title.replace(" ", "") == "FZ10.1")
    for row in sheet.iter_rows():
        for cell in row:
            value = str(cell.value or "")
            if edit == "rename_bev" and "Elektroantrieb (BEV)" in value:
                cell.value = "Elektro"
            elif edit == "rename_marke" and value == "Marke":
                cell.value = "Hersteller"
            elif edit == "drop_total" and value == "NEUZULASSUNGEN INSGESAMT":
                for c in row:
                    c.value = None
            elif edit == "symbol" and value == "BYD ZUSAMMEN":
                sheet.cell(row=cell.row, column=cell.column + 35).value = "k.A."
    if edit == "sheet_name":
        sheet.title = "FZ10.1"
    if edit == "shift":  # the BEV group's label one column off: its columns no longer hold its figures
        for merged in list(sheet.merged_cells.ranges):
            sheet.unmerge_cells(str(merged))
        bev = next(
            c for r in sheet.iter_rows(max_row=12) for c in r if "Elektroantrieb (BEV)" in str(c.value)
        )
        sheet.cell(row=bev.row, column=bev.column).value = None
        sheet.cell(row=bev.row, column=bev.column - 1).value = "mit Elektroantrieb (BEV)"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("rename_bev", "no sheet has the column group 'mit Elektroantrieb (BEV)'"),
        ("rename_marke", "row 9: no columns 'Marke' and 'Modellreihe'"),
        ("drop_total", "'NEUZULASSUNGEN INSGESAMT'"),
        ("symbol", "'k.A.' in 'mit Elektroantrieb (BEV): Dezember 2025' is neither a number"),
        ("shift", "is not a month"),
    ],
)
def test_kba_format_changes_fail_naming_what_changed(edit: str, message: str) -> None:
    with pytest.raises(FormatError, match=r"fz10_2025_12\.xlsx") as info:
        kba.parse(_edited(DEC_2025, edit), DEC_2025.name)
    assert message in str(info.value)
    assert "sheet FZ 10.1" in str(info.value) or edit == "rename_bev"


def test_kba_finds_its_sheet_by_header_not_by_name() -> None:
    assert int(kba.parse(_edited(DEC_2025, "sheet_name"), DEC_2025.name).frame["units"].sum()) > 0


def test_kba_truncated_file_and_wrong_month_name_fail() -> None:
    data = DEC_2025.read_bytes()
    with pytest.raises(FormatError, match=r"fz10_2025_12.xlsx: not a readable spreadsheet \(94,066 bytes"):
        kba.parse(data[: len(data) // 2], DEC_2025.name)
    with pytest.raises(FormatError, match="the header says 2025-12, the file name 2025-11"):
        kba.parse(data, "fz10_2025_11.xlsx")


# --- DfT VEH1153 -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def veh1153() -> pd.DataFrame:
    return dft.parse(VEH1153.read_bytes(), VEH1153.name).frame


def test_dft_reads_uk_monthly_cars_in_thousands_as_about_figures(veh1153: pd.DataFrame) -> None:
    """Monthly UK rows (Jul 2014 – Sep 2022), cars, BEV and all fuels; thousands become 'about' estimates."""
    months = sorted(veh1153["month"].unique())
    assert (months[0], months[-1], len(months)) == ("2014-07", "2022-09", 99)
    assert set(veh1153["qualifier"]) == {"about"} and set(veh1153["confidence"]) == {"estimate"}
    assert set(veh1153["market"]) == {"GBR"} and set(veh1153["as_of"]) == {"2022-12-13"}
    # checked against the file itself: VEH1153b_All, United Kingdom, Monthly, Thousands, Cars
    table = pd.read_excel(VEH1153, sheet_name="VEH1153b_All", header=4, engine="calamine")
    table.columns = [c.split(" [")[0] for c in table.columns]
    sep = table[
        (table["Geography"] == "United Kingdom")
        & (table["Date"] == "September 2022")
        & (table["Units"] == "Thousands")
        & (table["BodyType"] == "Cars")
    ].iloc[0]
    mine = veh1153[veh1153["month"] == "2022-09"].set_index("powertrain")["units"]
    assert int(mine["BEV"]) == round(sep["Battery electric"] * 1000)
    assert int(mine["all"]) == round(sep["Total"] * 1000)


def _ods_without(column: str) -> bytes:
    """VEH1153 as XLSX with `column` renamed in both tables' header (a new edition's wording)."""
    book = pd.read_excel(VEH1153, sheet_name=None, header=None, engine="calamine")
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, sheet in book.items():
            sheet = sheet.replace({column: f"{column} (renamed)"})
            sheet.to_excel(writer, sheet_name=name, header=False, index=False)
    return out.getvalue()


def test_dft_format_changes_fail_naming_the_column_or_file() -> None:
    with pytest.raises(
        FormatError, match=r"veh1153.xlsx, sheet VEH1153b_All, row 5: no column 'Battery electric'"
    ):
        dft.parse(_ods_without("Battery electric"), "veh1153.xlsx")
    data = VEH1153.read_bytes()
    with pytest.raises(FormatError, match=r"veh1153\.ods: not a readable spreadsheet"):
        dft.parse(data[:100_000], VEH1153.name)
    with pytest.raises(FormatError, match="no sheet with a header row holding 'Geography'"):
        dft.parse(_edited(DEC_2025, "sheet_name"), "veh1153.xlsx")


# --- RDW m9d7-ebf2 ---------------------------------------------------------------------------------------


def test_rdw_counts_new_cars_first_registered_here_as_lower_bounds() -> None:
    """The file cannot tell BEVs (fuel is in another dataset): it yields, per month, at least how many new
    passenger cars were first registered in the Netherlands, counted in the file itself."""
    parsed = rdw.parse(RDW_PAGE.read_bytes(), RDW_PAGE.name)
    frame = parsed.frame
    assert set(frame["powertrain"]) == {"all"} and set(frame["confidence"]) == {"lower_bound"}
    assert set(frame["market"]) == {"NLD"} and str(parsed.published) == "2022-10-03"
    raw = pd.read_csv(RDW_PAGE, dtype=str)
    new = raw[
        (raw["voertuigsoort"] == "Personenauto")
        & (raw["datum_eerste_toelating"] == raw["datum_eerste_tenaamstelling_in_nederland"])
    ]
    expected = (
        new["datum_eerste_tenaamstelling_in_nederland"].str[:4]
        + "-"
        + new["datum_eerste_tenaamstelling_in_nederland"].str[4:6]
    )
    assert frame.set_index("month")["units"].astype(int).to_dict() == expected.value_counts().to_dict()
    assert int(frame["units"].sum()) == len(new) < len(raw)


def test_rdw_bulk_export_names_and_semicolons_read_the_same() -> None:
    raw = pd.read_csv(RDW_PAGE, dtype=str)
    raw.columns = [c.replace("_", " ").capitalize() for c in raw.columns]
    bulk = raw.to_csv(sep=";", index=False).encode()
    assert rdw.parse(bulk, "export.csv").frame.equals(rdw.parse(RDW_PAGE.read_bytes(), RDW_PAGE.name).frame)


def test_rdw_format_changes_fail_naming_line_and_column() -> None:
    text = RDW_PAGE.read_text()
    with pytest.raises(FormatError, match="no column 'datum_eerste_toelating'"):
        rdw.parse(text.replace('"datum_eerste_toelating"', '"eerste_toelating"', 1).encode(), "page.csv")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if '"20190913"' in line)
    lines[at] = lines[at].replace('"20190913"', '"13-09-2019"', 1)
    bad = "\n".join(lines).encode()
    with pytest.raises(
        FormatError, match=f"page.csv, line {at + 1}, column '[a-z_]+': '13-09-2019' is not a date"
    ):
        rdw.parse(bad, "page.csv")
    with pytest.raises(FormatError, match="a header but no vehicles"):
        rdw.parse(text.splitlines()[0].encode(), "page.csv")


# --- the build replays data/raw ----------------------------------------------------------------------------


def test_manifests_list_every_raw_file_with_its_sha256_and_licence() -> None:
    for source, reader in NATIONAL_READERS.items():
        with (RAW / source / "MANIFEST.csv").open() as fh:
            entries = list(csv.DictReader(fh))
        files = {p.name for p in (RAW / source).iterdir() if p.name != "MANIFEST.csv"}
        assert {e["file"] for e in entries} == files
        for e in entries:
            data = (RAW / source / e["file"]).read_bytes()
            assert e["sha256"] == hashlib.sha256(data).hexdigest() and int(e["bytes"]) == len(data)
            assert e["licence"] and e["url"].startswith("https://")
            assert (e["parser"], e["parser_version"]) == (reader.SOURCE, reader.PARSER_VERSION)
            if SHARED.exists():  # byte for byte the publisher's file
                assert data == (SHARED / source / e["file"]).read_bytes()


def _raw_copy(tmp_path: Path, source: str, files: list[Path]) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(FIXTURE_SEEDS, seeds)
    (tmp_path / "raw" / source).mkdir(parents=True)
    with (RAW / source / "MANIFEST.csv").open() as fh:
        entries = [e for e in csv.DictReader(fh) if e["file"] in {f.name for f in files}]
    for f in files:
        shutil.copy(f, tmp_path / "raw" / source / f.name)
    with (tmp_path / "raw" / source / "MANIFEST.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(entries[0]))
        writer.writeheader()
        writer.writerows(entries)
    return seeds


def test_build_replays_raw_files_through_the_import_path(tmp_path: Path) -> None:
    seeds = _raw_copy(tmp_path, "rdw", [RDW_PAGE])
    con = duckdb.connect()
    rows = build.populate(con, seeds)
    expected = rdw.parse(RDW_PAGE.read_bytes(), RDW_PAGE.name).frame
    assert rows[f"raw/rdw/{RDW_PAGE.name}"] == len(expected)
    got = con.execute(
        "select sum(units), min(url), count(distinct as_of) from national_registrations join sources using (source_id)"
    ).fetchall()[0]
    assert got == (int(expected["units"].sum()), rdw.SOURCE_URL, 1)
    # the picking view has one row per key
    assert con.execute("select count(*) from v_national_registrations").fetchall()[0][0] == len(expected)
    # the same rows again through the import path change nothing (same natural key, same values)
    stats = apply.apply_file(
        con, "national_registrations", expected.to_csv(index=False).encode(), "again.csv"
    )
    assert (stats.added, stats.changed, stats.unchanged) == (0, 0, len(expected))


def test_build_refuses_a_raw_file_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    seeds = _raw_copy(tmp_path, "rdw", [RDW_PAGE])
    kept = tmp_path / "raw" / "rdw" / RDW_PAGE.name
    kept.write_bytes(kept.read_bytes().replace(b"TESLA", b"TESLB", 1))
    with pytest.raises(SeedError, match=r"raw/rdw/m9d7-ebf2.csv: sha256 \w+… differs from MANIFEST.csv's"):
        build.populate(duckdb.connect(), seeds)


def test_build_names_the_raw_file_a_reader_refuses(tmp_path: Path) -> None:
    seeds = _raw_copy(tmp_path, "rdw", [RDW_PAGE])
    kept = tmp_path / "raw" / "rdw" / RDW_PAGE.name
    kept.write_bytes(kept.read_bytes().replace(b'"kenteken"', b'"plate"', 1))
    manifest = tmp_path / "raw" / "rdw" / "MANIFEST.csv"
    old = hashlib.sha256(RDW_PAGE.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text().replace(old, hashlib.sha256(kept.read_bytes()).hexdigest()))
    with pytest.raises(SeedError, match=r"rdw/m9d7-ebf2.csv, line 1: no column 'kenteken'"):
        build.populate(duckdb.connect(), seeds)


# --- what a user sees --------------------------------------------------------------------------------------


def test_seed_build_serves_germanys_2025_bev_registrations_by_make(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    makes = queries.national_registrations_by_make(seed_con, "DEU", 2025, "BEV")
    totals = queries.national_registrations_totals(seed_con, "DEU", 2025)
    byd = makes[makes["brand_id"] == "byd"].iloc[0]
    assert (int(byd["units"]), int(byd["months"]), byd["confidence"]) == (11_167, 12, "reported")
    assert (
        int(makes["units"].sum()) == int(totals.loc[totals["powertrain"] == "BEV", "units"].sum()) == 545_142
    )
    assert {"BYD", "MG", "Tesla", "Leapmotor", "XPeng", "NIO", "POLESTAR"} <= set(makes["brand_name"])


@pytest.mark.usefixtures("app_env")
def test_market_mix_shows_germanys_2025_byd_figure_with_its_provenance() -> None:
    at = run_page("pages/market_mix.py", office="DEU", office_year="2025")
    assert not at.exception
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "KBA FZ 10, BEV (mit Elektroantrieb)" in captions
    assert "Reported · as of 8 Jan 2026 · source: Kraftfahrt-Bundesamt (KBA)" in captions
    table = next(df.value for df in at.dataframe if "m12" in df.value.columns)
    byd = table[table["brand_name"] == "BYD"].iloc[0]
    assert int(byd["units"]) == 11_167 and int(byd["m12"]) == 2_218
    assert (byd["confidence"], byd["publisher"]) == ("Reported", "Kraftfahrt-Bundesamt (KBA)")
    titles = [
        theme.plain(f"{t['text']} · {t.get('subtitle', {}).get('text', '')}")
        for t in (json.loads(c.proto.spec)["layout"]["title"] for c in at.get("plotly_chart"))
    ]
    assert "Brand share of new BEV registrations · Germany, 2025" in titles
    lines = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "per month" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    byd_line = next(t for t in lines["data"] if t["name"] == "BYD")
    assert sum(byd_line["y"]) == 11_167


def test_a_revised_file_is_a_vintage_and_the_later_publication_is_picked(tmp_path: Path) -> None:
    """The same month published again (a revised file, a later as_of) is kept beside the first; the
    staging view picks the later publication whatever order the two arrived in, and counts the other."""
    # the example rows without their brand id (the fixture seeds have no BYD brand)
    example = (REPO / "data" / "examples" / "national_registrations.csv").read_text().replace(",byd,", ",,")
    first = example.encode()
    revised = example.replace("2026-02-04", "2026-03-05").replace(",1500,", ",1510,").encode()
    for i, order in enumerate(((first, revised), (revised, first))):
        con = duckdb.connect()
        build.populate(con, _raw_copy(tmp_path / str(i), "rdw", [RDW_PAGE]))
        for data in order:
            apply.apply_file(con, "national_registrations", data, "vintage.csv")
        picked = con.execute(
            "select units, as_of::varchar, alternatives from v_national_registrations "
            "where market_code = 'DEU' and subject = 'BYD'"
        ).fetchall()
        assert picked == [(1510, "2026-03-05", 1)]
        assert con.execute(
            "select count(*) from national_registrations where subject = 'BYD'"
        ).fetchall() == [(2,)]


def test_brand_months_draws_one_line_per_followed_brand_with_gaps_kept() -> None:
    frame = pd.DataFrame(
        {
            "brand_name": ["BYD", "POLESTAR"],
            "brand_id": ["byd", None],
            **{m: [None, 5] if m == "m02" else [10, 5] for m in figures.MONTH_COLUMNS},
        }
    )
    fig = figures.brand_months(frame, "Germany", "2025", "reported", "new BEV registrations")
    assert [t.name for t in fig.data] == ["BYD"]  # a make the dashboard does not follow is in the table only
    assert list(fig.data[0].y)[:3] == [10, None, 10]
    assert list(fig.data[0].x)[:2] == [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    assert list(fig.data[0].customdata[1]) == ["BYD", "Feb", "no figure"]
    # Quarters as upright ticks: twelve month names were turned on their side on a 375 px phone.
    assert fig.layout.xaxis.tickangle == 0 and len(fig.layout.xaxis.tickvals) == 4
    assert fig.layout.title.text == "New BEV registrations per month"
    assert "Germany, 2025" in fig.layout.title.subtitle.text
    many = pd.DataFrame(
        {
            "brand_name": [f"Brand {i}" for i in range(11)],
            "brand_id": [f"b{i}" for i in range(11)],
            **{m: [1] * 11 for m in figures.MONTH_COLUMNS},
        }
    )
    looks = [
        (t.line.color, t.marker.symbol)
        for t in figures.brand_months(many, "Germany", "2025", "reported", "x").data
    ]
    assert len(set(looks)) == 11  # more brands than colours: no two lines alike
    about = figures.brand_months(frame, "Germany", "2025", "estimate", "new BEV registrations")
    assert about.data[0].name == "BYD (estimate)" and about.data[0].line.dash == "dot"
    empty = figures.brand_months(frame.head(0), "Germany", "2025", "reported", "new BEV registrations")
    assert "No figure for a brand followed here" in empty.layout.annotations[0].text
