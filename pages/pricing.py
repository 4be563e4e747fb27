"""Pricing: what a China-built car would cost in a target market, against local rivals."""

from __future__ import annotations

from typing import Any

import streamlit as st

from evdash import columns, kpis, labels, pricing, pricing_service, scenario, tariff_watch, text, ui
from evdash.figures.pricing import landed_waterfall, price_bars, price_history, rival_comparison

ctx = ui.frame("Pricing")

NAMES: dict[str, Any] = {
    "brand_name": "Brand",
    "model_name": "Model",
    "variant_name": "Variant",
    "market_code": "Market",
    "body_type": "Body",
    "segment": "Segment",
    "includes_vat": st.column_config.CheckboxColumn("Incl. VAT"),
    "price_date": st.column_config.DateColumn("Price of"),
    "stale": st.column_config.CheckboxColumn("Over 12 months old"),
    "age_note": "Age",
    "fx_note": "FX used",
}


def price_columns(currency: str) -> dict[str, Any]:
    """The price tables' columns: the registry's (evdash.columns.PRICES), priced in `currency`, and the
    car's names and the price's age."""
    registered = ui.registered_columns(
        columns.PRICES, renamed={"price_converted": f"price_{currency.lower()}"}, currency=currency
    )
    return {**NAMES, **registered}


on = ui.in_force_date()
reader = ui.reader(ctx)
cat = pricing_service.catalogue(reader, on)
prices, latest, origins, rates = cat.prices, cat.latest, cat.origins, cat.rates

variant_options = {
    str(r.variant_id): f"{r.brand_name} {r.model_name} {r.variant_name} ({r.currency} {r.price:,.0f})"
    for r in origins.itertuples()
}
market_names = cat.market_names
market_options = {c: f"{n} ({c})" for c, n in sorted(market_names.items(), key=lambda kv: kv[1])}

with st.sidebar:
    if not variant_options:
        ui.error("No variant has a price in its production country on or before {on}.", on=on)
        st.stop()
    default_variant = (
        pricing_service.DEFAULT_VARIANT if pricing_service.DEFAULT_VARIANT in variant_options else ""
    )
    variant = ui.url_select(
        "Car (priced at home)",
        "variant",
        variant_options,
        default_variant,
        on_change=ui.forget,  # the duty class below defaults to this car's class
        args=("duty_class",),
    )
    market = ui.url_select("Target market", "market", market_options, pricing_service.DEFAULT_MARKET)
    currency = ui.url_select(
        "Show prices in", "currency", {c: c for c in cat.currencies}, pricing_service.DEFAULT_CURRENCY
    )
    origin = origins[origins["variant_id"] == variant].iloc[0]
    duty_class = ui.url_select(
        f"Duty class (data: {labels.label(labels.DUTY_CLASS, origin['tariff_company'])})",
        "duty_class",
        {
            c: labels.label(labels.DUTY_CLASS, c)
            for c in sorted(set(cat.duty_classes) | {str(origin["tariff_company"])})
        },
        str(origin["tariff_company"]),
        help="The brand's class for company-specific duties (EU CVD). Change it to test a scenario, "
        "e.g. Xiaomi treated as a non-cooperating maker.",
    )
    freight_pct = ui.url_int(
        "Freight & logistics, % of ex-factory",
        "freight_pct",
        pricing_service.DEFAULT_FREIGHT_PCT,
        *scenario.FREIGHT_PCT_RANGE,
    )
    freight_amount = ui.url_int(f"Plus a fixed amount ({currency})", "freight_amt", 0, 0, 10_000, step=100)
    ex_vat = ui.url_select(
        "China price",
        "ex_vat",
        {"yes": "includes 13% VAT: remove it (export)", "no": "use as is"},
        "yes",
    )
    rival_scope = ui.url_select("Rivals", "rivals", pricing_service.RIVAL_SCOPES, "body")

market_name = market_names.get(market, market)
model_label = f"{origin['brand_name']} {origin['model_name']}"
ui.title("What would the {car} cost in {market}?", car=model_label, market=market_name)
ui.freshness(ctx, ["prices", "fx"])
ui.caption(
    "Duties, VAT and FX **in force on {on}**. Estimate = China sticker price → less 13% China VAT "
    "(refunded on export) → FX → + freight = CIF value → + import duties on CIF → + VAT on CIF and "
    "duties (above a VAT threshold where one applies). Dealer margin and registration taxes are not "
    "included. Rates are the latest on or before that date.",
    on=labels.day(on),
)

