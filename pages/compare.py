"""Compare two scenarios: A and B side by side (landed price and its steps, rank and score per market,
attainment) and B − A, from one link (`?a_brand=…&b_market=…`, evdash.scenario)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from evdash import (
    columns,
    compare,
    deliveries,
    labels,
    pricing,
    pricing_service,
    ranking_service,
    scenario,
    scoring,
    ui,
)
from evdash.services import choices

ctx = ui.frame("Compare two scenarios")
today = ui.today()

# The link's values are checked in one place (evdash.scenario); a bad one is named, dropped from the
# address, and its default used. The widgets below then check codes against the data.
linked_a, _, problems = scenario.parse_pair({k: st.query_params.get_all(k) for k in st.query_params}, today)
for param, message in problems.items():
    ui.warning("{message}", icon=":material/link_off:", message=message)
    del st.query_params[param]

ui.title("Compare two scenarios")
ui.freshness(ctx, ["prices", "fx", "market_figures", "monthly_deliveries", "targets"], brand=linked_a.brand)
ui.caption(
    "Two scenarios side by side: the landed-price estimate and its steps, the rank and score of each "
    "market compared, and the attainment of the year's delivery target, with B − A. Each value keeps its "
    "source, as-of date and confidence; ≈ marks an estimate and ≥ a lower bound."
)


DEFAULT = scenario.Scenario()  # the choices a link leaves out


def _side(prefix: str, letter: str, container: Any) -> tuple[scenario.Scenario, compare.Side, str]:
    """Scenario `letter`'s choices (URL parameters `prefix…`), read by the services."""
    box = container.expander(f"Scenario {letter}: choices", expanded=True)
    known = _known(prefix, box)
    sctx = ui.known_context(ctx, known)
    reader = ui.reader(sctx)
    brands = ui.view(sctx, choices.brands, None)
    brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
    brand = ui.url_select("Brand", f"{prefix}brand", brand_options, DEFAULT.brand, container=box)
    on = ui.url_date(
        "Duties, VAT and FX in force on", f"{prefix}on", today, *scenario.IN_FORCE_RANGE, container=box
    )
    cat = pricing_service.catalogue(reader, on)
    entry = cat.entry[cat.entry["brand_id"] == brand]
    model_options = ui.computed(sctx, pricing.model_labels, entry)
    chosen = _choices(prefix, box, sctx, known, brand, on, cat)
    as_of = labels.day(sctx.as_of)
    if not model_options:
        plain = chosen.scenario()
        side = compare.side(reader, cat, None, plain, on, (), chosen.year, chosen.years, as_of)
        ui.info(
            "Scenario {letter}: {why}.", icon=":material/info:", container=box, letter=letter, why=side.why
        )
        return plain, side, brand
    model = ui.url_select(
        "Model",
        f"{prefix}model",
        model_options,
        DEFAULT.model,
        container=box,
        on_change=ui.forget,  # the duty class defaults to this model's class in the data
        args=(f"{prefix}duty_class",),
    )
    origin = entry[entry["model_id"] == model].iloc[0]
    data_class = str(origin["tariff_company"])
    duty_class = ui.url_select(
        f"Duty class (data: {labels.label(labels.DUTY_CLASS, data_class)})",
        f"{prefix}duty_class",
        {c: labels.label(labels.DUTY_CLASS, c) for c in sorted(set(cat.duty_classes) | {data_class})},
        data_class,
        container=box,
    )
    uni = ranking_service.universe(reader, cat, model, on)
    markets = ui.url_multiselect(
        "Markets ranked",
        f"{prefix}markets",
        {c: f"{uni.names.get(c, c)} ({c})" for c in uni.markets},
        uni.plan_markets,
        container=box,
    )
    full = chosen.scenario(
        model=model,
        markets=() if markets == uni.plan_markets else tuple(markets),
        duty_class="" if duty_class == data_class else duty_class,
    )
    side = compare.side(reader, cat, uni, full, on, markets, chosen.year, chosen.years, as_of)
    return full, side, brand


def _known(prefix: str, box: Any) -> dt.date | None:
    """The day whose data the scenario reads (None: today's data)."""
    known_day = ui.url_date(
        "Data as known on",
        f"{prefix}known",
        today,
        scenario.KNOWN_FIRST,
        today,
        container=box,
        help="The data as evdash knew it at the end of that day (today: the current data).",
    )
    return None if known_day >= today else known_day


@dataclass(frozen=True)
class _Choices:
    """A scenario's choices that do not depend on the brand's models, and the brand's years."""

    known: dt.date | None
    brand: str
    on: dt.date
    market: str
    freight_pct: int
    preset: str
    custom: tuple[tuple[str, int], ...]  # the weights that differ from the preset's
    years: pd.DataFrame
    year: int
    default_year: int

    def scenario(self, **model_choices: Any) -> scenario.Scenario:
        """The scenario of these choices (with the model's, when the brand has one): a default stays
        out of the link."""
        return scenario.Scenario(
            brand=self.brand,
            market=self.market,
            on=None if self.on == today else self.on,
            freight_pct=self.freight_pct,
            preset=self.preset,
            known=self.known,
            year=None if self.year == self.default_year else self.year,
            custom_weights=self.custom,
            **model_choices,
        )


