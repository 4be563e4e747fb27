"""Colours, number formats and the words for confidence and attainment. Colour-blind-safe (Okabe–Ito).
Plotly-free: domain modules (deliveries, kpis, watch, events, labels …) format their figures with these
helpers without importing a charting library; the Plotly template and layout helpers are in
`evdash.figures.style`.

One home for every colour a chart uses by meaning: a category keeps its colour in every chart (a year is
the same colour wherever years are series, a confidence is drawn the same way everywhere, the brand the
reader chose is always blue against grey peers), and every text colour drawn on white reaches WCAG AA
(4.5:1; `contrast`). `plain` and `wrap` read and break Plotly's text markup (tags and entities) as a
person reads it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

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
