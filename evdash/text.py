"""Text is text: escaping for every place where a value from a URL or from the data is shown.

Streamlit renders Markdown (links, images, `:material/…:` icons, `:red[…]` colours, `$…$` maths,
autolinked `https://…`) in titles, captions, notices, metric labels/values/deltas, widget labels and
tooltips; Plotly renders a pseudo-HTML subset (`<a href>`, `<b>`, `<span style>`, entities) in every
title, label, tick, legend entry and hover text. A brand named `![x](https://host/p.png)` would make
every viewer's browser fetch that URL. Nothing here imports Streamlit: the page-facing helpers that
use these live in `evdash.ui`, and the figure builders call `plotly_text` / `safe_figure`.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from typing import Any

# Characters that start a Markdown construct inside one line of text, each backslash-escaped (CommonMark
# then shows it as itself): links and images `[…](…)` `![…](…)`, autolinks `<…>` and GFM's bare
# `https://…` / `mailto:` / `a@b.c` (broken at `:` and `@`; `www.` is handled below), Streamlit's
# `:red[…]` colours, `:material/…:` icons and `:emoji:` shortcodes, `$…$` maths, code, emphasis,
# strikethrough, tables, headings, HTML and entities (`&amp;`). Digits, `,` `.` `%` `-` `+` stay as they
# are, so formatted numbers ("≥ 136,854", "-5.0%") reach the screen unchanged. Block constructs (lists,
# quotes, setext headings) need a line start: a value is always one line (`one_line`) and a list marker
# at its start is escaped (`_LIST_START`).
_MD_SPECIAL = frozenset("\\`*_{}[]<>#|~:$@!&")
_WWW = re.compile(r"(?i)\b(www)\.")
# GFM's autolink literals are found in the *text* after Markdown is parsed (remark-gfm's transform), so
# backslash escapes and entities do not stop them: Streamlit linked `https\://evil.example` (seen in
# Chromium). An invisible WORD JOINER after the scheme, after `www` and after `@` breaks the patterns
# (`https?://`, `www.`, `x@host.tld`) and leaves the text a person sees unchanged.
WORD_JOINER = "\u2060"
_AUTOLINK_START = re.compile(r"(?i)\b(?:https?|ftp|mailto|xmpp|www)(?=\\?[:.])|\\@")
# At the start of a body, "- x", "+ x" and "1. x" / "1) x" would start a list (and lose the marker).
_LIST_START = re.compile(r"^(?:([-+])(?= |$)|(\d{1,9})([.)])(?= |$))")
_WHITESPACE = re.compile(r"\s+")
ELLIPSIS = "…"


def one_line(value: object) -> str:
    """`value` as a single line of text: None → '', every run of whitespace (newlines too) → one space."""
    if value is None:
        return ""
    return _WHITESPACE.sub(" ", str(value)).strip()


def cut(value: object, limit: int = 60) -> str:
    """One line, at most `limit` characters (a long URL value in a notice must not fill a phone)."""
    text = one_line(value)
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + ELLIPSIS


def md(value: object) -> str:
    """`value` escaped so that Streamlit's Markdown shows it literally, on one line."""
    escaped = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in one_line(value))
    escaped = _LIST_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)
    return _AUTOLINK_START.sub("\\g<0>" + WORD_JOINER, _WWW.sub(r"\1\\.", escaped))


class _Escaped(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"template placeholder {{{key}}} has no value")


def md_format(template: str, values: Mapping[str, Any]) -> str:
    """Fill `{name}` placeholders of a developer-written Markdown `template` with escaped values.
    The template is trusted (it is code); every value is data and is escaped with `md`. A value may
    carry a format spec (`{units:,.0f}`): numbers are formatted first, then escaped."""
    formatter = string.Formatter()
    out: list[str] = []
    for literal, field, spec, conversion in formatter.parse(template):
        out.append(literal)
        if field is None:
            continue
        if field not in values:
            raise KeyError(f"template placeholder {{{field}}} has no value")
        value = values[field]
        if conversion:
            value = formatter.convert_field(value, conversion)
        out.append(md(format(value, spec or "")))
    return "".join(out)


