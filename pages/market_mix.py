"""Market mix (registrations): who sells what in a market — brand share, body type (SUV) and powertrain
mix per month, top models — from a data vendor's registrations, and SUV share across markets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from evdash import queries, ui
from evdash.figures import registrations as figures
from evdash.theme import CONFIDENCE_LABEL

ctx = ui.frame("Market mix (registrations)")
ui.title("Market mix (registrations)")

markets = ui.query(ctx, queries.registrations_markets)
if markets.empty:
    ui.info(
        "No registrations data loaded yet. This page shows brand, body-type (SUV) and powertrain shares "
        "per market once a data vendor's monthly registrations are imported (see the Data page and "
        "data/README.md for the file format).",
        icon=":material/info:",
    )
    st.stop()

market_options = dict(zip(markets["market_code"], markets["market_name"], strict=True))
with st.sidebar:
    market = ui.url_select("Market", "market", market_options, str(markets["market_code"].iloc[0]))
row = markets[markets["market_code"] == market].iloc[0]
first = pd.Timestamp(str(row["first_month"])).date()
last = pd.Timestamp(str(row["last_month"])).date()
year_options = {str(y): str(y) for y in range(last.year, first.year - 1, -1)}
with st.sidebar:
    year = int(ui.url_select("Year", "year", year_options, str(last.year)))
month_from = max(dt.date(year, 1, 1), first)
month_to = min(dt.date(year, 12, 1), last)
if (month_from.month, month_to.month) == (1, 12):
    period = str(year)
elif month_from == month_to:
    period = f"{month_from:%b %Y}"
else:
    period = f"{month_from:%b}–{month_to:%b %Y}"
market_name = market_options[market]
window = {"market": market, "month_from": month_from, "month_to": month_to}

provenance = ui.query(ctx, queries.registrations_provenance, **window)
rank = {"reported": 1, "lower_bound": 2, "estimate": 3}
confidence = max(provenance["confidence"], key=lambda c: rank.get(c, 3)) if len(provenance) else "estimate"
sources = sorted(set(provenance["source_url"]))
as_of = pd.Timestamp(provenance["as_of"].max()).date() if len(provenance) else None
caption = (
    f"{CONFIDENCE_LABEL.get(confidence, confidence)} · as of {as_of} · source: "
    + "; ".join(f"{p} ({u})" for p, u in zip(provenance["publisher"], provenance["source_url"], strict=True))
    if len(provenance)
    else "No registrations in this period."
)
if "evdash.invalid/synthetic" in " ".join(sources):
    ui.warning(
        "This database holds SYNTHETIC benchmark registrations, not real data.", icon=":material/science:"
    )
ui.caption(
    "New-car registrations in {market}, {period} · {provenance}",
    market=market_name,
    period=period,
    provenance=caption,
)

brand = ui.query(ctx, queries.registrations_brand_share, **window)
body = ui.query(ctx, queries.registrations_body_mix, **window)
left, right = st.columns(2)
with left:
    st.plotly_chart(
        ui.figure(ctx, figures.brand_share, brand, market_name, period, confidence), width="stretch"
    )
    ui.download_buttons(ctx, brand, "registrations-brand-share", window, key="brand", sources=sources)
with right:
    st.plotly_chart(
        ui.figure(ctx, figures.mix_over_time, body, "body_type", market_name, period, confidence),
        width="stretch",
    )
    ui.download_buttons(ctx, body, "registrations-body-mix", window, key="body", sources=sources)

models = ui.query(ctx, queries.registrations_top_models, top_n=10, **window)
powertrain = ui.query(ctx, queries.registrations_powertrain_trend, **window)
left, right = st.columns(2)
with left:
    st.plotly_chart(
        ui.figure(ctx, figures.top_models, models, market_name, period, confidence), width="stretch"
    )
    ui.download_buttons(ctx, models, "registrations-top-models", window, key="models", sources=sources)
with right:
    st.plotly_chart(
        ui.figure(ctx, figures.mix_over_time, powertrain, "powertrain", market_name, period, confidence),
        width="stretch",
    )
    ui.download_buttons(ctx, powertrain, "registrations-powertrain", window, key="pt", sources=sources)

year_window = {"month_from": dt.date(year, 1, 1), "month_to": dt.date(year, 12, 1)}
suv = ui.query(ctx, queries.registrations_suv_share, **year_window)
st.plotly_chart(ui.figure(ctx, figures.suv_share_by_market, suv, str(year), confidence), width="stretch")
ui.download_buttons(ctx, suv, "registrations-suv-share", year_window, key="suv", sources=sources)
