"""Deliveries vs targets figures. Pure: DataFrame -> go.Figure, no Streamlit, no I/O.

Confidence styling everywhere: reported = solid, lower bound ("over N") = hatched "/" and
slightly transparent, estimate = dotted and more transparent (theme.CONFIDENCE_*), with a legend
entry per style and the source and as-of date in the hover text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from evdash.text import plotly_text
from evdash.theme import (
    ATTAINMENT_HELP,
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    NEUTRAL,
    OKABE_ITO,
    TARGET_COLOUR,
    base_layout,
    empty_figure,
    fmt_attainment,
    fmt_figure,
    fmt_int,
    fmt_qualifier,
)

UNSPLIT_COLOUR = "#9A9A9A"
OTHER_COLOUR = "#C9C9C9"
PROJECTION_COLOUR = "#56B4E9"
REPORTED_TOTAL_COLOUR = "#000000"
_MARKER_BY_CONFIDENCE = {"reported": "circle", "lower_bound": "triangle-up-open", "estimate": "circle-open"}


def _compact(value: float, at_least: bool) -> str:
    """Short bar label (the exact figure is in the hover): 20726 -> '20.7k', lower bound -> '≥20.0k'."""
    text = f"{value / 1000:.1f}k" if value >= 1000 else f"{value:,.0f}"
    return ("≥" + text) if at_least else text


def _pattern(confidences: Sequence[str]) -> dict[str, object]:
    return {
        "shape": [CONFIDENCE_PATTERN.get(c, "") for c in confidences],
        "fillmode": "overlay",
        "solidity": 0.35,
        "fgcolor": "white",
    }


def _confidence_key(fig: go.Figure, confidences: set[str], kind: str = "bar") -> None:
    """Legend entries explaining the styling (empty traces: they draw nothing)."""
    for conf in ("reported", "lower_bound", "estimate"):
        if conf not in confidences:
            continue
        name = {
            "reported": "Solid: reported figure",
            "lower_bound": "Hatched: at least (company said 'over N')",
            "estimate": "Dotted: estimate (third-party)",
        }[conf]
        if kind == "bar":
            fig.add_bar(
                x=[None],
                y=[None],
                name=name,
                legendgroup="confidence",
                marker={
                    "color": NEUTRAL,
                    "opacity": CONFIDENCE_OPACITY[conf],
                    "pattern": {"shape": CONFIDENCE_PATTERN[conf], "fillmode": "overlay", "solidity": 0.35},
                },
                hoverinfo="skip",
            )


def monthly_bars(frame: pd.DataFrame, brand_name: str, period: str) -> go.Figure:
    """Monthly deliveries stacked by model. Input: queries/deliveries_monthly.sql (one row per
    month × segment). One trace per segment series (model, 'Other models', 'Not split by model');
    each bar's pattern shows its confidence; a label above each month gives the brand total, with
    '≥' when it includes a lower bound."""
    title = f"{brand_name} monthly deliveries, {period}"
    if frame.empty:
        return empty_figure(title, f"No monthly deliveries for {brand_name} in {period}")
    fig = go.Figure()
    order = list(dict.fromkeys(frame["series_id"]))
    models = [s for s in order if not s.startswith("_")]
    ordered = models + [s for s in ("_other", "_unsplit") if s in order]
    colours = {m: OKABE_ITO[i % len(OKABE_ITO)] for i, m in enumerate(models)}
    colours.update({"_other": OTHER_COLOUR, "_unsplit": UNSPLIT_COLOUR})
    for series in ordered:
        part = frame[frame["series_id"] == series]
        conf = list(part["confidence"])
        labels = [fmt_int(u, c == "lower_bound") for u, c in zip(part["units"], conf, strict=True)]
        how = [
            CONFIDENCE_LABEL.get(c, c) + (" · brand total minus model splits" if d else "")
            for c, d in zip(conf, part["derived_from_total"], strict=True)
        ]
        fig.add_bar(
            x=part["month"],
            y=part["units"],
            name=str(part["series_name"].iloc[0]),
            marker={
                "color": colours[series],
                "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in conf],
                "pattern": _pattern(conf),
                "line": {"width": 0.5, "color": "white"},
            },
            customdata=list(
                zip(
                    labels,
                    how,
                    part["publisher"].fillna("").astype(str),
                    part["as_of"].astype(str),
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{x|%b %Y} · %{fullData.name}: %{customdata[0]}<br>%{customdata[1]}"
                "<br>source: %{customdata[2]}<br>as of %{customdata[3]}<extra></extra>"
            ),
        )
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
    )
    _confidence_key(fig, set(frame["confidence"]))
    fig.update_layout(**base_layout(title, barmode="stack", height=420, bargap=0.25))
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0})
    fig.update_yaxes(title_text="Vehicles delivered per month (units)", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(title_text=f"Month ({period})", tickformat="%b", dtick="M1")
    if bool(frame["split_exceeds_total"].any()):
        fig.add_annotation(
            text=(
                "* model splits (estimates) add up to more than the company's 'over N' total; "
                "the bar shows the splits"
            ),
            xref="paper",
            yref="paper",
            x=0,
            y=1.02,
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": NEUTRAL},
        )
    return fig


EVENT_COLOUR = "#555555"
EVENT_DASH = {"target_revision": "dot", "launch": "dash", "milestone": "dashdot"}


def _event_lines(fig: go.Figure, events: pd.DataFrame, top: float) -> None:
    """One vertical line per event date (rows of `evdash.events.markers`), numbered at the top, its
    label in the legend ("3 · 23 Apr: target 76,000 → ≥ 100,000"; events of one day share a line), the
    detail in the hover. Line styles differ by kind (dotted revision, dashed launch, dash-dot
    milestone), so greyscale prints and colour-blind readers tell them apart."""
    for number, (date, part) in enumerate(events.groupby("date", sort=True), start=1):
        when = pd.Timestamp(str(date))
        kinds = list(part["kind"])
        kind = "launch" if "launch" in kinds else str(kinds[0])
        fig.add_scatter(
            x=[when, when],
            y=[0, top],
            mode="lines+text",
            line={"color": EVENT_COLOUR, "width": 1.2, "dash": EVENT_DASH.get(kind, "dot")},
            text=["", str(number)],
            textposition="top center",
            textfont={"size": 11, "color": EVENT_COLOUR},
            name=f"{number} · {when:%-d %b}: " + "; ".join(plotly_text(w) for w in part["what"]),
            legendgroup="events",
            legendgrouptitle={"text": "What happened"},
            cliponaxis=False,
            # hovertext, not a hovertemplate: a data title containing "%{...}" stays literal.
            hovertext=["<br>".join(plotly_text(d) for d in part["detail"])] * 2,
            hoverinfo="text",
        )


def cumulative_vs_target(
    frame: pd.DataFrame, brand_name: str, year: int, events: pd.DataFrame | None = None
) -> go.Figure:
    """Cumulative deliveries of the year against the company's target path.
    Input: evdash.deliveries.cumulative_frame (long form, column `series`); `events`: the year's rows of
    `evdash.events.markers` (target revisions with old → new, launches, milestones), drawn as numbered
    vertical lines listed in the legend."""
    title = f"{brand_name} {year}: cumulative deliveries vs target"
    if frame.empty:
        return empty_figure(title, f"No {year} deliveries or targets for {brand_name} in the data")
    fig = go.Figure()
    targets = frame[frame["series"] == "target"]
    if not targets.empty:
        revisions = targets.iloc[:-1]  # the last row only closes the step line at 31 Dec
        fig.add_scatter(
            x=targets["date"],
            y=targets["units"],
            mode="lines",
            line={"shape": "hv", "color": TARGET_COLOUR, "width": 2.5},
            name="Company target (step = revision)",
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
            text=[
                fmt_int(u, bool(a)) for u, a in zip(revisions["units"], revisions["is_at_least"], strict=True)
            ],
            textposition="top right",
            textfont={"color": TARGET_COLOUR, "size": 12},
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
                "Target %{text}<br>%{customdata[0]} (%{customdata[1]})"
                "<br>source: %{customdata[2]}<extra></extra>"
            ),
        )
    delivered = frame[frame["series"] == "delivered"]
    if not delivered.empty:
        fig.add_scatter(
            x=delivered["date"],
            y=delivered["units"],
            mode="lines",
            line={"color": OKABE_ITO[0], "width": 3},
            name="Delivered so far (best-informed figure)",
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
                    "symbol": _MARKER_BY_CONFIDENCE[conf],
                    "size": 10,
                    "color": OKABE_ITO[0],
                    "line": {"width": 2, "color": OKABE_ITO[0]},
                },
                name=f"Year so far: {CONFIDENCE_LABEL[conf].lower()}",
                customdata=list(
                    zip(
                        part["label"],
                        [
                            fmt_int(u, bool(a))
                            for u, a in zip(part["units"], part["is_at_least"], strict=True)
                        ],
                        [fmt_int(u, conf == "lower_bound") for u in part["month_units"]],
                        part["source"].astype(str),
                        part["as_of"].astype(str),
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
    reported = frame[frame["series"] == "reported_total"]
    if not reported.empty:
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
            name="Company total for the year so far (▲ = 'over N')",
            customdata=list(
                zip(
                    reported["label"],
                    [
                        fmt_int(u, bool(a))
                        for u, a in zip(reported["units"], reported["is_at_least"], strict=True)
                    ],
                    [CONFIDENCE_LABEL.get(c, c) for c in reported["confidence"]],
                    reported["source"].astype(str),
                    reported["as_of"].astype(str),
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{customdata[0]}: %{customdata[1]} (%{customdata[2]})<br>source: %{customdata[3]}"
                "<br>as of %{customdata[4]}<extra></extra>"
            ),
        )
    proj = frame[frame["series"] == "projection"]
    if not proj.empty:
        fig.add_scatter(
            x=proj["date"],
            y=proj["units"],
            mode="lines+markers",
            line={"dash": "dash", "color": PROJECTION_COLOUR, "width": 2},
            marker={"size": 6},
            name=f"Projection ({proj['label'].iloc[-1]})",
            customdata=[fmt_int(r) for r in proj["month_units"]],
            hovertemplate="%{x|%d %b %Y}: ≈%{y:,.0f}<br>at %{customdata} a month<extra>projection</extra>",
        )
    shown_events = events if events is not None else pd.DataFrame()
    if not shown_events.empty:
        top = float(pd.to_numeric(frame["units"], errors="coerce").max()) * 1.08
        _event_lines(fig, shown_events, top if top > 0 else 1.0)
    fig.update_layout(
        **base_layout(
            title,
            height=440 + 20 * shown_events["date"].nunique() if not shown_events.empty else 440,
            hovermode="closest",
        )
    )
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0})
    fig.update_yaxes(title_text="Vehicles delivered since 1 Jan (units)", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(
        title_text=f"Date ({year})",
        range=[dt.date(year, 1, 1) - dt.timedelta(days=5), dt.date(year, 12, 31) + dt.timedelta(days=5)],
        tickvals=[dt.date(year, m, 1) for m in (1, 4, 7, 10)],  # quarters: readable at phone width
        tickformat="%b",
        minor={"tickvals": [dt.date(year, m, 1) for m in range(1, 13)], "showgrid": True},
    )
    return fig


def peer_attainment(frame: pd.DataFrame, year: int, highlight: str) -> go.Figure:
    """Delivered ÷ final company target per brand for one year (horizontal bars, 100% line).
    Input: evdash.deliveries.peer_attainment. The selected brand is coloured, peers grey."""
    title = f"{year}: delivered as % of final company target"
    part = frame[frame["attainment_pct"].notna()]
    if part.empty:
        return empty_figure(title, f"No brand with both a {year} target and {year} deliveries in the data")
    part = part.sort_values("attainment_pct")
    conf = [str(c) for c in part["delivered_confidence"]]
    labels = [
        f"{fmt_attainment(p, k, short=True)} · {fmt_figure(d, bool(a), c)} of {'over ' if t_at else ''}"
        f"{fmt_int(t)}{fmt_qualifier(s, th, cov)}"
        for p, k, d, a, c, t, t_at, s, th, cov in zip(
            part["attainment_pct"],
            part["attainment_kind"],
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
    fig = go.Figure()
    fig.add_bar(
        y=part["brand_name"],
        x=part["attainment_pct"],
        orientation="h",
        name="Delivered ÷ final target",
        showlegend=False,
        marker={
            "color": [OKABE_ITO[0] if b == highlight else UNSPLIT_COLOUR for b in part["brand_id"]],
            "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in conf],
            "pattern": _pattern(conf),
        },
        text=labels,
        textposition="auto",
        customdata=list(
            zip(
                [CONFIDENCE_LABEL.get(c, c) for c in conf],
                part["delivered_source"].astype(str),
                part["target_source"].astype(str),
                [fmt_int(o) for o in part["original_target_units"]],
                [ATTAINMENT_HELP.get(str(k), "") for k in part["attainment_kind"]],
                strict=True,
            )
        ),
        hovertemplate=(
            "%{y}: %{text}<br>attainment: %{customdata[4]}<br>delivered: %{customdata[0]}, source "
            "%{customdata[1]}<br>original target %{customdata[3]}; target source %{customdata[2]}"
            "<extra></extra>"
        ),
    )
    _confidence_key(fig, set(conf))
    fig.add_vline(x=100, line={"color": TARGET_COLOUR, "dash": "dot", "width": 2})
    fig.update_layout(**base_layout(title, height=170 + 45 * len(part), showlegend=True))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 90, "b": 10})
    fig.update_xaxes(
        title_text="Attainment (% of final target; dotted line = 100%)", ticksuffix="%", rangemode="tozero"
    )
    fig.update_yaxes(title_text=None)
    return fig


def peer_deliveries(frame: pd.DataFrame, highlight: str) -> go.Figure:
    """Annual deliveries per brand on one linear axis, one bar per year (grouped).
    Input: evdash.deliveries.peer_deliveries. Brands that publish no all-vehicle total show NEV (or
    BEV) figures, and a year in progress says how far it reaches, both named in the bar label."""
    title = "Annual deliveries vs peers"
    if frame.empty:
        return empty_figure(title, "No annual delivery figures in the data")
    latest = frame[frame["year"] == frame["year"].max()]
    order = list(latest.sort_values("delivered_units")["brand_name"])
    order = [b for b in dict.fromkeys(order + list(frame["brand_name"]))]
    names = {
        n: f"{n} ◀" if bid == highlight else n
        for n, bid in zip(frame["brand_name"], frame["brand_id"], strict=True)
    }
    fig = go.Figure()
    years = sorted(frame["year"].unique())
    for i, year in enumerate(years):
        part = frame[frame["year"] == year]
        conf = [str(c) for c in part["delivered_confidence"]]
        qualifiers = [
            fmt_qualifier(s, th, cov)
            for s, th, cov in zip(
                part["scope"], part["delivered_through"], part["delivered_coverage"], strict=True
            )
        ]
        fig.add_bar(
            y=[names[n] for n in part["brand_name"]],
            x=part["delivered_units"],
            orientation="h",
            name=str(year),
            marker={
                "color": OKABE_ITO[(i + 1) % len(OKABE_ITO)],
                "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in conf],
                "pattern": _pattern(conf),
            },
            text=[
                fmt_figure(u, bool(a), c) + q
                for u, a, c, q in zip(
                    part["delivered_units"], part["delivered_is_at_least"], conf, qualifiers, strict=True
                )
            ],
            textposition="auto",
            customdata=list(
                zip(
                    [CONFIDENCE_LABEL.get(c, c) for c in conf],
                    part["delivered_source"].astype(str),
                    part["delivered_as_of"].astype(str),
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{y} " + str(year) + ": %{text}<br>%{customdata[0]} · source %{customdata[1]}"
                "<br>as of %{customdata[2]}<extra></extra>"
            ),
        )
    _confidence_key(fig, set(frame["delivered_confidence"].dropna()))
    fig.update_layout(
        **base_layout(title, barmode="group", height=140 + 22 * len(order) * max(len(years), 1))
    )
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0})
    fig.update_xaxes(title_text="Vehicles delivered per year (units)", tickformat=",d", rangemode="tozero")
    fig.update_yaxes(title_text=None, categoryorder="array", categoryarray=[names[n] for n in order])
    return fig
