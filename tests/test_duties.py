"""The duty mart (evdash/models/22_marts_duties.sql) and its consumers on the real seeds: one rule for the
map, the country page, the ranking and the landed price; cases where a duty depends on an unsettled fact;
the 2026 rules (Canada's quota, Norway's BEV VAT threshold, US Section 232, Turkey's levy)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import expansion, pricing, queries
from tests.conftest import shown

D = dt.date
TODAY = D(2026, 12, 1)
REPO = Path(__file__).resolve().parent.parent


def _burden(con: duckdb.DuckDBPyConnection, market: str, on: dt.date, brand: str = "xiaomi") -> pd.Series:
    rows = queries.tariff_burden(con, brand, on, "BEV")
    return rows[rows["market_code"] == market].iloc[0]


def _yu7(
    con: duckdb.DuckDBPyConnection, on: dt.date, variant: str = "xiaomi_yu7_standard_rwd"
) -> tuple[pd.Series, pd.DataFrame]:
    latest = pricing.latest_prices(queries.pricing_prices(con, on), on)
    origins = pricing.origin_prices(latest)
    return origins[origins["variant_id"] == variant].iloc[0], latest


def _landed(
    con: duckdb.DuckDBPyConnection,
    market: str,
    on: dt.date,
    currency: str = "EUR",
    duty_class: str = "",
    variant: str = "xiaomi_yu7_standard_rwd",
) -> pricing.LandedCases:
    origin, _ = _yu7(con, on, variant)
    duty_class = duty_class or str(origin["tariff_company"])
    duties = queries.pricing_duties(con, [market], "CHN", duty_class, "BEV", on)
    made = pricing.build_inputs(
        origin, market, market, duties, queries.pricing_vat(con, on), on, currency, duty_class,
        freight_pct=5, reliefs=queries.pricing_vat_reliefs(con, on),
    )  # fmt: skip
    return pricing.landed_cases(made, queries.pricing_fx(con))


def test_canada_shows_the_quota_as_two_cases_from_march_2026(seed_con: duckdb.DuckDBPyConnection) -> None:
    before = _burden(seed_con, "CAN", D(2026, 2, 1))
    assert before["n_cases"] == 1 and before["total_pct"] == pytest.approx(106.1)
    now = _burden(seed_con, "CAN", TODAY)
    assert now["n_cases"] == 2
    assert (now["total_min_pct"], now["total_pct"]) == (pytest.approx(6.1), pytest.approx(106.1))
    assert "inside the 49,000-car quota: 6.1%" in now["cases"] and "106.1%" in now["cases"]
    summary = expansion.duty_summary(now)
    assert summary.headline == "6.1%–106.1%" and len(summary.cases) == 2
    landed = _landed(seed_con, "CAN", TODAY, "CAD")
    assert landed.several
    assert [round(pricing.duty_burden_pct(c), 1) for c in landed.cases] == [6.1, 106.1]
    assert landed.high.total > 1.9 * landed.low.total
    assert [c.case_label for c in landed.cases] == [
        "inside the 49,000-car quota",
        "outside the quota (100% surtax)",
    ]


def test_norway_prices_bev_vat_on_the_part_above_the_threshold_of_the_date(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    rates = queries.pricing_fx(seed_con)
    for on, threshold in (
        (D(2025, 9, 1), 500_000),
        (TODAY, 300_000),
        (D(2027, 6, 1), 150_000),
        (D(2028, 6, 1), 0),
    ):
        landed = _landed(seed_con, "NOR", on, "NOK")
        assert not landed.several
        case = landed.low
        vat = next(s for s in case.steps if s.label.startswith("Import VAT"))
        taxable = vat.running_total - vat.amount  # CIF + duties (Norway: no duty)
        assert vat.amount == pytest.approx(0.25 * max(0.0, taxable - threshold)), on
        assert f"NOK {threshold:,}" in vat.label
        assert pricing.fx_rate(rates, "NOK", "NOK", on).rate == 1.0
    # 2026: the YU7 (about NOK 371,000 landed before VAT) pays 25% on the ~NOK 71,000 above NOK 300,000,
    # not on its whole value as before this fix: about a fifth of the flat VAT.
    y2026 = _landed(seed_con, "NOR", TODAY, "NOK").low
    vat = next(s for s in y2026.steps if s.label.startswith("Import VAT"))
    taxable = vat.running_total - vat.amount
    assert 300_000 < taxable < 450_000
    assert vat.amount < 0.25 * taxable / 3


def test_provisional_duties_count_the_same_in_the_map_and_in_pricing(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    """The EU's provisional CVD (5 Jul–29 Oct 2024) applied in the map's rule but not in the landed price;
    one rule now: it counts inside its dates everywhere, and the line says it was provisional."""
    on = D(2024, 8, 1)
    mapped = _burden(seed_con, "DEU", on, brand="byd")
    assert mapped["total_pct"] == pytest.approx(27.4) and bool(mapped["has_provisional"])
    landed = _landed(seed_con, "DEU", on, "USD", variant="byd_sealion_7_base_rwd")
    assert pricing.duty_burden_pct(landed.low) == pytest.approx(27.4)
    duties = queries.pricing_duties(seed_con, ["DEU"], "CHN", "BYD", "BEV", on)
    applied = duties[duties["applies"]]
    assert set(applied["tariff_id"]) == {"eu27_base_cars", "eu27_cvd_provisional_byd"}
    assert sum(applied["rate_pct"]) == pytest.approx(mapped["total_pct"])


def test_brazil_has_one_rate_per_date_for_map_ranking_and_pricing(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    for on, rate in ((D(2026, 5, 1), 25.0), (TODAY, 35.0)):
        mapped = _burden(seed_con, "BRA", on)["total_pct"]
        priced = pricing.duty_burden_pct(_landed(seed_con, "BRA", on, "USD").low)
        origin, latest = _yu7(seed_con, on)
        duties = queries.pricing_duties(seed_con, ["BRA"], "CHN", "other_cooperating", "BEV", on)
        ranked = pricing.landed_for_markets(
            origin, ["BRA"], duties, queries.pricing_vat(seed_con, on), queries.pricing_fx(seed_con), latest,
            on, "EUR", "other_cooperating",
        ).iloc[0]["duty_burden_pct"]  # fmt: skip
        assert [float(mapped), priced, float(ranked)] == pytest.approx([rate, rate, rate]), on


def test_turkey_shows_its_levy_uncertainty_instead_of_stacking_it(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    turkey = _burden(seed_con, "TUR", TODAY)
    assert turkey["n_cases"] == 2
    assert (turkey["total_min_pct"], turkey["total_pct"]) == (40.0, 80.0)
    assert bool(turkey["total_is_at_least"])  # 'or at least USD 8,000 per car'
    assert "replaces" in turkey["cases"] and "adds" in turkey["cases"]
    assert expansion.duty_summary(turkey).headline == "≥ 40.0%–80.0%"
    # before the levy's (placeholder) start there is one case: 10% + 40%
    assert _burden(seed_con, "TUR", D(2024, 6, 1))["total_pct"] == 50.0


def test_us_stacks_mfn_section_232_and_section_301(seed_con: duckdb.DuckDBPyConnection) -> None:
    us = _burden(seed_con, "USA", TODAY)
    assert us["total_pct"] == pytest.approx(127.5) and us["base_pct"] == 2.5
    assert _burden(seed_con, "USA", D(2025, 3, 1))["total_pct"] == pytest.approx(102.5)  # before Section 232
    lines = queries.expansion_country_tariffs(seed_con, "xiaomi", TODAY, "BEV", "USA")
    assert lines["source_url"].str.startswith("http").all()
    assert lines["note"].str.contains("stacks").all()


def test_ranked_markets_have_a_duty_figure(seed_con: duckdb.DuckDBPyConnection) -> None:
    """At least 80% of the markets the ranking compares have a duty for the YU7 (the rest: unknown)."""
    measures = queries.markets_measures(seed_con)
    universe = set(measures["market_code"]) - {"CHN"}
    burden = queries.tariff_burden(seed_con, "xiaomi", TODAY, "BEV")
    covered = universe & set(burden.loc[burden["total_pct"].notna(), "market_code"])
    assert len(covered) / len(universe) >= 0.8, sorted(universe - covered)
    for market in ("NOR", "GBR", "CHE", "JPN"):
        assert market in covered
    low = burden.set_index("market_code").loc[["NOR", "GBR", "CHE", "JPN"], "total_pct"]
    assert list(low) == [0.0, 10.0, 4.0, 0.0]  # the EU's 30.7% is no longer the lowest duty in Europe


def test_duty_changes_mark_provisional_to_definitive_quota_and_brazil_steps(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    eu = queries.pricing_duty_changes(seed_con, "CHN", "BYD", "BEV", "DEU").set_index("on_date")
    assert eu.loc[pd.Timestamp("2024-07-05"), "duty_after"] == "27.4%"
    assert list(eu.loc[pd.Timestamp("2024-10-30"), ["duty_before", "duty_after"]]) == ["27.4%", "27%"]
    canada = queries.expansion_duty_changes(seed_con, "xiaomi", "BEV", "CAN")
    last = canada.iloc[-1]
    assert (
        str(last["on_date"].date()) == "2026-03-01"
        and "inside the 49,000-car quota: 6.1%" in last["duty_after"]
    )
    brazil = pricing.mark_changes(
        queries.expansion_duty_changes(seed_con, "xiaomi", "BEV", "BRA"), D(2026, 5, 1)
    )
    assert list(brazil["duty_after"]) == ["10%", "18%", "25%", "35%"]
    assert list(brazil["when"]) == ["past", "past", "in force on 1 May 2026", "upcoming"]


def test_rival_prices_older_than_a_year_are_flagged(seed_con: duckdb.DuckDBPyConnection) -> None:
    _, latest = _yu7(seed_con, TODAY)
    rates = queries.pricing_fx(seed_con)
    rivals = pricing.converted_rivals(latest, "NOR", "suv", "xiaomi_yu7", None, rates, "NOK", TODAY)
    compared = pricing.compare_rivals(_landed(seed_con, "NOR", TODAY, "NOK"), rivals, "NOK", TODAY)
    sealion = compared[compared["model_name"].str.startswith("Sealion 7")].iloc[0]
    assert bool(sealion["stale"]) and "12 Nov 2024" in sealion["age_note"]
    assert "Tesla Model Y" in pricing.rivals_without_price(latest, "NOR", "suv", "xiaomi_yu7")


def test_every_duty_case_line_names_a_case_of_its_market(seed_con: duckdb.DuckDBPyConnection) -> None:
    orphans = seed_con.execute(
        """select t.tariff_id from tariffs as t
           where t.duty_case is not null and not exists (
               select 1 from duty_cases as d where d.market_code = t.market_code and d.duty_case = t.duty_case)"""
    ).fetchall()
    assert orphans == []
    unused = seed_con.execute(
        """select d.market_code, d.duty_case from duty_cases as d where not exists (
               select 1 from tariffs as t where t.market_code = d.market_code)"""
    ).fetchall()
    assert unused == []


def _page(page: str, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.usefixtures("app_env")
def test_pricing_page_shows_both_canada_cases_and_states_the_date() -> None:
    at = _page(
        "pages/pricing.py", variant="xiaomi_yu7_standard_rwd", market="CAN", currency="CAD", on="2026-12-01"
    )
    assert not at.exception
    labels = [shown(m.label) for m in at.metric if shown(m.label).startswith("Estimated sticker price")]
    assert labels == [
        "Estimated sticker price — inside the 49,000-car quota",
        "Estimated sticker price — outside the quota (100% surtax)",
    ]
    assert any("in force on 1 Dec 2026" in shown(c.value) for c in at.caption)
    steps = next(df.value for df in at.dataframe if "label" in df.value.columns)
    assert set(steps["duty_case"]) == {"inside the 49,000-car quota", "outside the quota (100% surtax)"}
    changes = next(df.value for df in at.dataframe if "what_changed" in df.value.columns)
    assert "2026-03-01" in {str(d.date()) for d in changes["on_date"]}


@pytest.mark.usefixtures("app_env")
def test_brazil_shows_the_same_duty_on_pricing_ranking_and_expansion_for_one_date() -> None:
    """/expansion used today's duties (35%) while /pricing and /markets used the data's as-of (25%)."""
    on = "2026-05-01"
    priced = _page("pages/pricing.py", variant="xiaomi_yu7_standard_rwd", market="BRA", on=on)
    duty = next(m for m in priced.metric if shown(m.label) == "Duties, % of CIF")
    mapped = _page("pages/expansion.py", brand="xiaomi", market="BRA", on=on)
    on_map = next(m for m in mapped.metric if shown(m.label).startswith("Import duty"))
    # Brazil is outside the default (Xiaomi's plan: Europe first), so it is compared explicitly
    ranked = _page("pages/markets.py", model="xiaomi_yu7", on=on, markets=["BRA", "DEU", "FRA"])
    table = next(df.value for df in ranked.dataframe if "tariff_burden_pct" in df.value.columns)
    scored = float(table.loc[table["market_code"] == "BRA", "tariff_burden_pct"].iloc[0])
    assert (shown(duty.value), shown(on_map.value), f"{scored:.1f}%") == ("25.0%", "25.0%", "25.0%")
    figures = [json.loads(c.proto.spec) for c in priced.get("plotly_chart")]
    assert figures  # the page drew its charts
