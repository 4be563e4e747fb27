"""Market ranking: which market first, with analyst weights, explicit missing data and sensitivity."""

from __future__ import annotations

from typing import Any

import streamlit as st

from evdash import (
    columns,
    expansion,
    labels,
    notes,
    pricing,
    pricing_service,
    ranking_service,
    scoring,
    text,
    ui,
)
from evdash.figures.markets import FLAG, score_breakdown, score_map
from evdash.regions import REGION_LABELS
from evdash.scenario import FREIGHT_PCT_RANGE
from evdash.services import markets as markets_service

ctx = ui.frame("Market ranking")
on = ui.in_force_date()

reader = ui.reader(ctx)
cat = pricing_service.catalogue(reader, on)
# The model's entry price at home (cheapest variant) is what gets landed in each market.
entry = cat.entry
model_options = ui.computed(ctx, pricing.model_labels, entry)


def _apply_preset(name: str) -> None:
    for key, value in scoring.PRESET_BY_KEY[name].weights.items():
        st.session_state[f"w_{key}"] = value


with st.sidebar:
    if not model_options:
        ui.error("No model has a home-market price in the data.")
        st.stop()
    model = ui.url_select(
        "Model to take abroad",
        "model",
        model_options,
        pricing_service.DEFAULT_MODEL,
        on_change=ui.forget,  # the duty class defaults to this model's class in the data
        args=("duty_class",),
    )
    origin = entry[entry["model_id"] == model].iloc[0]
    brand = str(origin["brand_id"])

uni = ranking_service.universe(reader, cat, model, on)
measures_long, presence, universe = uni.measures_long, uni.presence, uni.markets
names, regions, plan, plan_markets = uni.names, uni.regions, uni.plan, uni.plan_markets
classes = sorted(set(cat.duty_classes) | {str(origin["tariff_company"])})

