"""Country detail figures for the expansion page. Pure: DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash import labels as words
from evdash.figures.marks import in_years, note_marks, year_position
from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.text import plotly_cut, plotly_text
from evdash.theme import (
    CONFIDENCE_LABEL,
    CONFIDENCE_SHORT,
    CONFIDENCE_SYMBOL,
    OKABE_ITO,
    SELECTED_COLOUR,
    SERIES,
    TEXT_COLOUR,
    confidence_marker,
    fmt_int,
    fmt_pct,
)

SALES_METRICS = {"new_ev_sales": "EV sales (BEV + PHEV)", "bev_sales": "BEV sales"}
PERIOD_LABEL = {"full_year": "", "partial_year": " (part of year)", "projection": " (projection)"}


def _year_ticks(years: list[int]) -> dict[str, object]:
    """Year ticks a phone shows upright: every year up to 8, every 2nd up to 16, then every 5th."""
    span = len(years)
    step = 1 if span <= 8 else 2 if span <= 16 else 5
    return {
        "tickmode": "linear",
        "tick0": max(years) % step,
        "dtick": step,
        "tickformat": "d",
        "tickangle": 0,
    }


def _notes(fig: go.Figure, notes: pd.DataFrame | None, years: list[int], top: float) -> bool:
    """Draw the analyst notes (rows of `evdash.notes.market_marks`) that fall in the chart's years at their
    dates, in the Deliveries chart's style (`marks.note_marks`). True: some were drawn."""
    shown = in_years(notes, min(years), max(years)) if notes is not None and years else pd.DataFrame()
    if shown.empty:
        return False
    note_marks(fig, shown, top, position=year_position)
    return True


def country_ev_sales(stats: pd.DataFrame, country_name: str, notes: pd.DataFrame | None = None) -> go.Figure:
    """Bars per year: EV and BEV sales in one country, hatched for lower bounds, dotted for estimates.
    The latest year's bars carry their figure ('≥' for lower bounds, 'part of year' for a partial year);
    every other figure is in the hover (labels on sixteen years of bars were 4 px on a phone).
    Input: queries/expansion_country_stats.sql; `notes`: rows of `evdash.notes.market_marks`, drawn at their
    dates within the years (a year's slot runs from 1 Jan to 31 Dec)."""
    title = "Electric car sales per year"
    subtitle = f"{plotly_cut(country_name, 30)} · EV = BEV + PHEV"
    part = stats[stats["metric"].isin(list(SALES_METRICS))]
    if part.empty:
        fig = empty_figure(title, f"No EV sales figures for {country_name} in the data")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    fig = go.Figure()
    years = sorted(int(y) for y in part["year"].unique())
    latest = max(years)
    for i, (metric, label) in enumerate(SALES_METRICS.items()):
        for conf in ("reported", "lower_bound", "estimate"):
            rows = part[(part["metric"] == metric) & (part["confidence"] == conf)]
            if rows.empty:
                continue
            text = [
                fmt_int(v, conf == "lower_bound") + PERIOD_LABEL.get(str(p), "")
                for v, p in zip(rows["value"], rows["period_scope"], strict=True)
            ]
            shown = [
                _compact(float(v), conf == "lower_bound") if int(y) == latest else ""
                for v, y in zip(rows["value"], rows["year"], strict=True)
            ]
            fig.add_bar(
                x=rows["year"].astype(int),
                y=rows["value"],
                name=label if conf == "reported" else f"{label}, {CONFIDENCE_SHORT[conf]}",
                offsetgroup=metric,
                marker=confidence_marker(SERIES[i], conf),
                text=shown,
                textposition="outside",
                textfont={"color": TEXT_COLOUR, "size": 11},
                constraintext="none",
                cliponaxis=False,
                customdata=list(
                    zip(
                        text,
                        rows["source_url"],
                        [words.day(d, missing="") for d in rows["as_of"]],
                        strict=True,
                    )
                ),
                hovertemplate="%{x}: %{customdata[0]}<br>source: %{customdata[1]}<br>as of %{customdata[2]}"
                f"<extra>{label}</extra>",
            )
    top = float(part["value"].max())
    noted = _notes(fig, notes, years, top * 1.2)
    fig.update_layout(**base_layout(title, barmode="group"))
    fig.update_yaxes(
        title_text="Cars sold (units)", tickformat="~s", range=[0, top * (1.3 if noted else 1.15)]
    )
    fig.update_xaxes(title_text="Year", **_year_ticks(years))
    phone_title(fig, title, subtitle, legend="above", plot_height=260)
    return fig


