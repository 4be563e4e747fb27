"""Pricing figures: price table chart, price history, landed-price waterfall, rival comparison.
Pure: DataFrame -> go.Figure, no Streamlit, no I/O."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from evdash.theme import (
    CONFIDENCE_INSIDE_TEXT,
    CONFIDENCE_LABEL,
    CONFIDENCE_OPACITY,
    CONFIDENCE_PATTERN,
    NEUTRAL,
    OKABE_ITO,
    base_layout,
    empty_figure,
    phone_title,
)


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def price_bars(frame: pd.DataFrame, currency: str, fx_date_text: str) -> go.Figure:
    """Latest price per variant × market converted to `currency`: one horizontal bar each.

    Input: `pricing.with_converted(latest_prices(...))` rows (brand_name, model_name, variant_name,
    market_code, currency, price, price_<cur>, confidence, price_type). One trace per confidence
    level (legend entries); estimates are dotted and lighter, 'over N' prices hatched."""
    title = f"Price by variant and market, in {currency} (FX {fx_date_text})"
    column = f"price_{currency.lower()}"
    rows = frame.dropna(subset=[column]) if column in frame.columns else frame.iloc[0:0]
    if rows.empty:
        return empty_figure(title, "No prices for this selection")
    rows = rows.assign(  # two lines per bar: one line was cut at the left edge of a 375 px phone
        label=rows["brand_name"]
        + " "
        + rows["model_name"]
        + "<br>"
        + rows["variant_name"]
        + " · "
        + rows["market_code"]
    ).sort_values(column)
    fig = go.Figure()
    for confidence in ("reported", "lower_bound", "estimate"):
        part = rows[rows["confidence"] == confidence]
        if part.empty:
            continue
        prefix = "≥ " if confidence == "lower_bound" else ""
        fig.add_trace(
            go.Bar(
                x=part[column],
                y=part["label"],
                orientation="h",
                name=CONFIDENCE_LABEL[confidence],
                marker={
                    "color": OKABE_ITO[0],
                    "opacity": CONFIDENCE_OPACITY[confidence],
                    "pattern": {"shape": CONFIDENCE_PATTERN[confidence]},
                },
                text=[f"{prefix}{v:,.0f}" for v in part[column]],
                textposition="inside",  # outside labels ran off a 375 px phone
                insidetextanchor="start",
                insidetextfont={"color": CONFIDENCE_INSIDE_TEXT[confidence]},
                customdata=list(
                    zip(
                        part["currency"],
                        [f"{p:,.0f}" for p in part["price"]],
                        part["price_type"],
                        part["effective_from"].astype(str),
                        strict=True,
                    )
                ),
                hovertemplate="%{y}<br>"
                + f"{prefix}{currency} "
                + "%{x:,.0f}<br>local: %{customdata[0]} %{customdata[1]}<br>"
                "%{customdata[2]} price from %{customdata[3]}<extra>"
                + CONFIDENCE_LABEL[confidence]
                + "</extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            title,
            height=max(320, 38 * len(rows) + 170),
            barmode="overlay",
            margin={"l": 10, "r": 60, "t": 80, "b": 10},
        )
    )
    phone_title(
        fig,
        "Price by variant and market",
        f"in {currency} as listed (incl. VAT except US), FX {fx_date_text}",
    )
    fig.update_xaxes(
        title_text=f"Price ({currency})",
        tickformat="~s",  # 20k, 40k: upright ticks on a phone; exact values on the bars and in the hover
        nticks=3,
        tickangle=0,
        range=[0, float(rows[column].max()) * 1.15],
    )
    fig.update_yaxes(title_text=None, automargin=True)
    return fig


def price_history(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Every recorded price of the chosen variants over time (launch price, later changes), as
    steps in `currency`. One line per variant × market."""
    title = f"Price history, in {currency} at one FX rate (changes show price moves, not FX)"
    column = f"price_{currency.lower()}"
    rows = frame.dropna(subset=[column]) if column in frame.columns else frame.iloc[0:0]
    if rows.empty:
        return empty_figure(title, "No price history for this selection")
    fig = go.Figure()
    groups = rows.sort_values("effective_from").groupby(["variant_id", "market_code"], sort=True)
    for i, ((_, market), part) in enumerate(groups):
        name = f"{part['model_name'].iloc[0]} {part['variant_name'].iloc[0]} · {market}"
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(part["effective_from"]),
                y=part[column],
                mode="lines+markers",
                line={"shape": "hv", "color": OKABE_ITO[i % len(OKABE_ITO)]},
                marker={
                    "symbol": ["circle" if c == "reported" else "circle-open" for c in part["confidence"]],
                    "size": 9,
                },
                name=name,
                customdata=list(zip(part["price_type"], part["confidence"], part["source_id"], strict=True)),
                hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: {currency} %{{y:,.0f}}<br>"
                "%{customdata[0]} · %{customdata[1]}<br>source: %{customdata[2]}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            title,
            height=460,
            margin={"l": 10, "r": 10, "t": 50, "b": 10},
            legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        )
    )
    phone_title(
        fig,
        "Price history",
        f"in {currency} at one FX rate",  # the caption under the chart says what a step means
        legend_above=False,  # one entry per variant and market: too many rows for above the plot
    )
    fig.update_xaxes(title_text="Effective from")
    fig.update_yaxes(title_text=f"Price ({currency})", tickformat=",")
    return fig


