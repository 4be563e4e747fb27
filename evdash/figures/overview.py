"""Overview figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash import labels as words
from evdash.figures.marks import note_hover
from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.text import plotly_cut, plotly_text
from evdash.theme import (
    CONFIDENCE_LABEL,
    EVENT_COLOUR,
    NOTE_COLOUR,
    SELECTED_COLOUR,
    TARGET_COLOUR,
    TARGET_TEXT,
    TEXT_COLOUR,
    confidence_marker,
    flag,
    fmt_int,
    inside_text_colour,
)

TITLE = "Deliveries per year vs target"
EVENTS_NAME = "What happened"
LEGEND_NAME = {"reported": "Delivered", "lower_bound": "At least", "estimate": "Estimate"}


def _compact(value: float, at_least: bool) -> str:
    text = f"{value / 1000:,.0f}k" if value >= 10_000 else f"{value:,.0f}"
    return ("≥" + text) if at_least else text


def year_events(years: pd.Series, events: pd.DataFrame | None) -> list[tuple[int, int, str]]:
    """What happened in each year that has events, for the chart's events row: (year, how many events,
    hover text). The hover gives the target's revision path ("target 3× revised: 76k → ≥100k → 120k →
    130k") and each event on its own line with its date ("23 Apr: target 76,000 → ≥ 100,000", "28 Mar:
    SU7 launch"). `events`: rows of `evdash.events.markers` (any years)."""
    out: list[tuple[int, int, str]] = []
    if events is None or events.empty:
        return out
    for year in years.astype(int):
        part = events[events["year"] == year].sort_values("date")
        if part.empty:
            continue
        lines = [f"<b>{year}</b>"]
        revisions = part[part["kind"] == "target_revision"]
        if len(revisions) > 1:
            steps = [
                _compact(float(u), c == "lower_bound")
                for u, c in zip(revisions["units"], revisions["confidence"], strict=True)
            ]
            lines.append(f"target {len(steps) - 1}× revised: " + " → ".join(steps))
        lines += [plotly_text(s) for s in part["short"]]
        out.append((int(year), len(part), "<br>".join(lines)))
    return out


def _year_notes(fig: go.Figure, years: list[str], notes: pd.DataFrame | None) -> None:
    """Analyst notes on a figure of a year (rows of `evdash.notes.year_marks`), numbered as in the download
    ("N1", "N2"…), marked at the foot of that year's bar in the notes' colour, the whole notes in the
    hover (escaped: Markdown or HTML in a note shows literally)."""
    if notes is None or notes.empty:
        return
    marked: dict[str, list[tuple[int, str]]] = {}
    for number, rec in enumerate(notes.to_dict("records"), start=1):
        marked.setdefault(str(pd.Timestamp(str(rec["date"])).year), []).append((number, note_hover(rec)))
    for year in years:
        if year not in marked:
            continue
        fig.add_annotation(
            x=year,
            y=0,
            yref="y",
            yanchor="bottom",
            yshift=4,
            showarrow=False,
            text=" ".join(f"N{n}" for n, _ in marked[year]),
            font={"size": 11, "color": NOTE_COLOUR},
            bgcolor="white",
            bordercolor=NOTE_COLOUR,
            borderwidth=1,
            name="analyst_note",
            hovertext="<br><br>".join(h for _, h in marked[year]),
        )


def years_vs_target(
    frame: pd.DataFrame,
    brand_name: str,
    events: pd.DataFrame | None = None,
    notes: pd.DataFrame | None = None,
) -> go.Figure:
    """Bars: delivered units per year (hatched when a lower bound, dotted when an estimate);
    dashes: the final company target of that year, labelled ('≥' for an 'over N' target). Input:
    queries/overview_years.sql. `events` (rows of `evdash.events.markers`) adds a row of marks under the
    bars, one per year with events ("4 events"), the target revisions (old → new) and launches in its
    hover: the year labels stay one short line that a phone shows upright. `notes` (rows of
    `evdash.notes.year_marks`): analyst notes on the brand's figure of a year, an "N1" mark on its bar."""
    subtitle = f"{plotly_cut(brand_name, 30)} · bars: delivered · dashes: final target · tap a mark"
    if frame.empty:
        fig = empty_figure(TITLE, f"No deliveries or targets for {brand_name} in the data")
        phone_title(fig, TITLE, subtitle, legend="none")
        return fig
    years = frame["year"].astype(str)
    fig = go.Figure()
    _delivered_bars(fig, frame)
    _final_targets(fig, frame[frame["final_target_units"].notna()])
    happened = year_events(frame["year"], events)
    if happened:
        _events_row(fig, happened)
    fig.update_layout(**base_layout(TITLE, barmode="overlay", margin={"l": 10, "r": 10, "t": 60, "b": 10}))
    _year_notes(fig, list(years), notes)
    if notes is not None and not notes.empty:
        subtitle += " · N1: analyst note"
    _year_axes(fig, frame, list(years), bool(happened))
    phone_title(fig, TITLE, subtitle, legend="above", plot_height=320)
    return fig


