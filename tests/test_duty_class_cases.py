"""A brand whose EU duty class is not established (Xiaomi: `cooperation_unverified`) gets two duty cases
through the one case mechanism (tariffs.duty_case, duty_cases.csv): 20.7 % if accepted as a cooperating
exporter, 35.3 % (all other companies) otherwise; the ranking reports the rank under each. Every rate
asserted is read from the seed tariffs."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from evdash import pricing
from evdash import pricing_service as ps
from tests.conftest import open_page, shown

ON = dt.date(2026, 12, 7)


def _rate(con: duckdb.DuckDBPyConnection, tariff_id: str) -> float:
    row = con.execute("select rate_pct from tariffs where tariff_id = ?", [tariff_id]).fetchone()
    assert row is not None
    return float(row[0])


def _cases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select duty_case, label, sort_order from duty_cases where market_code = 'EU27' order by sort_order"
    ).df()


def _view(con: duckdb.DuckDBPyConnection, variant: str = ps.DEFAULT_VARIANT) -> ps.PricingView:
    return ps.pricing_view(
        ps.ConnectionReader(con), ps.PricingScenario(on=ON, variant=variant, markets=("DEU",))
    )


def test_xiaomi_in_germany_is_priced_under_both_eu_classes(seed_con: duckdb.DuckDBPyConnection) -> None:
    base = _rate(seed_con, "eu27_base_cars")
    cooperating = _rate(seed_con, "eu27_cvd_definitive_other_cooperating")
    others = _rate(seed_con, "eu27_cvd_definitive_non_cooperating")
    assert (cooperating, others) == (20.7, 35.3)  # the rates the issue names, as the seeds hold them
    view = _view(seed_con)
    assert view.duty_class == "cooperation_unverified"  # Xiaomi's class in brands.csv
    landed = view.landed
    assert landed is not None and landed.several
    assert [c.case_label for c in landed.cases] == list(_cases(seed_con)["label"])
    assert [pricing.duty_burden_pct(c) for c in landed.cases] == pytest.approx(
        [base + cooperating, base + others]
    )
    # the higher class costs its extra duty on the CIF value, plus VAT on it (about EUR 5,000 in Germany)
    cif = landed.low.by_id(pricing.STEP_CIF).amount
    vat = landed.low.by_id(pricing.STEP_VAT).rate_pct
    assert vat is not None
    extra = cif * (others - cooperating) / 100 * (1 + vat / 100)
    assert landed.high.total - landed.low.total == pytest.approx(extra)
    assert 4_500 < extra < 5_500


def test_a_brand_with_a_named_class_keeps_one_case(seed_con: duckdb.DuckDBPyConnection) -> None:
    cat = ps.catalogue(ps.ConnectionReader(seed_con), ON)
    byd = cat.origins[cat.origins["brand_id"] == "byd"]
    assert not byd.empty
    view = _view(seed_con, str(byd.iloc[0]["variant_id"]))
    assert view.landed is not None and not view.landed.several
    # a user who picks one class for Xiaomi sees that class alone
    chosen = ps.pricing_view(
        ps.ConnectionReader(seed_con),
        ps.PricingScenario(
            on=ON, variant=ps.DEFAULT_VARIANT, markets=("DEU",), duty_class="other_cooperating"
        ),
    )
    assert chosen.landed is not None and not chosen.landed.several


def test_the_ranking_reports_the_rank_under_the_lowest_case() -> None:
    by_market = pd.DataFrame(
        {
            "market_code": ["DEU", "NOR"],
            "duty_burden_pct": [45.3, 0.0],
            "duty_burden_low_pct": [30.7, 0.0],
            "price_gap_pct": [11.4, 2.0],
            "price_gap_low_pct": [-0.5, 2.0],
            "duty_cases": ["if accepted: 30.7% · if not: 45.3%", ""],
        }
    )
    lowest = ps.lowest_case(by_market)
    assert lowest is not None
    assert list(lowest["duty_burden_pct"]) == [30.7, 0.0] and list(lowest["price_gap_pct"]) == [-0.5, 2.0]
    assert ps.lowest_case(by_market.assign(duty_cases="")) is None  # no market has cases: nothing to add
    ranked = ps.with_lowest_case_rank(
        by_market, pd.DataFrame({"market_code": ["NOR", "DEU"], "rank": [2, 1]})
    )
    assert list(ranked["rank_lowest_duty_case"]) == [1, 2]


@pytest.mark.usefixtures("app_env")
def test_pricing_page_for_germany_shows_both_eu_duty_cases(seed_con: duckdb.DuckDBPyConnection) -> None:
    at = open_page("pages/pricing.py", {"market": "DEU", "on": ON.isoformat()}, timeout=90)
    assert not at.exception
    base = _rate(seed_con, "eu27_base_cars")
    info = " ".join(shown(i.value) for i in at.info)
    for label, rate in zip(
        _cases(seed_con)["label"],
        (
            _rate(seed_con, "eu27_cvd_definitive_other_cooperating"),
            _rate(seed_con, "eu27_cvd_definitive_non_cooperating"),
        ),
        strict=True,
    ):
        assert f"{label}: {base + rate:.1f}% of CIF" in info
        assert any(shown(m.label) == f"Estimated sticker price — {label}" for m in at.metric)
    steps = next(df.value for df in at.dataframe if "label" in df.value.columns)
    assert set(steps["duty_case"]) == set(_cases(seed_con)["label"])  # both cases in the table and its CSV


@pytest.mark.usefixtures("app_env")
def test_market_ranking_gives_the_rank_under_the_lowest_duty_case() -> None:
    at = open_page("pages/markets.py", {}, timeout=120)
    assert not at.exception
    table = next(df.value for df in at.dataframe if "rank_lowest_duty_case" in df.value.columns)
    eu = table[table["duty_cases"].fillna("").astype(str).str.contains("cooperating")]
    assert not eu.empty  # every EU market compared has Xiaomi's two classes
    assert eu["rank_lowest_duty_case"].notna().all()
    assert sorted(table["rank_lowest_duty_case"].dropna().astype(int)) == list(range(1, len(table) + 1))
