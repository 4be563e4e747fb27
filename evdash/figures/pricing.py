"""Pricing figures: price table chart, price history, landed-price waterfall, rival comparison.
Pure: DataFrame -> go.Figure, no Streamlit, no I/O."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash import columns
from evdash import labels as words
from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.text import plotly_cut
from evdash.theme import (
    CONFIDENCE_INSIDE_TEXT,
    CONFIDENCE_LABEL,
    CONFIDENCE_SHORT,
    CONFIDENCE_SYMBOL,
    MUTED_TEXT,
    NEUTRAL,
    OKABE_ITO,
    PEER_COLOUR,
    SELECTED_COLOUR,
    SERIES,
    TEXT_COLOUR,
    brand_colour,
    confidence_marker,
    inside_text_colour,
    wrap,
)

PRICE_COLUMN = columns.PRICES["price_converted"]  # a price converted to the chosen currency


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def price_bars(
    frame: pd.DataFrame, currency: str, fx_date_text: str, highlight: str | None = None
) -> go.Figure:
    """Latest price per variant × market converted to `currency`: one horizontal bar each.

    Input: `pricing.with_converted(latest_prices(...))` rows (brand_name, model_name, variant_name,
    market_code, currency, price, price_<cur>, confidence, price_type). One trace per confidence
    level (legend entries); estimates are dotted and lighter, 'over N' prices hatched. `highlight` (a
    brand name): that brand's bars are blue and the others grey, as wherever brands are coloured."""
    title = "Price by variant and market"
    subtitle = f"in {currency} as listed (incl. VAT except US) · FX {fx_date_text}"
    if highlight:
        subtitle += f" · blue: {plotly_cut(highlight, 20)}"
    column = f"price_{currency.lower()}"
    rows = frame.dropna(subset=[column]) if column in frame.columns else frame.iloc[0:0]
    if rows.empty:
        fig = empty_figure(title, "No prices for this selection")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    rows = rows.assign(label=_bar_labels(rows)).sort_values(column)
    fig = go.Figure()
    for confidence in ("reported", "lower_bound", "estimate"):
        part = rows[rows["confidence"] == confidence]
        if not part.empty:
            fig.add_trace(_price_trace(part, column, confidence, currency, highlight))
    fig.update_layout(
        **base_layout(title, barmode="overlay", bargap=0.25, margin={"l": 10, "r": 20, "t": 80, "b": 10})
    )
    fig.update_xaxes(
        title_text=PRICE_COLUMN.header(currency=currency),
        tickformat="~s",  # 20k, 40k: upright ticks on a phone; exact values on the bars and in the hover
        nticks=4,
        tickangle=0,
        range=[0, float(rows[column].max()) * 1.1],
    )
    fig.update_yaxes(title_text=None, automargin=True)
    phone_title(fig, title, subtitle, legend="above", plot_height=38 * len(rows) + 20)
    return fig


def _bar_labels(rows: pd.DataFrame) -> list[str]:
    """Each price bar's label in two lines, 'brand model' over 'variant · market': one line was cut at
    the left edge of a 375 px phone."""
    return [
        f"{plotly_cut(f'{b} {m}', 20)}<br>{plotly_cut(v, 14)} · {c}"
        for b, m, v, c in zip(
            rows["brand_name"], rows["model_name"], rows["variant_name"], rows["market_code"], strict=True
        )
    ]


def _price_trace(
    part: pd.DataFrame, column: str, confidence: str, currency: str, highlight: str | None
) -> go.Bar:
    """The bars of one confidence level (one legend entry): the price on the bar ('≥ ' before a lower
    bound), the local price, price type and date in the hover; the highlighted brand's bars blue."""
    prefix = "≥ " if confidence == "lower_bound" else ""
    colours = [brand_colour(b, highlight) if highlight else SELECTED_COLOUR for b in part["brand_name"]]
    return go.Bar(
        x=part[column],
        y=part["label"],
        orientation="h",
        name=CONFIDENCE_LABEL[confidence],
        marker=confidence_marker(colours, [confidence] * len(part)),
        text=[f"{prefix}{v:,.0f}" for v in part[column]],
        textposition="inside",  # outside labels ran off a 375 px phone
        insidetextanchor="start",
        insidetextfont={"color": [inside_text_colour(c, confidence) for c in colours], "size": 12},
        constraintext="none",
        customdata=list(
            zip(
                part["currency"],
                [f"{p:,.0f}" for p in part["price"]],
                [str(t).replace("_", " ") for t in part["price_type"]],
                [words.day(d, missing="") for d in part["effective_from"]],
                strict=True,
            )
        ),
        hovertemplate="%{y}<br>"
        + f"{prefix}{currency} "
        + "%{x:,.0f}<br>local: %{customdata[0]} %{customdata[1]}<br>"
        "%{customdata[2]} price from %{customdata[3]}<extra>" + CONFIDENCE_LABEL[confidence] + "</extra>",
    )


