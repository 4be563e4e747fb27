"""Sources: where every number comes from, and how contradictions are resolved."""

from __future__ import annotations

import streamlit as st

from evdash import labels, queries, ui

ctx = ui.frame("Sources")

with st.sidebar:
    chosen = ui.url_multiselect("Reliability", "reliability", labels.RELIABILITY, list(labels.RELIABILITY))

ui.title("Where the numbers come from")
ui.freshness(ctx, ["market_figures", "prices", "suv_shares", "published_registrations"])
ui.markdown(
    "Every figure in evdash carries a source, an as-of date and a confidence: **reported** (exact, "
    "stated by the company or an official body), **lower bound** (the source said *over N*), or "
    "**estimate** (third-party or derived). When sources disagree, all versions are kept and the "
    "dashboard uses one by a written rule: a reported figure first; else an estimate that does not "
    "contradict the company's own 'over N'; else the highest 'over N'; then primary before secondary "
    "before low-reliability sources; then the later as-of date (a revision beats the first figure). "
    "The full rule and every known contradiction are in `data/README.md`."
)
sources = ui.query(ctx, queries.sources_usage, reliability=chosen)
c1, c2, c3 = st.columns(3)
ui.metric(c1, "Sources", f"{len(sources):,}")
ui.metric(c2, "Figure rows citing them", f"{int(sources['figures'].sum()):,}")
ui.metric(
    c3,
    "Of which lower bounds or estimates",
    f"{int(sources['lower_bound'].sum() + sources['estimate'].sum()):,}",
)
# The table and its download show the reliability's label; the source id is the import files' key
# (Data → Browse tables → sources), not something to read here.
shown = ui.computed(
    ctx, labels.for_people, sources.drop(columns=["source_id"]), reliability=labels.RELIABILITY
)
ui.table(
    shown,
    {
        "publisher": "Publisher",
        "url": st.column_config.LinkColumn("Link"),
        "reliability": "Reliability",
        "figures": st.column_config.NumberColumn("Figures", format="localized"),
        "reported": "Reported",
        "lower_bound": "Lower bounds",
        "estimate": "Estimates",
        "used_in": "Used in",
        "latest_as_of": st.column_config.DateColumn("Latest as-of"),
    },
)
ui.download_buttons(ctx, shown, "sources", {"reliability": chosen}, key="sources")

# Revisions: a figure a later edition of its publisher changed. Both values are kept (nothing is
# overwritten); the page that draws the figure shows the later one with the earlier beside it.
revisions = ui.query(ctx, queries.sources_revisions)
ui.subheader("Revised figures")
ui.markdown(
    "**{n}** market figures were revised by a later edition of their publisher (the IEA's 2026 edition "
    "against its 2024 one). The dashboard uses the latest publication; the earlier value is kept beside it "
    "here, on the Expansion map's market figures and in their downloads. Latest years first. Use "
    "*Data as known on* in the sidebar to see the dashboard as it was before a revision arrived.",
    n=f"{len(revisions):,}",
)
revised = ui.computed(
    ctx,
    labels.for_people,
    revisions,
    drop=["market_code"],
    metric=labels.METRIC,
    confidence=labels.CONFIDENCE,
)
ui.table(
    revised,
    {
        "market_name": "Market",
        "year": st.column_config.NumberColumn("Year", format="%d"),
        "metric": "Figure",
        "value": st.column_config.NumberColumn("Value now", format="localized"),
        "revised_from_value": st.column_config.NumberColumn("Revised from", format="localized"),
        "change_pct": st.column_config.NumberColumn("Change", format="%+.1f%%"),
        "as_of": st.column_config.DateColumn("Published"),
        "revised_from_as_of": st.column_config.DateColumn("Earlier value published"),
        "confidence": "Confidence",
        "publisher": "Publisher",
        "source_url": st.column_config.LinkColumn("Source"),
    },
)
ui.download_buttons(ctx, revised, "revisions", {}, key="revisions")