view = pricing_service.pricing_view(
    reader,
    pricing_service.PricingScenario(
        on=on,
        variant=variant,
        markets=(market,),
        currency=currency,
        duty_class=duty_class,
        freight_pct=freight_pct,
        freight_amount=freight_amount,
        strip_origin_vat=ex_vat == "yes",
        rival_scope=rival_scope,
    ),
    cat,
)
params = {
    "variant": variant,
    "market": market,
    "currency": currency,
    "on": on,
    "duty_class": duty_class,
    "freight_pct": freight_pct,
    "freight_amt": freight_amount,
    "ex_vat": ex_vat,
}
landed = view.landed
if view.fx_error:
    ui.error("{message}", icon=":material/currency_exchange:", message=view.fx_error)

ui.subheader("Landed-price estimate")
if landed is not None:
    if landed.several:
        ui.info(
            "The duty on this car in {market} depends on a fact the data cannot settle, so every case is "
            "shown: {cases}.",
            icon=":material/call_split:",
            market=market_name,
            cases=" · ".join(
                f"{c.case_label}: {pricing.duty_burden_pct(c):.1f}% of CIF" for c in landed.cases
            ),
        )
    for case in landed.cases:
        cols = st.columns(4)
        suffix = f" — {case.case_label}" if landed.several else ""
        ui.metric(
            cols[0],
            f"Estimated sticker price{suffix}",
            f"{currency} {case.total:,.0f}",
            help="Estimate: lowest price that covers ex-factory, freight, duties and VAT.",
        )
        ui.metric(
            cols[1], "CIF value (customs base)", f"{currency} {case.by_id(pricing.STEP_CIF).amount:,.0f}"
        )
        ui.metric(
            cols[2],
            "Duties, % of CIF",
            f"{pricing.duty_burden_pct(case):.1f}%" if case.duty_known else "unknown",
        )
        ui.metric(
            cols[3],
            "FX used",
            f"{case.fx.rate:.6g}",
            f"{case.fx.base}→{case.fx.quote}, rate of {labels.day(case.fx.rate_date, missing='—')} · "
            f"{labels.label(labels.CONFIDENCE, case.fx.confidence)}",
            delta_color="off",
            delta_arrow="off",
            help=f"{case.fx.describe()} · {labels.label(labels.CONFIDENCE, case.fx.confidence)} · source "
            f"{kpis.source_label(case.fx.source_url or case.fx.source_id)}",
        )
    for note in view.incentive_notes:
        ui.info("{text}", icon=":material/savings:", text=note)
    for warning in dict.fromkeys(w for c in landed.cases for w in c.warnings):
        ui.warning("{text}", icon=":material/info:", text=warning)
    tabs = ui.tabs([c.case_label for c in landed.cases]) if landed.several else [st.container()]
    for tab, case in zip(tabs, landed.cases, strict=True):
        with tab:
            ui.chart(
                ui.figure(
                    ctx,
                    landed_waterfall,
                    case.frame(),
                    "Landed price build-up",
                    f"{model_label} → {market_name}, in {currency}"
                    + (f" ({case.case_label})" if landed.several else ""),
                ),
            )
    steps = ui.computed(ctx, labels.for_people, landed.frame(), confidence=labels.CONFIDENCE)
    ui.table(
        steps,
        ui.registered_columns(
            columns.LANDED_STEPS,
            hide=("kind", "currency", *(() if landed.several else ("duty_case",))),
            currency=currency,
        ),
    )
    not_applied = landed.low.not_applied
    if not_applied:
        with ui.expander(f"Duties in the data that do not apply on {labels.day(on)} ({len(not_applied)})"):
            ui.table(
                pricing.not_applied_frame(not_applied),
                {
                    "duty": "Duty",
                    **ui.registered_columns(columns.LANDED_STEPS, only=("rate_pct",)),
                    "status": "Status",
                    "why_not": "Why not",
                },
            )
    ui.download_buttons(ctx, steps, "landed-price", params, key="landed")

    ui.subheader("Duty changes for this car in {market}", market=market_name)
    if view.changes.empty:
        ui.caption("No duty for this car in {market} in the data.", market=market_name)
    else:
        ui.table(view.changes, ui.DUTY_CHANGE_COLUMNS)
        ui.download_buttons(ctx, view.changes, "duty-changes", params, key="changes")

    ui.subheader("Against local rivals in {market}", market=market_name)
    rivals, comparison = view.rivals, view.comparison
    column = f"price_{currency.lower()}"
    for gap in view.gaps:
        ui.markdown(
            "{case}Our estimate of **{estimate}** is **{gap} ({gap_pct})** against the cheapest comparable "
            "model, {rival} ({price}, {confidence}, price of {date}), and {median_pct} against the median "
            "of {n}.",
            case=f"{gap.case_label}: " if landed.several else "",
            estimate=f"{currency} {gap.estimate:,.0f}",
            gap=f"{currency} {gap.gap:+,.0f}",
            gap_pct=f"{gap.gap_pct:+.1f}%",
            rival=gap.cheapest_label,
            price=f"{currency} {gap.cheapest_price:,.0f}",
            confidence=labels.label(labels.CONFIDENCE, gap.cheapest_confidence).lower(),
            date=labels.day(gap.cheapest_date),
            median_pct=f"{gap.median_gap_pct:+.1f}%",
            n=labels.count(gap.n_rivals, "rival price"),
        )
    stale = comparison[comparison["stale"]] if "stale" in comparison.columns else comparison.iloc[0:0]
    if not stale.empty:
        # A notice, not a warning: warnings are kept for what is wrong with the user's input.
        ui.info(
            "{n} over 12 months older than {on}: {which}. {they} not be today's {prices}.",
            icon=":material/history:",
            n=labels.count(len(stale), "rival price") + (" is" if len(stale) == 1 else " are"),
            on=labels.day(on),
            they="It may" if len(stale) == 1 else "They may",
            prices=labels.noun(len(stale), "price"),
            which="; ".join(
                f"{b} {m} {v} ({labels.day(d)})"
                for b, m, v, d in zip(
                    stale["brand_name"],
                    stale["model_name"],
                    stale["variant_name"],
                    stale["price_date"],
                    strict=True,
                )
            ),
        )
    missing = view.rivals_without_price
    if rivals.empty:
        ui.info(
            "No comparable {body} has a price in {market} in the data.",
            body=labels.label(labels.BODY_TYPE, origin["body_type"]),
            market=market_name,
        )
    if missing:
        ui.caption(
            "No price in {market} in the data for: {models} (priced in other markets only), so they are "
            "not compared here.",
            market=market_name,
            models=", ".join(missing),
        )
    ui.chart(
        ui.figure(ctx, rival_comparison, landed.low.total, f"{model_label} (estimate)", comparison, currency),
    )
    shown_columns = [
        "brand_name",
        "model_name",
        "variant_name",
        "body_type",
        "segment",
        "currency",
        "price",
        column,
        "gap",
        "gap_pct",
        *(["gap_high", "gap_high_pct"] if landed.several else []),
        "price_type",
        "price_date",
        "stale",
        "age_note",
        "confidence",
        "source_url",
    ]
    rival_table = ui.computed(
        ctx,
        labels.for_people,
        comparison[[c for c in shown_columns if c in comparison.columns]],
        body_type=labels.BODY_TYPE,
        price_type=labels.PRICE_TYPE,
        confidence=labels.CONFIDENCE,
    )
    low_label = text.md(f" — {landed.low.case_label}") if landed.several else ""
    high_label = text.md(f" — {landed.high.case_label}") if landed.several else ""
    ui.table(
        rival_table,
        {
            **price_columns(currency),
            "gap": st.column_config.NumberColumn(f"Gap ({currency}){low_label}", format="%+,.0f"),
            "gap_pct": st.column_config.NumberColumn(f"Gap %{low_label}", format="%+.1f%%"),
            "gap_high": st.column_config.NumberColumn(f"Gap ({currency}){high_label}", format="%+,.0f"),
            "gap_high_pct": st.column_config.NumberColumn(f"Gap %{high_label}", format="%+.1f%%"),
        },
    )
    ui.download_buttons(ctx, rival_table, "landed-vs-rivals", params, key="rivals")
    line = view.registered_line
    if line:
        ui.caption("Registered in {market} (published totals): {line}.", market=market_name, line=line)