# Plotly's own tags that our figure code writes on purpose (line breaks, bold, sub/superscripts). A data
# value's `<` never survives `plotly_text`; `safe_figure` leaves exactly these tags and escapes the rest.
_ALLOWED_TAG = re.compile(r"</?(?:br|b|i|em|sup|sub|extra)\s*/?>", re.IGNORECASE)


def plotly_text(value: object) -> str:
    """`value` escaped for Plotly's pseudo-HTML text (titles, labels, ticks, legend, hover): shown as is."""
    return one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_cut(value: object, limit: int) -> str:
    """`value` for Plotly text, at most `limit` characters as a person reads them ("HIMA (Harmony
    Intelligent Mobility Alliance)" → "HIMA (Harmony Intellig…"): entities are decoded before counting
    and the result is escaped again (`plotly_text`), so a value that `ui.figure` already escaped is cut
    at a character, never inside "&amp;", and is not escaped twice."""
    return plotly_text(cut(html.unescape(one_line(value)), limit))


def short_name(name: object, limit: int = 18) -> str:
    """A brand or model name short enough for a category label on a phone: a trailing explanation in
    brackets is dropped ("HIMA (Harmony Intelligent Mobility Alliance)" → "HIMA"), then the name is cut
    to `limit` characters. Works on Plotly-escaped text (entities count as one character)."""
    text = html.unescape(str(name or "")).strip()
    bare = re.sub(r"\s*\([^()]*\)$", "", text)
    return plotly_cut(bare if len(bare) >= 2 else text, limit)


def _sanitize(text: str) -> str:
    pieces: list[str] = []
    last = 0
    for match in _ALLOWED_TAG.finditer(text):
        pieces.append(text[last : match.start()].replace("<", "&lt;").replace(">", "&gt;"))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(text[last:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(pieces)


def _walk(node: Any) -> tuple[Any, bool]:
    if isinstance(node, str):
        clean = _sanitize(node)
        return clean, clean != node
    if isinstance(node, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, value in node.items():
            out[key], c = _walk(value)
            changed = changed or c
        return out, changed
    if isinstance(node, list | tuple):
        items = [_walk(v) for v in node]
        return [v for v, _ in items], any(c for _, c in items)
    return node, False


def sanitize_figure_dict(figure: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """A Plotly figure dict with every string cleaned: `<`/`>` escaped unless they form one of our own
    formatting tags (`<br>`, `<b>`, `<i>`, `<em>`, `<sup>`, `<sub>`, hover's `<extra>`), so no `<a href>`
    or `<span style>` from data can reach the browser. Returns (dict, whether anything changed)."""
    out, changed = _walk(dict(figure))
    return out, changed


def plotly_inputs(value: Any) -> Any:
    """A figure builder's argument with every data string escaped for Plotly (`plotly_text`): string
    cells of a frame or series, a string, and the items of lists, tuples and dicts. Numbers, dates and
    column names are left alone; codes and ids (letters, digits, `_`) come out unchanged. `ui.figure`
    applies this to every argument, so a builder that puts a brand name into a title or a tick shows
    it literally even if it forgot to escape it."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        out = value.copy()
        for column in out.columns:
            if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
                out[column] = out[column].map(lambda v: plotly_text(v) if isinstance(v, str) else v)
        return out
    if isinstance(value, pd.Series):
        if value.dtype == object or pd.api.types.is_string_dtype(value.dtype):
            return value.map(lambda v: plotly_text(v) if isinstance(v, str) else v)
        return value
    if isinstance(value, str):
        return plotly_text(value)
    if isinstance(value, list | tuple):
        return type(value)(plotly_inputs(v) for v in value)
    if isinstance(value, dict):
        return {k: plotly_inputs(v) for k, v in value.items()}
    return value