def _compact(value: float, at_least: bool) -> str:
    """'16.5M', '340k', '≥1,200' for the latest year's bar label."""
    text = (
        f"{value / 1_000_000:.1f}M"
        if value >= 1_000_000
        else f"{value / 1000:.0f}k"
        if value >= 10_000
        else f"{value:,.0f}"
    )
    return ("≥" if at_least else "") + text


SCENARIO_LABEL = {
    "STEPS": "IEA projection, stated policies (STEPS)",
    "APS": "IEA projection, announced pledges (APS)",
    "CPS": "IEA projection, current policies (CPS)",
}
SCENARIO_DASH = {"STEPS": "dash", "APS": "dot", "CPS": "dashdot"}
IEA_CREDIT_SHORT = "Source: IEA (2024, 2026) Global EV Data Explorer, CC BY 4.0; national figures"


def ev_share_history(
    history: pd.DataFrame,
    country_name: str,
    credit: str = IEA_CREDIT_SHORT,
    notes: pd.DataFrame | None = None,
) -> go.Figure:
    """A market's EV share of new cars over the years (solid line; hollow markers for estimates, '≥' for
    lower bounds, 'part of year' for partial years) with the IEA's STEPS and APS projections as dashed and
    dotted lines of hollow diamonds that start from the last actual year, labelled as projections, never as
    figures; a region's projection (the IEA projects few countries) is named as the region's.
    Input: queries/market_history.sql for metric ev_share_pct (one market); `notes`: rows of
    `evdash.notes.market_marks`, drawn at their dates within the years shown."""
    title = "EV share of new cars"
    subtitle = f"{plotly_cut(country_name, 30)} · actuals and IEA projections · {plotly_text(credit)}"
    if history.empty:
        fig = empty_figure(title, f"No EV share figures for {plotly_text(country_name)} in the data")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    fig = go.Figure()
    actual = history[history["kind"] == "actual"].sort_values("year")
    _actual_line(fig, actual)
    last = actual.iloc[-1] if not actual.empty else None
    if not (history["kind"] == "projection").any():
        # The IEA projects few markets; another region's projection is never borrowed (issue #23).
        subtitle = f"{subtitle} · no IEA projection for {plotly_cut(country_name, 30)}"
    _projection_lines(fig, history, last, country_name)
    shown_years = list(range(int(history["year"].min()), int(history["year"].max()) + 1))
    _notes(fig, notes, shown_years, float(pd.to_numeric(history["value"], errors="coerce").max()) * 1.2)
    fig.update_layout(**base_layout(title))
    fig.update_yaxes(title_text="% of new cars", rangemode="tozero", ticksuffix="%")
    fig.update_xaxes(title_text="Year", **_year_ticks(shown_years))
    phone_title(fig, title, subtitle, legend="above", plot_height=240)
    return fig


def _actual_line(fig: go.Figure, actual: pd.DataFrame) -> None:
    """The market's reported and estimated shares as one solid line, markers by confidence ('≥' for a
    lower bound, 'part of year' for a partial year in the hover label)."""
    if actual.empty:
        return
    labels = [
        ("≥ " if c == "lower_bound" else "") + fmt_pct(float(v)) + PERIOD_LABEL.get(str(p), "")
        for v, c, p in zip(actual["value"], actual["confidence"], actual["period_scope"], strict=True)
    ]
    fig.add_scatter(
        x=actual["year"],
        y=actual["value"],
        mode="lines+markers",
        name="Actual (reported or estimate)",
        line={"color": SELECTED_COLOUR, "width": 2},
        marker={
            "size": 8,
            "symbol": [CONFIDENCE_SYMBOL.get(str(c), "circle") for c in actual["confidence"]],
            "color": SELECTED_COLOUR,
            "line": {"color": SELECTED_COLOUR, "width": 2},
        },
        customdata=list(
            zip(
                labels,
                [CONFIDENCE_LABEL.get(str(c), str(c)) for c in actual["confidence"]],
                [plotly_text(u) for u in actual["source_url"]],
                strict=True,
            )
        ),
        hovertemplate="%{x}: %{customdata[0]} (%{customdata[1]})<br>source: %{customdata[2]}<extra></extra>",
    )


def _projection_lines(
    fig: go.Figure, history: pd.DataFrame, last: pd.Series | None, country_name: str
) -> None:
    """The IEA's scenarios as dashed and dotted lines of hollow diamonds, labelled as projections: the
    market's own continues from its `last` actual year; a region's stands apart and is named as the
    region's."""
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
