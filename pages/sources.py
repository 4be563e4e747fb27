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
