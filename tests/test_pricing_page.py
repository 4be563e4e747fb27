"""Pricing page (AppTest on the real seeds) and the pricing figure builders."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import labels as labels_
from evdash import pricing, text
from evdash.figures.pricing import landed_waterfall, price_bars, price_history, rival_comparison, short_label
from tests.conftest import open_page

REPO = Path(__file__).resolve().parent.parent

# Xiaomi's duty class in the data (brands.csv): `cooperation_unverified`, two EU duty cases since its class
# is not established (it was `other_cooperating`, an assumption).
XIAOMI_CLASS = str(
    pd.read_csv(REPO / "data" / "seeds" / "brands.csv").set_index("brand_id").at["xiaomi", "tariff_company"]
)


def _run(**params: str | list[str]) -> AppTest:
    return open_page("pages/pricing.py", params, timeout=90)


def _steps(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "label" in df.value.columns)


@pytest.mark.usefixtures("app_env")
def test_yu7_to_germany_shows_every_step_and_model_y() -> None:
    at = _run(variant="xiaomi_yu7_standard_rwd", market="DEU", currency="EUR", on="2026-05-27")
    assert not at.exception
    steps = _steps(at)
    labels = list(steps["label"])
    assert labels[0] == "Origin sticker price (CNY 253,500)"
    assert "Less origin VAT 13% (refunded on export)" in labels
    assert "Base import duty 10% (all makers)" in labels
    xiaomi_class = labels_.label(labels_.DUTY_CLASS, XIAOMI_CLASS)
    assert f"Additional duty 20.7% (class {xiaomi_class})" in labels  # the lower of its two EU cases
    assert "Import VAT 19%" in labels
    metrics = {m.label: m for m in at.metric}
    fx = float(metrics["FX used"].value)
    assert re.search(
        r"CNY→EUR, rate of \d{1,2} \w{3} 20\d\d", metrics["FX used"].delta
    )  # the date of the rate
    expected = 253_500 / 1.13 * fx * 1.05 * (1 + 0.10 + 0.207) * 1.19
    # the estimate before Germany's 2026 purchase incentive (the steps after it take the subsidy off)
    estimate = steps.loc[steps["label"] == "Estimated sticker price", "running_total"].iloc[0]
    assert estimate == pytest.approx(expected, rel=1e-6)
    low_case = next(m for m in at.metric if m.label.startswith("Estimated sticker price"))  # lowest first
    assert low_case.value == f"EUR {expected:,.0f}"
    # each duty step names its source
    assert steps.loc[steps["label"].str.startswith("Additional"), "source"].str.startswith("http").all()
    rivals = next(df.value for df in at.dataframe if "gap_pct" in df.value.columns)
    model_y = rivals[(rivals["model_name"] == "Model Y")].iloc[0]
    assert model_y["gap"] == pytest.approx(expected - model_y["price_eur"])
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(t["type"] == "waterfall" for f in figures for t in f["data"])


@pytest.mark.usefixtures("app_env")
def test_duty_class_scenario_from_url() -> None:
    at = _run(variant="xiaomi_yu7_standard_rwd", market="DEU", duty_class="non_cooperating", on="2026-05-27")
    assert not at.exception
    assert at.sidebar.selectbox(key="duty_class").value == "non_cooperating"
    assert "Additional duty 35.3% (class Non-cooperating makers)" in list(_steps(at)["label"])


@pytest.mark.usefixtures("app_env")
def test_us_and_missing_fx_are_explained() -> None:
    us = _run(variant="xiaomi_yu7_standard_rwd", market="USA", currency="USD", on="2026-05-27")
    assert not us.exception
    assert "Additional duty 100% (all makers)" in list(_steps(us)["label"])
    assert any("No VAT/GST rate" in w.value for w in us.warning)
    # No CNY→EUR rate exists before October 2024: a clear message, not a crash.
    old = _run(variant="xiaomi_su7_standard_rwd", market="DEU", currency="EUR", on="2024-06-01")
    assert not old.exception
    assert any("No exchange rate CNY→EUR on or before 1 Jun 2024" in e.value for e in old.error)


@pytest.mark.usefixtures("app_env")
def test_changing_the_market_updates_the_url() -> None:
    at = _run(variant="xiaomi_yu7_standard_rwd", on="2026-05-27")
    at.sidebar.selectbox(key="market").set_value("FRA").run()
    assert not at.exception
    assert at.query_params["market"] == "FRA"
    assert at.title[0].value == "What would the Xiaomi YU7 cost in France?"


RATES = pd.DataFrame(
    [(dt.date(2025, 1, 1), "CNY", "EUR", 0.13, "fx", "reported")],
    columns=["rate_date", "base", "quote", "rate", "source_id", "confidence"],
)


def inputs(price: float = 113_000, **extra: object) -> pricing.LandedInputs:
    """A car priced at home in CNY, landed in EUR (19 % VAT, FX 0.13), with `extra` inputs (duties…)."""
    return pricing.LandedInputs(
        price=price, price_currency="CNY", price_includes_vat=True, price_label="car", price_source="src",
        price_as_of="2025-01-01", target_currency="EUR", on=dt.date(2025, 2, 1), duty_class="x",
        powertrain="BEV", vat=pricing.Vat(19, "vat", dt.date(2020, 1, 1)), **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def _steps_frame() -> pd.DataFrame:
    return pricing.landed_price(inputs(), RATES).frame()


def _duty(tariff_id: str, kind: str, applies_to: str, rate: float | None) -> pricing.Duty:
    return pricing.Duty(
        tariff_id, "m", kind, applies_to, rate, 1.0 if rate is None else None, "EUR" if rate is None else None,
        dt.date(2024, 1, 1), None, "in_force", "src",
    )  # fmt: skip


def _incentive(scheme: str, excluded: tuple[str, ...]) -> pricing.Incentive:
    return pricing.Incentive(
        scheme, "DEU", 3_000, 6_000, "EUR", None, excluded, "built outside China", "private", "private buyers",
        "in_force", "src", "2025-01-01", "reported",
    )  # fmt: skip


def test_short_labels() -> None:
    """Each step's chart name is written with its label from the same facts (the duty's kind, rate and
    class, the incentive's eligibility), never parsed back out of the label's words."""
    made = inputs(
        253_500,
        production_country="CHN",
        duties=(
            _duty("base", "base", "all", 10),
            _duty("cvd", "additional", "other_cooperating", 20.7),
            _duty("cvd2", "additional", "cooperation_unverified", 20.7),
            _duty("fee", "additional", "all", None),
        ),
        incentives=(_incentive("2026 EV subsidy", ()), _incentive("Grant", ("CHN",))),
    )  # fmt: skip
    steps = pricing.landed_price(made, RATES).frame()
    shown = dict(zip(steps["label"], [str(y) for y in landed_waterfall(steps, "t").data[0].y], strict=True))
    assert shown["Additional duty 20.7% (class Other cooperating makers)"] == (
        "Extra duty 20.7%<br>(Other cooperating makers)"  # the class in words, never its code
    )
    assert shown["Base import duty 10% (all makers)"] == "Base duty<br>10%"
    assert shown["Additional duty (fixed fee) (all makers)"] == "Fixed fee"
    assert shown["Origin sticker price (CNY 253,500)"] == "Home price<br>CNY 253,500"
    assert shown["Import VAT 19%"] == "VAT<br>19%"
    assert shown["Less origin VAT 13% (refunded on export)"] == "− home VAT<br>13%"
    assert shown["Estimated sticker price"] == "Estimated<br>sticker price"
    # A purchase incentive's step: its scheme and terms ran off a 375 px phone as one 70-character label.
    scheme = "2026 EV subsidy (EUR 3,000, up to EUR 6,000)"
    assert shown[f"{scheme}, eligible {labels_.label(labels_.BUYER, 'private')}"] == "Purchase<br>incentive"
    assert (
        shown["Grant (EUR 3,000, up to EUR 6,000): does not apply"]
        == "Purchase incentive<br>(does not apply)"
    )
    assert shown["Price after purchase incentive"] == "After<br>incentive"
    # A long duty class in words is broken into lines that fit beside the bars on a phone.
    unverified = shown[
        f"Additional duty 20.7% (class {labels_.label(labels_.DUTY_CLASS, 'cooperation_unverified')})"
    ]
    assert unverified.startswith("Extra duty 20.7%<br>")
    assert max(len(line) for line in unverified.split("<br>")) <= 26
    # The steps table and its download show neither the step's id nor its chart name.
    assert not {"step_id", "short", "short_detail"} & set(
        pricing.LandedCases((pricing.landed_price(made, RATES),)).frame()
    )
    assert short_label("Freight") == "Freight"


def test_the_page_draws_each_chart_name_on_its_lines_after_escaping_the_inputs() -> None:
    """The page hands the steps to the waterfall through `ui.figure`, which escapes every string of the
    inputs as one line (`text.plotly_inputs`). A chart name carried as 'Extra duty 20.7%\n(class)' in one
    cell became one line there, was wrapped into four and overlapped the VAT step on /pricing (browser
    test_chart_layout, after the labels became codes). Its lines are separate cells, so the chart shows
    the same labels whether or not its inputs were escaped."""
    made = inputs(
        253_500,
        production_country="CHN",
        duties=(_duty("base", "base", "all", 10), _duty("cvd2", "additional", "cooperation_unverified", 20.7)),
        incentives=(_incentive("2026 EV subsidy <b>", ()),),
    )  # fmt: skip
    steps = pricing.landed_price(made, RATES).frame()
    drawn = [str(y) for y in landed_waterfall(*text.plotly_inputs((steps, "t"))).data[0].y]
    assert drawn == [str(y) for y in landed_waterfall(steps, "t").data[0].y]
    cooperation = labels_.label(labels_.DUTY_CLASS, "cooperation_unverified")
    assert f"Extra duty 20.7%<br>{short_label(f'({cooperation})')}" in drawn
    assert "Base duty<br>10%" in drawn and "Home price<br>CNY 253,500" in drawn


def test_waterfall_figure_measures_and_axis() -> None:
    fig = landed_waterfall(_steps_frame(), "t")
    trace = fig.data[0]
    assert list(trace.measure)[:3] == ["absolute", "relative", "total"]
    assert list(trace.measure)[-1] == "total"
    # One step a row, its label on the left: labels stay upright and full size on a phone.
    assert trace.orientation == "h" and fig.layout.xaxis.title.text == "EUR"


def test_rival_and_price_figures_mark_estimates() -> None:
    rivals = pd.DataFrame(
        {
            "brand_name": ["Tesla", "BYD"],
            "model_name": ["Model Y", "Sealion 7"],
            "variant_name": ["Standard", "base"],
            "price_eur": [39_990.0, 45_000.0],
            "confidence": ["estimate", "reported"],
        }
    )
    fig = rival_comparison(45_286, "YU7 (estimate)", rivals, "EUR")
    names = [t.name for t in fig.data]
    assert [n for n in names if n != "Gap"] == ["Our landed estimate", "Rival, reported", "Rival, estimate"]
    estimate_bar = next(t for t in fig.data if t.name == "Rival, estimate")
    assert "+5,296 (+13.2%)" in estimate_bar.customdata[0]  # the gap in the hover
    gap = fig.data[names.index("Rival, estimate") + 1]
    assert gap.name == "Gap" and list(gap.text) == ["+13.2%"]  # and beside the bar
    empty = price_bars(rivals.iloc[0:0], "EUR", "x")
    assert empty.layout.annotations[0].text == "No prices for this selection"


@pytest.mark.usefixtures("app_env")
def test_duty_class_follows_the_car_when_the_car_changes() -> None:
    """The duty class defaults to the brand's class in the data. Picking another car must not carry the
    previous brand's class over (a Xiaomi priced with BYD's 17% EU duty, while the label says the data
    class is other_cooperating)."""
    at = _run(variant="byd_sealion_7_base_rwd", market="DEU", on="2026-05-27")
    assert at.selectbox(key="duty_class").value == "BYD"
    at.selectbox(key="variant").select("xiaomi_yu7_standard_rwd").run()
    assert not at.exception
    assert at.selectbox(key="duty_class").value == XIAOMI_CLASS
    assert "duty_class" not in at.query_params
    labels = list(_steps(at)["label"])
    assert f"Additional duty 20.7% (class {labels_.label(labels_.DUTY_CLASS, XIAOMI_CLASS)})" in labels
    # a scenario chosen for this car stays until the car changes
    at.selectbox(key="duty_class").select("non_cooperating").run()
    at.selectbox(key="market").select("FRA").run()
    assert at.selectbox(key="duty_class").value == "non_cooperating"


def test_pricing_charts_fit_a_phone() -> None:
    """On a 375 px phone the one-line titles ('Price by variant and market, in EUR (FX rates of …)') were
    cut off, legends covered them, and value labels outside the bars ran off the screen. Each chart now
    has a short title with the context as a subtitle, its values inside the bars (dark on the light,
    patterned estimate bars), and upright axis ticks."""
    prices = pd.DataFrame(
        {
            "variant_id": ["y_std", "yu7_std"],
            "brand_name": ["Tesla", "Xiaomi"],
            "model_name": ["Model Y", "YU7"],
            "variant_name": ["base (pre-refresh)", "Standard (RWD)"],
            "market_code": ["CHN", "CHN"],
            "currency": ["CNY", "CNY"],
            "price": [249_900.0, 253_500.0],
            "price_eur": [30_890.0, 31_335.0],
            "confidence": ["reported", "estimate"],
            "price_type": ["list", "launch"],
            "effective_from": [dt.date(2024, 10, 1), dt.date(2025, 6, 26)],
            "source_id": ["s1", "s2"],
        }
    )
    rivals = prices.assign(price_eur=[39_990.0, 45_000.0])
    figures = {
        "waterfall": landed_waterfall(_steps_frame(), "Landed price build-up", "YU7 → Germany, in EUR"),
        "rivals": rival_comparison(45_286, "YU7 (estimate)", rivals, "EUR"),
        "bars": price_bars(prices, "EUR", "rates of 2026-01-15"),
        "history": price_history(prices, "EUR"),
    }
    for name, fig in figures.items():
        assert len(fig.layout.title.text) <= 30, name
        assert fig.layout.title.subtitle.text, name
    assert "FX rates of 2026-01-15" in figures["bars"].layout.title.subtitle.text
    for name in ("rivals", "bars"):
        bars = [t for t in figures[name].data if t.name not in {"Our landed estimate", "Gap"}]
        assert {t.textposition for t in bars} == {"inside"}, name
        # one colour per trace, or one per bar (price bars: the chosen brand blue, its rivals grey)
        colours = {t.name: set(np.atleast_1d(t.insidetextfont.color)) for t in bars}
        assert colours["Reported" if name == "bars" else "Rival, reported"] == {"white"}
        assert "white" not in colours["Estimate" if name == "bars" else "Rival, estimate"]
    assert figures["bars"].layout.xaxis.tickangle == 0
    assert all("<br>" in label for label in figures["bars"].data[0].y)  # two short lines per bar
