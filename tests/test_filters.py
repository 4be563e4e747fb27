"""URL filter parsing: valid values pass, invalid ones fall back with a notice."""

from __future__ import annotations

import datetime as dt

from evdash import filters

BRANDS = {"xiaomi": "Xiaomi", "tesla": "Tesla"}


def test_choice() -> None:
    assert filters.parse_choice([], BRANDS, "xiaomi", "brand") == ("xiaomi", None)
    assert filters.parse_choice(["tesla"], BRANDS, "xiaomi", "brand") == ("tesla", None)
    value, notice = filters.parse_choice(["'; drop table x"], BRANDS, "xiaomi", "brand")
    assert value == "xiaomi"
    assert notice is not None and "not a valid brand" in notice and "Xiaomi" in notice


def test_multi() -> None:
    assert filters.parse_multi(["tesla", "xiaomi"], BRANDS, ["xiaomi"], "brand") == (
        ["tesla", "xiaomi"],
        None,
    )
    assert filters.parse_multi(["tesla,xiaomi"], BRANDS, [], "brand") == (["tesla", "xiaomi"], None)
    value, notice = filters.parse_multi(["tesla", "nope"], BRANDS, ["xiaomi"], "brand")
    assert value == ["tesla"] and notice and "'nope'" in notice and "ignored" in notice
    value, notice = filters.parse_multi(["nope"], BRANDS, ["xiaomi"], "brand")
    assert value == ["xiaomi"] and notice and "default" in notice


def test_int() -> None:
    assert filters.parse_int(["3"], 6, "window", 1, 12) == (3, None)
    value, notice = filters.parse_int(["x"], 6, "window", 1, 12)
    assert value == 6 and notice and "not a whole number" in notice
    value, notice = filters.parse_int(["99"], 6, "window", 1, 12)
    assert value == 6 and notice and "between 1 and 12" in notice


def test_a_bad_date_notice_names_the_default_day_as_a_person_reads_it() -> None:
    """'using 7 Dec 2026', as every other date on screen (labels.day), not '07 Dec 2026'."""
    value, notice = filters.parse_date(
        ["last week"], dt.date(2026, 12, 7), "data as known on", dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    )
    assert value == dt.date(2026, 12, 7)
    assert notice == "'last week' is not a date (YYYY-MM-DD) for data as known on; using 7 Dec 2026."