with st.sidebar:
    duty_class = ui.url_select(
        f"Duty class (data: {labels.label(labels.DUTY_CLASS, origin['tariff_company'])})",
        "duty_class",
        {c: labels.label(labels.DUTY_CLASS, c) for c in classes},
        str(origin["tariff_company"]),
    )
    freight_pct = ui.url_int(
        "Freight, % of ex-factory",
        "freight_pct",
        pricing_service.DEFAULT_FREIGHT_PCT,
        *FREIGHT_PCT_RANGE,
    )
    price_basis = ui.url_select(
        "Price compared",
        "price",
        pricing_service.PRICE_BASES,
        ranking_service.DEFAULT_PRICE_BASIS,
        help="The landed estimate before purchase incentives, or after them for a buyer who qualifies "
        "(a car that does not qualify, e.g. a China-built car under the UK's Electric Car Grant, keeps "
        "its price).",
    )
    ui.markdown("**Weights** (0 drops a measure)")
    for preset in scoring.PRESET_LIST:
        st.button(
            f"Preset: {preset.label}",
            key=f"preset_{preset.key}",
            on_click=_apply_preset,
            args=(preset.key,),
            width="stretch",
            help=f"{preset.favours} {preset.question}",
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
    gate = ui.url_select(
        "Markets the model cannot serve yet",
        "gate",
        scoring.GATE_POLICIES,
        ranking_service.DEFAULT_GATE,
        help="A market whose steering side, charging standard or type approval the model does not meet "
        "(market requirements against the model's configurations in the data).",
    )
    default_volume, volume_basis = ui.view(
        ctx,
        markets_service.default_volume,
        markets_service.VolumeScenario(brand, str(origin["brand_name"]), on),
    )
    volume = ui.url_int(
        "Volume to win in one market, cars/yr",
        "volume",
        default_volume,
        0,
        max(200_000, default_volume),
        step=500,
        help=text.md(
            f"Default: {volume_basis}. The ranking shows the share of each market's EV sales it would be."
        ),
    )
    method = ui.url_select("Normalisation", "norm", scoring.NORMALISATIONS, ranking_service.DEFAULT_METHOD)
    missing = ui.url_select(
        "Market missing a measure", "missing", scoring.MISSING_POLICIES, ranking_service.DEFAULT_MISSING
    )
    min_coverage = ui.url_int(
        "Minimum data coverage, % of weight", "min_cov", ranking_service.DEFAULT_MIN_COVERAGE, 0, 100
    )

ui.title("Which market first for the {car}?", car=f"{origin['brand_name']} {origin['model_name']}")
ui.freshness(ctx, ["market_figures", "suv_shares", "prices"], brand=brand)
with st.expander("Markets compared", expanded=False):
    chosen = ui.url_multiselect(
        "Markets", "markets", {c: f"{names.get(c, c)} ({c})" for c in universe}, plan_markets
    )
ui.markdown(
    "{plan}. Compared: **{n}** {where}; add or remove markets under *Markets compared*. "
    "Weights: {preset}{favours} (what each preset answers is under *Presets* below).",
    plan=plan.text,
    n=labels.count(len(chosen), "market"),
    where=f" in {REGION_LABELS.get(plan.region, plan.region)}"
    if plan.region and list(chosen) == plan_markets
    else "",
    preset=next((p.label for p in scoring.PRESET_LIST if p.weights == weights), "custom"),
    favours=next((f". {p.favours}" for p in scoring.PRESET_LIST if p.weights == weights), ""),
)
if not chosen:  # every market removed (or '?markets=' in a link): nothing to rank, say how to get one
    ui.info("No market is compared: add one or more under *Markets compared* above.", icon=":material/info:")
    st.stop()

ranking = ranking_service.ranking(
    reader,
    cat,
    uni,
    ranking_service.RankingScenario(
        on=on,
        model=model,
        markets=tuple(chosen),
        weights=weights,
        duty_class=duty_class,
        freight_pct=freight_pct,
        price_basis=price_basis,
        method=method,
        missing=missing,
        min_coverage=min_coverage,
        gate=gate,
    ),
)
gaps, ranked_markets, basis, proxied = ranking.gaps, ranking.ranked_markets, ranking.basis, ranking.proxied
raw, provenance, result, landed = ranking.raw, ranking.provenance, ranking.result, ranking.landed
ranges = ui.computed(
    ctx,
    scoring.proxy_score_range,
    raw,
    proxied,
    weights,
    method,  # type: ignore[arg-type]
    missing,  # type: ignore[arg-type]
    min_coverage_pct=float(min_coverage),
    scale=ui.computed(ctx, scoring.scale_factors, raw, weights),
)
sens = ui.computed(ctx, scoring.sensitivity, result)

if not ranked_markets:
    ui.info(
        "No market is ranked: the {car} misses a requirement in every market compared, and such markets "
        "are excluded (*Markets the model cannot serve yet*). *Not ranked* below says what each needs.",
        icon=":material/info:",
        car=f"{origin['brand_name']} {origin['model_name']}",
    )
for key, why in result.dropped.items() if ranked_markets else ():
    ui.info(
        "**{measure}** is left out: {why}.",
        icon=":material/block:",
        measure=scoring.MEASURE_BY_KEY[key].label,
        why=why,
    )

table = result.table
complete, ranked = scoring.completeness(result, weights)
c1, c2, c3 = st.columns(3)
ui.metric(c1, "Markets ranked", f"{len(table)} of {len(chosen)}")
ui.metric(
    c2,
    "With every weighted measure",
    f"{complete} of {ranked}" + (f" ({100 * complete / ranked:.0f}%)" if ranked else ""),
    help=f"The others ({FLAG}) are scored on the measures they have, never as zero; the table says which "
    "measure is missing.",
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
for warning in ui.computed(ctx, scoring.prohibitive_leaders, result, raw, names):
    ui.warning("{why}", icon=":material/block:", why=warning)
car = f"{origin['brand_name']} {origin['model_name']}"
gap_lines = ui.computed(ctx, scoring.gap_summary, gaps, names, car)
for gap_line in gap_lines:
    ui.info("{gap}", icon=":material/do_not_disturb_on:", gap=gap_line)
if gap_lines:
    ui.caption(
        "Markets the model cannot serve yet: {what} (choose under *Markets the model cannot serve yet*).",
        what=scoring.GATE_POLICIES[gate],
    )
if sens.top:
    ui.markdown("**Top 3, from their breakdown:**")
    body_basis = ui.computed(ctx, scoring.body_fit_basis, provenance)
    lines = ui.computed(ctx, scoring.explain_top, result, raw, names, body_basis)
    for i, line in enumerate(ui.computed(ctx, scoring.with_gaps, lines, result.table, gaps, car), start=1):
        ui.markdown("{i}. {line}", i=i, line=line)
# With the brand's plan preset, a market the brand plans to enter that ranks low is explained.
if weights == scoring.PRESETS[scoring.DEFAULT_PRESET]:
    body_basis = ui.computed(ctx, scoring.body_fit_basis, provenance)
    for low in ui.computed(ctx, scoring.plan_markets_low, result, presence, names, raw, body_fit=body_basis):
        ui.info("{why}", icon=":material/flag:", why=low)
ui.caption(
    "Model landed at its entry price ({variant}, {currency} {price:,.0f}), duty class **{duty_class}**, "
    "freight {freight_pct}%, duties, VAT and FX in force on {on}; where a duty has cases (Canada's quota, "
    "Turkey's levy, India's CIF threshold) the ranking scores the highest and the table shows the lowest "
    "beside it. {flag} = a weighted measure is missing for that market; it is "
    "scored on the measures it has (never as zero). Contributions add up to the score.",
    variant=origin["variant_name"],
    currency=origin["currency"],
    price=origin["price"],
    duty_class=labels.label(labels.DUTY_CLASS, duty_class),
    freight_pct=freight_pct,
    on=labels.day(on),
    flag=FLAG,
)
ui.chart(
    ui.figure(ctx, score_breakdown, table, names, result.weights),
)
ui.markdown("**Basis of each measure** (one year for every market compared; markets without it are flagged)")
ui.table(
    ui.computed(ctx, scoring.basis_for_people, basis, names),
    {
        "measure": "Measure",
        "year": st.column_config.NumberColumn("Basis year", format="%d"),
        "span": "Period",
        "definition": "Definition",
        "markets_with": "Markets with it",
        "without": "No figure for that year",
        "source_url": st.column_config.LinkColumn("Main source"),
        "sources": "Sources",
    },
)
ui.caption(
    "{note}",
    note=ui.computed(ctx, scoring.body_fit_note, provenance, list(chosen), names, str(origin["body_type"])),
)
with st.expander("Presets: what each one answers"):
    for preset in scoring.PRESET_LIST:
        ui.markdown(
            "**{label}**: {favours} {question}",
            label=preset.label,
            favours=preset.favours,
            question=preset.question,
        )
if not sens.breaking.empty:
    with ui.expander(f"Single ±10% weight changes that alter the top 3 ({len(sens.breaking)})"):
        ui.table(
            sens.breaking,
            {
                "measure": "Weight changed",
                "change_pct": st.column_config.NumberColumn("Change", format="%+.0f%%"),
                "new_top": "New top 3",
            },
        )

inputs: dict[str, Any] = {
    "model": model,
    "duty_class": duty_class,
    "freight_pct": freight_pct,
    "price": price_basis,
    "norm": method,
    "missing": missing,
    "min_cov": min_coverage,
    "gate": gate,
    "volume": volume,
    "on": on.isoformat(),
}
# The scenario travels with every row of the download, in words (the README keeps the URL's codes).
scenario: dict[str, Any] = {
    "model": model_options[model],
    "duty_class": labels.label(labels.DUTY_CLASS, duty_class),
    "freight_pct": freight_pct,
    "price": pricing_service.PRICE_BASES[price_basis],
    "norm": scoring.NORMALISATIONS[method],
    "missing": scoring.MISSING_POLICIES[missing],
    "min_cov": min_coverage,
    "gate": scoring.GATE_POLICIES[gate],
    "volume": volume,
    "on": on.isoformat(),
}
export = ui.computed(
    ctx,
    scoring.ranking_export,
    table,
    raw,
    landed,
    names,
    {**scenario, **{f"w_{k}": v for k, v in weights.items()}},
)
export = ui.computed(ctx, scoring.basis_columns, export, basis, weights)
implied = ui.computed(ctx, scoring.implied_share, raw, volume)
ranked_codes = markets_service.MarketsScenario(tuple(table["market_code"]))
peer_text = ui.view(ctx, markets_service.peer_shares, ranked_codes)
export = ui.computed(ctx, scoring.with_market_context, export, gaps, ranges, implied, peer_text, volume)
ui.caption(
    "Implied share: {volume} cars a year ({why}) as a share of each market's EV sales in the basis year; "
    "peers' shares are of all new cars where registrations by brand are in the data.",
    volume=f"{volume:,}",
    why=volume_basis if volume == default_volume else "your volume",
)
# Each market's EV share over the years beside its score (IEA history + national figures; not in the CSV).
history = ui.view(ctx, markets_service.ev_share_history, ranked_codes)
shown = ui.computed(ctx, expansion.with_history, export, history, "market_code")
ui.table(
    shown,
    {
        **ui.registered_columns(
            columns.MARKET_RANKING,
            bars={"score": (0, 100)},
            currency=pricing_service.DEFAULT_CURRENCY,
            flag=FLAG,
        ),
        "ev_share_history": st.column_config.LineChartColumn(
            "EV share over the years", y_min=0, help="IEA 2010–2023 (CC BY 4.0) and national figures 2024–25"
        ),
        "ev_share_years": "Years",
        "implied_volume": None,
        **{
            f"{b.key}_{part}": None
            for b in scoring.BASIS_MEASURES
            for part in ("basis_year", "year", "source")
        },
        **{f"c_{m.key}": None for m in scoring.MEASURES},
        # The scenario (the sidebar's choices) is the same in every row: in the download, not on screen.
        **{c: None for c in shown.columns if str(c).startswith("input_")},
    },
)
ui.download_buttons(ctx, export, "market-ranking", inputs | {"weights": weights}, key="ranking")
# Analyst notes on the markets compared (evdash.notes; written on the Sources page).
ui.analyst_notes(
    ctx,
    ui.computed(ctx, notes.for_markets, ui.view(ctx, markets_service.notes_in_force, None), list(chosen)),
    "market-ranking-notes",
    {"markets": list(chosen)},
    key="ranking-notes",
)

if not result.excluded.empty:
    ui.markdown("**Not ranked**")
    ui.table(
        result.excluded.assign(market_name=[names.get(c, c) for c in result.excluded["market_code"]]),
        {
            **ui.registered_columns(columns.MARKET_RANKING, only=("market_code", "market_name")),
            "reason": "Why not ranked",
        },
    )

# The map in a 3/5 column beside its region picker, as on the Overview and Expansion pages: a map keeps
# its shape, so across the whole width it left wide blank bands beside it. On a phone the two stack,
# the picker first (above what it changes).
region_col, map_col = st.columns([2, 3])
region = ui.url_select("Map region", "region", REGION_LABELS, "world", container=region_col)
ui.chart(
    ui.figure(
        ctx,
        score_map,
        table,
        names,
        region,
        list(result.excluded["market_code"]),
        dict(zip(gaps["market_code"], gaps["gap"], strict=True)),
    ),
    geo=True,
    container=map_col,
)

with st.expander("Method and sources of each measure"):
    ui.markdown(
        "* Normalisation is across the markets compared: **min–max** maps the worst to 0 and the best "
        "to 1 (for duties and price gap, lower is better); **rank / percentile** uses the rank, so "
        "China-sized volumes do not flatten everyone else. Units never matter.\n"
        "* Score = Σ weight × normalised value / Σ weight of the measures the market has, × 100.\n"
        "* One basis per measure: every market is compared on one year per measure, the latest year at "
        "least three quarters of the compared markets have (see *Basis of each measure*); a market without "
        "it is flagged and scored without that measure, never with another year's figure. EV market size "
        "is BEV+PHEV sales of that year; where only BEV sales exist it is BEV sales (a floor, flagged). "
        "Growth is that year vs the year before, both from one source family.\n"
        "* Proxies never beat data: a market with only the Europe-wide SUV share is scored at the lowest own "
        "figure of the markets compared; the proxy sets the top of its score range (*Score, proxy high*).\n"
        "* Scale: while market size has a weight, EV share, BEV share, growth and body-type fit count in "
        "full for the largest market compared and not at all for one 50 times smaller (log scale between), "
        "so a small market cannot outrank a far larger one on shares alone.\n"
        "* Requirements: driving side (steering), DC charging standard and type approval of each market "
        "against the model's configurations in the data; a gap is shown or excludes the market "
        "(*Markets the model cannot serve yet*).\n"
        "* Tariff burden and price gap come from the landed-price estimate (Pricing page method). A "
        "market with no tariff rows in the data has *unknown* duties (missing), not 0%.\n"
        "* Presence: launched 1, pilot 0.75, announced 0.5, evaluating 0.25; no record = 0 (a known "
        "absence, not missing data)."
    )
    ui.table(
        ui.computed(ctx, scoring.provenance_for_people, provenance, names),
        {
            **ui.registered_columns(columns.MARKET_RANKING, only=("market_name", "market_code")),
            "measure": "Measure",
            "basis": "Made from",
            "value": st.column_config.NumberColumn("Value", format="localized"),
            "year": st.column_config.NumberColumn("Year", format="%d"),
            "period_scope": "Period",
            "confidence": "Confidence",
            "source_url": st.column_config.LinkColumn("Source"),
        },
    )
