"""What is known about SUV share: every published figure, one trace per definition (two definitions are never
one series). Pure: DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from evdash.suv import share_text
from evdash.text import plotly_text
from evdash.theme import OKABE_ITO, base_layout, empty_figure, phone_title

SYMBOL_BY_BREADTH = {"broad": "circle", "narrow": "square", "wider": "x"}


def suv_share_known(known: pd.DataFrame) -> go.Figure:
    """Dots per market: SUV share of all new cars, one legend entry per definition (circle = broad
    definition, square = narrow national segment, cross = wider than SUVs, e.g. light trucks). Full-year
    figures are filled; part-of-year and single-month figures are hollow and their period is in the label
    ("Jan–Sep 2023", "Jan 2024"). Input: queries/market_mix_suv_known.sql."""
    title = "SUV share of new cars: every published figure"
    part = known[known["measure"] == "new_cars"]
    if part.empty:
        return empty_figure(title, "No SUV-share figures in the data")
    order = (
        part.groupby("market_name")["value_pct"].max().sort_values(ascending=True).index.tolist()
    )  # largest at the top
    fig = go.Figure()
    for i, (definition, rows) in enumerate(part.groupby("definition_label", sort=True)):
        breadth = str(rows["breadth"].iloc[0])
        full = rows["period_scope"] == "full_year"
        text = [
            f"{share_text(float(v), q)} {p}"
            for v, q, p in zip(rows["value_pct"], rows["qualifier"], rows["period_label"], strict=True)
        ]
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        fig.add_scatter(
            x=rows["value_pct"],
            y=[plotly_text(n) for n in rows["market_name"]],
            mode="markers",
            name=plotly_text(f"{definition} ({breadth})"),
            marker={
                "symbol": [SYMBOL_BY_BREADTH.get(breadth, "circle") + ("" if f else "-open") for f in full],
                "size": 11,
                "color": colour,
                "line": {"color": colour, "width": 2},
            },
            customdata=list(
                zip(
                    [plotly_text(t) for t in text],
                    [plotly_text(d) for d in rows["definition_label"]],
                    [plotly_text(u) for u in rows["source_url"]],
                    strict=True,
                )
            ),
            hovertemplate="%{y}: %{customdata[0]}<br>%{customdata[1]}<br>source: %{customdata[2]}"
            "<extra></extra>",
        )
    fig.update_layout(**base_layout(title, height=140 + 34 * len(order)))
    phone_title(fig, title, "each definition its own series · hollow = part of a year or one month", False)
    fig.update_xaxes(title_text="% of new cars", range=[0, 100], ticksuffix="%")
    fig.update_yaxes(
        type="category", categoryorder="array", categoryarray=[plotly_text(n) for n in order], title_text=""
    )
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    return fig
