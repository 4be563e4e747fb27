"""What happened: the events the delivery charts mark (target revisions, model launches, milestones).

Pure: rows of `queries/chart_events.sql` in, a marker frame out; no I/O, no Streamlit. The figure
builders draw the frame `markers(...)` returns; the briefing and the watch list read the same rows.

Marker frame columns (`MARKER_COLUMNS`): `date`, `kind` ('target_revision' | 'launch' | 'milestone'),
`year`, `what` ("target 76,000 → ≥ 100,000", "SU7 launch"), `short` (the same with its date:
"23 Apr: target 76,000 → ≥ 100,000"),
`detail` (one line for a hover or a table), `units`, `previous_units`, `confidence`, `source_url`.
Data text (titles) is cut to a chart-sized length here; the builders escape it for Plotly.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evdash.text import cut
from evdash.theme import CONFIDENCE_LABEL, fmt_int

MARKER_COLUMNS = [
    "date",
    "kind",
    "year",
    "what",
    "short",
    "detail",
    "units",
    "previous_units",
    "confidence",
    "source_url",
]
KIND_LABEL = {"target_revision": "Target revision", "launch": "Launch", "milestone": "Milestone"}
SHORT_TITLE = 34  # characters of an event title that fit above a chart


def _flag(value: object) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False  # type: ignore[call-overload]


def revision_text(units: float, previous: float | None, at_least: bool, previous_at_least: bool) -> str:
    """'76,000 → ≥ 100,000' (a first target has no arrow: '76,000')."""
    new = fmt_int(units, at_least)
    if previous is None or pd.isna(previous):
        return f"set at {new}"
    return f"{fmt_int(previous, previous_at_least)} → {new}"


def markers(events: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The events dated `start`..`end` (inclusive), in date order, with chart labels. An empty input or
    window gives an empty frame with `MARKER_COLUMNS`."""
    if events.empty:
        return pd.DataFrame(columns=MARKER_COLUMNS)
    dates = pd.to_datetime(events["event_date"])
    part = events[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    rows: list[dict[str, object]] = []
    for rec in part.to_dict("records"):
        date = pd.Timestamp(rec["event_date"]).date()
        kind = str(rec["kind"])
        confidence = CONFIDENCE_LABEL.get(str(rec["confidence"]), str(rec["confidence"])).lower()
        if kind == "target_revision":
            previous = None if pd.isna(rec["previous_units"]) else float(rec["previous_units"])
            change = revision_text(
                float(rec["units"]), previous, _flag(rec["is_at_least"]), _flag(rec["previous_is_at_least"])
            )
            what = f"target {change}"
            revision = f"revision {rec['revision_no']}, {confidence}"
            detail = f"{date:%-d %b %Y}: {rec['year']} target {change} ({revision})"
        else:
            what = cut(rec["title"], SHORT_TITLE)
            detail = (
                f"{date:%-d %b %Y}: {KIND_LABEL.get(kind, kind)}: {cut(rec['title'], 120)} ({confidence})"
            )
        rows.append(
            {
                "date": date,
                "kind": kind,
                "year": int(rec["year"]),
                "what": what,
                "short": f"{date:%-d %b}: {what}",
                "detail": detail,
                "units": None if pd.isna(rec["units"]) else float(rec["units"]),
                "previous_units": None if pd.isna(rec["previous_units"]) else float(rec["previous_units"]),
                "confidence": str(rec["confidence"]),
                "source_url": "" if pd.isna(rec["source_url"]) else str(rec["source_url"]),
            }
        )
    frame = pd.DataFrame(rows, columns=MARKER_COLUMNS)
    return frame.sort_values(["date", "kind"], kind="stable").reset_index(drop=True)


def revisions_between(events: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Target revisions announced `start`..`end` (the watch list's "revised in the last 30 days")."""
    part = markers(events, start, end)
    return part[part["kind"] == "target_revision"].reset_index(drop=True)
