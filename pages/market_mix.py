"""Market mix: what is known about body types (SUV share of new cars, every published figure with its
definition, and the answer to the product's SUV claim) and the published brand registrations, with or
without a vendor's registrations; once those are imported, brand share, body-type (SUV) and powertrain mix
per month, top models and SUV share across markets from them."""

from __future__ import annotations

import streamlit as st

from evdash import labels, ui
from evdash.figures import registrations as figures
from evdash.figures.suv import suv_share_known
from evdash.services import market_mix as service

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
reader = ui.reader(ctx)
ui.title("Market mix: body types and brands")
ui.freshness(ctx, ["suv_shares", "published_registrations", "registrations"])

# --- What the published figures say (no import needed) ---------------------------------------------------
known_view = service.suv_view(reader)
known, answer = known_view.known, known_view.answer
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
    ui.table(
        known_view.known_shown,
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
        ctx, known_view.known_shown, "suv-share-known", {}, key="suv_known", sources=known_view.sources
    )

if not known_view.published.empty:
    ui.subheader("Brand registrations published (competitors where the brand would enter)")
    ui.caption(
        "Published totals (national registration offices and ACEA, via the media), not a vendor's file. "
        "'>' = the source says 'more than'. A brand's share is shown where the market total for the same "
        "months is known."
    )
    ui.table(known_view.published, ui.REGISTRATION_COLUMNS)

# --- What national registration offices publish (KBA, DfT, RDW: data/raw, read by evdash/connectors) --
# (heading, columns, download name, key) of each office table: the table and its download show one frame
OFFICE_TABLES = {
    "makes": (
        "Battery-electric cars registered per make and month",
        NATIONAL_MAKE_COLUMNS,
        "national-registrations-by-make",
        "office_makes",
    ),
    "totals": (
        "Whole market per month",
        NATIONAL_TOTAL_COLUMNS,
        "national-registrations-totals",
        "office_totals",
    ),
}
offices = service.offices(reader)
if offices.names:
    ui.subheader("New registrations published by national registration offices")
    office_options = offices.names
    with st.sidebar:
        office = ui.url_select("Registration office's market", "office", office_options, "DEU")
    with st.sidebar:
        office_year = int(
            ui.url_select("Registration office's year", "office_year", offices.years(office), "2025")
        )
    office_name = office_options[office]
    office_window = {"market": office, "year": office_year}
    office_view = service.office_view(reader, office, office_year)
    makes = office_view.makes
    ui.caption(
        "{market}, {year}, as the office publishes it: {provenance}",
        market=office_name,
        year=str(office_year),
        provenance=office_view.provenance,
    )
    if not makes.empty:
        ui.chart(
            ui.figure(
                ctx,
                figures.brand_share,
                makes,
                office_name,
                str(office_year),
                office_view.confidence,
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
                office_view.confidence,
                "new BEV registrations",
            )
        )
    for table in office_view.tables:
        heading, columns, file_name, key = OFFICE_TABLES[table.kind]
        ui.markdown(
            "**{heading}** ({market}, {year}):", heading=heading, market=office_name, year=str(office_year)
        )
        ui.table(table.shown, columns)
        ui.download_buttons(ctx, table.shown, file_name, office_window, key=key, sources=table.sources)

# --- A vendor's registrations (imported) ---------------------------------------------------------------
ui.subheader("From a data vendor's registrations")
markets = service.vendor_markets(reader)
if not markets.names:
    ui.info(
        "No vendor registrations imported yet. Brand, body-type (SUV) and powertrain shares per market and "
        "month appear here once a data vendor's monthly registrations are imported (see the Data page and "
        "data/README.md for the file format); the published figures above do not need an import.",
        icon=":material/info:",
    )
    st.stop()

market_options = markets.names
with st.sidebar:
    market = ui.url_select("Market", "market", market_options, next(iter(market_options)))
with st.sidebar:
    year = int(ui.url_select("Year", "year", markets.years(market), str(markets.span(market)[1].year)))
market_name = market_options[market]
view = service.vendor_view(reader, markets, market, year)
period, confidence, sources, window = view.period, view.confidence, view.sources, view.window
if view.synthetic:
    ui.warning(
        "This database holds SYNTHETIC benchmark registrations, not real data.", icon=":material/science:"
    )
ui.caption(
    "New-car registrations in {market}, {period} · {provenance}",
    market=market_name,
    period=period,
    provenance=view.provenance,
)

brand, body = view.brand, view.body
left, right = st.columns(2)
with left:
    ui.chart(ui.figure(ctx, figures.brand_share, brand, market_name, period, confidence))
    ui.download_buttons(ctx, brand, "registrations-brand-share", window, key="brand", sources=sources)
with right:
    ui.chart(
        ui.figure(ctx, figures.mix_over_time, body, "body_type", market_name, period, confidence),
    )
    ui.download_buttons(ctx, body, "registrations-body-mix", window, key="body", sources=sources)

models, powertrain = view.models, view.powertrain
left, right = st.columns(2)
with left:
    ui.chart(ui.figure(ctx, figures.top_models, models, market_name, period, confidence))
    ui.download_buttons(ctx, models, "registrations-top-models", window, key="models", sources=sources)
with right:
    ui.chart(
        ui.figure(ctx, figures.mix_over_time, powertrain, "powertrain", market_name, period, confidence),
    )
    ui.download_buttons(ctx, powertrain, "registrations-powertrain", window, key="pt", sources=sources)

suv_by_market = view.suv_by_market
ui.chart(ui.figure(ctx, figures.suv_share_by_market, suv_by_market, str(year), confidence))
ui.download_buttons(
    ctx, suv_by_market, "registrations-suv-share", view.year_window, key="suv", sources=sources
)
