"""Market ranking: which market first, with analyst weights, explicit missing data and sensitivity."""

from __future__ import annotations

from typing import Any

import streamlit as st

from evdash import pricing, queries, scoring, text, ui
from evdash.figures.maps import map_config
from evdash.figures.markets import FLAG, score_breakdown, score_map
from evdash.regions import REGION_LABELS

ctx = ui.frame("Market ranking")
on = ui.in_force_date()

prices = ui.query(ctx, queries.pricing_prices, on=on)
latest = ui.computed(ctx, pricing.latest_prices, prices, on)
origins = ui.computed(ctx, pricing.origin_prices, latest)
# The model's entry price at home (cheapest variant) is what gets landed in each market.
entry = ui.computed(ctx, pricing.entry_prices, origins)
model_options = ui.computed(ctx, pricing.model_labels, entry)
METHODS = {"minmax": "min–max (0 = worst, 1 = best)", "percentile": "rank / percentile"}
MISSING = {"rescale": "score on the rest, flag it", "exclude": "exclude the market"}


def _apply_preset(name: str) -> None:
    for key, value in scoring.PRESETS[name].items():
        st.session_state[f"w_{key}"] = value


with st.sidebar:
    if not model_options:
        ui.error("No model has a home-market price in the data.")
        st.stop()
    model = ui.url_select(
        "Model to take abroad",
        "model",
        model_options,
        "xiaomi_yu7",
        on_change=ui.forget,  # the duty class defaults to this model's class in the data
        args=("duty_class",),
    )
    origin = entry[entry["model_id"] == model].iloc[0]
    brand = str(origin["brand_id"])

measures_long = ui.query(ctx, queries.markets_measures)
presence = ui.query(ctx, queries.markets_presence, brand=brand, on_date=on)
home = set(presence.loc[presence["status"] == "home", "market_code"]) | {str(origin["production_country"])}
universe = sorted(set(measures_long["market_code"]) - home)
names = dict(zip(measures_long["market_code"], measures_long["market_name"], strict=True))
classes = sorted(set(ui.query(ctx, queries.duty_classes)["duty_class"]) | {str(origin["tariff_company"])})

with st.sidebar:
    duty_class = ui.url_select(
        f"Duty class (data: {origin['tariff_company']})",
        "duty_class",
        {c: c for c in classes},
        str(origin["tariff_company"]),
    )
    freight_pct = ui.url_int("Freight, % of ex-factory", "freight_pct", 5, 0, 30)
    ui.markdown("**Weights** (0 drops a measure)")
    for preset, label in scoring.PRESET_LABEL.items():
        st.button(
            f"Preset: {label}",
            key=f"preset_{preset}",
            on_click=_apply_preset,
            args=(preset,),
            width="stretch",
        )
    weights: dict[str, float] = {}
    for measure in scoring.MEASURES:
        weights[measure.key] = ui.url_int(
            f"{measure.label} ({measure.unit})",
            f"w_{measure.key}",
            scoring.DEFAULT_WEIGHTS[measure.key],
            0,
            100,
            help=measure.description + (" — lower is better" if not measure.higher_is_better else ""),
        )
    method = ui.url_select("Normalisation", "norm", METHODS, "minmax")
    missing = ui.url_select("Market missing a measure", "missing", MISSING, "rescale")
    min_coverage = ui.url_int("Minimum data coverage, % of weight", "min_cov", 50, 0, 100)

ui.title("Which market first for the {car}?", car=f"{origin['brand_name']} {origin['model_name']}")
with st.expander("Markets compared", expanded=False):
    chosen = ui.url_multiselect(
        "Markets", "markets", {c: f"{names.get(c, c)} ({c})" for c in universe}, universe
    )

duties = ui.query(
    ctx,
    queries.pricing_duties,
    markets=universe,
    origin=str(origin["production_country"]),
    duty_class=duty_class,
    powertrain=str(origin["powertrain"]),
    on=on,
)
vat = ui.query(ctx, queries.pricing_vat, on=on)
reliefs = ui.query(ctx, queries.pricing_vat_reliefs, on=on)
rates = ui.query(ctx, queries.pricing_fx)
# Landed prices for every market cost most of this page's run (profiled): computed once per data
# version and scenario, not on every rerun.
landed = ui.computed(
    ctx,
    pricing.landed_for_markets,
    origin,
    list(chosen),
    duties,
    vat,
    rates,
    latest,
    on,
    "EUR",
    duty_class,
    freight_pct=freight_pct,
    reliefs=reliefs,
)
# Scoring and the sensitivity analysis (every ±10% combination of the weights) are pure functions of
# the data version and the sidebar: computed once per combination, not on every rerun.
raw, provenance = ui.computed(
    ctx, scoring.assemble_measures, measures_long, presence, landed, str(origin["body_type"]), chosen
)
result = ui.computed(
    ctx,
    scoring.score_markets,
    raw,
    weights,
    method,  # type: ignore[arg-type]
    missing,  # type: ignore[arg-type]
    min_coverage_pct=float(min_coverage),
)
sens = ui.computed(ctx, scoring.sensitivity, result)

for key, why in result.dropped.items():
    ui.info(
        "**{measure}** is left out: {why}.",
        icon=":material/block:",
        measure=scoring.MEASURE_BY_KEY[key].label,
        why=why,
    )

