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

from evdash.figures.style import base_layout, empty_figure, phone_title
from evdash.regions import REGION_VIEW
from evdash.text import plotly_text
from evdash.theme import MUTED_TEXT, NO_DATA, OKABE_ITO, plain

# Sequential scale for quantities: one hue, light = low, dark = high (readable with any colour vision).
SEQUENTIAL_SCALE = "Blues"
# Diverging scale for signed changes (growth): purple-orange, centred on 0 (colour-blind safe).
DIVERGING_SCALE = "PuOr"
NO_DATA_LABEL = "No data"
SELECTED_OUTLINE = "#000000"
# Height ÷ width of each region's map as plotly.js draws it (measured in Chromium at 343 px). A figure is
# built without knowing its width and the map keeps its shape, so the map's height is set between what
# fills a 343 px phone and what fills a 580 px desktop column (geometric mean: 446 px × the aspect); at
# either width at most about a quarter of the box is left blank (tests/chart_layout.py checks it).
MAP_ASPECT = {
    "world": 0.45,
    "europe": 0.98,
    "asia_pacific": 1.03,
    "americas": 1.35,
    "middle_east_africa": 1.06,
}
_MAP_WIDTH_MEAN = 446  # √(343 × 580)


def map_config(base_url_path: str = "") -> dict[str, Any]:
    """`st.plotly_chart(config=...)` for an offline map. `base_url_path` is Streamlit's
    `server.baseUrlPath` ('' or e.g. 'evdash'), so the file is found behind a reverse-proxy path too."""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return {"topojsonURL": f"{prefix}/app/static/topojson/", "displayModeBar": False, "scrollZoom": False}


def _hover(frame: pd.DataFrame, label_col: str | None) -> list[str]:
    """One hover text per row: the country in bold, then its value, period, confidence and source, each
    only when it has one (empty 'confidence:' and 'source:' lines said nothing)."""

    def col(name: str | None) -> list[str]:
        if name is None or name not in frame.columns:
            return [""] * len(frame)
        return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in frame[name]]

    texts = []
    for country, label, period, confidence, source in zip(
        col("country"), col(label_col), col("period"), col("confidence"), col("source_url"), strict=True
    ):
        lines = [f"<b>{country}</b>", label or NO_DATA_LABEL, period]
        lines += [f"confidence: {confidence}" if confidence else "", f"source: {source}" if source else ""]
        texts.append("<br>".join(line for line in lines if line))
    return texts


def _alt(
    frame: pd.DataFrame,
    title: str,
    kind: str,
    value_col: str,
    categories: Mapping[str, str] | None,
    location_col: str,
) -> str:
    """The map's text alternative: each category with how many countries and which (up to three), or the
    highest and lowest value; and how many have no data. Names come from the `country` column."""
    names = frame["country"] if "country" in frame.columns else frame[location_col]
    missing = frame[value_col].isna()
    facts: list[str] = []
    if kind == "categorical":
        present = frame[~missing]
        order = list(categories) if categories else sorted(present[value_col].unique())
        for code in order:
            rows = present[present[value_col] == code]
            if rows.empty:
                continue
            listed = [plain(n) for n in names[rows.index][:3]]
            more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
            count = f"{len(rows)} {'country' if len(rows) == 1 else 'countries'}"
            label = plain((categories or {}).get(code, code))
            facts.append(f"{label}: {count} ({', '.join(listed)}{more})")
    elif (~missing).any():
        values = [float(v) for v in frame.loc[~missing, value_col]]
        shown = [plain(n) for n in names[~missing]]
        high, low = values.index(max(values)), values.index(min(values))
        facts.append(
            f"highest {values[high]:,.1f} ({shown[high]}), "
            f"lowest {values[low]:,.1f} ({shown[low]})"
            f" across {len(values)} {'country' if len(values) == 1 else 'countries'}"
        )
    if missing.any():
        facts.append(
            f"no data for {int(missing.sum())} {'country' if int(missing.sum()) == 1 else 'countries'}"
        )
    return f"Map: {plain(title)}. " + ("; ".join(facts) + "." if facts else "No countries with data.")


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
    frame = frame.reset_index(drop=True)
    missing = frame[value_col].isna()
    hover = _hover(frame, label_col)
    _no_data_trace(fig, frame[missing], [h for h, m in zip(hover, missing, strict=True) if m], location_col)
    present = frame[~missing]
    present_hover = [h for h, m in zip(hover, missing, strict=True) if not m]
    if kind == "categorical":
        _category_traces(fig, present, present_hover, value_col, categories, location_col)
    elif not present.empty:
        _scale_trace(
            fig,
            present[location_col],
            present[value_col].astype(float),
            present_hover,
            title,
            unit,
            diverging,
        )
    if selected and selected in set(frame[location_col]):
        _selected_outline(fig, selected)
    _map_layout(fig, title, kind, _alt(frame, title, kind, value_col, categories, location_col))
    _map_geos(fig, region)
    height = min(max(int(_MAP_WIDTH_MEAN * MAP_ASPECT.get(region, MAP_ASPECT["world"])), 200), 560)
    # Legend under the map: above it, it collides with the title on a narrow screen.
    phone_title(fig, title, "", legend="below", plot_height=height)
    return fig