def price_history(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Every recorded price of the chosen variants over time (launch price, later changes), as
    steps in `currency`. One line per variant × market."""
    title = "Price history"
    subtitle = f"in {currency} at one FX rate · open marks: estimate or 'at least'"
    column = f"price_{currency.lower()}"
    rows = frame.dropna(subset=[column]) if column in frame.columns else frame.iloc[0:0]
    if rows.empty:
        fig = empty_figure(title, "No price history for this selection")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    fig = go.Figure()
    groups = rows.sort_values("effective_from").groupby(["variant_id", "market_code"], sort=True)
    for i, ((_, market), part) in enumerate(groups):
        name = plotly_cut(f"{part['model_name'].iloc[0]} {part['variant_name'].iloc[0]}", 24) + f" · {market}"
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(part["effective_from"]),
                y=part[column],
                mode="lines+markers",
                # More lines than colours: the second round is dotted, so no two lines look alike.
                line={
                    "shape": "hv",
                    "color": SERIES[i % len(SERIES)],
                    "dash": "solid" if i < len(SERIES) else "dot",
                },
                marker={
                    "symbol": [CONFIDENCE_SYMBOL.get(str(c), "circle") for c in part["confidence"]],
                    "size": 9,
                },
                name=name,
                customdata=list(
                    zip(
                        [str(t).replace("_", " ") for t in part["price_type"]],
                        [CONFIDENCE_LABEL.get(str(c), str(c)).lower() for c in part["confidence"]],
                        part["source_id"],
                        strict=True,
                    )
                ),
                hovertemplate=f"{name}<br>%{{x|%-d %b %Y}}: {currency} %{{y:,.0f}}<br>"
                "%{customdata[0]} price · %{customdata[1]}<br>source: %{customdata[2]}<extra></extra>",
            )
        )
    fig.update_layout(**base_layout(title))
    fig.update_xaxes(title_text="Effective from", tickformat="%Y", dtick="M12", tickangle=0)
    fig.update_yaxes(title_text=PRICE_COLUMN.header(currency=currency), tickformat="~s")
    # One entry per variant and market: too many rows for above the plot. The caption under the chart
    # says what a step means.
    phone_title(fig, title, subtitle, legend="below", plot_height=260)
    return fig


LABEL_LINE_CHARS = 26  # a step label's line: the labels may take ~45 % of a 343 px phone chart


def short_label(short: str) -> str:
    """A step's chart name (`Step.short`, lines split by "\\n": 'Extra duty 20.7%\\n(Other cooperating
    makers)') as an axis label: any line still longer than a phone allows is broken at its spaces (a duty
    class in words, a scheme's name). The full label stays in the hover and the steps table."""
    return "<br>".join(
        "<br>".join(wrap(line, LABEL_LINE_CHARS)) if len(line) > LABEL_LINE_CHARS else line
        for line in short.split("\n")
    )


def landed_waterfall(steps: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """The landed-price build-up as a waterfall, one step a row from the top down (a step's label on the
    left, its amount at the bar's end): on a phone nine columns left ~6 px labels turned on their side.
    Input: `LandedPrice.frame()` (label, kind, amount, running_total, currency, source; short and
    short_detail: the two lines of the step's chart name). Subtotals are grey, increases orange,
    decreases blue. The subtitle carries the car and market, so the title stays short enough for a phone."""
    if steps.empty:
        fig = empty_figure(title, "No estimate")
        phone_title(fig, title, subtitle, legend="none")
        return fig
    currency = str(steps["currency"].iloc[0])
    measure = [
        "absolute" if k == "absolute" else "total" if k == "total" else "relative" for k in steps["kind"]
    ]
    text = [
        f"{v:+,.0f}" if k == "relative" else f"{v:,.0f}"
        for v, k in zip(steps["amount"], steps["kind"], strict=True)
    ]
    # Each step's chart name (`short`, written with its label from the same facts), else its label.
    shorts = steps["short"] if "short" in steps.columns else steps["label"]
    details = steps["short_detail"] if "short_detail" in steps.columns else [""] * len(steps)
    labels = [
        short_label("\n".join(x for x in (short, detail) if isinstance(x, str) and x) or str(label))
        for short, detail, label in zip(shorts, details, steps["label"], strict=True)
    ]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=[0 if k == "total" else v for v, k in zip(steps["amount"], steps["kind"], strict=True)],
            measure=measure,
            text=text,
            textposition="outside",
            textfont={"color": TEXT_COLOUR, "size": 12},
            constraintext="none",
            cliponaxis=False,
            increasing={"marker": {"color": OKABE_ITO[1]}},
            decreasing={"marker": {"color": OKABE_ITO[0]}},
            totals={"marker": {"color": NEUTRAL}},
            connector={"line": {"color": "#BBBBBB", "dash": "dot"}},
            customdata=list(
                zip(steps["label"], steps["source"].fillna(""), steps["as_of"].fillna(""), strict=True)
            ),
            hovertemplate="%{customdata[0]}<br>"
            + currency
            + " %{x:,.0f}<br>source: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            name="Landed price steps",
            showlegend=False,
        )
    )
    top = float(steps["running_total"].max())
    fig.update_layout(**base_layout(title, margin={"l": 10, "r": 10, "t": 60, "b": 10}))
    fig.update_xaxes(title_text=currency, tickformat="~s", range=[0, top * 1.3], nticks=4, tickangle=0)
    fig.update_yaxes(title_text=None, automargin=True, autorange="reversed", type="category")
    # Each step's row as tall as its label's lines (13 px text, 17 px a line) and a gap: at 36 px a row,
    # two-line labels ran into the next step's on both a phone and a wide screen.
    lines = [label.count("<br>") + 1 for label in labels]
    phone_title(fig, title, subtitle, legend="none", plot_height=sum(17 * n + 14 for n in lines))
    return fig


