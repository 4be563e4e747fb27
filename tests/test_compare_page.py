"""Compare page (AppTest on the real seeds): two scenarios from one link, A, B and B − A from the same
services the Pricing, Market ranking and Overview pages use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import compare, db, deliveries, pricing, pricing_service, queries, scoring
from evdash.scenario import Scenario
from tests.conftest import open_page, shown

PAGE = "pages/compare.py"

pytestmark = pytest.mark.usefixtures("app_env")


@pytest.fixture
def con(seed_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = db.connect_readonly(seed_db_path)
    yield c
    c.close()


def table(at: AppTest) -> pd.DataFrame:
    frame = at.dataframe[0].value
    assert isinstance(frame, pd.DataFrame)
    return frame


def row(frame: pd.DataFrame, section: str, item_start: str) -> pd.Series:
    rows = frame[(frame["section"] == section) & frame["item"].str.startswith(item_start)]
    assert len(rows) == 1, (item_start, frame["item"].tolist())
    return rows.iloc[0]


def year_row(con: duckdb.DuckDBPyConnection, brand: str) -> pd.Series:
    """The brand's Overview row for the year the page opens on (deliveries.default_year)."""

    years = queries.overview_years(con, brand=brand)
    year = deliveries.default_year([int(y) for y in years["year"]], dt.date.today().year)
    return years[years["year"] == year].iloc[0]


def test_defaults_compare_the_scenario_with_itself_and_add_nothing_to_the_link(
    con: duckdb.DuckDBPyConnection,
) -> None:
    at = open_page(PAGE, timeout=180)
    assert not at.exception, at.exception
    assert dict(at.query_params) == {}
    assert not at.warning
    frame = table(at)
    assert list(frame.columns) == compare.COLUMNS
    assert list(dict.fromkeys(frame["section"])) == [
        compare.SECTION_PRICE,
        compare.SECTION_RANK,
        compare.SECTION_ATTAINMENT,
    ]
    both = frame.dropna(subset=["difference"])
    assert not both.empty and (both["difference"] == 0).all()  # A and B are the same scenario
    # The landed price is the Pricing chain's for the default model in the default market.

    view = pricing_service.pricing_view(
        pricing_service.ConnectionReader(con),
        pricing_service.PricingScenario(on=dt.date.today(), model=Scenario().model),
    )
    assert view.landed is not None
    several = view.landed.several  # Xiaomi's unverified EU class: two duty cases
    estimate = row(frame, compare.SECTION_PRICE, "Estimated sticker price" + (" (highest" if several else ""))
    assert estimate["a"] == pytest.approx(view.landed.high.total)
    assert estimate["a_confidence"] == "Estimate"  # never shown as an exact figure
    if several:
        lowest = row(frame, compare.SECTION_PRICE, "Estimated sticker price (lowest")
        assert lowest["a"] == pytest.approx(view.landed.low.total) and lowest["a"] < estimate["a"]
    # Attainment is the Overview's row of the brand × year mart.
    overview = year_row(con, Scenario().brand)
    attainment = row(frame, compare.SECTION_ATTAINMENT, "Attainment")
    assert attainment["a"] == pytest.approx(float(overview["attainment_pct"]))
    delivered = row(frame, compare.SECTION_ATTAINMENT, "Delivered")
    assert delivered["a"] == pytest.approx(float(overview["delivered_units"]))
    if bool(overview["delivered_is_at_least"]):
        assert delivered["a_confidence"] == "At least (lower bound)"
    # The headline cards mark estimates and floors.
    values = [shown(m.value) for m in at.metric]
    assert len(values) == 3 and all(v.startswith(("≈", "≥")) or "—" in v for v in values), values
    # one value per card (B's), A's under it: 'A → B' in one card was cut off on a phone
    assert not any("→" in v for v in values), values
    assert [m.label.endswith(", B") for m in at.metric] == [True] * 3
    a_values = [shown(c.value) for c in at.caption if shown(c.value).startswith("A: ")]
    assert len(a_values) == 3 and all(v[3:].startswith(("≈", "≥")) or "—" in v for v in a_values), a_values


def test_a_difference_is_computed_from_the_data() -> None:
    at = open_page(PAGE, {"b_freight_pct": "10", "b_brand": "byd"}, timeout=180)
    assert not at.exception, at.exception
    frame = table(at)
    # B's freight is 10% of ex-factory against A's 5%: B − A is 5% of the ex-factory price (B is BYD's
    # entry model, so each side's freight is its own ex-factory × its own rate).
    ex_factory = row(frame, compare.SECTION_PRICE, "Ex-factory")
    freight = row(frame, compare.SECTION_PRICE, "Freight")
    assert freight["a"] == pytest.approx(ex_factory["a"] * 0.05)
    assert freight["b"] == pytest.approx(ex_factory["b"] * 0.10)
    assert freight["difference"] == pytest.approx(freight["b"] - freight["a"])
    assert freight["difference_confidence"] == "Estimate"
    # B's attainment is BYD's Overview row, A's Xiaomi's.
    attainment = row(frame, compare.SECTION_ATTAINMENT, "Attainment")
    assert attainment["difference"] == pytest.approx(attainment["b"] - attainment["a"])
    assert attainment["difference"] != 0


