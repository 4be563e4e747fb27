"""Colours, number formats and the shared Plotly layout. Colour-blind-safe (Okabe–Ito)."""

from __future__ import annotations

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
TARGET_COLOUR = "#D55E00"
NEUTRAL = "#7F7F7F"
NO_DATA = "#E5E5E5"

CONFIDENCE_LABEL = {
    "reported": "Reported",
    "lower_bound": "At least (lower bound)",
    "estimate": "Estimate",
}
# Bar patterns by confidence: solid for reported, hatched for lower bounds, dotted for estimates.
CONFIDENCE_PATTERN = {"reported": "", "lower_bound": "/", "estimate": "."}
CONFIDENCE_OPACITY = {"reported": 1.0, "lower_bound": 0.75, "estimate": 0.55}
# Text inside a bar: white on a full-colour (reported) bar, dark on the lighter, patterned bars of
# lower bounds and estimates (Plotly picks the text colour from the bar colour and ignores opacity).
CONFIDENCE_INSIDE_TEXT = {"reported": "white", "lower_bound": "#1a1a1a", "estimate": "#1a1a1a"}


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
    '136,854' (reported); a floor wins over an estimate (the '≥' says what the number is worth)."""
    if value is None or pd.isna(value):
        return "no data"
    if at_least:
        return fmt_int(value, True)
    return f"≈ {fmt_int(value)}" if confidence == "estimate" else fmt_int(value)


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
_TEXT = "#2a3f5f"
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


def base_layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "template": TEMPLATE_NAME,
        "colorway": list(OKABE_ITO),
        "font": {"family": "Source Sans Pro, Arial, sans-serif", "size": 13},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "hoverlabel": {"align": "left"},
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def phone_title(fig: go.Figure, title: str, subtitle: str, legend_above: bool = True) -> None:
    """A short title with the context (market, period, currency) as a subtitle: one long title line was
    cut off on a 375 px phone. With `legend_above`, the legend sits above the plot under the subtitle
    (a legend wrapping to two rows on a phone covered a one-line title); a chart with many legend
    entries keeps its legend below the plot."""
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}, "y": 1, "yanchor": "top", "pad": {"t": 12}},
        margin={"t": 130 if legend_above else 80},
    )
    if legend_above:
        fig.update_layout(legend={"yanchor": "bottom", "y": 1.02})


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
        font={"size": 14, "color": NEUTRAL},
    )
    return fig
