"""Overview: the one-screen briefing for a brand (default Xiaomi)."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from evdash import briefing, briefing_pdf, events, expansion, queries, ui
from evdash.figures.maps import choropleth, map_config
from evdash.figures.overview import years_vs_target
from evdash.theme import flag, fmt_int, fmt_pct
from evdash.watch import SEVERITY_MARK

ctx = ui.frame("Overview")

brands = ui.query(ctx, queries.brands)
brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, "xiaomi")
brand_name = brand_options[brand]

ui.title("{brand}: deliveries against targets", brand=brand_name)
# On a phone the sidebar (with its "Data as of") is collapsed: say it on the page itself.
ui.caption("Data as of **{as_of}** · version `{version}`", as_of=ctx.as_of, version=ctx.version)
ui.freshness(ctx, ["monthly_deliveries", "period_totals", "targets"], brand=brand)
years = ui.query(ctx, queries.overview_years, brand=brand)
facts = ui.query(ctx, queries.overview_facts, brand=brand, today=ui.today()).iloc[0]

this_year = ui.today().year
past = years[
    (years["year"] < this_year) & years["final_target_units"].notna() & years["delivered_units"].notna()
]
current = years[years["year"] == this_year]
latest = current.iloc[0] if not current.empty else None
last_full = past.iloc[-1] if not past.empty else None

cols = st.columns(4)
if latest is None:
    ui.metric(
        cols[0],
        f"{this_year} deliveries so far",
        "no data",
        "no figures for this year yet",
        delta_arrow="off",
        delta_color="off",
    )
else:
    through = latest["delivered_through"]
    latest_label = f"{int(latest['year'])} deliveries so far"
    if pd.notna(through):
        latest_label += f" (to {through:%-d %b})"
    target_text = (
        f"{fmt_pct(latest['attainment_pct'])} of {fmt_int(latest['final_target_units'])} target"
        if pd.notna(latest["final_target_units"])
        else "no target published"
    )
    ui.metric(
        cols[0],
        latest_label,
        fmt_int(latest["delivered_units"], flag(latest["delivered_is_at_least"])),
        target_text,
        delta_color="off",
        delta_arrow="off",
    )
    ui.caption(
        "{text}",
        container=cols[0],
        text=ui.provenance_caption(
            ui.source_label(latest["delivered_source"]),
            latest["delivered_as_of"],
            latest["delivered_confidence"],
        )
        + f" · {latest['delivered_basis']}",
    )
if last_full is not None:
    ui.metric(
        cols[1],
        f"{int(last_full['year'])} delivered vs final target",
        fmt_int(last_full["delivered_units"], flag(last_full["delivered_is_at_least"])),
        f"{fmt_pct(last_full['attainment_pct'])} of {fmt_int(last_full['final_target_units'])}",
        delta_arrow="off",
        delta_color="normal" if last_full["attainment_pct"] >= 100 else "inverse",
    )
    ui.caption(
        "{text}",
        container=cols[1],
        text=ui.provenance_caption(
            ui.source_label(last_full["delivered_source"]),
            last_full["delivered_as_of"],
            last_full["delivered_confidence"],
        ),
    )
months_text = fmt_int(facts["cumulative_months_units"], flag(facts["cumulative_has_lower_bound"]))
if pd.notna(facts["milestone_units"]) and (
    pd.isna(facts["last_month"]) or facts["milestone_date"] > facts["last_month"]
):
    ui.metric(
        cols[2],
        "Cumulative deliveries",
        fmt_int(facts["milestone_units"], facts["milestone_confidence"] == "lower_bound"),
        f"by {facts['milestone_date']:%-d %b %Y}",
        delta_color="off",
        delta_arrow="off",
    )
    ui.caption(
        "{text}",
        container=cols[2],
        text=ui.provenance_caption(
            ui.source_label(facts["milestone_source"]),
            facts["milestone_date"].date(),
            facts["milestone_confidence"],
        )
        + f" · sum of monthly figures {months_text}",
    )
else:
    ui.metric(
        cols[2],
        "Cumulative deliveries (sum of months)",
        months_text,
        f"{facts['first_month']:%b %Y} – {facts['last_month']:%b %Y}"
        if pd.notna(facts["first_month"])
        else None,
        delta_color="off",
        delta_arrow="off",
    )
ui.metric(
    cols[3],
    "Models on sale · markets tracked",
    f"{int(facts['models_on_sale'])} · {int(facts['markets_tracked'])}",
    facts["model_names"] or "no model launched yet",
    delta_color="off",
    delta_arrow="off",
)

st.plotly_chart(
    ui.figure(
        ctx,
        years_vs_target,
        years,
        brand_name,
        events.markers(ui.query(ctx, queries.chart_events, brand=brand), dt.date(1900, 1, 1), ui.today()),
    ),
    width="stretch",
    config={"displayModeBar": False},
)

table = years[
    [
        "year",
        "delivered_units",
        "delivered_is_at_least",
        "delivered_basis",
        "delivered_confidence",
        "months_units",
        "months_with_data",
        "reported_total_units",
        "final_target_units",
        "original_target_units",
        "target_revisions",
        "attainment_pct",
        "delivered_source",
        "target_source",
    ]
]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "year": st.column_config.NumberColumn("Year", format="%d"),
        "delivered_units": st.column_config.NumberColumn("Delivered", format="localized"),
        "delivered_is_at_least": st.column_config.CheckboxColumn("At least?"),
        "delivered_basis": "Basis",
        "delivered_through": st.column_config.DateColumn("Through"),
        "delivered_confidence": "Confidence",
        "months_units": st.column_config.NumberColumn("Sum of months", format="localized"),
        "months_with_data": "Months with data",
        "reported_total_units": st.column_config.NumberColumn("Reported total", format="localized"),
        "final_target_units": st.column_config.NumberColumn("Final target", format="localized"),
        "original_target_units": st.column_config.NumberColumn("Original target", format="localized"),
        "target_revisions": "Target revisions",
        "attainment_pct": st.column_config.NumberColumn("Attainment %", format="%.1f%%"),
        "delivered_source": st.column_config.LinkColumn("Delivered: source"),
        "target_source": st.column_config.LinkColumn("Target: source"),
    },
)
ui.caption(
    "Delivered = the company's reported annual total where one exists; otherwise the figure that reaches "
    "furthest into the year (sum of monthly figures, reported quarters or year-to-date). '≥' marks a "
    "lower bound: the company said 'over N'. Final target = the last target the company announced for "
    "that year; attainment = delivered ÷ final target."
)
ui.download_buttons(ctx, table, "overview", {"brand": brand}, key="overview")

# The watch list and the executive briefing: the same core as `evdash briefing` (evdash/briefing.py).
ui.subheader("Watch list")
for item in ui.computed(ctx, briefing.watch_for, ctx.db_file, brand, ui.today()):
    ui.markdown("**{mark}** · {text}", mark=SEVERITY_MARK[item.severity], text=item.text)
st.download_button(
    "Briefing (PDF)",
    data=functools.partial(briefing_pdf.make, ctx.db_file, brand, ui.today()),  # built on click
    file_name=briefing_pdf.filename(brand, ui.today()),
    mime="application/pdf",
    key="briefing-pdf",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
    help="The one-to-three-page executive briefing of this brand as a PDF (takes a few seconds).",
)

# Footprint: where the brand sells today and where it has announced or is studying an entry.
ui.subheader("Where {brand} is", brand=brand_name)
status = ui.query(ctx, queries.expansion_map_status, brand=brand, on_date=ui.today())
status_labelled = expansion.with_labels(status, expansion.measure("status"))
st.plotly_chart(
    ui.figure(
        ctx,
        choropleth,
        status_labelled,
        value_col="category",
        kind="categorical",
        title=f"{brand_name}: expansion status today",
        unit="",
        label_col="shown_as",
        categories=expansion.STATUS_LABELS,
    ),
    width="stretch",
    config={**map_config(str(st.get_option("server.baseUrlPath") or "")), "displayModeBar": False},
    key="overview_map",
)
known = status_labelled[status_labelled["category"].notna()]
ui.caption(
    "{statuses}",
    statuses=" · ".join(f"{row['country']}: {row['shown_as']}" for _, row in known.iterrows())
    or "No expansion statuses in the data for this brand.",
)
ui.page_link("pages/expansion.py", label="Open the expansion map", icon=":material/public:")
