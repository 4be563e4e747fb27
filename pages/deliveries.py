"""Deliveries vs targets: is the brand keeping up with its delivery target, and how sure are we?"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from evdash import deliveries, events, kpis, labels, notes, queries, scenario, ui
from evdash.figures import deliveries as figures
from evdash.theme import CONFIDENCE_LABEL

ctx = ui.frame("Deliveries vs targets")

brands = ui.query(ctx, queries.brands)
brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, scenario.DEFAULT_BRAND)
brand_name = brand_options[brand]

years_frame = ui.query(ctx, queries.overview_years, brand=brand)
year_options = {str(y): str(y) for y in years_frame["year"]} or {str(ui.today().year): str(ui.today().year)}
default_year = str(deliveries.default_year([int(y) for y in years_frame["year"]], ui.today().year))
models_frame = ui.query(ctx, queries.deliveries_models, brand=brand)
model_options = dict(zip(models_frame["model_id"], models_frame["name"], strict=True))
with st.sidebar:
    year = int(ui.url_select("Year", "year", year_options, default_year))
    through = ui.url_int(
        "Count months up to", "through", 12, 1, 12, format="%d", help="1 = January … 12 = the whole year"
    )
    window = ui.url_int(
        "Run-rate window (months)",
        "window",
        3,
        1,
        12,
        help="The projection uses the mean of the N most recent months covered (a quarterly or "
        "year-to-date company total counts as its months at their average)",
    )
    models = ui.url_multiselect(
        "Models shown separately",
        "models",
        model_options,
        list(model_options),
        help="The rest of the brand's deliveries stay in each bar as 'Other models' / 'Not split by model'.",
    )

period = f"{year}" if through == 12 else f"Jan–{deliveries.MONTH_NAMES[through - 1]} {year}"
monthly = ui.query(
    ctx,
    queries.deliveries_monthly,
    brand=brand,
    models=models,
    month_from=dt.date(year, 1, 1),
    month_to=dt.date(year, through, 1),
)
ytd = ui.query(ctx, queries.deliveries_year_to_month, brand=brand, year=year)
rate_months = ui.query(ctx, queries.deliveries_rate_months, brand=brand, year=year, through=through)
targets = ui.query(ctx, queries.deliveries_targets, brand=brand, year=year)
totals = ui.query(ctx, queries.deliveries_totals, brand=brand, year=year)
outlook = ui.computed(ctx, deliveries.outlook, ytd, rate_months, totals, year, through, window)

ui.title("{brand} {period}: deliveries vs target", brand=brand_name, period=period)
ui.freshness(ctx, ["monthly_deliveries", "period_totals", "targets"], brand=brand)
level, sentence = deliveries.verdict(outlook, ui.today())  # a figure months old says so first
{"met": ui.success, "on_track": ui.info, "behind": ui.warning, "none": ui.info}[level]("{s}", s=sentence)

# KPIs first (they stack above the charts on a phone), as the core decided them (evdash.kpis).
ui.kpis(ui.computed(ctx, kpis.deliveries_kpis, outlook))
ui.caption("{note}", note=deliveries.attainment_note(outlook))

cumulative = ui.computed(ctx, deliveries.cumulative_frame, ytd, targets, totals, outlook)
# Analyst notes on this brand's periods and figures of the year (evdash.notes; written on Sources).
note_marks = ui.computed(
    ctx,
    notes.chart_marks,
    ui.query(ctx, queries.notes_current),
    brand,
    dt.date(year, 1, 1),
    dt.date(year, 12, 31),
)
ui.chart(
    ui.figure(
        ctx,
        figures.cumulative_vs_target,
        cumulative,
        brand_name,
        year,
        events.markers(
            ui.query(ctx, queries.chart_events, brand=brand), dt.date(year, 1, 1), dt.date(year, 12, 31)
        ),
        note_marks,
    ),
)
ui.download_buttons(
    ctx,
    ui.computed(ctx, notes.with_notes, cumulative, note_marks),
    "deliveries-cumulative",
    {"brand": brand, "year": year, "through": through},
    key="cumulative",
)

ui.chart(
    ui.figure(ctx, figures.monthly_bars, monthly, brand_name, period, list(model_options)),
)
ui.download_buttons(
    ctx,
    monthly,
    "deliveries-monthly",
    {"brand": brand, "year": year, "through": through, "models": models},
    key="monthly",
)

ui.subheader("Company totals beside the sum of the months")
if totals.empty:
    ui.caption(
        "{brand} published no quarterly, annual or year-to-date totals for {year} in the data.",
        brand=brand_name,
        year=year,
    )
else:
    # The table and its download show labels (scope, period, confidence), not the data's codes.
    totals_shown = ui.computed(
        ctx,
        labels.for_people,
        totals,
        scope=labels.SCOPE,
        period_kind=labels.PERIOD,
        reported_confidence=labels.CONFIDENCE,
    )
    ui.table(
        totals_shown,
        {
            "scope": "Scope",
            "period_kind": "Period",
            "period_start": st.column_config.DateColumn("From"),
            "period_end": st.column_config.DateColumn("To"),
            "reported_units": st.column_config.NumberColumn("Company total", format="localized"),
            "reported_confidence": "Confidence",
            "reported_is_at_least": st.column_config.CheckboxColumn("'Over N'?"),
            "from_year_start": st.column_config.CheckboxColumn("Year so far?"),
            "months_units": st.column_config.NumberColumn("Sum of months", format="localized"),
            "months_with_data": "Months with a figure",
            "months_expected": "Months in period",
            "months_is_at_least": st.column_config.CheckboxColumn("Months include 'over N'"),
            "months_has_estimate": st.column_config.CheckboxColumn("Months include estimates"),
            "gap_units": st.column_config.NumberColumn("Gap (total − months)", format="localized"),
            "publisher": "Publisher",
            "source_url": st.column_config.LinkColumn("Source"),
            "as_of": st.column_config.DateColumn("As of"),
            "alternatives": "Other versions",
            "note": "Note",
        },
    )
    ui.caption(
        "A positive gap means the monthly figures undercount: months reported as 'over N' enter the sum "
        "at N, and months without a figure count as 0. The sum of months covers whole months ending by "
        "the total's end date."
    )
    ui.download_buttons(ctx, totals_shown, "deliveries-totals", {"brand": brand, "year": year}, key="totals")

ui.subheader("Peers")
peers = ui.query(ctx, queries.deliveries_peers)
attainment = ui.computed(ctx, deliveries.peer_attainment, peers, year)
ui.chart(
    ui.figure(ctx, figures.peer_attainment, attainment, year, brand),
)
ui.download_buttons(ctx, attainment, "deliveries-peer-attainment", {"year": year}, key="peer-attainment")
annual = ui.computed(ctx, deliveries.peer_deliveries, peers, [year - 1, year])
ui.chart(ui.figure(ctx, figures.peer_deliveries, annual, brand))
ui.download_buttons(ctx, annual, "deliveries-peer-annual", {"years": [year - 1, year]}, key="peer-annual")

ui.caption(
    f"Confidence: solid = {CONFIDENCE_LABEL['reported'].lower()}; hatched = "
    f"{CONFIDENCE_LABEL['lower_bound'].lower()} (the company said 'over N', so totals that include one "
    f"are shown with '≥'); dotted/faded = {CONFIDENCE_LABEL['estimate'].lower()} (third-party). Targets "
    "are company announcements only, each revision from its announcement date. Delivered = the "
    "best-informed figure for the year so far: the company's own totals where they exist, monthly figures "
    "for the months they do not cover (the same figure as on the Overview and in the peers charts)."
)
