"""Registrations queries on the tiny fixture (exact answers), the pre-aggregate invariant, the figures and
the Market mix page (empty state with the real seeds, charts with the fixture)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import build, queries, theme
from evdash.figures import registrations as figures
from tests.conftest import run_page, shown

REPO = Path(__file__).resolve().parent.parent
MARCH = {"month_from": dt.date(2024, 3, 1), "month_to": dt.date(2024, 3, 1)}


def test_markets_lists_markets_with_registrations_largest_first(
    fixture_con: duckdb.DuckDBPyConnection,
) -> None:
    markets = queries.registrations_markets(fixture_con)
    assert list(markets["market_code"])[:2] == ["DEU", "FRA"]
    deu = markets.set_index("market_code").loc["DEU"]
    assert deu["units"] == 1210
    assert deu["market_name"] == "Germany"


def test_brand_share_in_germany(fixture_con: duckdb.DuckDBPyConnection) -> None:
    share = queries.registrations_brand_share(fixture_con, "DEU", **MARCH).set_index("brand_id")
    assert share.loc["zeta", "units"] == 1200
    assert share.loc["zeta", "rank"] == 1
    assert share.loc["zeta", "share_pct"] == pytest.approx(100 * 1200 / 1210)
    assert share["share_pct"].sum() == pytest.approx(100)


def test_body_mix_suv_share(fixture_con: duckdb.DuckDBPyConnection) -> None:
    mix = queries.registrations_body_mix(fixture_con, "DEU", **MARCH).set_index("body_type")
    assert mix.loc["suv", "share_pct"] == pytest.approx(100 * 1200 / 1210)
    assert mix.loc["sedan", "units"] == 10


def test_top_models_and_suv_share_across_markets(fixture_con: duckdb.DuckDBPyConnection) -> None:
    top = queries.registrations_top_models(fixture_con, "DEU", top_n=1, **MARCH)
    assert list(top["model_name"]) == ["One"]
    suv = queries.registrations_suv_share(fixture_con, **MARCH).set_index("market_code")
    assert suv.loc["FRA", "suv_share_pct"] == 100
    assert suv.loc["DEU", "bev_share_pct"] == 100


def test_empty_window_gives_empty_frames(fixture_con: duckdb.DuckDBPyConnection) -> None:
    window = {"month_from": dt.date(2030, 1, 1), "month_to": dt.date(2030, 12, 1)}
    assert queries.registrations_brand_share(fixture_con, "DEU", **window).empty
    assert queries.registrations_provenance(fixture_con, "DEU", **window).empty


def test_provenance_names_source_and_confidence(fixture_con: duckdb.DuckDBPyConnection) -> None:
    prov = queries.registrations_provenance(fixture_con, "DEU", **MARCH)
    assert list(prov["source_id"]) == ["media"]
    assert list(prov["confidence"]) == ["reported"]
    assert prov["source_url"].iloc[0].startswith("https://")


def test_pre_aggregates_sum_to_the_raw_table(fixture_con: duckdb.DuckDBPyConnection) -> None:
    raw = fixture_con.sql("select sum(units) from registrations").fetchall()[0][0]
    for table in build.AGGREGATE_TABLES:
        assert fixture_con.sql(f"select sum(units) from {table}").fetchall()[0][0] == raw, table


def test_refresh_picks_up_rows_added_after_the_views(fixture_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(fixture_db_path.resolve().read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into registrations values ('2024-04-01', 'DEU', 'acme', 'X', 'acme_x', 'BEV', 'suv', 5, "
            "'media', '2024-05-01', 'estimate')"
        )
        build.refresh_registrations_aggregates(con)
        april = {"month_from": dt.date(2024, 4, 1), "month_to": dt.date(2024, 4, 1)}
        assert queries.registrations_brand_share(con, "DEU", **april)["units"].tolist() == [5]


def test_figures_draw_top_brands_and_say_when_empty() -> None:
    frame = pd.DataFrame(
        {
            "brand_id": [f"b{i}" for i in range(12)],
            "brand_name": [f"Brand {i}" for i in range(12)],
            "units": [100 - i for i in range(12)],
            "share_pct": [100 / 12] * 12,
            "rank": list(range(1, 13)),
        }
    )
    fig = figures.brand_share(frame, "Germany", "2025", "estimate")
    bar = fig.data[0]
    assert len(bar.y) == 11 and bar.y[-1] == "Other brands (2)"
    assert "estimate" in bar.name
    assert fig.layout.xaxis.title.text == "Share of new registrations (%)"
    empty = figures.brand_share(frame.head(0), "Germany", "2025", "reported")
    assert "No registrations" in empty.layout.annotations[0].text


@pytest.mark.usefixtures("app_env")
def test_without_registrations_the_page_shows_what_is_known_about_suvs() -> None:
    """The seeds have no vendor registrations: the page still shows the published SUV shares of at least six
    markets, each definition its own series, answers the product's claim in words and lists the published
    brand registrations; it says plainly that the vendor charts need an import."""
    at = run_page("pages/market_mix.py")
    assert not at.exception
    assert any("No vendor registrations imported yet" in shown(i.value) for i in at.info)
    charts = at.get("plotly_chart")
    # the published SUV shares, then KBA's BEV registrations of Germany (data/raw: brand share, months)
    assert len(charts) == 3
    fig = json.loads(charts[0].proto.spec)
    rows = {y for trace in fig["data"] for y in trace["y"] if y}
    markets = {r.split("<br>")[0] for r in rows}  # a row: its market over its definition
    assert len(markets) >= 6 and {"Germany", "Spain", "United Kingdom", "China"} <= markets
    # each market × definition is its own row and series: Germany and the UK have two each
    series = [t["name"] for t in fig["data"] if t.get("showlegend") is False]
    assert len(series) == len(set(series)) == len(rows)
    # the series keep the whole row name (the axis shows it in two short lines)
    assert "Germany · KBA segment 'SUVs'" in series and "Germany · KBA 'SUVs' + 'Geländewagen'" in series
    assert "United Kingdom · SMMT 'dual purpose'" in series
    assert "United Kingdom · Dataforce SUV/crossover (broad)" in series
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "SUVs are generally more popular in Western markets" in text
    assert "supports the claim only weakly" in text
    registrations = next(df.value for df in at.dataframe if "subject" in df.value.columns)
    assert {"Tesla", "BYD"} <= set(registrations["subject"])


def test_page_draws_the_vendor_charts_with_registrations(
    fixture_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    monkeypatch.setenv("EVDASH_DB", str(fixture_db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = run_page("pages/market_mix.py", market="DEU")
    st.cache_data.clear()
    st.cache_resource.clear()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 6  # the published SUV shares first, then the five vendor charts
    # as read: a long title is broken into lines that fit a phone
    titles = [theme.plain(json.loads(c.proto.spec)["layout"]["title"]["text"]) for c in charts]
    assert titles[0] == "SUV share of new cars: every published figure"
    assert titles[1] == "Brand share of new registrations"  # the context is the subtitle, on a phone too
    subtitle = theme.plain(json.loads(charts[1].proto.spec)["layout"]["title"]["subtitle"]["text"])
    assert subtitle == "Germany, Mar 2024"
    assert any("Reported · as of 5 Apr 2024 · source: Example News" in shown(c.value) for c in at.caption)