table = result.table
c1, c2, c3 = st.columns(3)
ui.metric(c1, "Markets ranked", f"{len(table)} of {len(chosen)}")
ui.metric(
    c2, f"{FLAG} Scored on incomplete data", f"{int(table['flagged'].sum())}" if not table.empty else "0"
)
ui.metric(
    c3,
    "Top 3 unchanged under ±10% weights",
    f"{sens.unchanged} of {sens.scenarios}",
    f"{sens.unchanged_pct:.0f}% of weight scenarios",
    delta_color="off",
    delta_arrow="off",
    help="Every combination of −10%, 0, +10% on each active weight; counts the scenarios whose top 3 "
    "is the same markets in the same order.",
)
if sens.top:
    ui.markdown(
        "**Top 3:** {top}", top=" · ".join(f"{i}. {names.get(c, c)}" for i, c in enumerate(sens.top, start=1))
    )
ui.caption(
    "Model landed at its entry price ({variant}, {currency} {price:,.0f}), duty class **{duty_class}**, "
    "freight {freight_pct}%, duties, VAT and FX in force on {on}; where a duty has cases (Canada's quota, "
    "Turkey's levy, India's CIF threshold) the ranking scores the highest and the table shows the lowest "
    "beside it. {flag} = a weighted measure is missing for that market; it is "
    "scored on the measures it has (never as zero). Contributions add up to the score.",
    variant=origin["variant_name"],
    currency=origin["currency"],
    price=origin["price"],
    duty_class=duty_class,
    freight_pct=freight_pct,
    on=f"{on:%Y-%m-%d}",
    flag=FLAG,
)
st.plotly_chart(
    ui.figure(ctx, score_breakdown, table, names, result.weights),
    width="stretch",
    config={"displayModeBar": False},
)
if not sens.breaking.empty:
    with st.expander(text.md(f"Single ±10% weight changes that alter the top 3 ({len(sens.breaking)})")):
        st.dataframe(sens.breaking, hide_index=True, width="stretch")

inputs: dict[str, Any] = {
    "model": model,
    "duty_class": duty_class,
    "freight_pct": freight_pct,
    "norm": method,
    "missing": missing,
    "min_cov": min_coverage,
    "on": on.isoformat(),
}
export = ui.computed(
    ctx,
    scoring.ranking_export,
    table,
    raw,
    landed,
    names,
    {**inputs, **{f"w_{k}": v for k, v in weights.items()}},
)
st.dataframe(
    export,
    hide_index=True,
    width="stretch",
    column_config={
        "market_code": "Code",
        "market_name": "Market",
        "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.1f"),
        "rank": "Rank",
        "coverage_pct": st.column_config.NumberColumn("Data coverage %", format="%.0f%%"),
        "flagged": st.column_config.CheckboxColumn(f"{FLAG} incomplete"),
        "missing": "Missing measures",
        "ev_sales": st.column_config.NumberColumn("EV sales (cars/yr)", format="localized"),
        "ev_share_pct": st.column_config.NumberColumn("EV share %", format="%.1f"),
        "ev_growth_pct": st.column_config.NumberColumn("EV growth %", format="%+.1f"),
        "bev_share_pct": st.column_config.NumberColumn("BEV share %", format="%.1f"),
        "body_fit_pct": st.column_config.NumberColumn("Body fit %", format="%.1f"),
        "tariff_burden_pct": st.column_config.NumberColumn("Duties % of CIF", format="%.1f"),
        "price_gap_pct": st.column_config.NumberColumn("Gap vs rivals %", format="%+.1f"),
        "presence": st.column_config.NumberColumn("Presence 0–1", format="%.2f"),
        "landed": st.column_config.NumberColumn("Landed estimate (EUR)", format="%,.0f"),
        "landed_low": st.column_config.NumberColumn("Landed, lowest duty case (EUR)", format="%,.0f"),
        "duty_burden_low_pct": st.column_config.NumberColumn("Duties % of CIF, lowest case", format="%.1f"),
        "duty_cases": "Duty cases",
        "rival_median": st.column_config.NumberColumn("Rival median (EUR)", format="%,.0f"),
        **{f"c_{m.key}": None for m in scoring.MEASURES},
    },
)
ui.download_buttons(ctx, export, "market-ranking", inputs | {"weights": weights}, key="ranking")

if not result.excluded.empty:
    ui.markdown("**Not ranked**")
    st.dataframe(
        result.excluded.assign(market_name=[names.get(c, c) for c in result.excluded["market_code"]]),
        hide_index=True,
        width="stretch",
        column_config={"market_code": "Code", "market_name": "Market", "reason": "Why not ranked"},
    )

region = ui.url_select("Map region", "region", REGION_LABELS, "world")
st.plotly_chart(
    ui.figure(ctx, score_map, table, names, region, list(result.excluded["market_code"])),
    width="stretch",
    config=map_config(str(st.get_option("server.baseUrlPath") or "")),
)

with st.expander("Method and sources of each measure"):
    ui.markdown(
        "* Normalisation is across the markets compared: **min–max** maps the worst to 0 and the best "
        "to 1 (for duties and price gap, lower is better); **rank / percentile** uses the rank, so "
        "China-sized volumes do not flatten everyone else. Units never matter.\n"
        "* Score = Σ weight × normalised value / Σ weight of the measures the market has, × 100.\n"
        "* EV market size is BEV+PHEV sales of the latest full year; where only BEV sales exist it is "
        "BEV sales (a floor, see `basis`). Growth is latest year vs the year before, same source basis.\n"
        "* Tariff burden and price gap come from the landed-price estimate (Pricing page method). A "
        "market with no tariff rows in the data has *unknown* duties (missing), not 0%.\n"
        "* Presence: launched 1, pilot 0.75, announced 0.5, evaluating 0.25; no record = 0 (a known "
        "absence, not missing data)."
    )
    st.dataframe(
        provenance[
            ["market_code", "measure", "basis", "value", "year", "period_scope", "confidence", "source_url"]
        ]
        if not provenance.empty
        else provenance,
        hide_index=True,
        width="stretch",
        column_config={"source_url": st.column_config.LinkColumn("Source")},
    )
