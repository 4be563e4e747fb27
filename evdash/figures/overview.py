"""Overview figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash.text import cut, plotly_text
from evdash.theme import (
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    OKABE_ITO,
    TARGET_COLOUR,
    base_layout,
    empty_figure,
    fmt_int,
)

TITLE = "Deliveries per year vs final target"


def _compact(value: float, at_least: bool) -> str:
    text = f"{value / 1000:,.0f}k" if value >= 10_000 else f"{value:,.0f}"
    return ("≥" + text) if at_least else text


def year_tick_labels(years: pd.Series, events: pd.DataFrame | None) -> list[str]:
    """The year axis labels, each followed by what happened that year: the target's revision path
    ("76k → ≥100k" / "→ 120k → 130k", two steps a line so a phone column holds it) and the model
    launches. `events`: rows of `evdash.events.markers` (any years)."""
    labels: list[str] = []
    for year in years.astype(int):
        lines = [str(year)]
        part = events[events["year"] == year] if events is not None and not events.empty else None
        if part is not None:
            revisions = part[part["kind"] == "target_revision"]
            if len(revisions) > 1:
                steps = [
                    _compact(float(u), c == "lower_bound")
                    for u, c in zip(revisions["units"], revisions["confidence"], strict=True)
                ]
                chunks = [steps[i : i + 2] for i in range(0, len(steps), 2)]
                lines.append(f"target {len(steps) - 1}× revised:")
                lines += [("→ " if i else "") + " → ".join(chunk) for i, chunk in enumerate(chunks)]
            for rec in part[part["kind"] == "launch"].itertuples(index=False):
                lines.append(plotly_text(cut(rec.what, 24)))
        labels.append("<br>".join(lines))
    return labels


def years_vs_target(frame: pd.DataFrame, brand_name: str, events: pd.DataFrame | None = None) -> go.Figure:
    """Bars: delivered units per year (hatched when a lower bound, dotted when an estimate);
    diamonds: the final company target of that year. Input: queries/overview_years.sql. `events`
    (rows of `evdash.events.markers`) puts each year's target revisions (old → new) and launches under
    its axis label."""
    title = f"{brand_name}: {TITLE[0].lower()}{TITLE[1:]}"
    if frame.empty:
        return empty_figure(title, f"No deliveries or targets for {brand_name} in the data")
    years = frame["year"].astype(str)
    fig = go.Figure()
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
            name=f"Delivered ({CONFIDENCE_LABEL[conf].lower()})",
            marker={
                "color": OKABE_ITO[0],
                "opacity": CONFIDENCE_OPACITY[conf],
                "pattern": {"shape": CONFIDENCE_PATTERN[conf], "fillmode": "overlay", "solidity": 0.4},
            },
            text=labels,
            textposition="inside",
            insidetextanchor="middle",
            textfont={"color": "white", "size": 14},
            customdata=list(
                zip(
                    labels,
                    part["delivered_basis_label"]
                    + part["delivered_detail"].map(lambda d: f" ({d})" if d else ""),
                    part["delivered_source"],
                    part["delivered_as_of"].astype(str),
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
    targets = frame[frame["final_target_units"].notna()]
    if not targets.empty:
        fig.add_scatter(
            x=targets["year"].astype(str),
            y=targets["final_target_units"],
            mode="markers+text",
            name="Final target",
            marker={"symbol": "line-ew", "size": 46, "line": {"width": 4, "color": TARGET_COLOUR}},
            text=[f"target {fmt_int(t)}" for t in targets["final_target_units"]],
            textposition="top center",
            textfont={"color": TARGET_COLOUR},
            cliponaxis=False,
            customdata=list(
                zip(
                    targets["target_announced_on"].astype(str),
                    targets["target_source"],
                    targets["target_confidence"],
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{x} final target: %{y:,}<br>announced %{customdata[0]} (%{customdata[2]})"
                "<br>source: %{customdata[1]}<extra></extra>"
            ),
        )
    ticks = year_tick_labels(frame["year"], events)
    extra_lines = max((t.count("<br>") for t in ticks), default=0)
    fig.update_layout(
        **base_layout(
            title,
            barmode="overlay",
            # The plot keeps its height when the year labels carry what happened (one line ≈ 15 px).
            height=400 + 15 * extra_lines,
            # Legend above the plot: the year labels below carry what happened that year.
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
            margin={"l": 10, "r": 10, "t": 80, "b": 10},
        )
    )
    top = pd.concat([frame["delivered_units"], frame["final_target_units"]]).max()
    # Headroom so the target labels above the markers are never clipped.
    y_range = [0, float(top) * 1.25] if pd.notna(top) and top > 0 else None
    fig.update_yaxes(title_text="Vehicles delivered (units)", tickformat=",d", range=y_range)
    fig.update_xaxes(
        title_text="Year",
        type="category",
        categoryorder="array",
        categoryarray=list(years),
        tickmode="array",
        tickvals=list(years),
        ticktext=ticks,
    )
    return fig