def rival_comparison(estimate: float, estimate_label: str, rivals: pd.DataFrame, currency: str) -> go.Figure:
    """The landed estimate beside comparable models' local prices (converted to `currency`): the
    estimate in blue (the car the reader chose, dotted: an estimate), rivals grey with their
    confidence's pattern. Each bar holds its price; the gap (estimate − rival, in %) follows a rival's
    bar, the gap in money is in the hover: two lines of text inside a bar were ~6 px on a phone."""
    title = "Estimate vs local rivals"
    subtitle = f"in {currency} incl. VAT · % = gap, estimate − rival"
    column = f"price_{currency.lower()}"
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[estimate],
            y=[plotly_cut(estimate_label, 24)],
            orientation="h",
            name="Our landed estimate",
            marker=confidence_marker(SELECTED_COLOUR, "estimate"),
            text=[f"{estimate:,.0f}"],
            textposition="inside",
            insidetextanchor="start",
            insidetextfont={"color": inside_text_colour(SELECTED_COLOUR, "estimate"), "size": 12},
            constraintext="none",
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
            font={"color": MUTED_TEXT},
        )
    for confidence in ("reported", "lower_bound", "estimate"):
        part = rows[rows["confidence"] == confidence].sort_values(column)
        if not part.empty:
            fig.add_traces(_rival_traces(part, column, confidence, estimate, currency))
    fig.update_layout(
        **base_layout(title, barmode="overlay", bargap=0.3, margin={"l": 10, "r": 10, "t": 80, "b": 10})
    )
    fig.update_xaxes(
        title_text=f"Price ({currency}, incl. VAT)",
        tickformat="~s",
        nticks=4,
        tickangle=0,
        range=[0, max([estimate, *rows[column]]) * 1.35],
    )
    fig.update_yaxes(title_text=None, automargin=True)
    phone_title(fig, title, subtitle, legend="above", plot_height=36 * (len(rows) + 1) + 10)
    return fig


def _rival_traces(
    part: pd.DataFrame, column: str, confidence: str, estimate: float, currency: str
) -> list[go.Bar | go.Scatter]:
    """The rivals of one confidence level: grey bars in that confidence's pattern, each holding its price
    (the gap in money in the hover), and the gap in % (estimate − rival) as text after each bar."""
    gaps = [estimate - v for v in part[column]]
    labels = [
        plotly_cut(f"{b} {m} {v}", 24)
        for b, m, v in zip(part["brand_name"], part["model_name"], part["variant_name"], strict=True)
    ]
    bars = go.Bar(
        x=part[column],
        y=labels,
        orientation="h",
        name=f"Rival, {CONFIDENCE_SHORT[confidence]}",
        marker=confidence_marker(PEER_COLOUR, confidence),
        text=[f"{v:,.0f}" for v in part[column]],
        textposition="inside",  # outside labels ran off a 375 px phone
        insidetextanchor="start",
        insidetextfont={"color": CONFIDENCE_INSIDE_TEXT[confidence], "size": 12},
        constraintext="none",
        customdata=[f"{g:+,.0f} ({100 * g / v:+.1f}%)" for v, g in zip(part[column], gaps, strict=True)],
        hovertemplate="%{y}<br>" + currency + " %{x:,.0f}<br>gap %{customdata}<extra></extra>",
    )
    gap_text = go.Scatter(
        x=list(part[column]),
        y=labels,
        mode="text",
        text=[f"{100 * g / v:+.1f}%" for v, g in zip(part[column], gaps, strict=True)],
        textposition="middle right",
        textfont={"color": TEXT_COLOUR, "size": 12},
        cliponaxis=False,
        showlegend=False,
        hoverinfo="skip",
        name="Gap",
    )
    return [bars, gap_text]