def _choices(
    prefix: str,
    box: Any,
    sctx: ui.Context,
    known: dt.date | None,
    brand: str,
    on: dt.date,
    cat: pricing_service.Catalogue,
) -> _Choices:
    """The market priced, the freight, the ranking weights and the attainment year."""
    market_options = {c: f"{n} ({c})" for c, n in sorted(cat.market_names.items(), key=lambda kv: kv[1])}
    market = ui.url_select("Market priced", f"{prefix}market", market_options, DEFAULT.market, container=box)
    freight_pct = ui.url_int(
        "Freight & logistics, % of ex-factory",
        f"{prefix}freight_pct",
        DEFAULT.freight_pct,
        *scenario.FREIGHT_PCT_RANGE,
        container=box,
    )
    preset, custom = _weights(prefix, box)
    years = ui.view(sctx, choices.brand_years, choices.BrandScenario(brand))
    year_list = [int(y) for y in years["year"]]
    default_year = deliveries.default_year(year_list, today.year)
    year = int(
        ui.url_select(
            "Year (attainment)",
            f"{prefix}year",
            {str(y): str(y) for y in year_list} or {str(default_year): str(default_year)},
            str(default_year),
            container=box,
        )
    )
    return _Choices(known, brand, on, market, freight_pct, preset, custom, years, year, default_year)


def _weights(prefix: str, box: Any) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The ranking weights' preset and the weights adjusted away from it (measure key, weight)."""
    weight_keys = [f"{prefix}{scenario.WEIGHT_PREFIX}{m.key}" for m in scoring.MEASURES]
    preset = ui.url_select(
        "Ranking weights",
        f"{prefix}preset",
        scoring.PRESET_LABEL,
        DEFAULT.preset,
        container=box,
        on_change=ui.forget,  # the weights below start from the chosen preset
        args=tuple(weight_keys),
    )
    base = scoring.PRESETS[preset]
    tuning = box.popover("Adjust the weights (0 drops a measure)", width="stretch")
    weights = {
        m.key: ui.url_int(f"{m.label} ({m.unit})", key, base[m.key], 0, 100, container=tuning)
        for m, key in zip(scoring.MEASURES, weight_keys, strict=True)
    }
    return preset, tuple((k, w) for k, w in weights.items() if w != base[k])


def _summary(s: scenario.Scenario, side: compare.Side, brand_name: str) -> str:
    car = (
        f"{side.pricing.origin['brand_name']} {side.pricing.origin['model_name']}"
        if side.pricing
        else brand_name
    )
    weights = scoring.PRESET_LABEL[s.preset] + (" (adjusted)" if s.custom_weights else "")
    return (
        f"{car} in {side.market_name} · duty class "
        f"{labels.label(labels.DUTY_CLASS, side.pricing.duty_class) if side.pricing else '—'} · freight "
        f"{s.freight_pct}% · weights {weights} · year {side.year} · data as of {side.as_of}"
    )


col_a, col_b = st.columns(2)
scenario_a, side_a, brand_a = _side("a_", "A", col_a)
scenario_b, side_b, brand_b = _side("b_", "B", col_b)
ui.markdown("**A**: {summary}", container=col_a, summary=_summary(scenario_a, side_a, brand_a))
ui.markdown("**B**: {summary}", container=col_b, summary=_summary(scenario_b, side_b, brand_b))

frame: pd.DataFrame = compare.compared(side_a, side_b)
for card, (label, a_value, b_value, delta) in zip(st.columns(3), compare.headlines(frame), strict=False):
    ui.metric(card, f"{label}, B", b_value, delta, delta_color="off", delta_arrow="off")
    ui.caption("A: {value}", container=card, value=a_value)

shown = labels.for_people(
    frame,
    a_confidence=labels.CONFIDENCE,
    b_confidence=labels.CONFIDENCE,
    difference_confidence=labels.CONFIDENCE,
)
ui.subheader("A, B and B − A")
ui.table(shown, ui.registered_columns(columns.COMPARE))
pair = scenario.pair_params(scenario_a, scenario_b)
ui.download_buttons(ctx, shown, "compare", pair, key="compare")
ui.caption(
    "This page's address is the link to this comparison: it opens on the same two scenarios on any "
    "server. Landed prices are estimates in {currency} for the highest duty case (the one the ranking "
    "scores; the lowest is its own row where a duty has cases); ranks and scores are the Market "
    "ranking's, on the markets each scenario ranks; attainment is delivered ÷ the final target of the "
    "year, as on the Overview.",
    currency=pricing_service.DEFAULT_CURRENCY,
)
