"""Expansion map: where a brand is, where it is heading, and what each market looks like."""

from __future__ import annotations

import streamlit as st

from evdash import expansion, labels, notes, pricing, queries, scenario, text, ui
from evdash.figures.expansion import country_ev_sales, ev_share_history
from evdash.figures.maps import choropleth
from evdash.regions import REGION_LABELS
from evdash.theme import CONFIDENCE_LABEL

ctx = ui.frame("Expansion map")
MAP_KEY = "expansion_map"

brands = ui.query(ctx, queries.brands)
brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
years = ui.query(ctx, queries.expansion_years)
year_options = {str(y): str(y) for y in years["year"]}
default_year = expansion.default_year(years)
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, scenario.DEFAULT_BRAND)
    measure_code = ui.url_select(
        "Colour the map by", "measure", {m.code: m.label for m in expansion.MEASURES.values()}, "status"
    )
    region = ui.url_select("Region", "region", REGION_LABELS, "world")
    year = ui.url_select("Year (market figures)", "year", year_options, str(default_year or ""))
brand_name = brand_options[brand]
home = str(brands.set_index("brand_id").loc[brand, "home_market"])
measure = expansion.measure(measure_code)
on_date = ui.in_force_date()
powertrains = ui.query(ctx, queries.expansion_brand_powertrains, brand=brand)
powertrain = str(powertrains["powertrain"].iloc[0]) if not powertrains.empty else "BEV"

