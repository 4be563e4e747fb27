"""The Plotly side of the theme: the lean `evdash` template every figure carries, the base layout, and
the layout helpers (`phone_title`, `legend_rows`) that place titles and legends for the two widths a chart
is read at: 343 px on a 375 px phone and about 980 px on a 1440 px screen (a Plotly figure is built
without knowing the width, so it must work at both). Colours, number formats and words are in
`evdash.theme`, which imports no Plotly (domain modules use it)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from evdash.theme import MUTED_TEXT, SERIES, TEXT_COLOUR, plain, wrap

# `plotly_white` cut down to what these charts draw (bar, waterfall, scatter and choropleth traces on
# cartesian axes and one geo), with the same look: white background, light grid and axis lines, no tick
# marks, a geo with white land and lakes. Every figure carries its template in its JSON: plotly_white is
# 6.5 KB per chart (colour scales and defaults for 20 trace types the app never draws, polar, ternary and
# 3-D scenes), about two thirds of a typical chart's JSON; this one is about 1 KB. Left out on purpose:
# `colorway` and `title.x` (base_layout sets both), `colorscale` (every map sets its own scale), polar,
# ternary, scene and the defaults of trace types not used here. `bench/browser_bench.py` measures it,
# `tests/test_figure_budget.py` guards it.
_LINE = "#EBF0F8"
_TEXT = TEXT_COLOUR
_PATTERN = {"fillmode": "overlay", "size": 10, "solidity": 0.2}

_AXIS = {
    "gridcolor": _LINE,
    "linecolor": _LINE,
    "ticks": "",
    "title": {"standoff": 15},
    "zerolinecolor": _LINE,
    "automargin": True,
    "zerolinewidth": 2,
}
TEMPLATE_NAME = "evdash"
pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout={
        "autotypenumbers": "strict",
        "font": {"color": _TEXT},
        "hovermode": "closest",
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "shapedefaults": {"line": {"color": _TEXT}},
        "annotationdefaults": {"arrowcolor": _TEXT, "arrowhead": 0, "arrowwidth": 1},
        "geo": {
            "bgcolor": "white",
            "landcolor": "white",
            "subunitcolor": "#C8D4E3",
            "showland": True,
            "showlakes": True,
            "lakecolor": "white",
        },
    },
    data={
        "bar": [
            {
                "error_x": {"color": _TEXT},
                "error_y": {"color": _TEXT},
                "marker": {"line": {"color": "white", "width": 0.5}, "pattern": _PATTERN},
            }
        ],
        "scatter": [{"fillpattern": _PATTERN}],
        "choropleth": [{"colorbar": {"outlinewidth": 0, "ticks": ""}}],
    },
)


FONT_FAMILY = '"Source Sans", "Source Sans Pro", Arial, sans-serif'  # Streamlit's own font first


def base_layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": TEXT_COLOUR}},
        "template": TEMPLATE_NAME,
        "colorway": list(SERIES),
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": LEGEND_FONT}},
        "hoverlabel": {"align": "left"},
        "separators": ".,",
    }
    layout.update(extra)
    return layout


# --- Layout for a 343 px phone and a 980 px screen ------------------------------------------------------
PHONE_WIDTH = 343  # a chart's width on a 375 px phone (Streamlit keeps 16 px each side)
TITLE_CHARS = 34  # a 16 px bold title line that fits a phone
SUBTITLE_CHARS = 46  # a 12 px subtitle line that fits a phone
LEGEND_FONT = 12
_TITLE_LINE_PX, _SUBTITLE_LINE_PX, _LEGEND_ROW_PX = 22, 18, 21
_CHAR_PX = 6.6  # an average character of 12 px Source Sans, with room to spare
_LEGEND_SYMBOL_PX = 46  # a legend entry's symbol and the gaps around it


def _legend_groups(fig: go.Figure) -> tuple[list[list[str]], bool]:
    """The legend's entries as Plotly lays them out: groups of entries (a group title is an entry) and
    whether the legend is grouped (traces with a `legendgroup` stack in columns)."""
    grouped = any(t.legendgroup for t in fig.data) and "grouped" in str(
        fig.layout.legend.traceorder or "grouped"
    )
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for i, trace in enumerate(fig.data):
        shown = trace.showlegend if trace.type == "choropleth" else trace.showlegend is not False
        if not shown or not trace.name:
            continue
        key = str(trace.legendgroup) if grouped and trace.legendgroup else f"_{i}"
        if key not in groups:
            groups[key] = []
            order.append(key)
            title = getattr(trace, "legendgrouptitle", None)
            if title is not None and title.text:
                groups[key].append(str(title.text))
        groups[key].append(str(trace.name))
    return [groups[k] for k in order], grouped


def legend_entries(fig: go.Figure) -> list[str]:
    """The texts the legend shows: every named trace that is not hidden from it, and group titles."""
    return [name for group in _legend_groups(fig)[0] for name in group]


def _item_px(name: str) -> float:
    return _LEGEND_SYMBOL_PX + _CHAR_PX * len(plain(name))


def _y_axis_px(fig: go.Figure) -> float:
    """About how wide the y axis (tick labels and title) is drawn: the plot is the rest of the width."""
    axis = fig.layout.yaxis
    if axis.visible is False:
        return 0.0
    title = 24.0 if axis.title and axis.title.text else 0.0
    if axis.ticktext:
        labels = [str(t) for t in axis.ticktext]
    elif axis.type == "category" or any(
        getattr(t, "orientation", None) == "h" and t.type == "bar" for t in fig.data
    ):
        labels = [str(v) for t in fig.data if t.y is not None for v in t.y]
    else:
        labels = ["0000" if axis.tickformat == "~s" else "000,000"]
    widest = max((len(plain(line)) for label in labels for line in str(label).split("<br>")), default=4)
    return title + 8 + _CHAR_PX * widest


def plot_width(fig: go.Figure, width: int = PHONE_WIDTH) -> float:
    """About how wide the plot area is in a chart `width` px wide (the margins and the y axis off)."""
    margin = fig.layout.margin
    return max(width - float(margin.l or 0) - float(margin.r or 0) - _y_axis_px(fig), 120.0)


def legend_rows(fig: go.Figure, width: int = PHONE_WIDTH) -> int:
    """How many rows of entries the horizontal legend takes in a chart `width` px wide, the way plotly.js
    lays it out (src/components/legend/draw.js): one row when every entry fits side by side; otherwise a
    grid whose columns are as wide as the widest entry (so one long entry puts every entry on its own
    row); a grouped legend stacks each group in a column and wraps the columns."""
    if fig.layout.showlegend is False:
        return 0
    groups, grouped = _legend_groups(fig)
    items = [name for group in groups for name in group]
    if not items:
        return 0
    room = plot_width(fig, width)
    if grouped:
        rows = 0
        x, row_height = 0.0, 0
        for group in groups:
            group_px = max(_item_px(n) for n in group) + 5
            if x and x + group_px > room:
                rows, x, row_height = rows + row_height, 0.0, 0
            x += group_px
            row_height = max(row_height, len(group))
        return rows + row_height
    widths = [_item_px(n) + 5 for n in items]
    if sum(widths) < room:
        return 1
    columns = max(1, int(room // max(widths)))
    return -(-len(items) // columns)


def _axis_block(fig: go.Figure) -> int:
    """Room the x axis needs under the plot: its tick labels (lines) and its title."""
    axis = fig.layout.xaxis
    if axis.visible is False:
        return 0
    lines = 1
    if axis.ticktext:
        lines = max(str(t).count("<br>") + 1 for t in axis.ticktext)
    return 18 * lines + 6 + (32 if axis.title and axis.title.text else 0)


def phone_title(
    fig: go.Figure,
    title: str,
    subtitle: str = "",
    legend: str = "above",
    plot_height: int | None = None,
    legend_above: bool | None = None,
) -> None:
    """A short title with the context (brand, market, period, currency) as a subtitle, both broken into
    lines that fit a 343 px phone (one long title line was cut off), and the legend placed where it never
    covers the title or the plot at either width:

    * legend="above": under the subtitle, just above the plot; the top margin holds as many legend rows as
      the entries wrap to on a phone (a legend that wrapped to three rows covered a one-line title);
    * legend="below": at the bottom of the figure, under the x axis and its title (many entries);
    * legend="none": no legend.

    `plot_height` keeps the plot itself that tall whatever the title and legend take (the figure's height
    becomes margins + plot). Call it last, after the traces and axes are set."""
    if legend_above is not None:  # the earlier signature
        legend = "above" if legend_above else "below"
    title_lines = wrap(title, TITLE_CHARS)
    subtitle_lines = wrap(subtitle, SUBTITLE_CHARS) if subtitle else []
    head = 14 + _TITLE_LINE_PX * len(title_lines) + _SUBTITLE_LINE_PX * len(subtitle_lines) + 16
    rows = legend_rows(fig) if legend != "none" else 0
    groups = len(_legend_groups(fig)[0]) if rows and _legend_groups(fig)[1] else 0
    legend_px = _LEGEND_ROW_PX * rows + 10 * max(groups - 1, 0) + 8 if rows else 0
    top, bottom = head, int(fig.layout.margin.b or 10)
    fig.update_layout(title=_title_layout(title_lines, subtitle_lines))
    top, bottom = _place_legend(fig, legend, rows, legend_px, top, bottom)
    fig.update_layout(margin={"t": top, "b": bottom})
    if plot_height is not None:
        fig.update_layout(height=top + bottom + plot_height)


def _title_layout(title_lines: list[str], subtitle_lines: list[str]) -> dict[str, Any]:
    """The title and its subtitle, already broken into lines, left-aligned at the top of the figure (the
    first title line just under the top edge, whatever the margins)."""
    return {
        "text": "<br>".join(title_lines),
        "subtitle": {"text": "<br>".join(subtitle_lines), "font": {"size": 12, "color": MUTED_TEXT}},
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 12 + _TITLE_LINE_PX * (len(title_lines) - 1), "l": 4},
    }


def _place_legend(
    fig: go.Figure, legend: str, rows: int, legend_px: int, top: int, bottom: int
) -> tuple[int, int]:
    """Put the legend where `phone_title` was asked to (hidden, above the plot or at the foot of the
    figure) and return the top and bottom margins grown by the `legend_px` its `rows` take."""
    if legend == "none" or not rows:
        fig.update_layout(showlegend=False if legend == "none" else fig.layout.showlegend)
    elif legend == "above":
        top += legend_px
        fig.update_layout(
            legend={
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "yref": "paper",
            }
        )
    else:
        bottom = max(bottom, _axis_block(fig) + legend_px + 8)
        fig.update_layout(
            legend={
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 0,
                "yanchor": "bottom",
                "yref": "container",
            }
        )
    return top, bottom


def empty_figure(title: str, message: str) -> go.Figure:
    """A figure that says why it is empty instead of drawing empty axes."""
    fig = go.Figure()
    fig.update_layout(**base_layout(title))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": MUTED_TEXT},
    )
    return fig
