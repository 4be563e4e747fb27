"""Market mix: what is known about body types (SUV share of new cars, every published figure with its
definition, and the answer to the product's SUV claim) and the published brand registrations, with or
without a vendor's registrations; once those are imported, brand share, body-type (SUV) and powertrain mix
per month, top models and SUV share across markets from them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from evdash import confidence as conf
from evdash import expansion, labels, queries, suv, ui
from evdash.figures import registrations as figures
from evdash.figures.suv import suv_share_known
from evdash.regions import REGION_LABELS

NATIONAL_PROVENANCE_COLUMNS = {
    "qualifier": "As the source words it",
    "confidence": "Confidence",
    "as_of": st.column_config.DateColumn("As of"),
    "scope_note": "What it counts",
    "publisher": "Publisher",
    "source_url": st.column_config.LinkColumn("Source"),
}
NATIONAL_MAKE_COLUMNS = {
    "brand_name": "Make",
    "units": st.column_config.NumberColumn("Year", format="localized"),
    "share_pct": st.column_config.NumberColumn("Share %", format="%.2f"),
    "months": st.column_config.NumberColumn("Months with a figure", format="%d"),
    **{
        m: st.column_config.NumberColumn(name, format="localized")
        for m, name in zip(figures.MONTH_COLUMNS, figures.MONTH_NAMES, strict=True)
    },
    **NATIONAL_PROVENANCE_COLUMNS,
}
NATIONAL_TOTAL_COLUMNS = {
    "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "powertrain": "Counts",
    "units": st.column_config.NumberColumn("Registrations", format="localized"),
    "bev_share_pct": st.column_config.NumberColumn("Battery-electric share %", format="%.1f"),
    **NATIONAL_PROVENANCE_COLUMNS,
    "note": "Note",
}

ctx = ui.frame("Market mix (registrations)")
ui.title("Market mix: body types and brands")
ui.freshness(ctx, ["suv_shares", "published_registrations", "registrations"])

# --- What the published figures say (no import needed) ---------------------------------------------------
known = ui.query(ctx, queries.market_mix_suv_known)
answer = ui.computed(ctx, suv.claim_answer, known)
ui.subheader("Are SUVs more popular in Western markets?")
ui.markdown(
    "The product's own claim: *SUVs are generally more popular in Western markets*. "
    "**What the published figures say:** {summary}",
    summary=answer.summary,
)
ui.chart(ui.figure(ctx, suv_share_known, known))
with ui.expander(
    f"The figures behind the answer ({labels.count(len(known), 'published SUV share')}, with definitions)"
):
    ui.markdown(
        "Western markets (Europe and the Americas):\n\n{lines}\n\nCompared with: {china}\n\n"
        "Only broad definitions (SUVs with crossovers and off-roaders) are compared across markets; a "
        "market's narrow national segment is named beside its broad figure, never merged with it.",
        lines="; ".join(answer.western),
        china=answer.china or "no figure for China",
    )
    # The table and its download show labels; the definition's code gives way to its name.
    known_shown = ui.computed(
        ctx,
        labels.for_people,
        known,
        drop=("market_kind", "is_headline", "definition"),
        evdash_region=REGION_LABELS,
        period_scope=labels.PERIOD,
        measure=labels.SUV_MEASURE,
        breadth=labels.BREADTH,
        qualifier=labels.QUALIFIER,
        confidence=labels.CONFIDENCE,
    )
    ui.table(
        known_shown,
        {
            "market_code": "Code",
            "market_name": "Market",
            "evdash_region": "Region",
            "year": st.column_config.NumberColumn("Year", format="%d"),
            "period_scope": "Period",
            "period_label": "Covers",
            "measure": "Share of",
            "definition_label": "Definition",
            "breadth": "Breadth",
            "value_pct": st.column_config.NumberColumn("SUV share %", format="%.1f"),
            "qualifier": "As the source words it",
            "scope_note": "What it counts",
            "confidence": "Confidence",
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
            "publisher": "Publisher",
        },
    )
    ui.download_buttons(
        ctx, known_shown, "suv-share-known", {}, key="suv_known", sources=sorted(set(known["source_url"]))
    )

published = ui.query(
    ctx, queries.brand_registrations_known, markets=sorted(set(known["market_code"]) | {"NOR"})
)
if not published.empty:
    ui.subheader("Brand registrations published (competitors where the brand would enter)")
    ui.caption(
        "Published totals (national registration offices and ACEA, via the media), not a vendor's file. "
        "'>' = the source says 'more than'. A brand's share is shown where the market total for the same "
        "months is known."
    )
    ui.table(ui.computed(ctx, expansion.registrations_for_people, published), ui.REGISTRATION_COLUMNS)

# --- What national registration offices publish (KBA, DfT, RDW: data/raw, read by evdash/connectors) --
offices = ui.query(ctx, queries.national_registrations_markets)
if not offices.empty:
    ui.subheader("New registrations published by national registration offices")
    office_options = dict(zip(offices["market_code"], offices["market_name"], strict=True))
    office_months = dict(
        zip(
            offices["market_code"],
            zip(offices["first_month"], offices["last_month"], strict=True),
            strict=True,
        )
    )
    with st.sidebar:
        office = ui.url_select("Registration office's market", "office", office_options, "DEU")
    first_office, last_office = (pd.Timestamp(str(m)).year for m in office_months[office])
    office_years = {str(y): str(y) for y in range(last_office, first_office - 1, -1)}
    with st.sidebar:
        office_year = int(ui.url_select("Registration office's year", "office_year", office_years, "2025"))
    office_name = office_options[office]
    office_window = {"market": office, "year": office_year}
    makes = ui.query(ctx, queries.national_registrations_by_make, powertrain="BEV", **office_window)
    totals = ui.query(ctx, queries.national_registrations_totals, **office_window)
    ui.caption(
        "{market}, {year}, as the office publishes it: {provenance}",
        market=office_name,
        year=str(office_year),
        provenance=ui.computed(ctx, expansion.national_provenance, totals),
    )
    if not makes.empty:
        ui.chart(
            ui.figure(
                ctx,
                figures.brand_share,
                makes,
                office_name,
                str(office_year),
                conf.worst(makes["confidence"]),
                "new BEV registrations",
            )
        )
        ui.chart(
            ui.figure(
                ctx,
                figures.brand_months,
                makes,
                office_name,
                str(office_year),
                conf.worst(makes["confidence"]),
                "new BEV registrations",
            )
        )
    # (frame, heading, columns, download name, key): the table and its download show the same frame
    tables = [
        (
            totals,
            "Whole market per month",
            NATIONAL_TOTAL_COLUMNS,
            "national-registrations-totals",
            "office_totals",
        )
    ]
    if not makes.empty:
        tables.insert(
            0,
            (
                makes,
                "Battery-electric cars registered per make and month",
                NATIONAL_MAKE_COLUMNS,
                "national-registrations-by-make",
                "office_makes",
            ),
        )
    for frame, heading, columns, file_name, key in tables:
        frame_shown = ui.computed(ctx, expansion.national_for_people, frame)
        ui.markdown(
            "**{heading}** ({market}, {year}):", heading=heading, market=office_name, year=str(office_year)
        )
        ui.table(frame_shown, columns)
        ui.download_buttons(
            ctx, frame_shown, file_name, office_window, key=key, sources=sorted(set(frame["source_url"]))
        )

# --- A vendor's registrations (imported) ---------------------------------------------------------------
ui.subheader("From a data vendor's registrations")
markets = ui.query(ctx, queries.registrations_markets)
if markets.empty:
    ui.info(
        "No vendor registrations imported yet. Brand, body-type (SUV) and powertrain shares per market and "
        "month appear here once a data vendor's monthly registrations are imported (see the Data page and "
        "data/README.md for the file format); the published figures above do not need an import.",
        icon=":material/info:",
    )
    st.stop()

market_options = dict(zip(markets["market_code"], markets["market_name"], strict=True))
with st.sidebar:
    market = ui.url_select("Market", "market", market_options, str(markets["market_code"].iloc[0]))
# A dict lookup, not a boolean-mask selection of the frame (4 % of a warm run, py-spy).
months = dict(
    zip(markets["market_code"], zip(markets["first_month"], markets["last_month"], strict=True), strict=True)
)
first, last = (pd.Timestamp(str(m)).date() for m in months[market])
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
confidence = conf.worst(provenance["confidence"]) if len(provenance) else "estimate"
sources = sorted(set(provenance["source_url"]))
as_of = pd.Timestamp(provenance["as_of"].max()).date() if len(provenance) else None
caption = (
    f"{labels.label(labels.CONFIDENCE, confidence)} · as of {labels.day(as_of)} · source: "
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
    ui.chart(ui.figure(ctx, figures.brand_share, brand, market_name, period, confidence))
    ui.download_buttons(ctx, brand, "registrations-brand-share", window, key="brand", sources=sources)
with right:
    ui.chart(
        ui.figure(ctx, figures.mix_over_time, body, "body_type", market_name, period, confidence),
    )
    ui.download_buttons(ctx, body, "registrations-body-mix", window, key="body", sources=sources)

models = ui.query(ctx, queries.registrations_top_models, top_n=10, **window)
powertrain = ui.query(ctx, queries.registrations_powertrain_trend, **window)
left, right = st.columns(2)
with left:
    ui.chart(ui.figure(ctx, figures.top_models, models, market_name, period, confidence))
    ui.download_buttons(ctx, models, "registrations-top-models", window, key="models", sources=sources)
with right:
    ui.chart(
        ui.figure(ctx, figures.mix_over_time, powertrain, "powertrain", market_name, period, confidence),
    )
    ui.download_buttons(ctx, powertrain, "registrations-powertrain", window, key="pt", sources=sources)

year_window = {"month_from": dt.date(year, 1, 1), "month_to": dt.date(year, 12, 1)}
suv_by_market = ui.query(ctx, queries.registrations_suv_share, **year_window)
ui.chart(ui.figure(ctx, figures.suv_share_by_market, suv_by_market, str(year), confidence))
ui.download_buttons(ctx, suv_by_market, "registrations-suv-share", year_window, key="suv", sources=sources)
