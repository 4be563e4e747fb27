"""The IEA Global EV Data Explorer through its connector: names to ISO codes, confidence by category, the
picking rule with national figures, projections kept apart from actuals, and the history on the country page.
(The 2024 edition is a shipped raw file replayed by the build, no longer a generated seed: issue #23.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import queries, theme
from evdash.connectors import iea
from evdash.connectors.base import Parsed
from evdash.figures.expansion import ev_share_history

REPO = Path(__file__).resolve().parent.parent
# shared/facts lies beside the repository (CI) or beside a folder of worktrees.
FACTS = next(
    (f for d in REPO.parents if (f := d / "shared" / "facts" / "iea_global_ev_data_2024.csv").exists()),
    REPO.parent / "shared" / "facts" / "iea_global_ev_data_2024.csv",
)
RAW = REPO / "data" / "raw" / "iea"
HEADER = "region,category,parameter,mode,powertrain,year,unit,value\n"


def _parse(text: str) -> Parsed:
    return iea.parse((HEADER + text).encode(), "test.csv")


def test_names_pycountry_cannot_resolve_come_from_the_table() -> None:
    parsed = _parse(
        "Korea,Historical,EV sales,Cars,BEV,2023,Vehicles,1\n"
        "Turkiye,Historical,EV sales,Cars,BEV,2023,Vehicles,1\n"
        "USA,Historical,EV sales,Cars,BEV,2023,Vehicles,1\n"
        "Czech Republic,Historical,EV sales,Cars,BEV,2023,Vehicles,1\n"
        "Europe,Projection-APS,EV sales,Cars,BEV,2030,Vehicles,1\n"
        "Rest of the world,Projection-STEPS,EV sales,Cars,BEV,2030,Vehicles,1\n"
    )
    rows = parsed.frame.set_index("region")
    assert rows.loc[
        ["Korea", "Turkiye", "USA", "Czech Republic", "Europe", "Rest of the world"], "market"
    ].tolist() == ["KOR", "TUR", "USA", "CZE", "EUR_IEA", "ROW"]
    conf = rows["confidence"].to_dict()
    assert conf["Korea"] == "reported" and conf["Europe"] == conf["Rest of the world"] == "estimate"
    # history ends in 2023: the 2024 edition, published on the Global EV Outlook 2024's day
    assert set(rows["as_of"]) == {"2024-04-23"} and set(rows["source_url"]) == {iea.EXPLORER_URL}


def test_an_unknown_region_is_skipped_and_named_not_fatal() -> None:
    parsed = _parse(
        "Germany,Historical,EV sales,Cars,BEV,2023,Vehicles,1\nAtlantis,Historical,EV sales,Cars,BEV,2023,Vehicles,1\n"
    )
    assert parsed.frame["market"].tolist() == ["DEU"]
    assert any("1 rows skipped" in n and "Atlantis" in n for n in parsed.notes)


def test_rest_of_world_keeps_one_scope() -> None:
    """The 2024 edition's historical 'Rest of the world' is a residual of unlisted countries (126,000 EV cars
    in 2023), its projections and the IEA's reports mean the world outside China, Europe and the US (1.3
    million in 2024): only the projections' scope is kept."""
    parsed = _parse(
        "Rest of the world,Historical,EV sales,Cars,BEV,2023,Vehicles,100000\n"
        "Rest of the world,Projection-STEPS,EV sales,Cars,BEV,2025,Vehicles,900000\n"
    )
    assert parsed.frame["category"].tolist() == ["Projection-STEPS"]
    assert any("historical 'Rest of the world'" in n for n in parsed.notes)


@pytest.mark.skipif(not FACTS.exists(), reason="shared/facts is not beside the repository")
def test_replayed_2024_edition_is_the_facts_file_read(seed_con: duckdb.DuckDBPyConnection) -> None:
    """The shipped raw file is the facts file byte for byte, and the build's rows are the reader's."""
    assert (
        hashlib.sha256((RAW / FACTS.name).read_bytes()).hexdigest()
        == hashlib.sha256(FACTS.read_bytes()).hexdigest()
    )
    expected = iea.parse(FACTS.read_bytes(), FACTS.name).frame
    got = seed_con.execute(
        """select market_code as market, region, category, parameter, mode, powertrain, year, unit, value
           from iea_ev_data where source_id = 'iea_gevd_2024'
           order by market, category, parameter, mode, powertrain, year"""
    ).df()
    want = expected[list(got.columns)].astype({"year": int, "value": float}).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype({"year": int}), want, check_dtype=False)