frame = ui.query(
    ctx,
    expansion.map_frame,
    brand=brand,
    code=measure.code,
    year=int(year),
    on_date=on_date,
    powertrain=powertrain,
)
labelled = ui.computed(ctx, expansion.with_labels, frame, measure)
country_names = dict(sorted(zip(frame["iso3"], frame["country"], strict=True), key=lambda kv: kv[1]))

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
        labelled,
        value_col="category" if measure.kind == "categorical" else "value",
        kind=measure.kind,
        title=title,
        unit=measure.unit,
        region=region,
        label_col="shown_as",
        categories=expansion.STATUS_LABELS,
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
ranking = ui.computed(ctx, expansion.ranking_table, frame, measure, region)
# Every ranked market's EV share over the years (IEA history + national figures), as a sparkline.
map_history = ui.query(
    ctx, queries.market_history, markets=sorted(ranking["iso3"]), metric="ev_share_pct", year_from=2014
)
shown = ui.computed(ctx, expansion.with_history, ranking, map_history)
with table_col:
    ui.subheader("Ranking · {region}", region=REGION_LABELS[region])
    ui.caption(
        "{countries} with data; the others are 'no data' (grey on the map), not zero. "
        "Click a column header to sort.",
        countries=labels.count(len(ranking), "country"),
    )
    ui.table(
        shown,
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
status_frame = ui.query(ctx, queries.expansion_map_status, brand=brand, on_date=on_date)
status = expansion.row_for(status_frame, "iso3", country)
burden = ui.query(ctx, queries.tariff_burden, brand=brand, on_date=on_date, powertrain=powertrain)
burden_row = expansion.row_for(burden, "market_code", country)
stats = ui.query(ctx, queries.expansion_country_stats, country=country)
timeline = ui.query(ctx, queries.expansion_country_timeline, brand=brand, country=country, on_date=on_date)
duties = ui.query(
    ctx,
    queries.expansion_country_tariffs,
    brand=brand,
    on_date=on_date,
    powertrain=powertrain,
    country=country,
)
prices = ui.query(ctx, queries.expansion_country_prices, brand=brand, country=country)

ui.header("{country}: the market for {brand}", country=name, brand=brand_name)
if status is not None and isinstance(status["category"], str):
    ui.markdown(
        "**{brand} status: {status}** (since {since}{planned}) — {detail}  \n"
        "{confidence} · as of {as_of} · [source]({url})",
        brand=brand_name,
        status=expansion.STATUS_LABELS[status["category"]],
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
for col, (label, metric, percent) in zip(
    cols,
    (
        (labels.METRIC["new_ev_sales"], "new_ev_sales", False),
        (labels.METRIC["bev_sales"], "bev_sales", False),
        (labels.METRIC["ev_share_pct"], "ev_share_pct", True),
    ),
    strict=False,
):
    value, help_text = expansion.latest_metric(stats, metric, percent)
    ui.metric(col, label + (f" · {help_text.split(' · ')[0]}" if help_text else ""), value, help=help_text)
duty = expansion.duty_summary(burden_row)
ui.metric(
    cols[3],
    f"Import duty on {brand_name}'s {powertrain} cars",
    duty.headline,
    help=f"{duty.detail} — in force on {labels.day(on_date)}",
)

# EV share over the years with the IEA's scenarios beside it (drawn as projections, never as figures).
history = ui.query(ctx, queries.market_history, markets=[country], metric="ev_share_pct", year_from=2014)
# Analyst notes on this market (evdash.notes; written on the Sources page): those with a date are drawn
# on both charts (with the brand's period notes), and every one is listed under them.
current_notes = ui.query(ctx, queries.notes_current)
market_marks = ui.computed(
    ctx, notes.market_marks, current_notes, country, brand, [*stats["year"], *history["year"]]
)
ui.chart(ui.figure(ctx, country_ev_sales, stats, name, market_marks))
ui.chart(ui.figure(ctx, ev_share_history, history, name, notes=market_marks))
ui.analyst_notes(
    ctx,
    ui.computed(ctx, notes.for_markets, current_notes, [country]),
    "expansion-country-notes",
    {"market": country},
    key="d-notes",
)

tab_market, tab_status, tab_duty, tab_prices = ui.tabs(
    ["Market figures", f"{brand_name} timeline", "Import duties", "Prices"]
)
filters_ = {"brand": brand, "market": country}
with tab_market:
    # Tables and their downloads show labels (which figure, which period, confidence), not codes.
    stats_shown = ui.computed(
        ctx,
        labels.for_people,
        stats,
        metric=labels.METRIC,
        period_scope=labels.PERIOD,
        confidence=labels.CONFIDENCE,
    )
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
        ui.computed(
            ctx,
            notes.with_notes,
            stats_shown,
            market_marks,
            series="metric",
            date="period_scope",
            label="scope_note",
            year="year",
            kind="Analyst note",
        ),
        "expansion-country-market",
        {"market": country},
        key="d-market",
    )
with tab_status:
    timeline_shown = ui.computed(ctx, expansion.timeline_for_people, timeline)
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
        origin=", ".join(
            country_names.get(c, c)
            for c in (
                str(powertrains["production_countries"].iloc[0]).split(", ")
                if not powertrains.empty
                else [home]
            )
        ),
        country=name,
        on=labels.day(on_date),
        headline=duty.headline,
        detail=duty.detail,
    )
    duties_shown = ui.computed(
        ctx,
        labels.for_people,
        duties,
        duty_kind=labels.DUTY_KIND,
        applies_to=labels.DUTY_CLASS,
        status=labels.DUTY_STATUS,
        confidence=labels.CONFIDENCE,
    )
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
    duty_changes = ui.computed(
        ctx,
        pricing.mark_changes,
        ui.query(ctx, queries.expansion_duty_changes, brand=brand, powertrain=powertrain, country=country),
        on_date,
    )
    ui.markdown("**Duty changes for {brand}'s cars in {country}**", brand=brand_name, country=name)
    ui.table(duty_changes, ui.DUTY_CHANGE_COLUMNS)
    ui.download_buttons(
        ctx, duty_changes, "expansion-country-duty-changes", {**filters_, "on": on_date}, key="d-changes"
    )
with tab_prices:
    if prices.empty:
        ui.markdown("No prices for any brand in {country} in the data.", country=name)
    elif not bool(prices["is_selected_brand"].any()):
        ui.markdown(
            "No {brand} prices in {country} yet; rivals' prices known there:", brand=brand_name, country=name
        )
    prices_shown = ui.computed(
        ctx, labels.for_people, prices, price_type=labels.PRICE_TYPE, confidence=labels.CONFIDENCE
    )
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
    registered = ui.query(ctx, queries.brand_registrations_known, markets=[country])
    if not registered.empty:
        ui.markdown(
            "**Registrations published for {country}** (competitors' totals; '>' = more than):", country=name
        )
        ui.table(ui.computed(ctx, expansion.registrations_for_people, registered), ui.REGISTRATION_COLUMNS)