ui.subheader("Tariff-change watch: the {car} in {market}", car=model_label, market=market_name)
watch_scope = ui.url_select(
    "Markets watched",
    "watch",
    {"market": f"{market_name} only", "all": "Every market in the data (slower)"},
    "market",
)
watch_ranks = ui.url_select(
    "Rank changes",
    "watch_rank",
    {"no": "Not shown (faster)", "yes": "Rank every change day on the Market ranking (slower)"},
    "no",
)
watch_scenario = tariff_watch.WatchScenario(
    on=on,
    variant=variant,
    markets=(market,) if watch_scope == "market" else None,
    currency=currency,
    duty_class=duty_class,
    freight_pct=freight_pct,
    freight_amount=freight_amount,
    strip_origin_vat=ex_vat == "yes",
    with_ranks=watch_ranks == "yes",
)
watch_from, _ = tariff_watch.window(watch_scenario)
watched = ui.computed(
    ctx,
    labels.for_people,
    ui.reader_view(ctx, tariff_watch.watch, watch_scenario),
    confidence=labels.CONFIDENCE,
)
if watch_ranks != "yes":  # not computed: not shown and not exported
    watched = watched.drop(columns=list(tariff_watch.RANK_COLUMNS))
where = market_name if watch_scope == "market" else "any market in the data"
if watched.empty:
    ui.info(
        "No change to a duty, quota, VAT rate, VAT relief or purchase incentive for this car in {where} "
        "took effect from {start} to {on}, and none is announced, in the data.",
        icon=":material/event_available:",
        where=where,
        start=labels.day(watch_from),
        on=labels.day(on),
    )
