"""Market-ranking figures: the score broken down by measure (stacked bars) and the score map.
Pure: DataFrame -> go.Figure, no Streamlit, no I/O. The map reuses `evdash.figures.maps.choropleth`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from evdash.figures.maps import choropleth
from evdash.figures.style import base_layout, empty_figure
from evdash.scoring import MEASURES
from evdash.theme import OKABE_ITO

FLAG = "⚑"


def score_breakdown(table: pd.DataFrame, names: Mapping[str, str], weights: Mapping[str, float]) -> go.Figure:
    """One horizontal stacked bar per ranked market: each measure's contribution to the 0–100 score.

    Input: `ScoreResult.table` (market_code, score, rank, flagged, missing, c_<measure>). Markets
    scored on incomplete data carry a ⚑ and their missing measures in the hover."""
    title = "Market attractiveness score, by measure (0–100)"
    if table.empty:
        return empty_figure(title, "No market could be scored with these weights")
    rows = table.sort_values("rank", ascending=False)
    labels = [
        f"{int(r)}. {names.get(c, c)}{' ' + FLAG if f else ''}"
        for r, c, f in zip(rows["rank"], rows["market_code"], rows["flagged"], strict=True)
    ]
    fig = go.Figure()
    for i, measure in enumerate(MEASURES):
        if weights.get(measure.key, 0) <= 0:
            continue
        fig.add_trace(
            go.Bar(
                x=rows[f"c_{measure.key}"],
                y=labels,
                orientation="h",
                name=f"{measure.label} (w {weights[measure.key]:g})",
                marker={"color": OKABE_ITO[i % len(OKABE_ITO)]},
                customdata=list(zip(rows["score"], rows["missing"].replace("", "none"), strict=True)),
                hovertemplate="%{y}<br>"
                + measure.label
                + ": %{x:.1f} points<br>score %{customdata[0]:.1f}<br>"
                "missing: %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            title,
            barmode="stack",
            height=max(420, 24 * len(rows) + 240),
            # Legend at the bottom of the figure (container coordinates): it can wrap on a phone
            # without running into the title.
            margin={"l": 10, "r": 10, "t": 50, "b": 140},
            legend={
                "orientation": "h",
                "yref": "container",
                "yanchor": "bottom",
                "y": 0.0,
                "x": 0,
                "traceorder": "normal",
            },
        )
    )
    # Short enough for a 375 px phone; the caption says the contributions add up to the score.
    fig.update_xaxes(title_text="Score points (of 100)", range=[0, 100])
    fig.update_yaxes(title_text=None, automargin=True)
    return fig


def score_map(
    table: pd.DataFrame,
    names: Mapping[str, str],
    region: str = "world",
    not_ranked: Sequence[str] = (),
    gaps: Mapping[str, str] | None = None,
) -> go.Figure:
    """The score on a world map; `not_ranked` markets are drawn grey ("No data"), never as 0. `gaps`: per
    market, what the model lacks there ("needs a right-hand-drive variant"), said in its hover label."""
    gaps = gaps or {}
    frame = pd.DataFrame(
        {
            "iso3": table["market_code"],
            "score": table["score"],
            "country": [names.get(c, c) for c in table["market_code"]],
            "label": [
                f"rank {int(r)} · score {s:.1f}"
                + (f" · {FLAG} missing: {m}" if f else "")
                + (f" · {gaps[c]}" if gaps.get(c) else "")
                for c, r, s, f, m in zip(
                    table["market_code"],
                    table["rank"],
                    table["score"],
                    table["flagged"],
                    table["missing"],
                    strict=True,
                )
            ],
            "period": "",
            "confidence": "",
            "source_url": "",
        }
    )
    if not_ranked:
        grey = pd.DataFrame(
            {
                "iso3": list(not_ranked),
                "score": float("nan"),
                "country": [names.get(c, c) for c in not_ranked],
                "label": ["not ranked" + (f" · {gaps[c]}" if gaps.get(c) else "") for c in not_ranked],
                "period": "",
                "confidence": "",
                "source_url": "",
            }
        )
        frame = pd.concat([frame, grey], ignore_index=True)
    return choropleth(
        frame,
        value_col="score",
        kind="sequential",
        title="Attractiveness score by market",
        unit="score (0–100)",
        region=region,
        label_col="label",
    )
