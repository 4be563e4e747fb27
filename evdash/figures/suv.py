"""What is known about SUV share: every published figure, each definition its own series on its own row
(two definitions are never one series). Pure: DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.suv import share_text
from evdash.text import plotly_cut, plotly_text, short_name
from evdash.theme import OKABE_ITO

BREADTH_STYLE = {
    "broad": ("circle", OKABE_ITO[0], "broad definition (SUVs incl. crossovers, off-roaders)"),
    "narrow": ("square", OKABE_ITO[5], "narrow national segment"),
    "wider": ("x", OKABE_ITO[7], "wider than SUVs (e.g. light trucks)"),
}


def row_label(market: str, definition: str) -> str:
    """'Germany · KBA segment'; a group's long name is cut at its colon ('Europe: EU27 …' -> 'Europe')."""
    return f"{market.split(':')[0]} · {definition}"


def axis_label(market: str, definition: str) -> str:
    """A row's label on the axis, two short lines a phone has room for ('United Kingdom<br>Dataforce
    SUV/crossover'): the market over its definition, each cut to a phone's width (the whole label is in
    the hover). On one line, 'United Kingdom · Dataforce SUV/crossover (broad)' took two thirds of a
    375 px screen and left the dots a strip."""
    return f"{short_name(market.split(':')[0], 16)}<br>{short_name(definition, 20)}"


def suv_share_known(known: pd.DataFrame) -> go.Figure:
    """Dots of SUV share of all new cars: one row and one trace per market × definition (a definition is
    never joined to another), coloured and shaped by the definition's breadth (the legend explains the
    three). Full-year figures are filled; part-of-year and single-month figures are hollow, with their
    period in the label ("Jan–Sep 2023", "Jan 2024"). Input: queries/market_mix_suv_known.sql."""
    title = "SUV share of new cars: every published figure"
    part = known[known["measure"] == "new_cars"]
    if part.empty:
        return empty_figure(title, "No SUV-share figures in the data")
    part = part.assign(
        _row=[row_label(m, d) for m, d in zip(part["market_name"], part["definition_label"], strict=True)],
        _axis=[axis_label(m, d) for m, d in zip(part["market_name"], part["definition_label"], strict=True)],
    )
    axis_of = dict(zip(part["_row"], part["_axis"], strict=True))
    if len(set(axis_of.values())) < len(axis_of):  # two definitions cut to one label: keep them whole
        axis_of = {row: plotly_text(row).replace(" · ", "<br>", 1) for row in axis_of}
    # Markets by their highest figure (highest at the top), a market's definitions together.
    market_order = part.groupby("market_name")["value_pct"].max().sort_values().index.tolist()
    rows = [
        r
        for m in market_order
        for r in part[part["market_name"] == m].sort_values("value_pct")["_row"].drop_duplicates()
    ]
    fig = go.Figure()
    for (row, breadth), points in part.groupby(["_row", "breadth"], sort=False):
        _row_dots(fig, str(row), str(breadth), points, axis_of[str(row)])
    _breadth_key(fig, part)
    fig.update_layout(**base_layout(title))
    # Room right of 100% for a dot's label ("54.4% Jan–Sep 2023" ran off a phone's edge at 0–100).
    fig.update_xaxes(
        title_text="% of new cars", range=[0, 140], tickvals=[0, 25, 50, 75, 100], ticksuffix="%", tickangle=0
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=[axis_of[r] for r in rows],
        title_text="",
        automargin=True,
        tickfont={"size": 11},
    )
    # Two lines a row (market over definition): 34 px each keeps them apart.
    phone_title(
        fig,
        title,
        "filled = full year · hollow = part of a year or one month",
        legend="above",
        plot_height=34 * len(rows),
    )
    return fig


def _row_dots(fig: go.Figure, row: str, breadth: str, points: pd.DataFrame, axis_label: str) -> None:
    """One row's dots (a market × definition), shaped and coloured by the definition's breadth: filled for
    a full year, hollow for part of a year or a month; only the row's headline figure is labelled."""
    symbol, colour, _ = BREADTH_STYLE.get(breadth, BREADTH_STYLE["broad"])
    full = points["period_scope"] == "full_year"
    text = [
        f"{share_text(float(v), q)} {p}"
        for v, q, p in zip(points["value_pct"], points["qualifier"], points["period_label"], strict=True)
    ]
    # Only the row's headline figure (full year, else the latest part of a year) is labelled on the
    # chart; single months and older figures are in the hover and the table below.
    ordered = points.assign(_full=full.astype(int)).sort_values(["_full", "year"], ascending=False)
    labelled = ordered.index[0] if str(ordered["period_scope"].iloc[0]) != "month" else None
    fig.add_scatter(
        x=points["value_pct"],
        y=[axis_label] * len(points),
        mode="markers+text",
        name=plotly_text(row),
        showlegend=False,
        # cut to what fits right of the dot on a phone; the whole text is in the hover
        text=[plotly_cut(t, 18) if i == labelled else "" for i, t in zip(points.index, text, strict=True)],
        hovertext=[plotly_text(t) for t in text],
        textposition="middle right",
        textfont={"size": 11},
        marker={
            "symbol": [symbol + ("" if f else "-open") for f in full] if symbol != "x" else symbol,
            "size": 10,
            "color": colour,
            "line": {"color": colour, "width": 2},
        },
        customdata=[[plotly_text(row), plotly_text(u)] for u in points["source_url"]],
        hovertemplate="%{customdata[0]}: %{hovertext}<br>source: %{customdata[1]}<extra></extra>",
    )


def _breadth_key(fig: go.Figure, part: pd.DataFrame) -> None:
    """Legend entries (empty traces) explaining each breadth's symbol and colour that the chart uses."""
    for breadth, (symbol, colour, label) in BREADTH_STYLE.items():
        if (part["breadth"] == breadth).any():
            fig.add_scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label,
                marker={"symbol": symbol, "color": colour, "size": 10},
            )
