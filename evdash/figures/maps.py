"""World choropleth maps that draw offline. Pure: DataFrame -> go.Figure, no Streamlit, no I/O.

plotly.js fetches country shapes (`world_110m.json`) for every geo trace; evdash serves that file itself
from `static/topojson/`. Pass the config from `map_config(base_url_path)` to `st.plotly_chart`, or the
map is blank without internet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go

from evdash.regions import REGION_VIEW
from evdash.theme import NO_DATA, OKABE_ITO, base_layout, empty_figure

# Sequential scale for quantities: one hue, light = low, dark = high (readable with any colour vision).
SEQUENTIAL_SCALE = "Blues"
# Diverging scale for signed changes (growth): purple-orange, centred on 0 (colour-blind safe).
DIVERGING_SCALE = "PuOr"
NO_DATA_LABEL = "No data"
SELECTED_OUTLINE = "#000000"


def map_config(base_url_path: str = "") -> dict[str, Any]:
    """`st.plotly_chart(config=...)` for an offline map. `base_url_path` is Streamlit's
    `server.baseUrlPath` ('' or e.g. 'evdash'), so the file is found behind a reverse-proxy path too."""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return {"topojsonURL": f"{prefix}/app/static/topojson/", "displayModeBar": False, "scrollZoom": False}


def _hover(frame: pd.DataFrame, label_col: str | None) -> tuple[list[list[str]], str]:
    def col(name: str | None) -> list[str]:
        if name is None or name not in frame.columns:
            return [""] * len(frame)
        return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in frame[name]]

    custom = [
        list(row)
        for row in zip(
            col("country"), col(label_col), col("period"), col("confidence"), col("source_url"), strict=True
        )
    ]
    template = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<br>"
        "confidence: %{customdata[3]}<br>source: %{customdata[4]}<extra></extra>"
    )
    return custom, template


def choropleth(
    frame: pd.DataFrame,
    *,
    value_col: str,
    kind: Literal["sequential", "categorical"],
    title: str,
    unit: str,
    region: str = "world",
    label_col: str | None = None,
    categories: Mapping[str, str] | None = None,
    diverging: bool = False,
    selected: str | None = None,
    location_col: str = "iso3",
) -> go.Figure:
    """A world choropleth of `frame`, one row per country.

    Input columns: `location_col` (ISO 3166-1 alpha-3), `value_col` (numbers for kind="sequential",
    category codes for kind="categorical"), optional `country`, `period`, `confidence`, `source_url` and
    `label_col` (display text) for the hover.
    * sequential: one trace with a single-hue colour scale starting at 0 (`diverging=True`: a
      purple–orange scale centred on 0) and a colour bar titled with `unit`.
    * categorical: one trace per category, in the order of `categories` (code -> legend label), coloured
      from the Okabe–Ito palette; legend entries name each category.
    * rows whose value is missing are drawn grey in a "No data" trace (listed in the legend), never as 0.
    * `region` ('world', 'europe', 'asia_pacific', 'americas', 'middle_east_africa') sets the viewport.
    * `selected` (ISO-3) is outlined in black.
    An empty frame gives an empty figure that says so.
    """
    if frame.empty:
        return empty_figure(title, "No countries to show")
    fig = go.Figure()
    missing = frame[value_col].isna()
    custom, template = _hover(frame, label_col)
    no_data = frame[missing]
    if not no_data.empty:
        fig.add_trace(
            go.Choropleth(
                locations=no_data[location_col],
                z=[0] * len(no_data),
                locationmode="ISO-3",
                colorscale=[[0, NO_DATA], [1, NO_DATA]],
                showscale=False,
                showlegend=True,
                name=NO_DATA_LABEL,
                marker={"line": {"color": "white", "width": 0.5}},
                customdata=[c for c, m in zip(custom, missing, strict=True) if m],
                hovertemplate=template.replace("%{customdata[1]}", NO_DATA_LABEL),
            )
        )
    present = frame[~missing]
    present_custom = [c for c, m in zip(custom, missing, strict=True) if not m]
    if kind == "categorical":
        order: Sequence[str] = list(categories) if categories else sorted(present[value_col].unique())
        labels = dict(categories or {})
        for i, code in enumerate(order):
            rows = (present[value_col] == code).to_numpy()
            if not rows.any():
                continue
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            fig.add_trace(
                go.Choropleth(
                    locations=present[location_col][rows],
                    z=[i] * int(rows.sum()),
                    locationmode="ISO-3",
                    colorscale=[[0, colour], [1, colour]],
                    showscale=False,
                    showlegend=True,
                    name=labels.get(code, code),
                    legendgroup=code,
                    marker={"line": {"color": "white", "width": 0.5}},
                    customdata=[c for c, r in zip(present_custom, rows, strict=True) if r],
                    hovertemplate=template,
                )
            )
    elif not present.empty:
        values = present[value_col].astype(float)
        # Quantities start at 0 so a low value is visibly coloured, never mistaken for "no data".
        extra: dict[str, Any] = (
            {"zmid": 0} if diverging else {"zmin": 0, "zmax": max(float(values.max()), 1.0)}
        )
        fig.add_trace(
            go.Choropleth(
                locations=present[location_col],
                z=values,
                locationmode="ISO-3",
                colorscale=DIVERGING_SCALE if diverging else SEQUENTIAL_SCALE,
                showscale=True,
                showlegend=False,
                name=title,
                colorbar={"title": {"text": unit}, "tickformat": ",~r", "thickness": 14, "len": 0.75},
                marker={"line": {"color": "white", "width": 0.5}},
                customdata=present_custom,
                hovertemplate=template,
                **extra,
            )
        )
    if selected and selected in set(frame[location_col]):
        fig.add_trace(
            go.Choropleth(
                locations=[selected],
                z=[0],
                locationmode="ISO-3",
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                showlegend=False,
                name="Selected",
                marker={"line": {"color": SELECTED_OUTLINE, "width": 2.5}},
                hoverinfo="skip",
            )
        )
    view = REGION_VIEW.get(region, REGION_VIEW["world"])
    fig.update_layout(
        **base_layout(
            title,
            height=480,
            margin={"l": 0, "r": 0, "t": 40, "b": 0},
            clickmode="event+select",
            # Legend under the map: above it, it collides with the title on a narrow screen.
            legend={"orientation": "h", "yanchor": "top", "y": 0, "x": 0},
        )
    )
    fig.update_geos(
        projection_type="natural earth" if region == "world" else "mercator",
        showframe=False,
        showcoastlines=False,
        showcountries=True,
        countrycolor="white",
        showland=True,
        landcolor=NO_DATA,
        showocean=True,
        oceancolor="#F4F8FB",
        lonaxis_range=list(view["lon"]),
        lataxis_range=list(view["lat"]),
        fitbounds=False,
    )
    return fig