_SHORT = (
    (r"Origin sticker price \((.+)\)", r"Home price<br>\1"),
    (r"Less origin VAT (.+?) .*", r"− home VAT<br>\1"),
    (r"Ex-factory price at FX (\S+) .*", r"Ex-factory<br>FX \1"),
    (r"Freight & logistics", "Freight"),
    (r"CIF value .*", "CIF value"),
    (r"Base import duty (\S+) .*", r"Base duty<br>\1"),
    (r"Additional duty \(fixed fee\).*", "Fixed fee"),
    (r"Additional duty (\S+) \(class (.+)\)", r"Extra duty \1<br>\2"),
    (r"Additional duty (\S+) .*", r"Extra duty<br>\1"),
    (r"Import duties \((.+)\)", r"Duties<br>\1"),
    (r"Import VAT (.+)", r"VAT<br>\1"),
    (r"VAT / GST .*", "VAT<br>no rate"),
    (r"Estimated sticker price", "Estimated<br>sticker price"),
)


def short_label(label: str) -> str:
    """A two-line axis label for a landed-price step ('Additional duty 20.7% (class X)' →
    'Extra duty 20.7%<br>X'); the full label stays in the hover and the steps table."""
    for pattern, replacement in _SHORT:
        if re.fullmatch(pattern, label):
            return re.sub(pattern, replacement, label)
    return label


