"""The web layer: everything that talks to Streamlit, split by job (the only package in evdash that
imports Streamlit; pages reach it through the stable facade `evdash.ui`).

- `frame`: the page frame every page calls first, its access gate and the not-found page
- `pages`: the page registry (sidebar order)
- `urlstate`: the user's choices in the URL (URL widgets, cross-page choices, page links, `?on=`, `?known=`)
- `session`: sign-in, the signed-in user and role, sign-out
- `cache`: read-only connections and the shared caches of queries, figures and computed results
- `lineage`: exact cache keys (frame digests, lineage of handed-out frames), each caller's own copy
- `render`: text, notices, metrics, KPI cards, tabs, expanders, charts
- `tables`: tables, shared column configurations, CSV / ZIP / Excel downloads
- `status`: freshness, overdue sources, "data updates paused"
- `clock`: what "today" is
"""
