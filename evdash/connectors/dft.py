"""Reader of the UK Department for Transport's VEH1153 (vehicles registered for the first time by body
type and fuel type; ODS or XLSX): the United Kingdom's monthly first registrations of cars, battery
electric and all fuels.

Format (checked on the edition of 13 Dec 2022, ../shared/facts/publishers/README.md): preamble rows above
a header found by its content (a row with 'Geography', 'Date Interval', 'Date', 'Units', 'BodyType',
'Battery electric' and 'Total'; note markers such as '[note 3]' are ignored, they change between
editions). Of the two tables (road-using vehicles, all vehicles) the one of all vehicles is read; its
title does not start with 'Road using'. Annual, quarterly and monthly rows share the text `Date` column
('September 2022'): only `Date Interval` = 'Monthly' rows are read, and only `Units` = 'Thousands' (the
percentage rows are shares). Geography: 'United Kingdom' (from July 2014; Great Britain without Northern
Ireland goes back to 2001 but is another scope, so it is not carried). The publication date comes from
the cover sheet ('Last updated: 13 December 2022').

Values are published in thousands: a figure is `about` N (`estimate`), never an exact count.
Licence: Open Government Licence v3.0 (GOV.UK's default; not stated in the file).
"""

from __future__ import annotations

import datetime as dt
import re

from evdash.connectors import national, sheets
from evdash.connectors.base import FormatError, Parsed

SOURCE = "dft"
PARSER_VERSION = "dft-veh1153-1"
SOURCE_URL = "https://www.gov.uk/government/statistical-data-sets/vehicle-licensing-statistics-data-tables"
LICENCE = "Open Government Licence v3.0; source: DfT and DVLA"
MARKET = "GBR"
GEOGRAPHY = "United Kingdom"
BODY = "Cars"
REQUIRED = ("Geography", "Date Interval", "Date", "Units", "BodyType", "Battery electric", "Total")
SCOPE = "DfT VEH1153, cars registered for the first time, United Kingdom, published in thousands"
# Shorthand DfT prints instead of a number: no figure to carry.
NO_FIGURE = {"[low]": "DfT: a low figure but not a real zero ([low])", "[x]": "DfT: not available ([x])"}
MONTH_NAMES = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}  # fmt: skip


def _header(rows: sheets.Rows) -> tuple[int, dict[str, int]] | None:
    for r, cells in enumerate(rows[:30]):
        names = {sheets.clean(c): i for i, c in enumerate(cells) if sheets.clean(c)}
        if "Geography" in names and "Date Interval" in names:
            return r, names
    return None


def _published(book_sheets: list[tuple[str, sheets.Rows]]) -> dt.date | None:
    for _, rows in book_sheets:
        for cells in rows[:40]:
            for cell in cells:
                m = re.search(r"Last updated:\s*(\d{1,2} \w+ \d{4})", str(cell))
                if m:
                    return dt.datetime.strptime(m.group(1), "%d %B %Y").date()
    return None


def _month(text: str) -> dt.date | None:
    m = re.fullmatch(r"([A-Za-z]+) (\d{4})", text.strip())
    if not m or m.group(1).lower() not in MONTH_NAMES:
        return None
    return dt.date(int(m.group(2)), MONTH_NAMES[m.group(1).lower()], 1)


def _data_table(
    name: str, book_sheets: list[tuple[str, sheets.Rows]]
) -> tuple[str, sheets.Rows, int, dict[str, int]]:
    """(sheet, rows, header row, column of each header name) of the table of all vehicles: the first sheet
    with the VEH1153 header whose title does not start with 'Road using'. FormatError when there is none or
    its header lacks a `REQUIRED` column."""
    found = []
    for sheet_name, rows in book_sheets:
        header = _header(rows)
        if header is None:
            continue
        title = sheets.clean(rows[0][0]) if rows and rows[0] else ""
        found.append((sheet_name, rows, header, title))
    tables = [t for t in found if not t[3].lower().startswith("road using")]
    if not tables:
        raise FormatError(
            f"{name}: no sheet with a header row holding 'Geography' and 'Date Interval' (sheets: "
            f"{', '.join(s for s, _ in book_sheets)}); the VEH1153 layout has changed"
        )
    sheet, rows, (head, columns), _ = tables[0]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FormatError(
            f"{sheets.where(name, sheet, head)}: no column {', '.join(repr(c) for c in missing)} in the "
            f"header (found: {', '.join(columns)})"
        )
    return sheet, rows, head, columns


