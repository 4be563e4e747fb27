"""The page's status lines: how fresh the figures it uses are, which recurring sources are overdue, and
"Data updates paused" while the shared journal cannot be reached."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from evdash import queries, replica
from evdash.web import clock
from evdash.web.cache import Context, computed, query
from evdash.web.render import caption, info, warning


def data_updates_notice() -> None:
    """'Data updates paused since …' at the top of every page while the shared journal is unreachable.
    With a shared journal (EVDASH_JOURNAL) one background replica per server process keeps the local
    database in step with it (evdash/replica.py); None with the local journal."""
    worker = replica.for_server()
    status = worker.status() if worker is not None else None
    if status is not None and status.paused_since is not None:
        warning(
            "**Data updates paused since {since}**: the shared data journal cannot be reached. This page "
            "shows the data as of the last update; imports are refused until it is back.",
            icon=":material/sync_problem:",
            since=status.paused_since.strftime("%Y-%m-%d %H:%M UTC"),
        )


def freshness(ctx: Context, kinds: Sequence[str], brand: str = "", container: Any = st) -> None:
    """The page's staleness line, in its main area: how old the newest figure of each kind the page uses is
    ("latest monthly delivery figure: Feb 2026 — 9 months before today (1 Dec 2026)"), computed by the core
    (evdash.freshness); a notice instead of a caption when any of them is older than six months."""
    from evdash import freshness as fresh

    frame = query(ctx, queries.freshness, brand=brand)
    items = computed(ctx, fresh.freshness, frame, list(kinds), clock.today())
    if not items:
        caption("No dated figures of this kind in the data.", container=container)
        return
    line = " · ".join(i.text for i in items)
    if any(i.stale for i in items):
        info("{line}", icon=":material/history:", container=container, line=line)
    else:
        caption(":material/schedule: {line}", container=container, line=line)


def overdue_sources(ctx: Context, limit: int | None = None, first: str = "", container: Any = st) -> Any:
    """Which recurring sources are overdue and since when, in the words of `evdash.freshness.overdue_words`
    (the same sentence as `evdash status` and the briefing), judged on `today()`; at most `limit` of them
    named (the sources of subject `first` first). Nothing is shown when every source is on time. Returns
    the sources' statuses (for a table)."""
    from evdash import freshness as fresh

    statuses = computed(ctx, fresh.source_status, query(ctx, queries.source_status), clock.today())
    words = fresh.overdue_words(statuses, limit, first)
    if words:
        caption(":material/event_busy: {words}", container=container, words=words)
    return statuses
