"""A short text alternative for a chart: what it shows and its headline value, for screen readers
(a Plotly SVG says nothing to one) and for anyone reading the page without the picture.

A builder may set its own sentence in `layout.meta["alt"]`; otherwise one is derived from the figure:
its title and, per trace, how many points it has and its largest value with the label it belongs to.
Pure: no Streamlit, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from evdash import labels
from evdash.figures.marks import NOTES_GROUP
from evdash.theme import plain

_TAG = re.compile(r"<[^>]+>")
KIND = {
    "bar": "Bar chart",
    "scatter": "Line chart",
    "choropleth": "Map",
    "waterfall": "Waterfall chart",
    "pie": "Pie chart",
    "heatmap": "Heat map",
}


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _values(trace: Any, axis: str) -> list[Any]:
    raw = getattr(trace, axis, None)
    if raw is None:
        return []
    return list(raw) if isinstance(raw, Sequence | tuple) or hasattr(raw, "__iter__") else [raw]


_ISO = re.compile(r"\d{4}-\d{2}(?:-\d{2}(?:[T ][\d:.]+)?)?")


def _when(label: object) -> str:
    """A point's label as a person reads it; a date (a datetime, or the ISO text Plotly keeps: '2026-01',
    '2026-01-03T00:00:00') as 'Jan 2026' for a month or its first day and '3 Jan 2026' otherwise."""
    if hasattr(label, "strftime") or _ISO.fullmatch(str(label)):  # numpy's datetime64 too
        date = labels.day(label if hasattr(label, "strftime") else str(label))
        return labels.month(label) if date.startswith("1 ") else date
    return plain(label)


def _headline(trace: Any) -> str | None:
    kind = trace.type or "scatter"
    if kind == "choropleth":
        locations = [v for v in _values(trace, "locations") if v]
        if not locations:
            return None
        name = plain(trace.name) if trace.name else ""
        return f"{name + ': ' if name else ''}{labels.count(len(locations), 'country')}"
    horizontal = getattr(trace, "orientation", None) == "h"
    values, points = (
        (_values(trace, "x"), _values(trace, "y"))
        if horizontal
        else (
            _values(trace, "y"),
            _values(trace, "x"),
        )
    )
    numbers = (_number(v) for v in values)
    pairs = [(n, label) for n, label in zip(numbers, points, strict=False) if n is not None]
    if not pairs:
        return None
    name = plain(trace.name) if trace.name else ""
    if kind == "waterfall":
        return f"{name + ': ' if name else ''}ends at {_fmt(sum(n for n, _ in pairs))}"
    top, label = max(pairs, key=lambda p: p[0])
    label_text = _when(label)
    where = f" ({label_text})" if label_text else ""
    return f"{name + ': ' if name else ''}highest {_fmt(top)}{where}"


def text_alternative(fig: go.Figure, limit: int = 3) -> str:
    """'Bar chart: Xiaomi deliveries by year vs targets. Delivered: highest 410,000 (2025); …'."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("alt"):
        return plain(meta["alt"])
    title = plain(fig.layout.title.text) if fig.layout.title and fig.layout.title.text else "untitled"
    kinds = [t.type or "scatter" for t in fig.data]
    kind = KIND.get(kinds[0], "Chart") if kinds else "Empty chart"
    # Analyst notes' lines (marks.note_marks) are not figures: the alternative names the chart's data.
    drawn = [t for t in fig.data if t.visible is not False and t.legendgroup != NOTES_GROUP]
    facts = [h for h in (_headline(t) for t in drawn) if h][:limit]
    if not fig.data:
        notes = [plain(a.text) for a in fig.layout.annotations or [] if a.text]
        facts = notes[:1]
    return f"{kind}: {title}." + (" " + "; ".join(facts) + "." if facts else "")
