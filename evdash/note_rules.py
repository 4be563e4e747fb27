"""What an analyst note must be (the `notes` import kind, evdash/notes.py): the one home of its rules.

A note is attached to a chart's period (a date or a date range), a market (ISO 3166-1 alpha-3) or a
figure (brand, optional model, year). Its text is one line of plain text (never Markdown or HTML; pages
and charts escape it), at most TEXT_MAX characters, with no control character, CR/LF or bidirectional
override (the rule names follow, `csvread.name_problem`). Its link is optional: an http(s) address with a
host and no spaces. `problems` returns (column, message) pairs: the import names file, line and column,
the form names its field. Pure: no database, no Streamlit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evdash.csvread import name_problem, shown

TEXT_MAX = 500
LINK_MAX = 1000
ATTACHED_TO = ("period", "market", "figure")
ACTIONS = ("added", "edited", "deleted")
YEARS = (1990, 2100)  # a figure note's year


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() in {"", "<NA>"}
    )


def link_problem(link: str) -> str | None:
    """Why `link` is not an acceptable note link, or None."""
    if len(link) > LINK_MAX:
        return f"{len(link):,} characters, over the {LINK_MAX:,} a link may have"
    bad = name_problem(link)
    if bad or any(ch.isspace() for ch in link):
        return f"{shown(link)} contains {bad or 'a space'}, which a link may not"
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in {"http", "https"} or not host:
        return f"{shown(link)} is not an http(s) link (only http:// and https:// addresses with a host)"
    return None


def text_problem(text: str) -> str | None:
    """Why `text` is not an acceptable note text, or None."""
    if not text.strip():
        return "required (what the note says)"
    if len(text) > TEXT_MAX:
        return f"{len(text):,} characters, over the {TEXT_MAX:,} a note may have"
    bad = name_problem(text)
    return f"contains {bad}, which a note may not (one line of plain text)" if bad else None


def problems(row: Mapping[Any, object]) -> list[tuple[str, str]]:
    """(column, message) for everything wrong with one note row (import column names: note_text, link,
    attached_to, period_from, period_to, market, brand, year). A deletion repeats the note's last text."""
    out: list[tuple[str, str]] = []
    text = "" if _blank(row.get("note_text")) else str(row.get("note_text"))
    said = text_problem(text)
    if said:
        out.append(("note_text", said))
    if not _blank(row.get("link")):
        said = link_problem(str(row.get("link")))
        if said:
            out.append(("link", said))
    kind = str(row.get("attached_to") or "")
    if kind == "period":
        start, end = row.get("period_from"), row.get("period_to")
        if _blank(start):
            out.append(("period_from", "required for a note on a period (a date, YYYY-MM-DD)"))
        elif not _blank(end) and isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            out.append(("period_to", f"{end:%Y-%m-%d} is before the start {start:%Y-%m-%d}"))
    elif kind == "market" and _blank(row.get("market")):
        out.append(("market", "required for a note on a market (ISO 3166-1 alpha-3, e.g. DEU)"))
    elif kind == "figure":
        if _blank(row.get("brand")):
            out.append(("brand", "required for a note on a figure"))
        year = row.get("year")
        if _blank(year):
            out.append(("year", "required for a note on a figure"))
        elif not YEARS[0] <= int(str(year)) <= YEARS[1]:
            out.append(("year", f"{year} is not a year from {YEARS[0]} to {YEARS[1]}"))
    return out


def author_problems(data: bytes | Path, name: str, user: str) -> list[str]:
    """A notes file imported by `user` (the Data page's upload, `evdash import --user`) may only hold
    notes written in that user's name: the list and the history show `author`, so nobody files a note
    as someone else. (The note form writes `author` = the signed-in user.) A file given by path is read
    line by line, never held whole."""
    if isinstance(data, Path):
        with data.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
            return _author_problems(csv.DictReader(stream), name, user)
    return _author_problems(
        csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace"))), name, user
    )


def _author_problems(rows: csv.DictReader[str], name: str, user: str) -> list[str]:
    out = []
    for line, row in enumerate(rows, start=2):
        author = (row.get("author") or "").strip()
        if author and author != user:
            out.append(
                f"{name}, line {line}, column 'author': {shown(author)} is not the importing user "
                f"{shown(user)}; a note is written in its author's own name"
            )
    return out