def _delivered_bars(fig: go.Figure, frame: pd.DataFrame) -> None:
    """The delivered bars, one trace per confidence (solid, hatched, dotted), each labelled with its figure
    ('≥' for a lower bound); basis, source and as-of date in the hover."""
    for conf in ("reported", "lower_bound", "estimate"):
        part = frame[frame["delivered_confidence"] == conf]
        if part.empty:
            continue
        labels = [
            fmt_int(u, bool(a))
            for u, a in zip(part["delivered_units"], part["delivered_is_at_least"], strict=True)
        ]
        fig.add_bar(
            x=part["year"].astype(str),
            y=part["delivered_units"],
            # Short names: a phone lays legend entries out in columns as wide as the widest one.
            name=LEGEND_NAME[conf],
            marker=confidence_marker(SELECTED_COLOUR, conf),
            text=labels,
            textposition="auto",  # inside a bar; above one too short to hold it
            insidetextanchor="middle",
            insidetextfont={"color": inside_text_colour(SELECTED_COLOUR, conf), "size": 13},
            outsidetextfont={"color": TEXT_COLOUR, "size": 13},
            constraintext="none",
            customdata=list(
                zip(
                    labels,
                    part["delivered_basis_label"]
                    + part["delivered_detail"].map(lambda d: f" ({d})" if d else ""),
                    part["delivered_source"],
                    [words.day(d, missing="") for d in part["delivered_as_of"]],
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{x}: %{customdata[0]} delivered<br>basis: %{customdata[1]}<br>"
                "source: %{customdata[2]}<br>as of %{customdata[3]}<extra>"
                + CONFIDENCE_LABEL[conf]
                + "</extra>"
            ),
        )


def _final_targets(fig: go.Figure, targets: pd.DataFrame) -> None:
    """A dash at each year's final company target, labelled ('≥' for an 'over N' target); when and where
    it was announced in the hover."""
    if targets.empty:
        return
    at_least = (
        [flag(a) for a in targets["target_is_at_least"]]
        if "target_is_at_least" in targets.columns
        else [False] * len(targets)
    )
    fig.add_scatter(
        x=targets["year"].astype(str),
        y=targets["final_target_units"],
        mode="markers+text",
        name="Final target",
        marker={"symbol": "line-ew", "size": 40, "line": {"width": 4, "color": TARGET_COLOUR}},
        text=[fmt_int(t, a) for t, a in zip(targets["final_target_units"], at_least, strict=True)],
        textposition="top center",
        textfont={"color": TARGET_TEXT, "size": 12},
        cliponaxis=False,
        customdata=list(
            zip(
                [words.day(d, missing="") for d in targets["target_announced_on"]],
                targets["target_source"],
                [CONFIDENCE_LABEL.get(str(c), str(c)).lower() for c in targets["target_confidence"]],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{x} final target: %{text}<br>announced %{customdata[0]} (%{customdata[2]})"
            "<br>source: %{customdata[1]}<extra></extra>"
        ),
    )


def _events_row(fig: go.Figure, happened: list[tuple[int, int, str]]) -> None:
    """The events row under the bars: one mark per year with events ("4 events"), its detail (the
    target's revision path and each event) in the hover."""
    fig.add_scatter(
        x=[str(y) for y, _, _ in happened],
        y=[0.5] * len(happened),
        yaxis="y2",
        mode="markers+text",
        name=EVENTS_NAME,
        showlegend=False,  # the row labels itself ("5 events"); the detail is in the hover
        marker={"symbol": "diamond", "size": 10, "color": EVENT_COLOUR},
        text=[f"{n} event{'s' if n != 1 else ''}" for _, n, _ in happened],
        textposition="middle right",
        textfont={"size": 12, "color": EVENT_COLOUR},
        cliponaxis=False,
        hovertext=[h for _, _, h in happened],
        hoverinfo="text",
    )


def _year_axes(fig: go.Figure, frame: pd.DataFrame, years: list[str], happened: bool) -> None:
    """Units from 0 with headroom for the target labels; when `happened`, a thin events band under the
    bars on its own axis; one upright year label per bar, with the part of a year a figure covers."""
    top = pd.concat([frame["delivered_units"], frame["final_target_units"]]).max()
    # Headroom so the target labels above the markers are never clipped.
    y_range = [0, float(top) * 1.22] if pd.notna(top) and top > 0 else None
    fig.update_yaxes(
        title_text="Vehicles delivered (units)",
        tickformat="~s",  # 400k: a narrow axis leaves the phone's width to the bars; exact figures on them
        range=y_range,
        domain=[0.13, 1] if happened else [0, 1],
    )
    if happened:
        # The events row: a thin band under the bars (its own axis, no ticks), above the year labels.
        fig.update_layout(yaxis2={"domain": [0, 0.08], "range": [0, 1], "visible": False, "fixedrange": True})
    # A year the figure covers only part of says so under it ("2026 / Jan–Mar only"): the bar is not a
    # year's deliveries.
    partial = {
        str(y): words.part_of_year(t) for y, t in zip(frame["year"], frame["delivered_through"], strict=True)
    }
    fig.update_xaxes(
        title_text="Year",
        type="category",
        categoryorder="array",
        categoryarray=years,
        tickvals=years,
        ticktext=[f"{y}<br>{partial[y]}" if partial.get(y) else y for y in years],
        tickangle=0,
        anchor="y2" if happened else "y",
    )
