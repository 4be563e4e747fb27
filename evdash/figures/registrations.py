"""Market-mix figures from vendor registrations (queries/registrations_*.sql). Pure: DataFrame → go.Figure.

`confidence` is the weakest confidence among the rows behind the chart (from
registrations_provenance): bars are solid for reported data, hatched for lower bounds, dotted for
estimates, and the legend says which. Figures carry only what is drawn (top N + "Other"), so the JSON
shipped to the browser stays small at any table size (tests/test_performance_guards.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.theme import (
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    NEUTRAL,
    OKABE_ITO,
    SERIES,
    fmt_int,
)

BODY_ORDER = ("suv", "sedan", "hatchback", "wagon", "mpv", "coupe", "pickup")
BODY_LABEL = {
    "suv": "SUV",
    "sedan": "Sedan",
    "hatchback": "Hatchback",
    "wagon": "Wagon",
    "mpv": "MPV",
    "coupe": "Coupé",
    "pickup": "Pickup",
}
POWERTRAIN_ORDER = ("BEV", "PHEV", "EREV", "HEV", "ICE")
TOP_BRANDS = 10


def _marker(colour: str, confidence: str) -> dict[str, Any]:
    return {
        "color": colour,
        "opacity": CONFIDENCE_OPACITY.get(confidence, 1.0),
        "pattern": {"shape": CONFIDENCE_PATTERN.get(confidence, ""), "fillmode": "overlay", "solidity": 0.4},
    }


def _suffix(confidence: str) -> str:
    return "" if confidence == "reported" else f" ({CONFIDENCE_LABEL.get(confidence, confidence).lower()})"


def _month_labels(months: pd.Series) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in months]


def brand_share(
    frame: pd.DataFrame, market_name: str, period: str, confidence: str, counted: str = "new registrations"
) -> go.Figure:
    """Horizontal bars: share of registrations per brand, the top 10 plus "Other brands".
    Input: registrations_brand_share or national_registrations_by_make (one row per brand, share_pct sums
    to 100). `counted` names what the shares are of ('new BEV registrations')."""
    title = f"{market_name}, {period}: brand share of {counted}"
    if frame.empty:
        return empty_figure(title, f"No registrations for {market_name} in {period}")
    top = frame.nsmallest(TOP_BRANDS, "rank")
    rest = frame[~frame.index.isin(top.index)]
    names = list(top["brand_name"])
    shares = list(top["share_pct"].round(2))
    units = list(top["units"])
    if not rest.empty:
        names.append(f"Other brands ({len(rest)})")
        shares.append(round(float(rest["share_pct"].sum()), 2))
        units.append(int(rest["units"].sum()))
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=shares,
        orientation="h",
        name=f"Share of registrations{_suffix(confidence)}",
        marker=_marker(OKABE_ITO[0], confidence),
        text=[f"{s:.1f}%" for s in shares],
        textposition="outside",
        cliponaxis=False,  # the value label of the longest bar stays readable
        customdata=[fmt_int(u) for u in units],
        hovertemplate="%{y}: %{x:.1f}% (%{customdata} cars)<extra></extra>",
        showlegend=True,
    )
    fig.update_layout(**base_layout(title, height=420))
    phone_title(fig, f"Brand share of {counted}", f"{market_name}, {period}")
    fig.update_yaxes(autorange="reversed", title_text=None)
    fig.update_xaxes(title_text=f"Share of {counted} (%)", ticksuffix="%", range=[0, max(shares) * 1.15])
    return fig


MARKER_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
MONTH_COLUMNS = tuple(f"m{i:02d}" for i in range(1, 13))
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def brand_months(
    frame: pd.DataFrame, market_name: str, year: str, confidence: str, counted: str
) -> go.Figure:
    """Lines, one per brand the dashboard follows (rows with a `brand_id`; the publisher's other makes are
    in the table), of registrations per month. Input: national_registrations_by_make (one row per make,
    months in m01 … m12, empty = no figure for that month)."""
    title = f"{counted[:1].upper()}{counted[1:]} per month"
    subtitle = f"{market_name}, {year} · brands followed here (every make in the table)"
    followed = frame[frame["brand_id"].notna()] if "brand_id" in frame else frame.head(0)
    if followed.empty:
        return empty_figure(
            f"{market_name}, {year}: {title[:1].lower()}{title[1:]}",
            f"No figure for a brand followed here in {market_name} in {year}",
        )
    first = dt.date(int(year), 1, 1)
    months = [first.replace(month=m) for m in range(1, 13)]
    fig = go.Figure()
    for i, row in enumerate(followed.to_dict("records")):
        values = [None if pd.isna(row[m]) else int(row[m]) for m in MONTH_COLUMNS]
        fig.add_scatter(
            x=months,
            y=values,
            mode="lines+markers",
            name=f"{row['brand_name']}{_suffix(confidence)}",
            line={"color": SERIES[i % len(SERIES)], "dash": "solid" if confidence == "reported" else "dot"},
            # More brands than colours: the next round of colours gets another marker, so no two lines
            # look alike (Tesla and NIO were both orange circles).
            marker={"symbol": MARKER_SYMBOLS[(i // len(SERIES)) % len(MARKER_SYMBOLS)], "size": 7},
            customdata=[
                [row["brand_name"], name, fmt_int(v) if v is not None else "no figure"]
                for name, v in zip(MONTH_NAMES, values, strict=True)
            ],
            hovertemplate="%{customdata[0]}, %{customdata[1]}: %{customdata[2]}<extra></extra>",
        )
    fig.update_layout(**base_layout(title))
    fig.update_yaxes(
        title_text=f"{counted[:1].upper()}{counted[1:]} (cars)", rangemode="tozero", tickformat="~s"
    )
    # Quarters as upright ticks (twelve month names were turned on a phone), every month a minor tick.
    fig.update_xaxes(
        title_text=f"Month ({year})",
        range=[first - dt.timedelta(days=10), first.replace(month=12, day=10)],
        tickvals=[first.replace(month=m) for m in (1, 4, 7, 10)],
        tickformat="%b",
        tickangle=0,
        minor={"tickvals": months, "showgrid": True},
    )
    phone_title(fig, title, subtitle, legend="below", plot_height=300)
    return fig


def mix_over_time(
    frame: pd.DataFrame, column: str, market_name: str, period: str, confidence: str
) -> go.Figure:
    """Stacked bars, one per month: share (%) of each body type (column='body_type') or powertrain
    (column='powertrain'). Input: registrations_body_mix / registrations_powertrain_trend."""
    is_body = column == "body_type"
    what = "body type" if is_body else "powertrain"
    title = f"{market_name}, {period}: {what} mix of new registrations per month"
    if frame.empty:
        return empty_figure(title, f"No registrations for {market_name} in {period}")
    order = BODY_ORDER if is_body else POWERTRAIN_ORDER
    months = sorted(frame["month"].unique())
    labels = _month_labels(pd.Series(months))
    fig = go.Figure()
    for i, key in enumerate(k for k in order if k in set(frame[column])):
        part = frame[frame[column] == key].set_index("month").reindex(months)
        name = BODY_LABEL.get(key, key) if is_body else key
        fig.add_bar(
            x=labels,
            y=part["share_pct"].fillna(0).round(2).tolist(),
            name=name + _suffix(confidence),
            marker=_marker(OKABE_ITO[i % len(OKABE_ITO)], confidence),
            customdata=[fmt_int(u) for u in part["units"].fillna(0)],
            hovertemplate=f"{name} %{{x}}: %{{y:.1f}}% (%{{customdata}} cars)<extra></extra>",
        )
    # Legend under the axis: with up to 7 body types it wraps to several lines and would cover the title.
    legend = {"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0}
    fig.update_layout(**base_layout(title, barmode="stack", height=480, legend=legend))
    fig.update_xaxes(title_text="Month", type="category")
    fig.update_yaxes(title_text="Share of the month's registrations (%)", ticksuffix="%", range=[0, 100])
    return fig


def top_models(frame: pd.DataFrame, market_name: str, period: str, confidence: str) -> go.Figure:
    """Horizontal bars: units of the largest models (vendor labels). Input: registrations_top_models."""
    title = f"{market_name}, {period}: top models by new registrations"
    if frame.empty:
        return empty_figure(title, f"No registrations for {market_name} in {period}")
    labels = [f"{b} {m}" for b, m in zip(frame["brand_name"], frame["model_name"], strict=True)]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=frame["units"].tolist(),
        orientation="h",
        name=f"Registrations{_suffix(confidence)}",
        marker=_marker(OKABE_ITO[2], confidence),
        text=[fmt_int(u) for u in frame["units"]],
        textposition="auto",  # inside the long bars: outside labels ran off a 375 px phone screen
        cliponaxis=False,
        customdata=[f"{s:.1f}" for s in frame["share_pct"]],
        hovertemplate="%{y}: %{text} cars (%{customdata}% of the market)<extra></extra>",
        showlegend=True,
    )
    fig.update_layout(**base_layout(title, height=460, separators=".,"))
    phone_title(fig, "Top models by new registrations", f"{market_name}, {period}")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        title_text="Registrations (cars)",
        tickformat="~s",  # 50k, 100k: upright ticks on a phone, exact values on the bars and in the hover
        range=[0, float(frame["units"].max()) * 1.2],
    )
    return fig


def suv_share_by_market(frame: pd.DataFrame, period: str, confidence: str, top: int = 20) -> go.Figure:
    """Bars: SUV share of new registrations in the `top` largest markets; BEV share as markers.
    Input: registrations_suv_share (one row per market, largest first)."""
    title = f"{period}: SUV and BEV share of new registrations, {top} largest markets"
    if frame.empty:
        return empty_figure(title, f"No registrations in {period}")
    part = frame.head(top)
    fig = go.Figure()
    fig.add_bar(
        x=part["market_name"].tolist(),
        y=part["suv_share_pct"].round(2).tolist(),
        name=f"SUV share{_suffix(confidence)}",
        marker=_marker(OKABE_ITO[1], confidence),
        customdata=[fmt_int(u) for u in part["units"]],
        hovertemplate="%{x}: SUV %{y:.1f}% of %{customdata} cars<extra></extra>",
    )
    fig.add_scatter(
        x=part["market_name"].tolist(),
        y=part["bev_share_pct"].round(2).tolist(),
        mode="markers",
        name=f"BEV share{_suffix(confidence)}",
        marker={"color": OKABE_ITO[0], "symbol": "diamond", "size": 10, "line": {"color": NEUTRAL}},
        hovertemplate="%{x}: BEV %{y:.1f}%<extra></extra>",
    )
    fig.update_layout(**base_layout(title, height=460))
    phone_title(fig, "SUV and BEV share of new registrations", f"{period}, {top} largest markets")
    fig.update_xaxes(title_text="Market (largest first)", tickangle=-40)
    fig.update_yaxes(title_text="Share of new registrations (%)", ticksuffix="%", rangemode="tozero")
    return fig