def landed_waterfall(steps: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """The landed-price build-up as a waterfall. Input: `LandedPrice.frame()` (label, kind, amount,
    running_total, currency, source). Subtotals are grey, increases orange, decreases blue. The
    subtitle carries the car and market, so the title stays short enough for a phone."""
    if steps.empty:
        return empty_figure(title, "No estimate")
    currency = str(steps["currency"].iloc[0])
    measure = [
        "absolute" if k == "absolute" else "total" if k == "total" else "relative" for k in steps["kind"]
    ]
    text = [
        f"{v:+,.0f}" if k == "relative" else f"{v:,.0f}"
        for v, k in zip(steps["amount"], steps["kind"], strict=True)
    ]
    fig = go.Figure(
        go.Waterfall(
            x=[short_label(str(label)) for label in steps["label"]],
            y=[0 if k == "total" else v for v, k in zip(steps["amount"], steps["kind"], strict=True)],
            measure=measure,
            text=text,
            textposition="outside",
            increasing={"marker": {"color": OKABE_ITO[1]}},
            decreasing={"marker": {"color": OKABE_ITO[0]}},
            totals={"marker": {"color": NEUTRAL}},
            connector={"line": {"color": "#BBBBBB", "dash": "dot"}},
            customdata=list(
                zip(steps["label"], steps["source"].fillna(""), steps["as_of"].fillna(""), strict=True)
            ),
            hovertemplate="%{customdata[0]}<br>"
            + currency
            + " %{y:,.0f}<br>source: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            name="Landed price steps",
            showlegend=False,
        )
    )
    top = float(steps["running_total"].max())
    fig.update_layout(**base_layout(title, height=480, margin={"l": 10, "r": 10, "t": 60, "b": 10}))
    if subtitle:
        phone_title(fig, title, subtitle, legend_above=False)
    fig.update_yaxes(title_text=f"{currency}", tickformat=",", range=[0, top * 1.15])
    fig.update_xaxes(title_text=None, automargin=True)
    return fig


def rival_comparison(estimate: float, estimate_label: str, rivals: pd.DataFrame, currency: str) -> go.Figure:
    """The landed estimate beside comparable models' local prices (converted to `currency`), each
    rival labelled with the gap (estimate − rival) in money and %. Estimate bars are dotted."""
    title = f"Estimate vs local rivals, in {currency}"
    column = f"price_{currency.lower()}"
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[estimate],
            y=[estimate_label],
            orientation="h",
            name="Our landed estimate",
            marker={
                "color": OKABE_ITO[1],
                "opacity": CONFIDENCE_OPACITY["estimate"],
                "pattern": {"shape": "."},
            },
            text=[f"{estimate:,.0f}"],
            textposition="outside",
            hovertemplate=f"%{{y}}<br>{currency} %{{x:,.0f}} (estimate)<extra></extra>",
        )
    )
    rows = rivals.dropna(subset=[column]) if column in rivals.columns else rivals.iloc[0:0]
    if rows.empty:
        fig.add_annotation(
            text="No comparable model has a price in this market in the data",
            showarrow=False,
            x=0.5,
            y=0.1,
            xref="paper",
            yref="paper",
            font={"color": NEUTRAL},
        )
    for confidence in ("reported", "lower_bound", "estimate"):
        part = rows[rows["confidence"] == confidence].sort_values(column)
        if part.empty:
            continue
        gaps = [estimate - v for v in part[column]]
        fig.add_trace(
            go.Bar(
                x=part[column],
                y=part["brand_name"] + " " + part["model_name"] + " " + part["variant_name"],
                orientation="h",
                name=f"Rival price: {CONFIDENCE_LABEL[confidence].lower()}",
                marker={
                    "color": OKABE_ITO[0],
                    "opacity": CONFIDENCE_OPACITY[confidence],
                    "pattern": {"shape": CONFIDENCE_PATTERN[confidence]},
                },
                text=[
                    f"{v:,.0f}<br>gap {g:+,.0f} ({100 * g / v:+.1f}%)"
                    for v, g in zip(part[column], gaps, strict=True)
                ],
                textposition="inside",  # outside labels ran off a 375 px phone
                insidetextanchor="start",
                insidetextfont={"color": CONFIDENCE_INSIDE_TEXT[confidence]},
                hovertemplate="%{y}<br>" + currency + " %{x:,.0f}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            title,
            height=max(260, 54 * (len(rows) + 1) + 190),  # room for two lines of text inside a bar
            barmode="overlay",
            margin={"l": 10, "r": 10, "t": 80, "b": 10},
        )
    )
    phone_title(fig, "Estimate vs local rivals", f"in {currency} incl. VAT; gap = estimate − rival")
    fig.update_xaxes(
        title_text=f"Price ({currency}, incl. VAT)",
        tickformat="~s",
        range=[0, max([estimate, *rows[column]]) * 1.45],
    )
    fig.update_yaxes(title_text=None, automargin=True)
    return fig
