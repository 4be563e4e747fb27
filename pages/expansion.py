"""Expansion map: where a brand is, where it is heading, and what each market looks like."""

from __future__ import annotations

import streamlit as st

from evdash import labels, scenario, text, ui
from evdash.figures.expansion import country_ev_sales, ev_share_history
from evdash.figures.maps import choropleth
from evdash.regions import REGION_LABELS
from evdash.services import expansion as service
from evdash.theme import CONFIDENCE_LABEL

ctx = ui.frame("Expansion map")
MAP_KEY = "expansion_map"
reader = ui.reader(ctx)

choices = service.choices(reader)
brand_options = choices.brands
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, scenario.DEFAULT_BRAND)
    measure_code = ui.url_select("Colour the map by", "measure", service.MEASURE_OPTIONS, "status")
    region = ui.url_select("Region", "region", REGION_LABELS, "world")
    year = ui.url_select("Year (market figures)", "year", choices.years, choices.default_year)
brand_name = brand_options[brand]
home = choices.homes[brand]
on_date = ui.in_force_date()
map_view = service.map_view(reader, service.MapScenario(brand, measure_code, region, int(year), on_date))
measure, powertrain, country_names = map_view.measure, map_view.powertrain, map_view.country_names

# A click on the map selects that country: apply it before the country picker is drawn.
picked = st.session_state.get(MAP_KEY)
points = picked.selection.points if picked is not None and "selection" in picked else []
location = points[0].get("location") if points else None
if location in country_names and location != st.session_state.get("_expansion_last_pick"):
    st.session_state["_expansion_last_pick"] = location
    ui.set_choice("market", location)

ui.title("{brand}: where to go next", brand=brand_name)
ui.freshness(ctx, ["market_figures", "expansion"], brand=brand)
ui.caption(
    "Coloured by **{measure}** ({when}) · region: {region}. Click a country, or pick it below the map, to "
    "see that market.{duties} Duties and statuses in force on {on}.",
    measure=measure.label,
    when=year if measure.uses_year else f"on {labels.day(on_date)}",
    region=REGION_LABELS[region],
    duties=f" Import duties are for {brand_name}'s {powertrain} cars." if measure.code == "tariff" else "",
    on=labels.day(on_date),
)

map_col, table_col = st.columns([3, 2])
with map_col:
    title = f"{brand_name}: {measure.label.lower()}" + (f", {year}" if measure.uses_year else "")
    figure = ui.figure(
        ctx,
        choropleth,
        map_view.labelled,
        value_col="category" if measure.kind == "categorical" else "value",
        kind=measure.kind,
        title=title,
        unit=measure.unit,
        region=region,
        label_col="shown_as",
        categories=service.STATUS_LABELS,
        diverging=measure.diverging,
        selected=st.session_state.get("market"),
    )
    ui.chart(
        figure,
        key=MAP_KEY,
        on_select="rerun",
        selection_mode="points",
        geo=True,
    )
ranking = map_view.ranking
with table_col:
    ui.subheader("Ranking · {region}", region=REGION_LABELS[region])
    ui.caption(
        "{countries} with data; the others are 'no data' (grey on the map), not zero. "
        "Click a column header to sort.",
        countries=labels.count(len(ranking), "country"),
    )
    ui.table(
        map_view.shown,
        {
            "rank": st.column_config.NumberColumn("#", format="%d", width="small"),
            "iso3": None,
            "country": "Country",
            "region": None,
            measure.code: st.column_config.NumberColumn(measure.unit, format="localized")
            if measure.kind == "sequential"
            else None,
            "shown_as": measure.label,
            "period": "Period / date",
            "confidence": "Confidence",
            "detail": "Basis / statement",
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
            "ev_share_history": st.column_config.LineChartColumn(
                "EV share over the years",
                y_min=0,
                help="EV share of new cars per year (IEA 2010–2023, "
                "national figures 2024–25; IEA data CC BY 4.0)",
            ),
            "ev_share_years": "Years",
        },
        height=min(400, 35 * (len(ranking) + 1) + 3),
    )
    ui.download_buttons(
        ctx,
        ranking,
        "expansion-ranking",
        {"brand": brand, "measure": measure.code, "region": region, "year": year},
        key="ranking",
    )

# --- Country detail -------------------------------------------------------------------------------
st.divider()
country = ui.url_select("Country", "market", country_names, home if home in country_names else "CHN")
name = country_names[country]
view = service.country_view(reader, service.CountryScenario(brand, country, on_date, powertrain))
status = view.status
ui.header("{country}: the market for {brand}", country=name, brand=brand_name)
if status is not None and isinstance(status["category"], str):
    ui.markdown(
        "**{brand} status: {status}** (since {since}{planned}) — {detail}  \n"
        "{confidence} · as of {as_of} · [source]({url})",
        brand=brand_name,
        status=service.STATUS_LABELS[status["category"]],
        since=labels.day(status["period"]),
        planned=f", planned entry {status['planned_entry']}"
        if isinstance(status["planned_entry"], str)
        else "",
        detail=status["detail"],
        confidence=CONFIDENCE_LABEL.get(str(status["confidence"]), ""),
        as_of=labels.day(status["as_of"]),
        url=status["source_url"],
    )
else:
    ui.markdown(
        "**{brand} status:** no statement about {country} in the data.", brand=brand_name, country=name
    )

cols = st.columns(4)
for col, card in zip(cols, view.cards, strict=False):
    ui.metric(col, card.label, card.value, help=card.help)
duty = view.duty
ui.metric(
    cols[3],
    f"Import duty on {brand_name}'s {powertrain} cars",
    duty.headline,
    help=f"{duty.detail} — in force on {labels.day(on_date)}",
)

