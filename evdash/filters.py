"""URL filter parsing, independent of Streamlit.

Every function takes the raw query-parameter values (a list of strings, as in a URL) and returns
`(value, notice)`: a valid value, and a human-readable notice when the URL asked for something
invalid and the default was used instead (None when all was well).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TypeVar

from evdash import labels
from evdash.text import cut

T = TypeVar("T")
NOTICE_VALUE_CHARS = 40  # a URL value quoted in a notice is cut to this (a phone shows the whole notice)


def parse_choice(
    raw: Sequence[str], options: Mapping[str, str], default: str, param: str
) -> tuple[str, str | None]:
    if not raw:
        return default, None
    value = raw[-1]
    if value in options:
        return value, None
    return default, (
        f"'{_quoted(value)}' is not a valid {param} here; showing {options.get(default, default)} instead."
    )


def _quoted(value: str) -> str:
    return cut(value, NOTICE_VALUE_CHARS)


def parse_multi(
    raw: Sequence[str], options: Mapping[str, str], default: Sequence[str], param: str
) -> tuple[list[str], str | None]:
    if not raw:
        return list(default), None
    values = [v for part in raw for v in part.split(",") if v]
    good = [v for v in dict.fromkeys(values) if v in options]
    bad = [v for v in values if v not in options]
    if bad and not good:
        return list(default), f"{_listed(bad)}: not a valid {param} here; showing the default."
    if bad:
        return good, f"{_listed(bad)}: not a valid {param} here; ignored."
    return good, None


def _listed(values: Sequence[str]) -> str:
    shown = ", ".join(f"'{_quoted(v)}'" for v in values[:3])
    return shown + (f" and {len(values) - 3} more" if len(values) > 3 else "")


def parse_int(
    raw: Sequence[str], default: int, param: str, minimum: int, maximum: int
) -> tuple[int, str | None]:
    if not raw:
        return default, None
    value = raw[-1]
    try:
        number = int(value)
    except ValueError:
        return default, f"'{_quoted(value)}' is not a whole number for {param}; using {default}."
    if not minimum <= number <= maximum:
        return default, f"{param} must be between {minimum} and {maximum}, not {number}; using {default}."
    return number, None


def parse_date(
    raw: Sequence[str], default: dt.date, param: str, minimum: dt.date, maximum: dt.date
) -> tuple[dt.date, str | None]:
    """An ISO date (YYYY-MM-DD) within [minimum, maximum]."""
    if not raw:
        return default, None
    value = raw[-1]
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return (
            default,
            f"'{_quoted(value)}' is not a date (YYYY-MM-DD) for {param}; using {labels.day(default)}.",
        )
    if not minimum <= day <= maximum:
        return default, (
            f"{param} must be between {minimum:%Y-%m-%d} and {maximum:%Y-%m-%d}, not {day:%Y-%m-%d}; "
            f"using {default:%Y-%m-%d}."
        )
    return day, None
