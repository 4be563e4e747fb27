"""Landed-price arithmetic against hand-worked cases, FX lookup rules, and the pricing queries."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from evdash import pricing, queries

D = dt.date

RATES = pd.DataFrame(
    [
        # rate_date, base, quote, rate, source_id, confidence
        (D(2024, 9, 2), "CNY", "EUR", 0.125, "fx_sep", "reported"),
        (D(2025, 1, 14), "CNY", "EUR", 0.13, "fx_jan", "reported"),
        (D(2025, 2, 1), "CNY", "EUR", 0.20, "fx_feb", "reported"),  # after the chosen date: never used
        (D(2025, 1, 14), "CNY", "USD", 0.14, "fx_jan", "reported"),
        (D(2025, 1, 10), "CNY", "USD", 0.15, "fx_blog", "estimate"),
        (D(2025, 1, 14), "CNY", "USD", 0.99, "fx_blog", "estimate"),  # same day, estimate loses
    ],
    columns=["rate_date", "base", "quote", "rate", "source_id", "confidence"],
)
ON = D(2025, 1, 20)
LONG_AGO = D(2024, 1, 1)


def duty(
    tariff_id: str,
    rate: float | None,
    applies_to: str = "all",
    kind: str = "additional",
    start: dt.date = LONG_AGO,
    end: dt.date | None = None,
    status: str = "in_force",
    min_amount: float | None = None,
    min_currency: str | None = None,
    powertrain: str = "all",
) -> pricing.Duty:
    return pricing.Duty(
        tariff_id=tariff_id,
        measure=tariff_id,
        duty_kind=kind,
        applies_to=applies_to,
        rate_pct=rate,
        min_amount=min_amount,
        min_currency=min_currency,
        effective_from=start,
        effective_to=end,
        status=status,
        source_id=f"src_{tariff_id}",
        powertrain=powertrain,
    )


EU_DUTIES = [
    duty("eu_base", 10, kind="base"),
    duty("eu_byd", 17.0, "BYD", start=D(2024, 10, 30), powertrain="BEV"),
    duty("eu_other", 20.7, "other_cooperating", start=D(2024, 10, 30), powertrain="BEV"),
    duty("eu_nonco", 35.3, "non_cooperating", start=D(2024, 10, 30), powertrain="BEV"),
    duty("eu_other_proposed", 21.3, "other_cooperating", start=D(2024, 8, 20), status="proposed"),
]
DEU_VAT = pricing.Vat(19.0, "vat_src", D(2007, 1, 1))


def inputs(**overrides: object) -> pricing.LandedInputs:
    base: dict[str, object] = {
        "price": 113_000.0,  # CNY incl. 13 % VAT → 100,000 ex-VAT
        "price_currency": "CNY",
        "price_includes_vat": True,
        "price_label": "test car",
        "price_source": "price_src",
        "price_as_of": "2025-01-01",
        "target_currency": "EUR",
        "on": ON,
        "duty_class": "BYD",
        "powertrain": "BEV",
        "duties": [EU_DUTIES[0], EU_DUTIES[1]],  # the lines the duty mart applies to a BYD BEV
        "vat": DEU_VAT,
        "market_label": "Germany",
        "freight_amount": 1_000.0,
    }
    base.update(overrides)
    return pricing.LandedInputs(**base)  # type: ignore[arg-type]


def test_eu_with_company_specific_duty() -> None:
    # 100,000 CNY × 0.13 = 13,000 EUR ex-factory; + 1,000 freight = 14,000 CIF;
    # 10 % base = 1,400; BYD 17 % = 2,380; VAT 19 % × 17,780 = 3,378.20 → 21,158.20
    result = pricing.landed_price(inputs(), RATES)
    assert result.fx.rate == 0.13 and result.fx.rate_date == D(2025, 1, 14)
    assert result.step("Ex-factory").amount == pytest.approx(13_000)
    assert result.step("Less origin VAT 13%").amount == pytest.approx(13_000 - 14_690)
    assert result.step("CIF value").amount == pytest.approx(14_000)
    assert result.step("Base import duty 10%").amount == pytest.approx(1_400)
    assert result.step("Additional duty 17%").amount == pytest.approx(2_380)
    assert result.step("Import VAT 19%").amount == pytest.approx(3_378.20)
    assert result.total == pytest.approx(21_158.20)
    assert pricing.duty_burden_pct(result) == pytest.approx(27.0)
    # each step names its source and date
    assert result.step("Additional duty").source == "src_eu_byd"
    assert "30 Oct 2024" in result.step("Additional duty").as_of
    assert "14 Jan 2025" in result.step("Ex-factory").as_of


def test_duty_class_scenario_changes_the_additional_duty() -> None:
    # Xiaomi as other_cooperating: 14,000 + 1,400 + 2,898 = 18,298; × 1.19 = 21,774.62
    other = [EU_DUTIES[0], EU_DUTIES[2]]
    xiaomi = pricing.landed_price(inputs(duty_class="other_cooperating", duties=other), RATES)
    assert xiaomi.total == pytest.approx(21_774.62)
    # ... and as non_cooperating: 14,000 + 1,400 + 4,942 = 20,342; × 1.19 = 24,206.98
    nonco = [EU_DUTIES[0], EU_DUTIES[3]]
    assert pricing.landed_price(
        inputs(duty_class="non_cooperating", duties=nonco), RATES
    ).total == pytest.approx(24_206.98)


def test_us_100_percent_and_no_vat() -> None:
    us = [duty("us_301", 100, powertrain="BEV", start=D(2024, 9, 27))]
    # 100,000 CNY × 0.14 = 14,000 USD CIF (no freight); + 100 % = 28,000; no VAT in the data
    result = pricing.landed_price(
        inputs(target_currency="USD", duties=us, vat=None, freight_amount=0.0, market_label="USA"), RATES
    )
    assert result.fx.rate == 0.14  # reported beats the same-day estimate
    assert result.total == pytest.approx(28_000)
    assert any("No VAT/GST rate" in w and "USA" in w for w in result.warnings)


def test_market_without_extra_duty() -> None:
    # A maker with no company duty in the EU pays only the 10 % base: 15,400 × 1.19 = 18,326
    result = pricing.landed_price(inputs(duty_class="none", duties=[EU_DUTIES[0]]), RATES)
    assert result.total == pytest.approx(18_326)
    assert [s.label for s in result.steps if s.label.startswith("Additional")] == []


def test_duty_effective_after_the_chosen_date_is_not_applied() -> None:
    # On 2024-10-01 the definitive CVD (from 2024-10-30) is not yet in force; FX = 0.125 (2024-09-02)
    # 100,000 × 0.125 = 12,500 + 1,000 = 13,500 CIF; + 1,350 = 14,850; × 1.19 = 17,671.50
    result = pricing.landed_price(inputs(on=D(2024, 10, 1), duties=[EU_DUTIES[0]]), RATES)
    assert result.total == pytest.approx(17_671.50)


def test_currency_without_rate_on_the_date_is_a_clear_message() -> None:
    with pytest.raises(pricing.FxUnavailable, match=r"CNY→EUR on or before 1 Jan 2024"):
        pricing.landed_price(inputs(on=D(2024, 1, 1)), RATES)
    with pytest.raises(pricing.FxUnavailable, match="BRL"):
        pricing.fx_rate(RATES, "CNY", "BRL", ON)


def test_fx_latest_on_or_before_inverse_and_cross() -> None:
    assert pricing.fx_rate(RATES, "CNY", "EUR", D(2025, 1, 13)).rate == 0.125
    assert pricing.fx_rate(RATES, "CNY", "EUR", D(2025, 2, 1)).rate == 0.20
    inverse = pricing.fx_rate(RATES, "EUR", "CNY", ON)
    assert inverse.rate == pytest.approx(1 / 0.13) and inverse.via == "inverse"
    cross = pricing.fx_rate(RATES, "EUR", "USD", ON)
    assert cross.rate == pytest.approx(0.14 / 0.13) and cross.via == "cross via CNY"
    assert pricing.fx_rate(RATES, "EUR", "EUR", ON).rate == 1.0


def test_minimum_amount_and_fixed_fee() -> None:
    # Turkey-style: 30 % or at least USD 8,000. CIF 14,000 USD → 4,200 < 8,000 → 8,000 is charged.
    tr = [duty("tr_levy", 30, min_amount=8_000, min_currency="USD")]
    result = pricing.landed_price(
        inputs(target_currency="USD", duties=tr, vat=None, freight_amount=0.0), RATES
    )
    assert result.step("Additional duty 30%").amount == pytest.approx(8_000)
    assert "minimum USD 8,000 applies" in result.step("Additional duty 30%").note
    # A fixed fee (no rate) charges the amount, converted: USD 1,400 → EUR 1,400 × 0.13 / 0.14 = 1,300
    fee = [duty("fee", None, min_amount=1_400, min_currency="USD")]
    fixed = pricing.landed_price(inputs(duties=fee, vat=None, freight_amount=0.0), RATES)
    assert fixed.step("Additional duty (fixed fee)").amount == pytest.approx(1_300)


def test_origin_vat_switch_and_net_prices() -> None:
    kept = pricing.landed_price(inputs(strip_origin_vat=False, duties=[], vat=None, freight_amount=0), RATES)
    assert kept.step("Ex-factory").amount == pytest.approx(113_000 * 0.13)
    net = pricing.landed_price(inputs(price_includes_vat=False, duties=[], vat=None, freight_amount=0), RATES)
    assert net.step("Ex-factory").amount == pytest.approx(113_000 * 0.13)
    assert not any(s.label.startswith("Less origin VAT") for s in net.steps)
    # no duty in force in the data: the duty is unknown, said so
    assert any("unknown, not zero" in w for w in net.warnings)


def test_freight_percentage() -> None:
    result = pricing.landed_price(inputs(freight_amount=0.0, freight_pct=5.0), RATES)
    assert result.step("Freight").amount == pytest.approx(650)  # 5 % of 13,000


def test_gap_vs_rival() -> None:
    assert pricing.gap_vs(45_000, 40_000) == pytest.approx((5_000, 12.5))


# --- queries on the fixture --------------------------------------------------------------------


def test_pricing_duties_expand_groups_on_fixture(fixture_con: duckdb.DuckDBPyConnection) -> None:
    rows = queries.pricing_duties(
        fixture_con, ["DEU", "FRA", "USA"], "CHN", "other_cooperating", "BEV", D(2025, 1, 20)
    )
    assert set(rows["market_iso3"]) == {"DEU", "FRA"}  # EU27 duties reach members; none for USA
    deu = rows[rows["market_iso3"] == "DEU"].set_index("tariff_id")
    assert deu.loc["eu_cvd_other", "rate_pct"] == 20.7 and bool(deu.loc["eu_cvd_other", "applies"])
    assert deu.loc["eu_base", "tariff_market"] == "EU27"
    assert deu["source_url"].str.startswith("http").all()


def test_a_duty_before_its_start_is_listed_with_the_reason(fixture_con: duckdb.DuckDBPyConnection) -> None:
    rows = queries.pricing_duties(fixture_con, ["DEU"], "CHN", "other_cooperating", "BEV", D(2024, 10, 1))
    found = pricing.market_duties(rows, "DEU")
    assert [d.tariff_id for c in found.cases for d in c.duties] == ["eu_base"]
    assert {d.tariff_id: why for d, why in found.not_applied} == {
        "eu_cvd_other": "in force only from 30 Oct 2024"
    }


def test_pricing_fx_and_vat_on_fixture(fixture_con: duckdb.DuckDBPyConnection) -> None:
    rates = queries.pricing_fx(fixture_con)
    assert pricing.fx_rate(rates, "CNY", "EUR", D(2025, 1, 1)).rate == pytest.approx(0.1310)
    vat = queries.pricing_vat(fixture_con, D(2025, 1, 1))
    assert vat.set_index("market_code").loc["DEU", "rate_pct"] == 19


def test_landed_on_fixture_matches_hand_calculation(fixture_con: duckdb.DuckDBPyConnection) -> None:
    on = D(2025, 1, 20)
    latest = pricing.latest_prices(queries.pricing_prices(fixture_con, on), on)
    origins = pricing.origin_prices(latest)
    origin = origins[origins["variant_id"] == "acme_x_std"].iloc[0]
    duties = queries.pricing_duties(fixture_con, ["DEU"], "CHN", "other_cooperating", "BEV", on)
    vat = queries.pricing_vat(fixture_con, on)
    rates = queries.pricing_fx(fixture_con)
    made = pricing.build_inputs(origin, "DEU", "Germany", duties, vat, on, "EUR", "other_cooperating")
    result = pricing.landed_cases(made, rates)
    assert not result.several
    # 250,000 / 1.13 × 0.1348 = 29,823.01; × 1.307 = 38,978.67; × 1.19 = 46,384.62
    assert result.low.total == pytest.approx(250_000 / 1.13 * 0.1348 * 1.307 * 1.19)
    # against the fixture's only German SUV (Zeta One, EUR 45,000)
    table = pricing.landed_for_markets(
        origin, ["DEU"], duties, vat, rates, latest, on, "EUR", "other_cooperating"
    ).iloc[0]
    assert table["n_rivals"] == 1 and table["rival_median"] == 45_000
    assert table["price_gap_pct"] == pytest.approx(100 * (result.low.total / 45_000 - 1))
    assert table["duty_burden_pct"] == pytest.approx(30.7)


def test_date_filter_from_url() -> None:
    from evdash import filters

    lo, hi, default = D(2020, 1, 1), D(2030, 12, 31), D(2026, 5, 27)
    assert filters.parse_date(["2025-01-20"], default, "date", lo, hi) == (D(2025, 1, 20), None)
    value, notice = filters.parse_date(["20-01-2025"], default, "date", lo, hi)
    assert value == default and notice is not None and "not a date" in notice
    value, notice = filters.parse_date(["1999-01-01"], default, "date", lo, hi)
    assert value == default and notice is not None and "between" in notice
