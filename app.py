"""Overview: the one-screen briefing for a brand (default Xiaomi)."""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from evdash import briefing_pdf, changes, expansion, labels, notes, ui, visits
from evdash.figures.maps import choropleth
from evdash.figures.overview import years_vs_target
from evdash.services import changes as changes_service
from evdash.services import choices, overview
from evdash.watch import SEVERITY_MARK

ctx = ui.frame("Overview")

# The Overview table and its CSV: one row per year, columns of the brand × year mart (overview_years.sql).
OVERVIEW_COLUMNS = [
    "year",
    "scope",
    "delivered_units",
    "delivered_is_at_least",
    "delivered_confidence",
    "delivered_basis_label",
    "delivered_detail",
    "delivered_through",
    "coverage_note",
    "months_units",
    "months_with_data",
    "reported_total_units",
    "final_target_units",
    "target_is_at_least",
    "original_target_units",
    "target_revisions",
    "attainment_pct",
    "attainment_kind",
    "delivered_source",
    "target_source",
]

brands = ui.view(ctx, choices.brands, None)
brand_options = dict(zip(brands["brand_id"], brands["name"], strict=True))
with st.sidebar:
    brand = ui.url_select("Brand", "brand", brand_options, "xiaomi")
brand_name = brand_options[brand]

ui.title("{brand}: deliveries against targets", brand=brand_name)
# On a phone the sidebar (with its "Data as of") is collapsed: say it on the page itself.
ui.caption("Data as of **{as_of}** · version {version}", as_of=labels.day(ctx.as_of), version=ctx.version)
ui.freshness(ctx, ["monthly_deliveries", "period_totals", "targets"], brand=brand)
# Everything below from one view model, computed once per brand, date and data version: the watch list
# in it is the briefing's, which the PDF button builds on (evdash.services.overview).
scenario = overview.Scenario(brand=brand, on=ui.today())
view = ui.view(ctx, overview.overview_view, scenario)
years = view.part.years

# The cards as the core decided them (evdash.kpis): this year so far, the last year before it, deliveries
# since the brand's first figure, models on sale · markets tracked.
ui.kpis(view.cards, captions=True)
# What changed since `?since=` (a signed-in user's last visit, else a week ago, unless chosen), right under
# the cards: one line, the list folded.
last_visit = visits.for_server().visit(ui.current_user(), ui.today()) if ui.auth_enabled() else None
since = ui.url_date(
    "What changed since",
    "since",
    last_visit or changes.default_since(ui.today()),
    changes.SINCE_FIRST,
    ui.today() - dt.timedelta(days=1),
    container=st.sidebar,
)
with_ranks = ui.url_select(
    "Rank changes since then",
    "since_ranks",
    {"no": "Not listed (faster)", "yes": "Listed (ranks the markets on both dates)"},
    "no",
    container=st.sidebar,
)
page_names = {path: label for path, label, _ in ui.NAV}
# Read on the process's connection to this data version, cached per brand, dates and version.
changed = ui.view(
    ctx, changes_service.changes_view, changes_service.ChangesScenario(brand, brand_name, since, ui.today())
)
if with_ranks == "yes":  # the data as known on `since` is built once per date (versions/known/)
    then = ui.reader(ui.known_context(ctx, since))
    changed = changes.ordered([*changed, *changes.ranked(then, ui.reader(ctx), brand, since, ui.today())])
visit = "your last visit, " if since == last_visit else ""
with ui.expander(f"What changed since {visit}{labels.day(since)}: {changes.summary(changed)}"):
    ui.caption("Dates: {counted}.", counted=changes.counted_by(changed) or "none")
    for change in changed:
        ui.markdown("**{day}** · {text}", day=labels.day(change.date), text=change.text)
        ui.item_link(change.page, f"Open {page_names[change.page]}", dict(change.params))
# Late sources, after the cards (a phone shows the KPIs first): the brand's own first, the rest counted.
ui.overdue_sources(ctx, limit=1, first=brand)