def _units(value: sheets.Cell, fuel: str, cell: str) -> tuple[int | None, str | None]:
    """(units, note) of a cell in thousands: the count rounded to a car, or no figure and DfT's reason for
    its shorthand. FormatError naming the cell (`cell`) for a negative value or other text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise FormatError(f"{cell}: negative '{fuel}' {value}")
        return round(value * 1000), None
    if sheets.clean(value) in NO_FIGURE:
        return None, NO_FIGURE[sheets.clean(value)]
    raise FormatError(f"{cell}: '{value}' in '{fuel}' is not a number (in thousands) or DfT's shorthand")


def _monthly_rows(
    name: str, sheet: str, rows: sheets.Rows, head: int, columns: dict[str, int], published: dt.date
) -> list[dict[str, object]]:
    """The import rows of the table's monthly rows for the United Kingdom's cars in thousands: battery
    electric and all fuels per month. FormatError naming the cell for a date that is not a month."""
    out = []
    width = max(columns.values()) + 1
    for r in range(head + 1, len(rows)):
        cells = rows[r]
        if len(cells) < width or not any(str(c).strip() for c in cells):
            continue
        text = {c: sheets.clean(cells[i]) for c, i in columns.items() if c in REQUIRED[:5]}
        if (text["Geography"], text["Date Interval"], text["Units"], text["BodyType"]) != (
            GEOGRAPHY,
            "Monthly",
            "Thousands",
            BODY,
        ):
            continue
        month = _month(text["Date"])
        if month is None:
            raise FormatError(
                f"{sheets.where(name, sheet, r, columns['Date'])}: '{text['Date']}' is not a month "
                "('<Month> <Year>') on a Monthly row"
            )
        for fuel, powertrain in (("Battery electric", "BEV"), ("Total", "all")):
            value = cells[columns[fuel]]
            units, note = _units(value, fuel, sheets.where(name, sheet, r, columns[fuel]))
            out.append(
                national.row(
                    MARKET,
                    month,
                    powertrain,
                    "market",
                    "All makes",
                    units,
                    SOURCE_URL,
                    published,
                    "estimate",
                    qualifier="about",
                    scope_note=SCOPE,
                    note=note or f"published as {value} thousand",
                )
            )
    return out


def parse(data: bytes, name: str) -> Parsed:
    """Rows of the `national_registrations` kind: per month, the UK's cars registered for the first time,
    battery electric and all fuels, rounded from thousands (qualifier `about`, confidence `estimate`)."""
    book = sheets.open_workbook(data, name)
    book_sheets = list(sheets.sheets(book, name))
    sheet, rows, head, columns = _data_table(name, book_sheets)
    published = _published(book_sheets)
    if published is None:
        raise FormatError(
            f"{name}: no publication date ('Last updated: <day> <month> <year>') on the cover sheet"
        )
    out = _monthly_rows(name, sheet, rows, head, columns, published)
    if not out:
        raise FormatError(
            f"{sheets.where(name, sheet)}: no monthly rows for '{GEOGRAPHY}', '{BODY}' in 'Thousands' "
            "(truncated file or changed vocabulary)"
        )
    frame = national.frame(out)
    months = sorted(frame["month"].unique())
    return Parsed(national.KIND, frame, f"{months[0]} to {months[-1]}", published)