def test_iea_history_and_the_national_figure_both_kept_rule_decides(
    fixture_con: duckdb.DuckDBPyConnection,
) -> None:
    rows = fixture_con.execute(
        """select year, value, source_id, alternatives, confidence from v_market_measures
           where market_code = 'DEU' and metric = 'ev_share_pct' order by year"""
    ).fetchall()
    # 2021-2022 only the IEA; 2023 both (the IEA is primary, the national figure came through the media);
    # 2024 only the national figure.
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (2021, "iea_gevd_2024", 0),
        (2022, "iea_gevd_2024", 0),
        (2023, "iea_gevd_2024", 1),
        (2024, "media", 0),
    ]
    ev = fixture_con.execute(
        "select value from v_market_measures where market_code = 'DEU' and metric = 'new_ev_sales' and year = 2022"
    ).fetchall()
    assert ev == [(830000.0,)]  # BEV 470,000 + PHEV 360,000; FCEV and buses left out


def test_projections_never_become_actuals(fixture_con: duckdb.DuckDBPyConnection) -> None:
    leaked = fixture_con.execute(
        "select count(*) from v_market_measures where scope_note like '%Projection%'"
    ).fetchall()
    assert leaked == [(0,)]
    history = queries.market_history(fixture_con, ["DEU"], "ev_share_pct", 2014)
    proj = history[history["kind"] == "projection"]
    assert sorted(set(proj["scenario"])) == ["APS", "STEPS"]
    assert set(proj["year"]) == {2025, 2030, 2035}  # the scenario's base years (<= 2023) are not projections
    assert set(proj["confidence"]) == {"estimate"}
    assert list(history.loc[history["kind"] == "actual", "year"]) == [2021, 2022, 2023, 2024]


def test_history_figure_draws_projections_as_projections(fixture_con: duckdb.DuckDBPyConnection) -> None:
    history = queries.market_history(fixture_con, ["DEU"], "ev_share_pct", 2014)
    fig = ev_share_history(history, "Germany")
    names = [t.name for t in fig.data]
    assert names[0].startswith("Actual")
    projections = [t for t in fig.data if "projection" in t.name]
    assert len(projections) == 2 and all(t.line.dash in ("dash", "dot") for t in projections)
    # each projection line starts from the last actual year so it reads as a continuation, not a figure
    assert all(t.x[0] == 2024 for t in projections)
    subtitle = theme.plain(fig.layout.title.subtitle.text)  # broken into lines that fit a phone
    assert "IEA" in subtitle and "CC BY 4.0" in subtitle