else:
    ui.caption(
        "Every rule change for this car in {where} from {start} (12 months before {on}) and every announced "
        "one. Landed price: the estimate above (same car, freight and duty class) the day before and the "
        "day the change takes effect, in {currency}; a price or FX rate that moved that day moves it too. "
        "Rank (when chosen under *Rank changes*): the market's rank for the {model} the day before and that "
        "day, on the Market ranking's default scenario (its markets, weights and policies); — = not among "
        "the markets it compares. "
        "Each row names its source and confidence.",
        where=where,
        start=labels.day(watch_from),
        on=labels.day(on),
        currency=currency,
        model=model_label,
    )
    cases_differ = bool((watched["landed_low_change"].fillna(0) != watched["landed_change"].fillna(0)).any())
    ui.table(
        watched,
        {
            "on_date": st.column_config.DateColumn("In force from"),
            "market_code": None,
            "market_name": "Market",
            "kind": None,
            "rule_kind": "Rule",
            "what_changed": "What changed",
            "before": "Before",
            "after": "From then",
            "when": "When",
            "status": "Status",
            "currency": None,
            "landed_before": st.column_config.NumberColumn(
                f"Landed the day before ({currency})", format="%,.0f"
            ),
            "landed_after": st.column_config.NumberColumn(f"Landed that day ({currency})", format="%,.0f"),
            "landed_change": st.column_config.NumberColumn(f"Landed change ({currency})", format="%+,.0f"),
            "landed_low_before": None,
            "landed_low_after": None,
            "landed_low_change": st.column_config.NumberColumn(
                f"Landed change, lowest duty case ({currency})", format="%+,.0f"
            )
            if cases_differ
            else None,
            "after_incentive_before": None,
            "after_incentive_after": None,
            "after_incentive_change": st.column_config.NumberColumn(
                f"Change after purchase incentive ({currency})", format="%+,.0f"
            ),
            **(
                {
                    "rank_before": st.column_config.NumberColumn("Rank the day before", format="%d"),
                    "rank_after": st.column_config.NumberColumn("Rank that day", format="%d"),
                    "markets_ranked": st.column_config.NumberColumn("Markets ranked", format="%d"),
                }
                if watch_ranks == "yes"
                else {}
            ),
            "price_note": "Price note",
            **ui.registered_columns(columns.PRICES, only=("source_url", "confidence", "as_of")),
        },
    )
    ui.download_buttons(
        ctx, watched, "tariff-watch", params | {"watch": watch_scope, "watch_rank": watch_ranks}, key="watch"
    )

ui.subheader("Prices by model and market")
model_options = {
    m: f"{b} {n}"
    for m, b, n in latest[["model_id", "brand_name", "model_name"]].drop_duplicates().itertuples(index=False)
}
default_models = [m for m in (str(origin["model_id"]), "tesla_model_y") if m in model_options]
chosen_models = ui.url_multiselect("Models", "models", model_options, default_models)
table = ui.computed(ctx, pricing.converted_models, latest, list(chosen_models), rates, currency, on)
fx_dates = sorted({d for d in table["fx_date"].dropna()})
fx_text = f"rates of {', '.join(labels.day(d) for d in fx_dates)}" if fx_dates else "no conversion needed"
ui.chart(ui.figure(ctx, price_bars, table, currency, fx_text, str(origin["brand_name"])))
shown = ui.computed(
    ctx,
    labels.for_people,
    table[
        [
            "brand_name",
            "model_name",
            "variant_name",
            "market_code",
            "currency",
            "price",
            f"price_{currency.lower()}",
            "fx_rate",
            "fx_date",
            "includes_vat",
            "price_type",
            "effective_from",
            "confidence",
            "source_url",
            "fx_note",
        ]
    ],
    price_type=labels.PRICE_TYPE,
    confidence=labels.CONFIDENCE,
)
ui.table(
    shown,
    {
        **price_columns(currency),
        "fx_rate": st.column_config.NumberColumn("FX rate", format="%.6g"),
    },
)
ui.download_buttons(
    ctx, shown, "prices", {"models": chosen_models, "currency": currency, "on": on}, key="prices"
)

history = ui.computed(ctx, pricing.converted_models, prices, list(chosen_models), rates, currency, on)
ui.chart(ui.figure(ctx, price_history, history, currency))
ui.caption(
    "History: every recorded price (launch, list, pre-order, expected) converted at the single FX rate "
    "of {on}, so a move in the line is a price change, not a currency move. Open markers are estimates "
    "or 'at least' figures.",
    on=labels.day(on),
)
