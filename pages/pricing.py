"""Pricing: what a China-built car would cost in a target market, against local rivals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from evdash import pricing, queries, ui
from evdash.figures.pricing import landed_waterfall, price_bars, price_history, rival_comparison

ctx = ui.frame("Pricing")

NAMES: dict[str, Any] = {
    "brand_name": "Brand",
    "model_name": "Model",
    "variant_name": "Variant",
    "market_code": "Market",
    "body_type": "Body",
    "segment": "Segment",
    "currency": "Currency",
    "includes_vat": st.column_config.CheckboxColumn("Incl. VAT"),
    "price_type": "Price type",
    "effective_from": st.column_config.DateColumn("Effective from"),
    "fx_date": st.column_config.DateColumn("FX rate of"),
    "fx_note": "FX used",
    "confidence": "Confidence",
}
today = dt.date.fromisoformat(ctx.as_of)

with st.sidebar:
    ui.markdown("**Scenario**")
    on = ui.url_date("Prices and FX on", "on", today, dt.date(2020, 1, 1), dt.date(2030, 12, 31))

prices = ui.query(ctx, queries.pricing_prices, on=on)
rates = ui.query(ctx, queries.pricing_fx)
measures = ui.query(ctx, queries.markets_measures)
latest = ui.computed(ctx, pricing.latest_prices, prices, on)
origins = ui.computed(ctx, pricing.origin_prices, latest)

variant_options = {
    str(r.variant_id): f"{r.brand_name} {r.model_name} {r.variant_name} ({r.currency} {r.price:,.0f})"
    for r in origins.itertuples()
}
market_names: dict[str, str] = {
    str(c): str(n)
    for frame in (measures, prices)
    for c, n in zip(frame["market_code"], frame["market_name"], strict=True)
}
market_options = {c: f"{n} ({c})" for c, n in sorted(market_names.items(), key=lambda kv: kv[1])}
currencies = sorted(set(rates["base"]) | set(rates["quote"]))
duties_all = ui.query(ctx, queries.pricing_duties, markets=list(market_options), origin="CHN")

with st.sidebar:
    if not variant_options:
        ui.error("No variant has a price in its production country on or before this date.")
        st.stop()
    default_variant = "xiaomi_yu7_standard_rwd" if "xiaomi_yu7_standard_rwd" in variant_options else ""
    variant = ui.url_select(
        "Car (priced at home)",
        "variant",
        variant_options,
        default_variant,
        on_change=ui.forget,  # the duty class below defaults to this car's class
        args=("duty_class",),
    )
    market = ui.url_select("Target market", "market", market_options, "DEU")
    currency = ui.url_select("Show prices in", "currency", {c: c for c in currencies}, "EUR")
    origin = origins[origins["variant_id"] == variant].iloc[0]
    classes = sorted(set(duties_all["applies_to"]) | set(prices["tariff_company"]) | {"none"})
    duty_class = ui.url_select(
        f"Duty class (data: {origin['tariff_company']})",
        "duty_class",
        {c: c for c in classes},
        str(origin["tariff_company"]),
        help="The brand's class for company-specific duties (EU CVD). Change it to test a scenario, "
        "e.g. Xiaomi treated as non_cooperating.",
    )
    freight_pct = ui.url_int("Freight & logistics, % of ex-factory", "freight_pct", 5, 0, 30)
    freight_amount = ui.url_int(f"Plus a fixed amount ({currency})", "freight_amt", 0, 0, 10_000, step=100)
    ex_vat = ui.url_select(
        "China price",
        "ex_vat",
        {"yes": "includes 13% VAT: remove it (export)", "no": "use as is"},
        "yes",
    )
    rival_scope = ui.url_select(
        "Rivals", "rivals", {"body": "same body type", "segment": "same body type and segment"}, "body"
    )

market_name = market_names.get(market, market)
model_label = f"{origin['brand_name']} {origin['model_name']}"
ui.title("What would the {car} cost in {market}?", car=model_label, market=market_name)
ui.caption(
    "Estimate = China sticker price → less 13% China VAT (refunded on export) → FX on the chosen date "
    "→ + freight = CIF value → + import duties on CIF → + VAT on CIF and duties. Dealer margin and "
    "registration taxes are not included. Rates are the latest on or before the chosen date."
)

vat = ui.query(ctx, queries.pricing_vat, on=on)
inputs = ui.computed(
    ctx,
    pricing.build_inputs,
    origin,
    market,
    market_name,
    duties_all[duties_all["market_iso3"] == market],  # only this market's rows go into the cache key
    vat,
    on,
    currency,
    duty_class,
    freight_pct=freight_pct,
    freight_amount=freight_amount,
    strip_origin_vat=ex_vat == "yes",
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
segment = str(origin["segment"]) if rival_scope == "segment" else None
landed: pricing.LandedPrice | None
try:
    landed = ui.computed(ctx, pricing.landed_price, inputs, rates)
except pricing.FxUnavailable as err:
    landed = None
    ui.error("{err}", icon=":material/currency_exchange:", err=str(err))

ui.subheader("Landed-price estimate")
if landed is not None:
    steps = landed.frame()
    rivals = ui.computed(
        ctx,
        pricing.converted_rivals,
        latest,
        market,
        str(origin["body_type"]),
        str(origin["model_id"]),
        segment,
        rates,
        currency,
        on,
    )
    column = f"price_{currency.lower()}"
    rival_prices = rivals[column].dropna()
    cif = landed.step("CIF value").amount
    c1, c2, c3, c4 = st.columns(4)
    ui.metric(
        c1,
        "Estimated sticker price",
        f"{currency} {landed.total:,.0f}",
        help="Estimate: lowest price that covers ex-factory, freight, duties and VAT.",
    )
    ui.metric(c2, "CIF value (customs base)", f"{currency} {cif:,.0f}")
    ui.metric(c3, "Duties, % of CIF", f"{pricing.duty_burden_pct(landed):.1f}%")
    ui.metric(
        c4,
        "FX used",
        f"{landed.fx.rate:.6g}",
        f"{landed.fx.base}→{landed.fx.quote}, rate of {landed.fx.rate_date or '—'} · {landed.fx.confidence}",
        delta_color="off",
        delta_arrow="off",
        help=f"{landed.fx.describe()} · confidence {landed.fx.confidence} · source {landed.fx.source_id}",
    )
    for warning in landed.warnings:
        ui.warning("{w}", icon=":material/info:", w=warning)
    st.plotly_chart(
        ui.figure(
            ctx,
            landed_waterfall,
            steps,
            "Landed price build-up",
            f"{model_label} → {market_name}, in {currency}",
        ),
        width="stretch",
        config={"displayModeBar": False},
    )
    st.dataframe(
        steps,
        hide_index=True,
        width="stretch",
        column_config={
            "label": "Step",
            "kind": None,
            "amount": st.column_config.NumberColumn(f"Amount ({currency})", format="%,.0f"),
            "running_total": st.column_config.NumberColumn(f"Running total ({currency})", format="%,.0f"),
            "currency": None,
            "rate_pct": st.column_config.NumberColumn("Rate %", format="%.1f"),
            "basis": "Applied to",
            "source": st.column_config.LinkColumn("Source"),
            "as_of": "As of",
            "confidence": "Confidence",
            "note": "Note",
        },
    )
    if landed.not_applied:
        with st.expander(
            f"Duties in the data that do not apply on {on:%Y-%m-%d} ({len(landed.not_applied)})"
        ):
            st.dataframe(
                pd.DataFrame(
                    [
                        {"tariff": d.tariff_id, "rate %": d.rate_pct, "status": d.status, "why not": why}
                        for d, why in landed.not_applied
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
    ui.download_buttons(ctx, steps, "landed-price", params, key="landed")

    ui.subheader("Against local rivals in {market}", market=market_name)
    comparison = rivals.assign(
        estimate=landed.total,
        gap=landed.total - rivals[column],
        gap_pct=100 * (landed.total - rivals[column]) / rivals[column],
    )
    if not rival_prices.empty:
        cheapest = comparison.sort_values(column).iloc[0]
        ui.markdown(
            "Our estimate of **{cur} {total:,.0f}** is **{cur} {gap:+,.0f} ({gap_pct:+.1f}%)** against the "
            "cheapest comparable model, {rival} ({cur} {rival_price:,.0f}, {rival_confidence}), and "
            "{median_gap:+.1f}% against the median of {n} rival price(s).",
            cur=currency,
            total=landed.total,
            gap=cheapest["gap"],
            gap_pct=cheapest["gap_pct"],
            rival=f"{cheapest['brand_name']} {cheapest['model_name']} {cheapest['variant_name']}",
            rival_price=cheapest[column],
            rival_confidence=cheapest["confidence"],
            median_gap=100 * (landed.total / rival_prices.median() - 1),
            n=len(rival_prices),
        )
    st.plotly_chart(
        ui.figure(ctx, rival_comparison, landed.total, f"{model_label} (estimate)", comparison, currency),
        width="stretch",
        config={"displayModeBar": False},
    )
    rival_table = comparison[
        [
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
            "price_type",
            "effective_from",
            "confidence",
            "source_url",
        ]
    ]
    st.dataframe(
        rival_table,
        hide_index=True,
        width="stretch",
        column_config={
            **NAMES,
            "price": st.column_config.NumberColumn("Local price", format="%,.0f"),
            column: st.column_config.NumberColumn(f"Price ({currency})", format="%,.0f"),
            "gap": st.column_config.NumberColumn(f"Gap ({currency})", format="%+,.0f"),
            "gap_pct": st.column_config.NumberColumn("Gap %", format="%+.1f%%"),
            "source_url": st.column_config.LinkColumn("Source"),
        },
    )
    ui.download_buttons(ctx, rival_table, "landed-vs-rivals", params, key="rivals")

ui.subheader("Prices by model and market")
model_options = {
    m: f"{b} {n}"
    for m, b, n in latest[["model_id", "brand_name", "model_name"]].drop_duplicates().itertuples(index=False)
}
default_models = [m for m in (str(origin["model_id"]), "tesla_model_y") if m in model_options]
chosen_models = ui.url_multiselect("Models", "models", model_options, default_models)
table = ui.computed(ctx, pricing.converted_models, latest, list(chosen_models), rates, currency, on)
fx_dates = sorted({str(d) for d in table["fx_date"].dropna()})
fx_text = f"rates of {', '.join(fx_dates)}" if fx_dates else "no conversion needed"
st.plotly_chart(
    ui.figure(ctx, price_bars, table, currency, fx_text), width="stretch", config={"displayModeBar": False}
)
shown = table[
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
]
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        **NAMES,
        "price": st.column_config.NumberColumn("Local price", format="%,.0f"),
        f"price_{currency.lower()}": st.column_config.NumberColumn(f"Price ({currency})", format="%,.0f"),
        "fx_rate": st.column_config.NumberColumn("FX rate", format="%.6g"),
        "source_url": st.column_config.LinkColumn("Source"),
    },
)
ui.download_buttons(
    ctx, shown, "prices", {"models": chosen_models, "currency": currency, "on": on}, key="prices"
)

history = ui.computed(ctx, pricing.converted_models, prices, list(chosen_models), rates, currency, on)
st.plotly_chart(
    ui.figure(ctx, price_history, history, currency), width="stretch", config={"displayModeBar": False}
)
ui.caption(
    "History: every recorded price (launch, list, pre-order, expected) converted at the single FX rate "
    "of the chosen date, so a move in the line is a price change, not a currency move. Open markers are "
    "estimates or 'at least' figures."
)