def test_growth_confidence_is_the_weaker_year_everywhere(fixture_con: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_con.execute(
        "select market_code, year, confidence from v_market_growth order by market_code, year"
    ).fetchall()
    measures = queries.markets_measures(fixture_con)
    growth = measures[measures["measure"] == "ev_growth_pct"]
    for code, conf in zip(growth["market_code"], growth["confidence"], strict=True):
        latest = max((r for r in rows if r[0] == code), key=lambda r: r[1])
        assert latest[2] == conf


def test_seed_history_covers_the_markets(seed_con: duckdb.DuckDBPyConnection) -> None:
    ten_years = seed_con.execute(
        """select count(*) from (
               select market_code from v_market_measures join markets using (market_code)
               where kind = 'country' and metric = 'ev_share_pct' and year >= 2014
               group by market_code having count(*) >= 10)"""
    ).fetchall()[0][0]
    assert ten_years >= 30
    iea_markets = seed_con.execute("select count(distinct market_code) from iea_ev_data").fetchall()[0][0]
    read = {
        m
        for f in (RAW / "iea_global_ev_data_2024.csv", RAW / "ev-data-explorer-2026.xlsx")
        for m in iea.parse(f.read_bytes(), f.name).frame["market"]
    }
    assert iea_markets == len(read)


def test_a_country_without_its_own_projection_gets_its_regions_named(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    history = queries.market_history(seed_con, ["NOR", "JPN", "USA", "AUS"], "ev_share_pct", 2014)
    proj = history[history["kind"] == "projection"].groupby("market_code")["projection_of"].first().to_dict()
    # Japan has its own projection since the 2026 edition; Australia has none and borrows none (the
    # "Rest of the world" is not Australia's region in any edition's scope).
    assert proj == {"NOR": "EUR_IEA", "JPN": "JPN", "USA": "USA"}
    fig = ev_share_history(history[history["market_code"] == "NOR"], "Norway")
    names = [t.name for t in fig.data if "projection" in t.name]
    scenarios = set(
        history.loc[(history["market_code"] == "NOR") & (history["kind"] == "projection"), "scenario"]
    )
    assert len(names) == len(scenarios) >= 2
    assert all("for Europe (IEA aggregate), not Norway's own" in n for n in names)
    aus = ev_share_history(history[history["market_code"] == "AUS"], "Australia")
    assert not [t for t in aus.data if "projection" in t.name]
    assert "no IEA projection for Australia" in theme.plain(aus.layout.title.subtitle.text)


def test_a_regional_projection_is_not_joined_to_the_countrys_line(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    history = queries.market_history(seed_con, ["NOR"], "ev_share_pct", 2014)
    fig = ev_share_history(history, "Norway")
    first = int(history.loc[history["kind"] == "projection", "year"].min())
    last_actual = int(history.loc[history["kind"] == "actual", "year"].max())
    assert first > last_actual  # the latest edition projects from after its last historical year
    assert all(t.x[0] == first for t in fig.data if "projection" in t.name)


def _nl_2023_bev(path: Path) -> float:
    """The Netherlands' 2023 BEV car sales as the edition's own file states it (read by the connector)."""
    f = iea.parse(path.read_bytes(), path.name).frame
    row = f[
        (f["market"] == "NLD")
        & (f["category"] == "Historical")
        & (f["parameter"] == "EV sales")
        & (f["mode"] == "Cars")
        & (f["powertrain"] == "BEV")
        & (f["year"] == "2023")
    ]
    return float(row["value"].iloc[0])


def test_expansion_page_shows_the_revision_and_its_csv_carries_it(app_env: Path) -> None:
    """The 2026 edition revised the Netherlands' 2023 BEV sales: the market figures table (and the CSV of
    the same frame) shows the 2026 value with the 2024 edition's value beside it."""
    from evdash import exports
    from tests.conftest import open_page

    before = _nl_2023_bev(RAW / "iea_global_ev_data_2024.csv")
    after = _nl_2023_bev(RAW / "ev-data-explorer-2026.xlsx")
    assert (before, after) == (130000.0, 110000.0)
    at = open_page("pages/expansion.py", {"market": "NLD"}, timeout=120)
    assert not at.exception
    tables = [t.value for t in at.dataframe if "revised_from_value" in t.value.columns]
    assert len(tables) == 1
    row = tables[0][(tables[0]["year"] == 2023) & (tables[0]["metric"] == "BEV sales")]
    assert row[["value", "revised_from_value"]].values.tolist() == [[after, before]]
    text = exports.csv_bytes(tables[0]).decode()
    assert any(
        ",110000" in line and ",130000" in line and line.startswith("2023,") for line in text.splitlines()
    )
    # the market sizes the ranking reads are the 2026 edition's 2025 figures
    con = duckdb.connect(str(app_env.resolve()), read_only=True)
    try:
        sizes = queries.markets_measures(con)
    finally:
        con.close()
    assert sizes.loc[
        (sizes["market_code"] == "NLD") & (sizes["measure"] == "bev_sales"), "year"
    ].tolist() == [2025]


def _nl_2023_row(at: object) -> pd.Series:
    tables = [t.value for t in at.dataframe if "revised_from_value" in t.value.columns]  # type: ignore[attr-defined]
    assert len(tables) == 1
    table = tables[0]
    row: pd.Series = table[(table["year"] == 2023) & (table["metric"] == "BEV sales")].iloc[0]
    return row


def test_known_before_the_2026_edition_arrived_shows_what_was_known_then(app_env: Path) -> None:
    """`?known=2026-12-06`: the 2026 workbook was kept on 7 Dec 2026, so the page shows the Netherlands'
    2023 BEV sales as the 2024 edition gave them (130,000, no revision), says which date it shows, and
    every sidebar link carries the date; today's view is unchanged (110,000 revised from 130,000)."""
    from tests.conftest import open_page, shown

    at = open_page("pages/expansion.py", {"market": "NLD", "known": "2026-12-06"}, timeout=180)
    assert not at.exception
    row = _nl_2023_row(at)
    assert row["value"] == 130000.0 and pd.isna(row["revised_from_value"])
    assert any("Data as evdash knew it on 6 Dec 2026" in shown(i.value) for i in at.info)
    links = [link.proto.query_string for link in at.sidebar.get("page_link")]
    assert links and all("known=2026-12-06" in q for q in links), links
    now = open_page("pages/expansion.py", {"market": "NLD"}, timeout=120)
    row = _nl_2023_row(now)
    assert (row["value"], row["revised_from_value"]) == (110000.0, 130000.0)
    assert not any("Data as evdash knew it" in shown(i.value) for i in now.info)


def test_known_version_leaves_out_what_arrived_later(app_env: Path) -> None:
    """The database as known on a date: files held later are left out (KBA's 2025 files were kept on
    7 Dec 2026), a date after every arrival is the current version itself (no second build)."""
    import datetime as dt

    from evdash import build

    current = app_env.resolve()
    assert build.known_version(dt.date(2026, 12, 7), app_env) == current
    earlier = build.known_version(dt.date(2026, 12, 6), app_env)
    assert earlier != current and earlier.parent.name == "known"
    assert build.known_version(dt.date(2026, 12, 6), app_env) == earlier  # built once, then reused
    counts = []
    for path in (current, earlier):
        con = duckdb.connect(str(path), read_only=True)
        try:
            counts.append(con.execute("select count(*) from national_registrations").fetchall()[0][0])
        finally:
            con.close()
    assert counts[0] > 0 and counts[1] == 0


def test_the_sources_page_lists_the_revisions_with_both_values(app_env: Path) -> None:
    """The Sources page lists every figure a later IEA edition revised, the Netherlands' 2023 BEV sales among
    them with both editions' values (as each edition's file states them) and dates, and its download is
    that table."""
    from tests.conftest import open_page, shown

    before = _nl_2023_bev(RAW / "iea_global_ev_data_2024.csv")
    after = _nl_2023_bev(RAW / "ev-data-explorer-2026.xlsx")
    at = open_page("pages/sources.py", timeout=120)
    assert not at.exception
    table = next(t.value for t in at.dataframe if "revised_from_value" in t.value.columns)
    row = table[
        (table["market_name"] == "Netherlands") & (table["year"] == 2023) & (table["metric"] == "BEV sales")
    ]
    assert row[["value", "revised_from_value"]].values.tolist() == [[after, before]]
    assert row["change_pct"].iloc[0] == round(100 * (after - before) / before, 1)
    dates = [pd.Timestamp(row[c].iloc[0]).date().isoformat() for c in ("revised_from_as_of", "as_of")]
    assert dates == ["2024-04-23", "2026-05-28"]  # the two editions' publication dates
    assert (table["value"] != table["revised_from_value"]).all()  # a revision changed the value
    assert list(table["year"]) == sorted(table["year"], reverse=True)  # latest years first
    counted = f"**{len(table):,}** market figures were revised"
    assert any(counted in shown(m.value) for m in at.markdown)


def test_a_known_date_file_dropped_by_the_cap_is_found_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server remembers the file of each `?known=` date; when the cap of kept dates (build.KNOWN_KEPT,
    on this or another server) has deleted it, the next page run finds or builds it again instead of
    opening a file that is gone."""
    import datetime as dt

    from evdash import build
    from evdash.web import cache

    made: list[Path] = []

    def known_version(known: dt.date) -> Path:
        path = tmp_path / f"known-{len(made)}.duckdb"
        path.write_bytes(b"")
        made.append(path)
        return path

    monkeypatch.setattr(build, "known_version", known_version)
    monkeypatch.setattr(cache, "_KNOWN_FILES", {})
    day = dt.date(2026, 12, 6)
    first = cache.known_db_file(day, "current.duckdb")
    assert cache.known_db_file(day, "current.duckdb") == first and len(made) == 1  # remembered
    Path(first).unlink()  # dropped by the cap
    again = cache.known_db_file(day, "current.duckdb")
    assert again != first and Path(again).exists() and len(made) == 2
