"""The back-test figure (docs/backtest.md): the ranking's rank of each country a brand launched in, against
the order in which the brand actually entered them. Pure: DataFrame -> go.Figure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evdash.figures.style import base_layout, empty_figure
from evdash.theme import SERIES


def _rho(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):+.2f}"


def rank_vs_entry(table: pd.DataFrame, rho: Mapping[str, object], pooled: object, markets: int) -> go.Figure:
    """One panel per brand, one dot per launch: x = the brand's actual entry order (1 = its first European
    country; launches that cannot be told apart share the mid-rank), y = the rank the ranking gave that
    country before the brand's first launch (1 = top, at the top), one colour per brand (Okabe–Ito), ρ per
    brand in its panel's title and pooled in the subtitle. Input: `backtest.Backtest.table` (brand_name,
    brand_id, market_code, entry_order, model_rank, ranked_of)."""
    title = "Ranking before launch vs actual entry order"
    part = table[table["model_rank"].notna() & table["entry_order"].notna()] if not table.empty else table
    if part.empty:
        return empty_figure(title, "No launch could be ranked")
    brands = list(part.groupby("brand_id", sort=True))
    cols = min(4, len(brands))
    rows_n = -(-len(brands) // cols)
    titles = [
        f"{rows['brand_name'].iloc[0]}: ρ {_rho(rho.get(str(brand)))}, n = {len(rows)}"
        for brand, rows in brands
    ]
    fig = make_subplots(
        rows=rows_n,
        cols=cols,
        shared_yaxes=True,
        subplot_titles=titles,
        horizontal_spacing=0.04,
        vertical_spacing=0.16,
    )
    lowest = float(part["model_rank"].max())
    ranked_of = sorted({int(n) for n in part["ranked_of"]})
    of = f"{ranked_of[0]}" if len(ranked_of) == 1 else f"{ranked_of[0]}–{ranked_of[-1]}"
    for i, (_, rows) in enumerate(brands):
        _brand_panel(fig, rows, SERIES[i % len(SERIES)], i // cols + 1, i % cols + 1)
    fig.update_layout(
        **base_layout(
            f"{title}<br><sup>Spearman ρ pooled over {len(part)} launches of {len(brands)} brands: "
            f"{_rho(pooled)} "
            "(+1 = the ranking's order is the order the brand entered)<br>Ranked on IEA figures for years "
            f"before each brand's first European launch; rank among {of} of the {markets} European markets "
            "compared</sup>",
            margin={"l": 70, "r": 20, "t": 115, "b": 60},
        )
    )
    fig.update_yaxes(range=[lowest + 1.5, 0.2], dtick=5)
    fig.update_yaxes(title_text="Model rank (1 = top)", col=1)
    fig.update_xaxes(title_text="Entry order (1 = first)", row=rows_n)
    fig.update_annotations(font={"size": 12})
    return fig


def _brand_panel(fig: go.Figure, rows: pd.DataFrame, colour: str, r: int, c: int) -> None:
    """One brand's panel (row `r`, column `c`): a dot per launch labelled with its market, entry order
    against the rank the ranking gave it, the x axis one step per launch."""
    name = str(rows["brand_name"].iloc[0])
    fig.add_trace(
        go.Scatter(
            x=rows["entry_order"],
            y=rows["model_rank"],
            mode="markers+text",
            name=name,
            showlegend=False,
            text=rows["market_code"],
            textposition="middle right",
            textfont={"size": 10, "color": colour},
            marker={"size": 9, "color": colour, "line": {"width": 1, "color": "white"}},
            hovertemplate="%{text}: entry order %{x}, model rank %{y}<extra>" + name + "</extra>",
        ),
        row=r,
        col=c,
    )
    fig.update_xaxes(range=[0.3, float(rows["entry_order"].max()) + 1.2], dtick=1, row=r, col=c)
