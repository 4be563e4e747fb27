"""Purchase incentives (data/seeds/purchase_incentives.csv): a step of the one pricing chain, the price
before and after for an eligible buyer, and why a car does not qualify. Every amount asserted is read
from the seed data."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from evdash import pricing, queries
from evdash import pricing_service as ps
from tests.conftest import open_page, shown

ON = dt.date(2026, 12, 7)


def _scheme(con: duckdb.DuckDBPyConnection, market: str) -> pd.Series:
    rows = queries.pricing_incentives(con, ON)
    return rows[rows["market_code"] == market].iloc[0]


def _view(con: duckdb.DuckDBPyConnection, market: str) -> ps.PricingView:
    return ps.pricing_view(
        ps.ConnectionReader(con), ps.PricingScenario(on=ON, variant=ps.DEFAULT_VARIANT, markets=(market,))
    )


def _incentive(**changes: object) -> pricing.Incentive:
    base = pricing.Incentive(
        "Test grant", "GBR", 1500.0, 3750.0, "GBP", 37000.0, ("CHN",), "made-in rule", "private", "", "in_force",
        "https://example.org", "1 Jan 2026", "reported",
    )  # fmt: skip
    return pricing.Incentive(**{**base.__dict__, **changes})


def test_an_origin_rule_and_a_price_cap_say_why_a_car_does_not_qualify() -> None:
    assert pricing.why_not_eligible(_incentive(), "CHN", 30_000) == "the car is built in China"
    capped = pricing.why_not_eligible(_incentive(excluded_origins=()), "CHN", 40_000)
    assert capped == "the estimated price (GBP 40,000) is above its GBP 37,000 price cap"
    assert pricing.why_not_eligible(_incentive(excluded_origins=()), "CHN", 37_000) == ""
    assert pricing.why_not_eligible(_incentive(price_cap=None), "DEU", 90_000) == ""


def test_germany_takes_the_base_subsidy_off_the_estimate_for_an_eligible_buyer(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    scheme = _scheme(seed_con, "DEU")
    view = _view(seed_con, "DEU")
    assert view.landed is not None
    for case in view.landed.cases:
        step = case.by_id(pricing.STEP_INCENTIVE)
        assert step.amount == pytest.approx(-scheme["amount"])  # EUR, no conversion
        assert case.after_incentive == pytest.approx(case.total - scheme["amount"])
        assert case.total == case.by_id(pricing.STEP_ESTIMATE).running_total  # duties compare before it
        assert step.source == scheme["source_url"]
    note = " ".join(view.incentive_notes)
    assert f"{scheme['scheme']} (EUR {scheme['amount']:,.0f}" in note
    low = view.landed.low
    assert f"pays EUR {low.after_incentive:,.0f} instead of EUR {low.total:,.0f}" in note


def test_the_uk_grant_does_not_apply_to_a_china_built_car(seed_con: duckdb.DuckDBPyConnection) -> None:
    scheme = _scheme(seed_con, "GBR")
    assert "CHN" in scheme["excluded_origins"].split(";")
    view = _view(seed_con, "GBR")
    assert view.landed is not None
    case = view.landed.low
    assert case.after_incentive == case.total and not case.incentive_applies
    assert case.by_id(pricing.STEP_INCENTIVE).note == "does not apply: the car is built in China"
    assert view.incentive_notes[0].startswith(
        f"The {scheme['scheme']} does not apply: the car is built in China."
    )
    # The scheme's origin rule follows, since the car's origin is what excludes it (decided on the
    # excluded origins, not on the reason's words).
    rule = str(scheme["origin_rule"])
    assert rule and view.incentive_notes[0].endswith(f" {rule[:1].upper()}{rule[1:]}.")


def test_a_market_without_a_scheme_in_force_says_so(seed_con: duckdb.DuckDBPyConnection) -> None:
    in_force = set(queries.pricing_incentives(seed_con, ON)["market_code"])
    assert "ESP" not in in_force  # MOVES III ended on 31 Dec 2025
    view = _view(seed_con, "ESP")
    assert view.incentive_notes == (
        "No purchase incentive for this car in Spain is in force on 7 Dec 2026 in the data.",
    )
    assert view.landed is not None and not any(
        s.step_id == pricing.STEP_INCENTIVE for s in view.landed.low.steps
    )


def test_the_ranking_can_compare_the_price_after_incentives(seed_con: duckdb.DuckDBPyConnection) -> None:
    def by_market(after: bool) -> pd.DataFrame:
        scenario = ps.PricingScenario(
            on=ON, model=ps.DEFAULT_MODEL, markets=("DEU", "GBR"), detail=False, after_incentive=after
        )
        return ps.pricing_view(ps.ConnectionReader(seed_con), scenario).by_market.set_index("market_code")

    before, after = by_market(False), by_market(True)
    amount = _scheme(seed_con, "DEU")["amount"]
    assert after.loc["DEU", "landed_after_incentive"] == pytest.approx(before.loc["DEU", "landed"] - amount)
    median = before.loc["DEU", "rival_median"]
    assert after.loc["DEU", "price_gap_pct"] == pytest.approx(
        100 * (before.loc["DEU", "landed"] - amount - median) / median
    )
    # the UK grant does not apply: the same price either way
    assert after["landed_after_incentive"].get("GBR") == before["landed"].get("GBR")
    assert "does not apply" in str(after.loc["GBR", "incentive"])


@pytest.mark.usefixtures("app_env")
def test_pricing_page_shows_the_incentive_in_germany_and_not_in_the_uk(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    deu = open_page("pages/pricing.py", {"market": "DEU", "on": ON.isoformat()}, timeout=90)
    assert not deu.exception
    scheme = _scheme(seed_con, "DEU")
    infos = [shown(i.value) for i in deu.info]
    assert any(
        f"{scheme['scheme']} (EUR {scheme['amount']:,.0f}" in i and "eligible private buyer pays" in i
        for i in infos
    )
    steps = next(df.value for df in deu.dataframe if "label" in df.value.columns)
    assert steps["label"].iloc[-1] == "Price after purchase incentive"  # in the table and its download
    gbr = open_page("pages/pricing.py", {"market": "GBR", "on": ON.isoformat()}, timeout=90)
    assert not gbr.exception
    grant = _scheme(seed_con, "GBR")["scheme"]  # the Electric Car Grant
    assert any(f"The {grant} does not apply: the car is built in China." in shown(i.value) for i in gbr.info)
