"""Country detail figures for the expansion page. Pure: DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash.text import plotly_text
from evdash.theme import (
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    OKABE_ITO,
    base_layout,
    empty_figure,
    fmt_int,
    fmt_pct,
    phone_title,
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


SCENARIO_LABEL = {
    "STEPS": "IEA projection, stated policies (STEPS)",
    "APS": "IEA projection, announced pledges (APS)",
}
SCENARIO_DASH = {"STEPS": "dash", "APS": "dot"}
IEA_CREDIT_SHORT = "Source: IEA (2024) Global EV Data Explorer, CC BY 4.0; 2024–25 national figures"


def ev_share_history(history: pd.DataFrame, country_name: str, credit: str = IEA_CREDIT_SHORT) -> go.Figure:
    """A market's EV share of new cars over the years (solid line; hollow markers for estimates, '≥' for
    lower bounds, 'part of year' for partial years) with the IEA's STEPS and APS projections as dashed and
    dotted lines of hollow diamonds that start from the last actual year, labelled as projections, never as
    figures; a region's projection (the IEA projects few countries) is named as the region's.
    Input: queries/market_history.sql for metric ev_share_pct (one market)."""
    title = "EV share of new cars"
    subtitle = plotly_text(f"{country_name} · actuals and IEA projections · {credit}")
    if history.empty:
        fig = empty_figure(title, f"No EV share figures for {plotly_text(country_name)} in the data")
        return fig
    fig = go.Figure()
    actual = history[history["kind"] == "actual"].sort_values("year")
    if not actual.empty:
        labels = [
            ("≥ " if c == "lower_bound" else "") + fmt_pct(float(v)) + PERIOD_LABEL.get(str(p), "")
            for v, c, p in zip(actual["value"], actual["confidence"], actual["period_scope"], strict=True)
        ]
        fig.add_scatter(
            x=actual["year"],
            y=actual["value"],
            mode="lines+markers",
            name="Actual (reported or estimate)",
            line={"color": OKABE_ITO[0], "width": 2},
            marker={
                "size": 8,
                "color": [OKABE_ITO[0] if c == "reported" else "white" for c in actual["confidence"]],
                "line": {"color": OKABE_ITO[0], "width": 2},
            },
            customdata=list(
                zip(
                    labels,
                    [CONFIDENCE_LABEL.get(str(c), str(c)) for c in actual["confidence"]],
                    [plotly_text(u) for u in actual["source_url"]],
                    strict=True,
                )
            ),
            hovertemplate="%{x}: %{customdata[0]} (%{customdata[1]})<br>source: %{customdata[2]}"
            "<extra></extra>",
        )
    last = actual.iloc[-1] if not actual.empty else None
    for i, (scenario, label) in enumerate(SCENARIO_LABEL.items()):
        rows = history[(history["kind"] == "projection") & (history["scenario"] == scenario)].sort_values(
            "year"
        )
        if rows.empty:
            continue
        xs = list(rows["year"])
        ys = [float(v) for v in rows["value"]]
        region = rows["projection_of_name"].iloc[0] if "projection_of_name" in rows.columns else None
        own = (
            "projection_of" not in rows.columns
            or rows["projection_of"].iloc[0] == rows["market_code"].iloc[0]
        )
        # The market's own projection continues its line; a region's stands apart (joining Norway's 91%
        # to Europe's 31% would read as a forecast collapse).
        if own and last is not None and int(last["year"]) < xs[0]:
            xs, ys = [int(last["year"]), *xs], [float(last["value"]), *ys]
        if not own and isinstance(region, str):
            label = f"{label} for {plotly_text(region.split(':')[0])}, not {plotly_text(country_name)}'s own"
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name=label,
            line={"color": OKABE_ITO[1 + i], "dash": SCENARIO_DASH[scenario], "width": 2},
            marker={"symbol": "diamond-open", "size": 9, "color": OKABE_ITO[1 + i]},
            hovertemplate="%{x}: %{y:.0f}% — " + label + " (a scenario, not a figure)<extra></extra>",
        )
    fig.update_layout(**base_layout(title, height=360))
    phone_title(fig, title, subtitle)
    fig.update_yaxes(title_text="% of new cars", rangemode="tozero", ticksuffix="%")
    fig.update_xaxes(title_text="Year", dtick=5 if history["year"].max() - history["year"].min() > 12 else 1)
    return fig
