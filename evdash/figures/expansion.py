"""Country detail figure for the expansion page. Pure: DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash.theme import (
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    OKABE_ITO,
    base_layout,
    empty_figure,
    fmt_int,
)

SALES_METRICS = {"new_ev_sales": "EV sales (BEV + PHEV)", "bev_sales": "BEV sales"}
PERIOD_LABEL = {"full_year": "", "partial_year": " (part of year)", "projection": " (projection)"}


def country_ev_sales(stats: pd.DataFrame, country_name: str) -> go.Figure:
    """Bars per year: EV and BEV sales in one country, hatched for lower bounds, dotted for estimates;
    the bar text says '≥' for lower bounds and names partial years.
    Input: queries/expansion_country_stats.sql."""
    title = f"{country_name}: electric car sales per year"
    part = stats[stats["metric"].isin(list(SALES_METRICS))]
    if part.empty:
        return empty_figure(title, f"No EV sales figures for {country_name} in the data")
    fig = go.Figure()
    years = sorted(part["year"].unique())
    for i, (metric, label) in enumerate(SALES_METRICS.items()):
        for conf in ("reported", "lower_bound", "estimate"):
            rows = part[(part["metric"] == metric) & (part["confidence"] == conf)]
            if rows.empty:
                continue
            text = [
                fmt_int(v, conf == "lower_bound") + PERIOD_LABEL.get(str(p), "")
                for v, p in zip(rows["value"], rows["period_scope"], strict=True)
            ]
            fig.add_bar(
                x=rows["year"].astype(str),
                y=rows["value"],
                name=f"{label} ({CONFIDENCE_LABEL[conf].lower()})",
                offsetgroup=metric,
                marker={
                    "color": OKABE_ITO[i],
                    "opacity": CONFIDENCE_OPACITY[conf],
                    "pattern": {"shape": CONFIDENCE_PATTERN[conf], "fillmode": "overlay", "solidity": 0.4},
                },
                text=text,
                textposition="outside",
                customdata=list(zip(text, rows["source_url"], rows["as_of"].astype(str), strict=True)),
                hovertemplate="%{x}: %{customdata[0]}<br>source: %{customdata[1]}<br>as of %{customdata[2]}"
                f"<extra>{label}</extra>",
            )
    fig.update_layout(**base_layout(title, barmode="group", height=340))
    fig.update_yaxes(title_text="Cars sold (units)", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(
        title_text="Year", type="category", categoryorder="array", categoryarray=[str(y) for y in years]
    )
    return fig