# EV share over the years with the IEA's scenarios beside it (drawn as projections, never as figures).
# Analyst notes on this market (evdash.notes; written on the Sources page): those with a date are drawn
# on both charts (with the brand's period notes), and every one is listed under them.
ui.chart(ui.figure(ctx, country_ev_sales, view.stats, name, view.market_marks))
ui.chart(ui.figure(ctx, ev_share_history, view.history, name, notes=view.market_marks))
ui.analyst_notes(ctx, view.market_notes, "expansion-country-notes", {"market": country}, key="d-notes")

tab_market, tab_status, tab_duty, tab_prices = ui.tabs(
    ["Market figures", f"{brand_name} timeline", "Import duties", "Prices"]
)
filters_ = {"brand": brand, "market": country}
with tab_market:
    # Tables and their downloads show labels (which figure, which period, confidence), not codes.
    stats_shown = view.stats_shown
    ui.table(
        stats_shown,
        {
            "year": st.column_config.NumberColumn("Year", format="%d"),
            "metric": "Figure",
            "value": st.column_config.NumberColumn("Value", format="localized"),
            "period_scope": "Period",
            "scope_note": "What it counts",
            "confidence": "Confidence",
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
            "publisher": "Publisher",
            "alternatives": "Other versions",
            "revised_from_value": st.column_config.NumberColumn("Revised from", format="localized"),
            "revised_from_as_of": st.column_config.DateColumn("Earlier value as of"),
        },
    )
    ui.caption(
        "Units: sales in cars; shares in percent of new cars (cars on the road for the stock). One figure "
        "per figure and year, picked by the data's rule (full year first, then confidence, reliability, "
        "later as-of). 'Revised from': the earlier edition's figure when a later edition revised it."
    )
    # The download is the frame the charts drew: the figures and the analyst notes drawn on them.
    ui.download_buttons(
        ctx,
        view.market_download,
        "expansion-country-market",
        {"market": country},
        key="d-market",
    )
with tab_status:
    timeline_shown = view.timeline_shown
    ui.table(
        timeline_shown,
        {
            "date": st.column_config.DateColumn("Date"),
            "kind": "What",
            "what": "Fact",
            "planned_entry": "Planned entry",
            "value": st.column_config.NumberColumn("Value", format="localized"),
            "unit": "Unit",
            "confidence": "Confidence",
            "is_current": st.column_config.CheckboxColumn("Current status"),
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
        },
    )
    ui.download_buttons(ctx, timeline_shown, "expansion-country-timeline", filters_, key="d-timeline")
with tab_duty:
    ui.markdown(
        "Duties on {brand}'s {powertrain} cars imported from {origin} into {country}, in force on {on}: "
        "**{headline}** ({detail})",
        brand=brand_name,
        powertrain=powertrain,
        origin=", ".join(country_names.get(c, c) for c in map_view.production_countries or (home,)),
        country=name,
        on=labels.day(on_date),
        headline=duty.headline,
        detail=duty.detail,
    )
    duties_shown = view.duties_shown
    ui.table(
        duties_shown,
        {
            "duty_case": "Case",
            "set_by": "Set by",
            "measure": "Duty",
            "duty_kind": "Kind",
            "rate_pct": st.column_config.NumberColumn("Rate (%)", format="%.1f"),
            "min_amount": st.column_config.NumberColumn("At least (per car)", format="localized"),
            "min_currency": "Currency",
            "applies_to": "Applies to",
            "powertrain": "Powertrain",
            "origin_iso3": "Cars from",
            "effective_from": st.column_config.DateColumn("From"),
            "effective_to": st.column_config.DateColumn("To (last day)"),
            "status": "Status",
            "confidence": "Confidence",
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
            "note": "Note",
        },
    )
    ui.download_buttons(
        ctx, duties_shown, "expansion-country-duties", {**filters_, "on": on_date}, key="d-duties"
    )
    duty_changes = view.duty_changes
    ui.markdown("**Duty changes for {brand}'s cars in {country}**", brand=brand_name, country=name)
    ui.table(duty_changes, ui.DUTY_CHANGE_COLUMNS)
    ui.download_buttons(
        ctx, duty_changes, "expansion-country-duty-changes", {**filters_, "on": on_date}, key="d-changes"
    )
with tab_prices:
    prices = view.prices
    if prices.empty:
        ui.markdown("No prices for any brand in {country} in the data.", country=name)
    elif not bool(prices["is_selected_brand"].any()):
        ui.markdown(
            "No {brand} prices in {country} yet; rivals' prices known there:", brand=brand_name, country=name
        )
    prices_shown = view.prices_shown
    ui.table(
        prices_shown,
        {
            "is_selected_brand": st.column_config.CheckboxColumn(text.md(brand_name)),
            "brand": "Brand",
            "model": "Model",
            "variant": "Variant",
            "powertrain": "Powertrain",
            "price": st.column_config.NumberColumn("Price", format="localized"),
            "currency": "Currency",
            "price_type": "Price type",
            "includes_vat": st.column_config.CheckboxColumn("Incl. VAT"),
            "effective_from": st.column_config.DateColumn("From"),
            "confidence": "Confidence",
            "as_of": st.column_config.DateColumn("As of"),
            "source_url": st.column_config.LinkColumn("Source"),
            "note": "Note",
        },
    )
    ui.download_buttons(ctx, prices_shown, "expansion-country-prices", filters_, key="d-prices")
    if not view.registered.empty:
        ui.markdown(
            "**Registrations published for {country}** (competitors' totals; '>' = more than):", country=name
        )
        ui.table(view.registered, ui.REGISTRATION_COLUMNS)