def test_ranks_are_the_market_rankings(con: duckdb.DuckDBPyConnection) -> None:
    at = open_page(PAGE, {"b_preset": "low_tariff"}, timeout=180)
    assert not at.exception, at.exception
    frame = table(at)
    ranks = frame[frame["item"].str.startswith("Rank in")].dropna(subset=["a"])
    assert sorted(ranks["a"]) == list(range(1, len(ranks) + 1))  # A's ranking, first market first
    assert ranks["a"].tolist() == sorted(ranks["a"])
    assert (ranks["a"] != ranks["b"]).any(), "another weights preset reorders the markets"
    # The same link on the Market ranking page ranks the same first market.
    market = open_page(
        "pages/markets.py", {"w_" + k: str(v) for k, v in scoring.PRESETS["low_tariff"].items()}
    )
    first_b = ranks.loc[ranks["b"] == 1, "item"].iloc[0].removeprefix("Rank in ")
    assert not market.exception, market.exception
    shown_ranking = next(d.value for d in market.dataframe if "rank" in d.value.columns)
    assert shown_ranking.loc[shown_ranking["rank"] == 1, "market_name"].iloc[0] == first_b


def test_a_bad_link_value_is_named_and_dropped() -> None:
    at = open_page(PAGE, {"a_freight_pct": "lots", "b_market": "FRA"}, timeout=180)
    assert not at.exception, at.exception
    notices = [shown(w.value) for w in at.warning]
    assert any("a_freight_pct" in n and "'lots' is not a whole number from 0 to 30" in n for n in notices)
    assert dict(at.query_params) == {"b_market": "FRA"}
    assert at.slider(key="a_freight_pct").value == pricing_service.DEFAULT_FREIGHT_PCT


def test_every_control_writes_the_pair_link() -> None:
    at = open_page(PAGE, timeout=180)
    at.slider(key="b_freight_pct").set_value(12).run()
    at.selectbox(key="a_market").set_value("FRA").run()
    assert not at.exception, at.exception
    assert dict(at.query_params) == {"b_freight_pct": "12", "a_market": "FRA"}


def test_duty_class_steps_follow_the_pricing_chain(con: duckdb.DuckDBPyConnection) -> None:

    at = open_page(PAGE, {"b_duty_class": "non_cooperating"}, timeout=180)
    assert not at.exception, at.exception
    frame = table(at)
    view = pricing_service.pricing_view(
        pricing_service.ConnectionReader(con),
        pricing_service.PricingScenario(
            on=dt.date.today(), model=Scenario().model, duty_class="non_cooperating"
        ),
    )
    assert view.landed is not None
    estimate = frame[frame["item"].str.startswith("Estimated sticker price")].iloc[0]
    assert estimate["b"] == pytest.approx(view.landed.high.total)
    duties = frame[
        frame["item"].str.contains("duty", case=False) & (frame["section"] == compare.SECTION_PRICE)
    ]
    assert len(duties) >= len(view.landed.high.ids(pricing.STEP_DUTY))


def _scores(db_file: Path, on: dt.date) -> dict[str, float]:
    """The default scenario's score per market, by the ranking chain on `db_file` directly."""
    from evdash import ranking_service

    c = db.connect_readonly(db_file)
    try:
        reader = pricing_service.ConnectionReader(c)
        s = Scenario()
        cat = pricing_service.catalogue(reader, on)
        uni = ranking_service.universe(reader, cat, s.model, on)
        ranked = ranking_service.ranking(
            reader,
            cat,
            uni,
            ranking_service.RankingScenario(
                on=on, model=s.model, markets=tuple(uni.plan_markets), weights=s.weights
            ),
        )
        names = uni.names
        return {
            names[m]: float(v)
            for m, v in zip(ranked.result.table["market_code"], ranked.result.table["score"], strict=True)
        }
    finally:
        c.close()


def test_a_known_date_reads_the_data_as_known_that_day(app_env: Path) -> None:
    """B as known on 6 Dec 2026 (before KBA's and the IEA 2026 files were kept): B's scores are the ranking
    on that day's database, A's on today's, and they differ where those files changed a measure."""
    from evdash import build

    known = dt.date(2026, 12, 6)
    at = open_page(PAGE, {"b_known": known.isoformat()}, timeout=240)
    assert not at.exception, at.exception
    frame = table(at)
    scores = frame[frame["item"].str.startswith("Score in ")]
    page_a = {
        i.removeprefix("Score in "): v for i, v in zip(scores["item"], scores["a"], strict=True) if v == v
    }
    page_b = {
        i.removeprefix("Score in "): v for i, v in zip(scores["item"], scores["b"], strict=True) if v == v
    }
    today = dt.date.today()
    assert page_a == pytest.approx(_scores(app_env, today))
    assert page_b == pytest.approx(_scores(build.known_version(known, app_env), today))
    assert page_a != pytest.approx(page_b), "the later files change a score"


def test_weights_come_from_the_link_and_a_new_preset_starts_them_afresh() -> None:
    at = open_page(PAGE, {"b_w_tariff_burden_pct": "0"}, timeout=180)
    assert not at.exception, at.exception
    assert at.slider(key="b_w_tariff_burden_pct").value == 0
    assert any("weights" in m.value and "(adjusted)" in m.value for m in at.markdown)
    frame = table(at)
    scores = frame[frame["item"].str.startswith("Score in ")].dropna(subset=["a", "b"])
    assert (scores["a"] != scores["b"]).any(), "without the duty measure the scores change"
    at.selectbox(key="b_preset").set_value("low_tariff").run()
    assert not at.exception, at.exception
    assert at.slider(key="b_w_tariff_burden_pct").value == scoring.PRESETS["low_tariff"]["tariff_burden_pct"]
    assert dict(at.query_params) == {"b_preset": "low_tariff"}