def _no_data_trace(fig: go.Figure, no_data: pd.DataFrame, hover: list[str], location_col: str) -> None:
    """Countries without a value, grey in a "No data" trace listed in the legend (never drawn as 0)."""
    if no_data.empty:
        return
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
            hovertext=hover,
            hoverinfo="text",
        )
    )


def _category_traces(
    fig: go.Figure,
    present: pd.DataFrame,
    present_hover: list[str],
    value_col: str,
    categories: Mapping[str, str] | None,
    location_col: str,
) -> None:
    """One trace per category, in the order of `categories` (code -> legend label), each one Okabe–Ito
    colour, named in the legend."""
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
                hovertext=[h for h, r in zip(present_hover, rows, strict=True) if r],
                hoverinfo="text",
            )
        )


def _scale_trace(
    fig: go.Figure,
    locations: pd.Series,
    values: pd.Series,
    present_hover: list[str],
    title: str,
    unit: str,
    diverging: bool,
) -> None:
    """One trace coloured on a single-hue scale from 0 (`diverging`: purple–orange centred on 0), with a
    colour bar titled `unit` laid across under the map."""
    # Quantities start at 0 so a low value is visibly coloured, never mistaken for "no data".
    extra: dict[str, Any] = {"zmid": 0} if diverging else {"zmin": 0, "zmax": max(float(values.max()), 1.0)}
    fig.add_trace(
        go.Choropleth(
            locations=locations,
            z=values,
            locationmode="ISO-3",
            colorscale=DIVERGING_SCALE if diverging else SEQUENTIAL_SCALE,
            showscale=True,
            showlegend=False,
            name=title,
            # Under the map, across: a colour bar at the side took a third of a phone's width.
            colorbar={
                "title": {"text": unit, "side": "top", "font": {"color": MUTED_TEXT, "size": 12}},
                "tickformat": ",~r",
                "tickfont": {"color": MUTED_TEXT, "size": 12},
                "orientation": "h",
                "thickness": 10,
                "len": 0.9,
                "lenmode": "fraction",
                "x": 0,
                "xanchor": "left",
                "y": -0.02,
                "yanchor": "top",
            },
            marker={"line": {"color": "white", "width": 0.5}},
            hovertext=present_hover,
            hoverinfo="text",
            **extra,
        )
    )


def _selected_outline(fig: go.Figure, selected: str) -> None:
    """The selected country (ISO-3) outlined in black, on top of its colour."""
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


def _map_layout(fig: go.Figure, title: str, kind: str, alt: str) -> None:
    """The map's layout: room under it for the colour bar or legend, a click selects a country, and the
    text alternative `alt` (escaped) in `meta.alt`."""
    fig.update_layout(
        **base_layout(
            title,
            # room under the map for the colour bar and the legend: less, and plotly shrank the map
            margin={"l": 0, "r": 0, "t": 40, "b": 110 if kind == "sequential" else 10},
            clickmode="event+select",
            # Escaped like every other figure text (a data name in it is shown, never read as a tag).
            meta={"alt": plotly_text(alt)},
        )
    )


def _map_geos(fig: go.Figure, region: str) -> None:
    """The map's viewport for `region` (natural earth for the world, mercator for a region), countries
    outlined in white, land without data grey."""
    view = REGION_VIEW.get(region, REGION_VIEW["world"])
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
