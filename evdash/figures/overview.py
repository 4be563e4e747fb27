"""Overview figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

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


def years_vs_target(frame: pd.DataFrame, brand_name: str) -> go.Figure:
    """Bars: delivered units per year (hatched when a lower bound, dotted when an estimate);
    diamonds: the final company target of that year. Input: queries/overview_years.sql."""
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
                    part["delivered_basis"],
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
    fig.update_layout(
        **base_layout(
            title,
            barmode="overlay",
            height=400,
            legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
            margin={"l": 10, "r": 10, "t": 50, "b": 10},
        )
    )
    top = pd.concat([frame["delivered_units"], frame["final_target_units"]]).max()
    # Headroom so the target labels above the markers are never clipped.
    y_range = [0, float(top) * 1.2] if pd.notna(top) and top > 0 else None
    fig.update_yaxes(title_text="Vehicles delivered (units)", tickformat=",d", range=y_range)
    fig.update_xaxes(title_text="Year", type="category", categoryorder="array", categoryarray=list(years))
    return fig
