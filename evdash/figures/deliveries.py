"""Deliveries vs targets figures. Pure: DataFrame -> go.Figure, no Streamlit, no I/O.

Confidence styling everywhere: reported = solid, lower bound ("over N") = hatched "/" and
slightly transparent, estimate = dotted and more transparent (theme.CONFIDENCE_*), with a legend
entry per style and the source and as-of date in the hover text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evdash import labels as words
from evdash.figures.marks import event_lines, note_marks
from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.text import plotly_cut, plotly_text, short_name
from evdash.theme import (
    ATTAINMENT_HELP,
    CONFIDENCE_KEY,
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_SYMBOL,
    NEUTRAL,
    PROJECTION_COLOUR,
    SELECTED_COLOUR,
    TARGET_COLOUR,
    TARGET_TEXT,
    TEXT_COLOUR,
    brand_colour,
    confidence_marker,
    fmt_attainment,
    fmt_figure,
    fmt_int,
    fmt_qualifier,
    series_colour,
    year_colour,
)

UNSPLIT_COLOUR = "#9A9A9A"
OTHER_COLOUR = "#C9C9C9"
REPORTED_TOTAL_COLOUR = "#000000"


def _compact(value: float, at_least: bool) -> str:
    """Short bar label (the exact figure is in the hover): 20726 -> '20.7k', lower bound -> '≥20.0k'."""
    text = f"{value / 1000:.1f}k" if value >= 1000 else f"{value:,.0f}"
    return ("≥" + text) if at_least else text


def _confidence_key(fig: go.Figure, confidences: set[str]) -> None:
    """Legend entries explaining the styling (empty traces: they draw nothing), named as everywhere
    (theme.CONFIDENCE_KEY)."""
    for conf in ("reported", "lower_bound", "estimate"):
        if conf not in confidences:
            continue
        fig.add_bar(
            x=[None],
            y=[None],
            name=CONFIDENCE_KEY[conf],
            legendgroup="confidence",
            marker=confidence_marker(NEUTRAL, conf),
            hoverinfo="skip",
        )


def monthly_bars(
    frame: pd.DataFrame, brand_name: str, period: str, models: Sequence[str] | None = None
) -> go.Figure:
    """Monthly deliveries stacked by model. Input: queries/deliveries_monthly.sql (one row per
    month × segment). One trace per segment series (model, 'Other models', 'Not split by model');
    each bar's pattern shows its confidence; a label above each month gives the brand total, with
    '≥' when it includes a lower bound. `models`: every model id of the brand in a fixed order, so a
    model keeps its colour whichever models are shown separately."""
    title = "Monthly deliveries"
    subtitle = f"{plotly_cut(brand_name, 30)} · {period} · label: brand total"
    if frame.empty:
        fig = empty_figure(title, f"No monthly deliveries for {brand_name} in {period}")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    fig = go.Figure()
    order = list(dict.fromkeys(frame["series_id"]))
    present = [s for s in order if not s.startswith("_")]
    ordered = present + [s for s in ("_other", "_unsplit") if s in order]
    colours = {m: series_colour(m, list(models) if models else present) for m in present}
    colours.update({"_other": OTHER_COLOUR, "_unsplit": UNSPLIT_COLOUR})
    for series in ordered:
        _model_bars(fig, frame[frame["series_id"] == series], colours[series])
    heights = _month_totals(fig, frame)
    _confidence_key(fig, set(frame["confidence"]))
    fig.update_layout(**base_layout(title, barmode="stack", bargap=0.25))
    top = float(max(heights.max(), 1)) if len(heights) else 1.0
    fig.update_yaxes(title_text="Delivered per month (units)", tickformat="~s", range=[0, top * 1.15])
    fig.update_xaxes(title_text=f"Month ({period})", tickformat="%b", dtick="M1", tickangle=0)
    if bool(frame["split_exceeds_total"].any()):
        subtitle += " · * model splits (estimates) exceed the 'over N' total"
    phone_title(fig, title, subtitle, legend="below", plot_height=300)
    return fig


def _model_bars(fig: go.Figure, part: pd.DataFrame, colour: str) -> None:
    """One series' monthly bars (a model, 'Other models' or 'Not split by model'), patterned by each
    month's confidence, its figure, how it was derived, source and as-of date in the hover."""
    conf = list(part["confidence"])
    labels = [fmt_int(u, c == "lower_bound") for u, c in zip(part["units"], conf, strict=True)]
    how = [
        CONFIDENCE_LABEL.get(c, c) + (" · brand total minus model splits" if d else "")
        for c, d in zip(conf, part["derived_from_total"], strict=True)
    ]
    fig.add_bar(
        x=part["month"],
        y=part["units"],
        name=short_name(part["series_name"].iloc[0], 22),
        marker={**confidence_marker(colour, conf), "line": {"width": 0.5, "color": "white"}},
        customdata=list(
            zip(
                labels,
                how,
                part["publisher"].fillna("").astype(str),
                [words.day(d, missing="") for d in part["as_of"]],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{x|%b %Y} · %{fullData.name}: %{customdata[0]}<br>%{customdata[1]}"
            "<br>source: %{customdata[2]}<br>as of %{customdata[3]}<extra></extra>"
        ),
    )


def _month_totals(fig: go.Figure, frame: pd.DataFrame) -> Any:
    """The brand's total above each month's stack ('≥' when it includes a lower bound, '*' when the
    model splits exceed an 'over N' total); returns the stacks' heights, month by month."""
    totals = frame.drop_duplicates("month")
    heights = frame.groupby("month", sort=False)["units"].sum().reindex(totals["month"]).to_numpy()
    fig.add_scatter(
        x=totals["month"],
        y=heights,
        mode="text",
        text=[
            _compact(u, bool(a)) + ("*" if bool(x) else "")
            for u, a, x in zip(
                totals["brand_month_units"],
                totals["brand_month_is_at_least"],
                totals["split_exceeds_total"],
                strict=True,
            )
        ],
        textposition="top center",
        textfont={"size": 11, "color": "#333333"},
        name="Month total",
        showlegend=False,
        hoverinfo="skip",
        cliponaxis=False,
    )
    return heights


def cumulative_vs_target(
    frame: pd.DataFrame,
    brand_name: str,
    year: int,
    events: pd.DataFrame | None = None,
    notes: pd.DataFrame | None = None,
) -> go.Figure:
    """Cumulative deliveries of the year against the company's target path.
    Input: evdash.deliveries.cumulative_frame (long form, column `series`); `events`: the year's rows of
    `evdash.events.markers` (target revisions with old → new, launches, milestones), drawn as numbered
    vertical lines listed in the legend; `notes`: the rows of `evdash.notes.chart_marks` (analyst notes,
    `note_marks`)."""
    title = "Cumulative deliveries vs target"
    subtitle = f"{plotly_cut(brand_name, 30)} · {year} · delivered since 1 Jan"
    if frame.empty:
        fig = empty_figure(title, f"No {year} deliveries or targets for {brand_name} in the data")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    fig = go.Figure()
    _target_steps(fig, frame[frame["series"] == "target"])
    _delivered_so_far(fig, frame[frame["series"] == "delivered"])
    _company_totals(fig, frame[frame["series"] == "reported_total"])
    _run_rate_projection(fig, frame[frame["series"] == "projection"])
    shown_events = events if events is not None else pd.DataFrame()
    peak = float(pd.to_numeric(frame["units"], errors="coerce").max())
    peak = peak if peak > 0 else 1.0
    if not shown_events.empty:
        # The event lines end well above the target's labels, so their numbers never sit on a label.
        event_lines(fig, shown_events, peak * 1.2)
    if notes is not None and not notes.empty:
        note_marks(fig, notes, peak * 1.2)
    fig.update_layout(**base_layout(title, hovermode="closest"))
    _cumulative_axes(fig, year, peak, not shown_events.empty or (notes is not None and not notes.empty))
    phone_title(fig, title, subtitle, legend="below", plot_height=300)
    return fig


def _target_steps(fig: go.Figure, targets: pd.DataFrame) -> None:
    """The company's target path as a step line (a step = a revision), and a diamond at each revision
    labelled with the target it set, its wording, confidence and source in the hover."""
    if targets.empty:
        return
    revisions = targets.iloc[:-1]  # the last row only closes the step line at 31 Dec
    fig.add_scatter(
        x=targets["date"],
        y=targets["units"],
        mode="lines",
        line={"shape": "hv", "color": TARGET_COLOUR, "width": 2.5},
        name="Target (a step = a revision)",
        legendgroup="target",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=revisions["date"],
        y=revisions["units"],
        mode="markers+text",
        marker={
            "symbol": "diamond",
            "size": 10,
            "color": TARGET_COLOUR,
            "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in revisions["confidence"]],
        },
        text=[fmt_int(u, bool(a)) for u, a in zip(revisions["units"], revisions["is_at_least"], strict=True)],
        textposition="bottom right",  # under the line: the event numbers are above it
        textfont={"color": TARGET_TEXT, "size": 12},
        name="Target revisions",
        cliponaxis=False,
        legendgroup="target",
        showlegend=False,
        customdata=list(
            zip(
                revisions["label"],
                [CONFIDENCE_LABEL.get(c, c) for c in revisions["confidence"]],
                revisions["source"].astype(str),
                strict=True,
            )
        ),
        hovertemplate=(
            "Target %{text}<br>%{customdata[0]} (%{customdata[1]})<br>source: %{customdata[2]}<extra></extra>"
        ),
    )


def _delivered_so_far(fig: go.Figure, delivered: pd.DataFrame) -> None:
    """The year-so-far line of deliveries, and its month points marked by confidence (filled reported,
    open triangle 'at least', open circle estimate) with the month's figure and source in the hover."""
    if delivered.empty:
        return
    fig.add_scatter(
        x=delivered["date"],
        y=delivered["units"],
        mode="lines",
        line={"color": SELECTED_COLOUR, "width": 3},
        name="Delivered so far",
        legendgroup="delivered",
        hoverinfo="skip",
    )
    for conf in ("reported", "lower_bound", "estimate"):
        part = delivered[delivered["confidence"] == conf]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["date"],
            y=part["units"],
            mode="markers",
            marker={
                "symbol": CONFIDENCE_SYMBOL[conf],
                "size": 10,
                "color": SELECTED_COLOUR,
                "line": {"width": 2, "color": SELECTED_COLOUR},
            },
            name=f"Month: {CONFIDENCE_LABEL[conf].lower()}",
            legendgroup="delivered",
            customdata=list(
                zip(
                    part["label"],
                    [fmt_int(u, bool(a)) for u, a in zip(part["units"], part["is_at_least"], strict=True)],
                    [fmt_int(u, conf == "lower_bound") for u in part["month_units"]],
                    part["source"].astype(str),
                    [words.day(d, missing="") for d in part["as_of"]],
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{customdata[0]}<br>year so far %{customdata[1]} ("
                + CONFIDENCE_LABEL[conf].lower()
                + "), +%{customdata[2]} since the previous point<br>source: %{customdata[3]}"
                "<br>as of %{customdata[4]}<extra></extra>"
            ),
        )


def _company_totals(fig: go.Figure, reported: pd.DataFrame) -> None:
    """The company's own year-so-far totals ('over N' ones as triangles), beside the monthly sum."""
    if reported.empty:
        return
    fig.add_scatter(
        x=reported["date"],
        y=reported["units"],
        mode="markers",
        marker={
            "symbol": ["triangle-up" if a else "square" for a in reported["is_at_least"]],
            "size": 11,
            "color": REPORTED_TOTAL_COLOUR,
            "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in reported["confidence"]],
        },
        name="Company total (▲ 'over N')",
        legendgroup="delivered",
        customdata=list(
            zip(
                reported["label"],
                [
                    fmt_int(u, bool(a))
                    for u, a in zip(reported["units"], reported["is_at_least"], strict=True)
                ],
                [CONFIDENCE_LABEL.get(c, c) for c in reported["confidence"]],
                reported["source"].astype(str),
                [words.day(d, missing="") for d in reported["as_of"]],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{customdata[0]}: %{customdata[1]} (%{customdata[2]})<br>source: %{customdata[3]}"
            "<br>as of %{customdata[4]}<extra>company total for the year so far</extra>"
        ),
    )


def _run_rate_projection(fig: go.Figure, proj: pd.DataFrame) -> None:
    """The dashed projection to 31 Dec at the recent monthly run rate, labelled as a projection."""
    if proj.empty:
        return
    fig.add_scatter(
        x=proj["date"],
        y=proj["units"],
        mode="lines+markers",
        line={"dash": "dash", "color": PROJECTION_COLOUR, "width": 2},
        marker={"size": 6},
        name="Projection at run rate",
        legendgroup="delivered",
        customdata=[fmt_int(r) for r in proj["month_units"]],
        hovertemplate="%{x|%-d %b %Y}: ≈%{y:,.0f}<br>at %{customdata} a month ("
        + plotly_text(proj["label"].iloc[-1])
        + ")<extra>projection</extra>",
    )


def _cumulative_axes(fig: go.Figure, year: int, peak: float, marked: bool) -> None:
    """Axes of the cumulative chart: units from 0 to above the highest point (more room when event or
    note marks are drawn, `marked`), and the calendar year with quarter ticks a phone shows upright."""
    fig.update_yaxes(
        title_text="Delivered since 1 Jan (units)",
        tickformat="~s",  # 400k: a narrow axis leaves the phone's width to the lines
        range=[
            0,
            peak * (1.3 if marked else 1.12),
        ],
        ticklabelstandoff=6,  # "0" clear of the first month's label
    )
    fig.update_xaxes(
        title_text=f"Date ({year})",
        range=[dt.date(year, 1, 1) - dt.timedelta(days=5), dt.date(year, 12, 31) + dt.timedelta(days=5)],
        tickvals=[dt.date(year, m, 1) for m in (1, 4, 7, 10)],  # quarters: readable at phone width
        tickformat="%b",
        tickangle=0,
        minor={"tickvals": [dt.date(year, m, 1) for m in range(1, 13)], "showgrid": True},
    )


def peer_attainment(frame: pd.DataFrame, year: int, highlight: str) -> go.Figure:
    """Delivered ÷ final company target per brand for one year (horizontal bars, 100% line).
    Input: evdash.deliveries.peer_attainment. The selected brand is blue, peers grey (theme.brand_colour).
    Each bar's label is its attainment; what it is made of (delivered of target, what the figure covers)
    is in the hover, so the label fits a phone."""
    title = "Delivered as % of target"
    subtitle = f"{year} · final company target · dotted line = 100%"
    part = frame[frame["attainment_pct"].notna()]
    if part.empty:
        fig = empty_figure(title, f"No brand with both a {year} target and {year} deliveries in the data")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    part = part.sort_values("attainment_pct")
    conf = [str(c) for c in part["delivered_confidence"]]
    details = _attainment_details(part)
    labels = [
        fmt_attainment(p, k, short=True)
        for p, k in zip(part["attainment_pct"], part["attainment_kind"], strict=True)
    ]
    colours = [brand_colour(b, highlight) for b in part["brand_id"]]
    fig = go.Figure()
    _attainment_bars(fig, part, conf, colours, labels, details)
    _confidence_key(fig, set(conf))
    fig.add_vline(x=100, line={"color": TARGET_COLOUR, "dash": "dot", "width": 2})
    top = max(float(part["attainment_pct"].max()), 100.0)
    fig.update_layout(**base_layout(title, showlegend=True, bargap=0.35))
    fig.update_xaxes(
        title_text="% of final target",
        ticksuffix="%",
        range=[0, top * 1.3],  # room for the label of the longest bar, and the 100% line
        nticks=4,
        tickangle=0,
    )
    fig.update_yaxes(title_text=None)
    phone_title(fig, title, subtitle, legend="above", plot_height=40 + 38 * len(part))
    return fig


def _attainment_details(part: pd.DataFrame) -> list[str]:
    """What each brand's attainment is made of, for its hover: '≥ 410,000 of over 300,000 (NEV only)'."""
    return [
        f"{fmt_figure(d, bool(a), c)} of {'over ' if t_at else ''}{fmt_int(t)}{fmt_qualifier(s, th, cov)}"
        for d, a, c, t, t_at, s, th, cov in zip(
            part["delivered_units"],
            part["delivered_is_at_least"],
            part["delivered_confidence"],
            part["final_target_units"],
            part["target_is_at_least"],
            part["scope"],
            part["delivered_through"],
            part["delivered_coverage"],
            strict=True,
        )
    ]


def _attainment_bars(
    fig: go.Figure,
    part: pd.DataFrame,
    conf: list[str],
    colours: list[str],
    labels: list[str],
    details: list[str],
) -> None:
    """One horizontal bar per brand, labelled with its attainment, patterned by the delivered figure's
    confidence; both sources, the original target and how to read the attainment in the hover."""
    fig.add_bar(
        y=[short_name(n) for n in part["brand_name"]],
        x=part["attainment_pct"],
        orientation="h",
        name="Delivered ÷ final target",
        showlegend=False,
        marker=confidence_marker(colours, conf),
        text=labels,
        textposition="outside",
        textfont={"color": TEXT_COLOUR, "size": 12},
        constraintext="none",
        cliponaxis=False,
        customdata=list(
            zip(
                [CONFIDENCE_LABEL.get(c, c) for c in conf],
                part["delivered_source"].astype(str),
                part["target_source"].astype(str),
                [fmt_int(o) for o in part["original_target_units"]],
                [ATTAINMENT_HELP.get(str(k), "") for k in part["attainment_kind"]],
                details,
                part["brand_name"],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{customdata[6]}: %{text} · %{customdata[5]}<br>attainment: %{customdata[4]}<br>delivered: "
            "%{customdata[0]}, source %{customdata[1]}<br>original target %{customdata[3]}; target source "
            "%{customdata[2]}<extra></extra>"
        ),
    )


def peer_deliveries(frame: pd.DataFrame, highlight: str) -> go.Figure:
    """Annual deliveries per brand on one linear axis, one bar per year (grouped), each year in its own
    colour (theme.year_colour, the same in every chart). Input: evdash.deliveries.peer_deliveries. Brand
    labels are short ("HIMA"; the full name is in the hover), the selected brand marked "◀"; bar labels
    are compact ("4.60M", "≥410k"; the exact figure and what it covers, NEV only or part of the year, are
    in the hover), so they fit a phone."""
    title = "Annual deliveries vs peers"
    if frame.empty:
        fig = empty_figure(title, "No annual delivery figures in the data")
        phone_title(fig, title, "", legend="none")
        return fig
    latest = frame[frame["year"] == frame["year"].max()]
    order = list(latest.sort_values("delivered_units")["brand_name"])
    order = [b for b in dict.fromkeys(order + list(frame["brand_name"]))]
    names = {
        n: short_name(n, 14) + (" ◀" if bid == highlight else "")
        for n, bid in zip(frame["brand_name"], frame["brand_id"], strict=True)
    }
    fig = go.Figure()
    years = sorted(frame["year"].unique())
    for year in years:
        _year_bars(fig, frame[frame["year"] == year], year, names)
    _confidence_key(fig, set(frame["delivered_confidence"].dropna()))
    top = float(frame["delivered_units"].max())
    fig.update_layout(**base_layout(title, barmode="group", bargap=0.25, bargroupgap=0.05))
    fig.update_xaxes(
        title_text="Delivered per year (units)",
        tickformat="~s",  # 1M, 2M: upright on a phone; exact figures in the hover
        rangemode="tozero",
        range=[0, top * 1.28],  # room for the label of the longest bar
        nticks=4,
        tickangle=0,
    )
    fig.update_yaxes(title_text=None, categoryorder="array", categoryarray=[names[n] for n in order])
    phone_title(
        fig,
        title,
        "Whole calendar years only · * NEV or BEV only (hover for what it covers)",
        legend="above",
        plot_height=20 + 24 * len(order) * max(len(years), 1),
    )
    return fig


def _year_bars(fig: go.Figure, part: pd.DataFrame, year: object, names: dict[str, str]) -> None:
    """One year's bars, one per brand, in the year's colour and patterned by confidence; the compact
    label ('*' when the figure covers NEV only or part of the year), the exact figure, what it covers,
    its source and as-of date in the hover."""
    conf = [str(c) for c in part["delivered_confidence"]]
    qualifiers = [
        fmt_qualifier(s, th, cov)
        for s, th, cov in zip(
            part["scope"], part["delivered_through"], part["delivered_coverage"], strict=True
        )
    ]
    colour = year_colour(year)
    fig.add_bar(
        y=[names[n] for n in part["brand_name"]],
        x=part["delivered_units"],
        orientation="h",
        name=str(year),
        marker=confidence_marker(colour, conf),
        text=[
            _short_units(u, bool(a), c) + ("*" if q else "")
            for u, a, c, q in zip(
                part["delivered_units"], part["delivered_is_at_least"], conf, qualifiers, strict=True
            )
        ],
        textposition="outside",
        textfont={"color": TEXT_COLOUR, "size": 11},
        constraintext="none",  # Plotly shrank labels to the bar's thickness (9 px)
        cliponaxis=False,
        customdata=list(
            zip(
                [CONFIDENCE_LABEL.get(c, c) for c in conf],
                part["delivered_source"].astype(str),
                [words.day(d, missing="") for d in part["delivered_as_of"]],
                [
                    fmt_figure(u, bool(a), c) + q
                    for u, a, c, q in zip(
                        part["delivered_units"],
                        part["delivered_is_at_least"],
                        conf,
                        qualifiers,
                        strict=True,
                    )
                ],
                part["brand_name"],
                [_counted_in(n) for n in part.get("counted_in_name", pd.Series([None] * len(part)))],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{customdata[4]} " + str(year) + ": %{customdata[3]}%{customdata[5]}<br>%{customdata[0]} · "
            "source %{customdata[1]}<br>as of %{customdata[2]}<extra></extra>"
        ),
    )


def _counted_in(group: object) -> str:
    """Hover words for a brand whose figures are inside another's total (Zeekr in Geely Auto): the two
    bars are never to be added."""
    return f" · included in {group}'s total" if isinstance(group, str) and group else ""


def _short_units(value: float, at_least: bool, confidence: str) -> str:
    """A compact bar label: '4.60M', '≥410k', '≈80.0k', '≥≈80.0k' (the exact figure is in the hover)."""
    if value >= 1_000_000:
        text = f"{value / 1_000_000:.2f}M"
    elif value >= 1_000:
        text = f"{value / 1000:.0f}k" if value >= 100_000 else f"{value / 1000:.1f}k"
    else:
        text = f"{value:,.0f}"
    return ("≥" if at_least else "") + ("≈" if confidence == "estimate" else "") + text
