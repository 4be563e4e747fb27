"""Deliveries vs targets: is the brand keeping up with its delivery target, and how sure are we?"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from evdash import deliveries, events, queries, ui
from evdash.figures import deliveries as figures
from evdash.theme import CONFIDENCE_LABEL, fmt_int, fmt_pct

ctx = ui.frame("Deliveries vs targets")

MONTH_NAMES = [dt.date(2000, m, 1).strftime("%b") for m in range(1, 13)]
REACHED_TEXT = {
    "reached": "reached in {month}",
    "company_total": "reached in {month} (company total)",
    "projected": "projected for {month}",
    "not_projected": "not reached at this rate",
    "no_target": "no target",
}

brands = ui.query(ctx, queries.brands)
brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, "xiaomi")
brand_name = brand_options[brand]

years_frame = ui.query(ctx, queries.overview_years, brand=brand)
year_options = {str(y): str(y) for y in years_frame["year"]} or {str(ui.today().year): str(ui.today().year)}
default_year = str(ui.today().year) if str(ui.today().year) in year_options else list(year_options)[-1]
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
        help="Projection uses the mean of the last N monthly figures",
    )
    models = ui.url_multiselect(
        "Models shown separately",
        "models",
        model_options,
        list(model_options),
        help="The rest of the brand's deliveries stay in each bar as 'Other models' / 'Not split by model'.",
    )

period = f"{year}" if through == 12 else f"Jan–{MONTH_NAMES[through - 1]} {year}"
monthly = ui.query(
    ctx,
    queries.deliveries_monthly,
    brand=brand,
    models=models,
    month_from=dt.date(year, 1, 1),
    month_to=dt.date(year, through, 1),
)
targets = ui.query(ctx, queries.deliveries_targets, brand=brand, year=year)
totals = ui.query(ctx, queries.deliveries_totals, brand=brand, year=year)
months = deliveries.brand_months(monthly)
outlook = deliveries.outlook(months, targets, totals, year, through, window)

ui.title("{brand} {period}: deliveries vs target", brand=brand_name, period=period)
ui.freshness(ctx, ["monthly_deliveries", "period_totals", "targets"], brand=brand)
level, sentence = deliveries.verdict(outlook)
{"met": ui.success, "on_track": ui.info, "behind": ui.warning, "none": ui.info}[level]("{s}", s=sentence)

# KPIs first (they stack above the charts on a phone).
k1, k2, k3, k4 = st.columns(4)
to_month = f" (to {MONTH_NAMES[outlook.elapsed - 1]})" if 0 < outlook.elapsed < 12 else ""
ui.metric(
    k1,
    f"Delivered {year}{to_month}",
    fmt_int(outlook.delivered, outlook.delivered_is_at_least),
    (
        f"{fmt_pct(outlook.attainment_current_pct)} of current target"
        if outlook.attainment_current_pct is not None
        else "no target to compare"
    ),
    delta_color="off",
    delta_arrow="off",
    help=(
        ("Company total" if outlook.delivered_basis == "reported_total" else "Sum of monthly figures")
        + (
            " · at least (includes over-N figures)"
            if outlook.delivered_is_at_least
            else " · exact as reported"
        )
        + (" · includes estimates" if outlook.delivered_has_estimate else "")
        + f" · source: {outlook.delivered_source} · sum of the months: "
        + fmt_int(outlook.months_units, outlook.delivered_is_at_least or outlook.months_counted > 0)
    ),
)
target_text = (
    ("over " if outlook.current_target_is_at_least else "") + fmt_int(outlook.current_target)
    if outlook.current_target is not None
    else "none published"
)
ui.metric(
    k2,
    "Current target",
    target_text,
    (
        f"revision {outlook.revisions_so_far} of {outlook.revisions_total}"
        if outlook.current_target is not None
        else None
    ),
    delta_color="off",
    delta_arrow="off",
    help=(
        f"Announced {outlook.current_target_announced_on}; the latest company target announced by the "
        f"end of {MONTH_NAMES[through - 1]} {year}."
        if outlook.current_target_announced_on
        else "The company has not published a target for this year (analyst forecasts are not targets)."
    ),
)
k3_delta: str | None
if outlook.elapsed == 12:
    k3_value, k3_delta = "Year complete", "no projection needed"
else:
    k3_value = f"≈{fmt_int(outlook.projection)}" if outlook.projection is not None else "no data"
    k3_delta = (
        f"at {fmt_int(outlook.run_rate)}/month (last {outlook.window_months_used} mo.)"
        if outlook.run_rate is not None
        else None
    )
ui.metric(
    k3,
    "Year-end projection",
    k3_value,
    k3_delta,
    delta_color="off",
    delta_arrow="off",
    help="Delivered so far + the mean of the last N monthly figures × the months left. An estimate.",
)
if outlook.current_target is None:
    k4_value, k4_delta = "—", "no target"
elif outlook.target_met or outlook.elapsed == 12:
    k4_value = "Target met" if outlook.target_met else f"Missed by {fmt_int(outlook.shortfall)}"
    k4_delta = REACHED_TEXT[outlook.reached_basis].format(
        month=MONTH_NAMES[(outlook.reached_month or 12) - 1]
    )
else:
    k4_value = f"{fmt_int(outlook.required_rate)}/month"
    k4_delta = "needed from here · " + REACHED_TEXT[outlook.reached_basis].format(
        month=MONTH_NAMES[(outlook.reached_month or 12) - 1]
    )
ui.metric(
    k4,
    "Required rate · month reached",
    k4_value,
    k4_delta,
    delta_color="off",
    delta_arrow="off",
    help="Required monthly rate = (current target − delivered) ÷ months left in the year.",
)

ui.caption("{note}", note=deliveries.attainment_note(outlook))

cumulative = deliveries.cumulative_frame(months, targets, totals, outlook)
st.plotly_chart(
    ui.figure(
        ctx,
        figures.cumulative_vs_target,
        cumulative,
        brand_name,
        year,
        events.markers(
            ui.query(ctx, queries.chart_events, brand=brand), dt.date(year, 1, 1), dt.date(year, 12, 31)
        ),
    ),
    width="stretch",
    config={"displayModeBar": False},
)
ui.download_buttons(
    ctx,
    cumulative,
    "deliveries-cumulative",
    {"brand": brand, "year": year, "through": through},
    key="cumulative",
)

st.plotly_chart(
    ui.figure(ctx, figures.monthly_bars, monthly, brand_name, period),
    width="stretch",
    config={"displayModeBar": False},
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
    st.dataframe(
        totals,
        hide_index=True,
        width="stretch",
        column_config={
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
    ui.download_buttons(ctx, totals, "deliveries-totals", {"brand": brand, "year": year}, key="totals")

ui.subheader("Peers")
peers = ui.query(ctx, queries.deliveries_peers)
attainment = deliveries.peer_attainment(peers, year)
st.plotly_chart(
    ui.figure(ctx, figures.peer_attainment, attainment, year, brand),
    width="stretch",
    config={"displayModeBar": False},
)
ui.download_buttons(ctx, attainment, "deliveries-peer-attainment", {"year": year}, key="peer-attainment")
annual = deliveries.peer_deliveries(peers, [year - 1, year])
st.plotly_chart(
    ui.figure(ctx, figures.peer_deliveries, annual, brand), width="stretch", config={"displayModeBar": False}
)
ui.download_buttons(ctx, annual, "deliveries-peer-annual", {"years": [year - 1, year]}, key="peer-annual")

ui.caption(
    f"Confidence: solid = {CONFIDENCE_LABEL['reported'].lower()}; hatched = "
    f"{CONFIDENCE_LABEL['lower_bound'].lower()} (the company said 'over N', so totals that include one "
    f"are shown with '≥'); dotted/faded = {CONFIDENCE_LABEL['estimate'].lower()} (third-party). Targets "
    "are company announcements only, each revision from its announcement date. Delivered = the "
    "company's own total for the year so far where one exists, else the sum of monthly figures."
)