# Analyst notes on the brand's figure of a year (evdash.notes), marked on the year's bar and in the download.
ui.chart(ui.figure(ctx, years_vs_target, years, brand_name, view.markers, view.notes))

# The table and its download show labels, not codes (scope, confidence, how to read the attainment).
table = ui.computed(
    ctx,
    labels.for_people,
    years[OVERVIEW_COLUMNS],
    scope=labels.SCOPE,
    delivered_confidence=labels.CONFIDENCE,
    attainment_kind=labels.ATTAINMENT,
)
ui.table(
    table,
    {
        "year": st.column_config.NumberColumn("Year", format="%d"),
        "scope": "Scope",
        "delivered_units": st.column_config.NumberColumn("Delivered", format="localized"),
        "delivered_is_at_least": st.column_config.CheckboxColumn("At least?"),
        "delivered_confidence": "Confidence",
        "delivered_basis_label": "Basis",
        "delivered_detail": "Made of",
        "delivered_through": st.column_config.DateColumn("Through"),
        "coverage_note": "Missing",
        "months_units": st.column_config.NumberColumn("Sum of months", format="localized"),
        "months_with_data": "Months with data",
        "reported_total_units": st.column_config.NumberColumn("Reported annual total", format="localized"),
        "final_target_units": st.column_config.NumberColumn("Final target", format="localized"),
        "target_is_at_least": st.column_config.CheckboxColumn("Target 'over N'?"),
        "original_target_units": st.column_config.NumberColumn("Original target", format="localized"),
        "target_revisions": "Target revisions",
        "attainment_pct": st.column_config.NumberColumn("Attainment %", format="%.1f%%"),
        "attainment_kind": "Attainment is",
        "delivered_source": st.column_config.LinkColumn("Delivered: source"),
        "target_source": st.column_config.LinkColumn("Target: source"),
    },
)
ui.caption(
    "Delivered = the best-informed figure for the year: the company's own totals (year, year-to-date, "
    "quarters) where they exist and monthly figures for the months they do not cover, the one reaching "
    "furthest first. '≥' marks a floor: the company said 'over N', or a market, model or month has no "
    "figure. Scope NEV/BEV: the brand reports only those totals. Final target = the last target the "
    "company announced for that year; attainment = delivered ÷ final target, and *Attainment is* says "
    "how to read it: at least (delivered is a floor), at most (the target is 'over N') or a ratio of two "
    "'over N' figures (neither a floor nor a ceiling)."
)
ui.download_buttons(
    ctx,
    ui.computed(ctx, notes.with_year_notes, table, view.notes),
    "overview",
    {"brand": brand},
    key="overview",
)

# The watch list and the executive briefing: the same core as `evdash briefing` (evdash/briefing/).
ui.subheader("Watch list")
for item in view.part.watch:
    ui.markdown("**{mark}** · {text}", mark=SEVERITY_MARK[item.severity], text=item.text)
st.download_button(
    "Briefing (PDF)",
    # built on click, on this view model (its watch list is not computed again)
    data=functools.partial(briefing_pdf.make, ctx.db_file, brand, scenario.on, overview=view, since=since),
    file_name=briefing_pdf.filename(brand, ui.today()),
    mime="application/pdf",
    key="briefing-pdf",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
    help="The one-to-three-page executive briefing of this brand as a PDF (takes a few seconds).",
)

# Footprint: where the brand sells today and where it has announced or is studying an entry.
ui.subheader("Where {brand} is", brand=brand_name)
status_labelled = view.part.status
# The map beside its list on a wide screen (a world map across the whole width left wide blank bands
# beside it); on a phone the two stack.
map_col, list_col = st.columns([3, 2])
ui.chart(
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
    geo=True,
    key="overview_map",
    container=map_col,
)
known = status_labelled[status_labelled["category"].notna()]
with list_col:
    ui.caption(
        "{statuses}",
        statuses=" · ".join(f"{row['country']}: {row['shown_as']}" for _, row in known.iterrows())
        or "No expansion statuses in the data for this brand.",
    )
    ui.page_link("pages/expansion.py", label="Open the expansion map", icon=":material/public:")
