"""Marks drawn on a chart over its data: the events of a year (`event_lines`: target revisions, launches,
milestones as numbered vertical lines) and analyst notes (rows of `evdash.notes.chart_marks` /
`market_marks` / `year_marks`), one style on every chart: the notes' colour (theme.NOTE_COLOUR),
numbered "N1", "N2"… and listed under "Analyst notes", the whole note in the hover. A note's text is data:
escaped for Plotly (hovertext, never a template), so Markdown or HTML in it shows literally. Pure: no
Streamlit, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evdash.text import plotly_cut, plotly_text
from evdash.theme import EVENT_COLOUR, NOTE_COLOUR

NOTE_HOVER_CHARS = 700  # a whole note (at most 500 characters) with its author and date
NOTE_LEGEND_CHARS = 30  # a note's legend entry that fits a phone; the whole note is in its hover
NOTES_GROUP = "notes"


def note_hover(rec: Mapping[Any, Any]) -> str:
    """A note's hover text: the whole note, what it is attached to and its link, each escaped once
    (plotly_cut decodes then escapes, whether or not `ui.figure` escaped the frame already)."""
    hover = plotly_cut(rec["detail"], NOTE_HOVER_CHARS) + "<br>" + plotly_cut(rec["attached"], 80)
    if rec["link"]:
        hover += "<br>link: " + plotly_cut(rec["link"], 120)
    return hover


def _timestamp(day: object) -> Any:
    return pd.Timestamp(str(day))


def year_position(day: object) -> float:
    """Where a date sits on a chart with one slot per year (x = the year, a bar or a point centred on
    it): the year's slot runs from year − 0.5 (1 Jan) to year + 0.5 (31 Dec)."""
    when = pd.Timestamp(str(day)).date()
    first = dt.date(when.year, 1, 1)
    days = (dt.date(when.year + 1, 1, 1) - first).days
    return when.year - 0.5 + ((when - first).days + 0.5) / days


def in_years(notes: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """The notes that fall in the years `first`..`last` a chart shows, their dates cut to those years."""
    if notes.empty:
        return notes
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    days = [pd.Timestamp(str(d)).date() for d in notes["date"]]
    ends = [pd.Timestamp(str(d)).date() for d in notes["end"]]
    keep = [not (e < start or d > end) for d, e in zip(days, ends, strict=True)]
    out = notes[keep].copy()
    out["date"] = [max(d, start) for d, k in zip(days, keep, strict=True) if k]
    out["end"] = [min(e, end) for e, k in zip(ends, keep, strict=True) if k]
    return out.reset_index(drop=True)


def note_marks(
    fig: go.Figure, notes: pd.DataFrame, top: float, position: Callable[[object], Any] = _timestamp
) -> None:
    """One solid line in the notes' colour per note (a shaded band over a date range) from 0 to `top`,
    labelled "N1", "N2"… at the top and listed in the legend under "Analyst notes", the whole note in the
    hover. `position` places a date on the x axis (a timestamp on a date axis, `year_position` on a chart
    of years)."""
    for number, rec in enumerate(notes.to_dict("records"), start=1):
        start, end = position(rec["date"]), position(rec["end"])
        if end > start:
            fig.add_vrect(x0=start, x1=end, fillcolor=NOTE_COLOUR, opacity=0.08, line_width=0, layer="below")
        fig.add_scatter(
            x=[start, start],
            y=[0, top * 0.86],
            mode="lines+text",
            line={"color": NOTE_COLOUR, "width": 1.5},
            text=["", f"N{number}"],
            textposition="top center",
            textfont={"size": 11, "color": NOTE_COLOUR},
            name=plotly_cut(f"N{number} · {rec['what']}", NOTE_LEGEND_CHARS),
            legendgroup=NOTES_GROUP,
            legendgrouptitle={"text": "Analyst notes"},
            cliponaxis=False,
            hovertext=[note_hover(rec)] * 2,
            hoverinfo="text",
        )


EVENT_DASH = {"target_revision": "dot", "launch": "dash", "milestone": "dashdot"}
EVENT_LEGEND_CHARS = 30  # an event's legend entry that fits a phone; the whole text is in its hover


def event_lines(fig: go.Figure, events: pd.DataFrame, top: float) -> None:
    """One vertical line per event date (rows of `evdash.events.markers`), numbered at the top, its
    label in the legend ("3 · 23 Apr: target 76,000 → ≥ 100,…", short enough for a phone; events of one
    day share a line), the whole detail in the hover. Line styles differ by kind (dotted revision, dashed
    launch, dash-dot milestone), so greyscale prints and colour-blind readers tell them apart. Numbers of
    events less than three weeks apart are staggered, so they never sit on one another."""
    previous: pd.Timestamp | None = None
    lifted = False
    for number, (date, part) in enumerate(events.groupby("date", sort=True), start=1):
        when = pd.Timestamp(str(date))
        kinds = list(part["kind"])
        kind = "launch" if "launch" in kinds else str(kinds[0])
        lifted = previous is not None and (when - previous).days < 21 and not lifted
        previous = when
        height = top * (0.93 if lifted else 1.0)
        label = f"{number} · {when:%-d %b}: " + "; ".join(str(w) for w in part["what"])
        fig.add_scatter(
            x=[when, when],
            y=[0, height],
            mode="lines+text",
            line={"color": EVENT_COLOUR, "width": 1.2, "dash": EVENT_DASH.get(kind, "dot")},
            text=["", str(number)],
            textposition="top center",
            textfont={"size": 11, "color": EVENT_COLOUR},
            name=plotly_cut(label, EVENT_LEGEND_CHARS),
            legendgroup="events",
            legendgrouptitle={"text": "What happened"},
            cliponaxis=False,
            # hovertext, not a hovertemplate: a data title containing "%{...}" stays literal.
            hovertext=["<br>".join(plotly_text(d) for d in part["detail"])] * 2,
            hoverinfo="text",
        )
