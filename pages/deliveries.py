"""Deliveries vs targets: is the brand keeping up with its delivery target, and how sure are we?"""

from __future__ import annotations

import streamlit as st

from evdash import scenario, ui
from evdash.figures import deliveries as figures
from evdash.services import deliveries as service
from evdash.theme import CONFIDENCE_LABEL

ctx = ui.frame("Deliveries vs targets")
reader = ui.reader(ctx)

brand_options = service.brands(reader)
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, scenario.DEFAULT_BRAND)
brand_name = brand_options[brand]

choices = service.brand_choices(reader, brand, ui.today())
model_options = choices.models
with st.sidebar:
    year = int(ui.url_select("Year", "year", choices.years, choices.default_year))
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

view = service.deliveries_view(
    reader, service.DeliveriesScenario(brand, year, through, window, tuple(models), ui.today())
)
period = view.period
ui.title("{brand} {period}: deliveries vs target", brand=brand_name, period=period)
ui.freshness(ctx, ["monthly_deliveries", "period_totals", "targets"], brand=brand)
# The verdict as the core decided it (a figure months old says so first).
notice = {"met": ui.success, "on_track": ui.info, "behind": ui.warning, "none": ui.info}[view.level]
notice("{s}", s=view.verdict)

# KPIs first (they stack above the charts on a phone), as the core decided them (evdash.kpis).
ui.kpis(view.cards)
ui.caption("{note}", note=view.attainment_note)

# Analyst notes on this brand's periods and figures of the year (evdash.notes; written on Sources) are
# marked on the cumulative chart, and its download carries them.
ui.chart(
    ui.figure(
        ctx, figures.cumulative_vs_target, view.cumulative, brand_name, year, view.markers, view.note_marks
    ),
)
ui.download_buttons(
    ctx,
    view.cumulative_download,
    "deliveries-cumulative",
    {"brand": brand, "year": year, "through": through},
    key="cumulative",
)

ui.chart(
    ui.figure(ctx, figures.monthly_bars, view.monthly, brand_name, period, list(model_options)),
)
ui.download_buttons(
    ctx,
    view.monthly,
    "deliveries-monthly",
    {"brand": brand, "year": year, "through": through, "models": models},
    key="monthly",
)

ui.subheader("Company totals beside the sum of the months")
if view.totals.empty:
    ui.caption(
        "{brand} published no quarterly, annual or year-to-date totals for {year} in the data.",
        brand=brand_name,
        year=year,
    )
else:
    # The table and its download show labels (scope, period, confidence), not the data's codes.
    totals_shown = view.totals_shown
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
attainment = view.attainment
ui.chart(
    ui.figure(ctx, figures.peer_attainment, attainment, year, brand),
)
ui.download_buttons(ctx, attainment, "deliveries-peer-attainment", {"year": year}, key="peer-attainment")
annual = view.annual
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
