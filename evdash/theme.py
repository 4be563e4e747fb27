"""Colours, number formats and the shared Plotly layout. Colour-blind-safe (Okabe–Ito).

One home for every colour a chart uses by meaning: a category keeps its colour in every chart (a year is
the same colour wherever years are series, a confidence is drawn the same way everywhere, the brand the
reader chose is always blue against grey peers), and every text colour drawn on white reaches WCAG AA
(4.5:1; `contrast`). The layout helpers (`phone_title`, `legend_rows`) place titles and legends for the
two widths a chart is read at: 343 px on a 375 px phone and about 980 px on a 1440 px screen (a Plotly
figure is built without knowing the width, so it must work at both)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
# Series of one kind (models, variants, measures): Okabe–Ito without yellow (1.1:1 on white, a line or
# a dot in it cannot be seen).
SERIES = tuple(c for c in OKABE_ITO if c != "#F0E442")

# --- Colours by meaning ---------------------------------------------------------------------------
SELECTED_COLOUR = OKABE_ITO[0]  # the brand or car the reader chose, and what it delivered
PEER_COLOUR = "#8C8C8C"  # every other brand, beside the chosen one
TARGET_COLOUR = "#D55E00"  # company targets (lines, markers)
TARGET_TEXT = "#B34700"  # a target's label: vermillion darkened to 5.5:1 on white (#D55E00 is 3.9:1)
PROJECTION_COLOUR = "#56B4E9"
EVENT_COLOUR = "#555555"
NOTE_COLOUR = "#A6427C"  # analyst notes on a chart (reddish purple darkened: 6:1 on white)
NEUTRAL = "#7F7F7F"  # grey bars and keys (not text: 4.0:1 on white)
NO_DATA = "#E5E5E5"
TEXT_COLOUR = "#2a3f5f"  # titles, legend, labels (11:1)
MUTED_TEXT = "#595959"  # ticks, axis titles, notes and subtitles (7:1)
DARK_TEXT = "#1a1a1a"
# A year drawn as a series (bars per year, side by side) has one colour wherever it appears: picked by
# the year itself, never by its position in one chart (2025 was orange in one chart, green in the next).
# Blue and vermillion are left out: they mean "the chosen brand" and "target".
YEAR_PALETTE = ("#E69F00", "#009E73", "#CC79A7", "#56B4E9")


def year_colour(year: object) -> str:
    """The colour of a year drawn as a series: 2024 orange, 2025 green, 2026 purple, 2027 sky blue, then
    again (four years apart never share a chart here)."""
    return YEAR_PALETTE[int(str(year)[:4]) % len(YEAR_PALETTE)]


def brand_colour(brand: object, selected: object) -> str:
    """Where brands are coloured: the brand the reader chose is blue, every other brand grey."""
    return SELECTED_COLOUR if brand == selected else PEER_COLOUR


def series_colour(key: object, keys: Sequence[object]) -> str:
    """The colour of one series among `keys` (e.g. every model of a brand, in a fixed order): by its
    place in the whole list, so a model keeps its colour when others are filtered out."""
    items = list(keys)
    index = items.index(key) if key in items else len(items)
    return SERIES[index % len(SERIES)]


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG contrast ratio of two '#rrggbb' colours (1 to 21; AA asks 4.5 for text, 3 for large text)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(fill: str) -> str:
    """White or near-black text, whichever reads better on a solid `fill`."""
    return "white" if contrast("#FFFFFF", fill) >= contrast(DARK_TEXT, fill) else DARK_TEXT


CONFIDENCE_LABEL = {
    "reported": "Reported",
    "lower_bound": "At least (lower bound)",
    "estimate": "Estimate",
}
# Bar patterns by confidence: solid for reported, hatched for lower bounds, dotted for estimates.
CONFIDENCE_PATTERN = {"reported": "", "lower_bound": "/", "estimate": "."}
_BAR_PATTERN = {"fillmode": "overlay", "size": 8, "solidity": 0.35, "fgcolor": "white"}
CONFIDENCE_OPACITY = {"reported": 1.0, "lower_bound": 0.75, "estimate": 0.55}
# Text inside a bar: white on a full-colour (reported) bar, dark on the lighter, patterned bars of
# lower bounds and estimates (Plotly picks the text colour from the bar colour and ignores opacity).
CONFIDENCE_INSIDE_TEXT = {"reported": "white", "lower_bound": DARK_TEXT, "estimate": DARK_TEXT}
CONFIDENCE_SHORT = {"reported": "reported", "lower_bound": "at least", "estimate": "estimate"}
# Scatter markers by confidence: filled for reported, an open triangle for "at least", an open circle for
# an estimate (the same in every line chart).
CONFIDENCE_SYMBOL = {"reported": "circle", "lower_bound": "triangle-up-open", "estimate": "circle-open"}
# Legend entries that explain the styling, where a chart has one key for all its series.
CONFIDENCE_KEY = {
    "reported": "Solid: reported",
    "lower_bound": "Hatched: at least ('over N')",
    "estimate": "Dotted: estimate",
}


def confidence_marker(colour: str | Sequence[str], confidence: str | Sequence[str]) -> dict[str, Any]:
    """A bar's marker for its confidence (one value, or one per bar): the colour at the confidence's
    opacity, hatched for lower bounds, dotted for estimates. Every bar chart draws confidence this way."""
    if isinstance(confidence, str):
        return {
            "color": colour,
            "opacity": CONFIDENCE_OPACITY.get(confidence, 1.0),
            "pattern": {**_BAR_PATTERN, "shape": CONFIDENCE_PATTERN.get(confidence, "")},
        }
    return {
        "color": colour,
        "opacity": [CONFIDENCE_OPACITY.get(c, 1.0) for c in confidence],
        "pattern": {**_BAR_PATTERN, "shape": [CONFIDENCE_PATTERN.get(c, "") for c in confidence]},
    }


def inside_text_colour(fill: str, confidence: str) -> str:
    """Text inside a bar of `fill` drawn for `confidence` (Plotly ignores opacity and patterns when it
    picks a colour itself): on the lighter, patterned bars of lower bounds and estimates, dark text."""
    return text_on(fill) if confidence == "reported" else DARK_TEXT


def flag(value: object) -> bool:
    """True for a true boolean (numpy or Python); False for false, None, NaN and pd.NA."""
    return bool(value) if value is not None and not pd.isna(value) else False  # type: ignore[call-overload]


def fmt_int(value: float | int | None, at_least: bool = False) -> str:
    """136854 -> '136,854'; with at_least -> '≥ 136,854'; None -> 'no data'."""
    if value is None or pd.isna(value):
        return "no data"
    text = f"{round(value):,}"
    return f"≥ {text}" if at_least else text


def fmt_pct(value: float | None, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "no data"
    return f"{value:.{digits}f}%"


def fmt_figure(value: float | int | None, at_least: bool = False, confidence: object = None) -> str:
    """A delivered figure as a person must read it: '≥ 410,000' (a floor), '≈ 80,000' (an estimate),
    '≥ ≈ 80,000' (an estimated floor: a weak source's "over 80,000", or a sum with an estimate in it and a
    part missing), '136,854' (reported). Neither the floor nor the estimate is ever dropped."""
    if value is None or pd.isna(value):
        return "no data"
    approx = "≈ " if confidence == "estimate" else ""
    return f"{'≥ ' if at_least else ''}{approx}{fmt_int(value)}"


def fmt_qualifier(scope: object, through: object, coverage: object = None) -> str:
    """What a yearly figure covers, for a chart label: ' (NEV · to 31 Mar · partial)'; '' for a complete
    all-vehicle calendar year."""
    parts = []
    if isinstance(scope, str) and scope and scope != "all":
        parts.append(f"{scope} only")
    if through is not None and not pd.isna(through):  # type: ignore[call-overload]
        end = pd.Timestamp(through)  # type: ignore[arg-type]
        if (end.month, end.day) != (12, 31):
            parts.append(f"to {end:%-d %b}")
    if coverage == "partial":
        parts.append("partial")
    return f" ({' · '.join(parts)})" if parts else ""


# How to read an attainment (delivered ÷ target), by the kind the brand × year mart gives it:
# a floor over an exact target is a floor; an exact figure over an "over N" target is a ceiling;
# two floors give neither, and the text says so instead of showing an exact-looking percentage.
ATTAINMENT_PREFIX = {
    "exact": "",
    "estimate": "≈ ",
    "at_least": "≥ ",
    "at_most": "≤ ",
    "ratio_of_lower_bounds": "",
}
ATTAINMENT_SUFFIX = {"ratio_of_lower_bounds": " (ratio of two 'over N' figures)"}
ATTAINMENT_HELP = {
    "exact": "both figures are exact",
    "estimate": "an estimate is in it",
    "at_least": "delivered is a floor ('over N' or incomplete), so attainment is at least this",
    "at_most": "the target is 'over N', so attainment is at most this",
    "ratio_of_lower_bounds": (
        "delivered and target are both 'over N': the ratio is neither a floor nor a ceiling"
    ),
}


def fmt_attainment(pct: float | None, kind: object, short: bool = False) -> str:
    """'105.3%', '≥ 14.5%', '≤ 102.9%', '≈ 74.1%', "102.5% (ratio of two 'over N' figures)" (short:
    '102.5%*')."""
    if pct is None or pd.isna(pct):
        return "no data"
    key = str(kind)
    suffix = ("*" if short else ATTAINMENT_SUFFIX[key]) if key in ATTAINMENT_SUFFIX else ""
    return f"{ATTAINMENT_PREFIX.get(key, '')}{pct:.1f}%{suffix}"


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
_TAG = re.compile(r"<[^>]+>")


def plain(text: object) -> str:
    """Plotly text as a person reads it: tags removed (a `<br>` becomes a space), entities decoded."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", str(text or "")))).strip()


def wrap(text: str, limit: int) -> list[str]:
    """Plotly text broken into lines of at most `limit` characters as read (entities count as one):
    whole ' · '-separated parts first, a part longer than a line at its spaces; one longer word stays
    whole. An existing `<br>` stays a line break."""
    lines: list[str] = []
    for paragraph in text.split("<br>"):
        line = ""
        for piece in paragraph.split(" · "):
            joined = f"{line} · {piece}" if line else piece
            if len(plain(joined)) <= limit:
                line = joined
                continue
            if line:
                lines.append(line)
                line = ""
            for word in piece.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and len(plain(candidate)) > limit:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
        lines.append(line)
    return [line for line in lines if plain(line)]


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
    fig.update_layout(
        title={
            "text": "<br>".join(title_lines),
            "subtitle": {"text": "<br>".join(subtitle_lines), "font": {"size": 12, "color": MUTED_TEXT}},
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 12 + _TITLE_LINE_PX * (len(title_lines) - 1), "l": 4},
        },
    )
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
    fig.update_layout(margin={"t": top, "b": bottom})
    if plot_height is not None:
        fig.update_layout(height=top + bottom + plot_height)


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
