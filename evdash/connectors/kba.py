"""Reader of the Kraftfahrt-Bundesamt's FZ 10 (new passenger cars by make and model series, monthly, XLSX):
Germany's battery-electric (BEV) new registrations of the file's month per make and model series, the
national BEV total and the national total of all new cars.

Format (checked on the Dec 2024 and every 2025 file, ../shared/facts/publishers/README.md): the data sheet
(`FZ 10.1` or `FZ10.1`) is found by its header, a row holding the fuel groups ('Insgesamt', ..., 'mit
Elektroantrieb (BEV)', labels with line breaks) above a row with 'Marke', 'Modellreihe' and per group
'<Monat> <Jahr>', 'Jan. - <Monat> <Jahr>', 'Anteil in %'. The month is read from that header (German text)
and must agree with a `fz10_YYYY_MM` file name. `Marke` is filled on a make's first model row only; each
make ends with '<MAKE> ZUSAMMEN', the table with 'NEUZULASSUNGEN INSGESAMT', footnotes after it. Text
symbols stand for missing values: '-' nothing (0), '/', '.', 'X' and '()' no reliable figure (empty).
The makes' BEV subtotals must add up to the national BEV total, so a shifted column cannot pass unnoticed.
SSANGYONG (renamed KGM on 1 April 2025) is given as KGM so the make is one series.

Licence: Datenlizenz Deutschland – Namensnennung 2.0, "© Kraftfahrt-Bundesamt, Flensburg".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from evdash.connectors import national, sheets
from evdash.connectors.base import FormatError, Parsed

SOURCE = "kba"
PARSER_VERSION = "kba-fz10-1"
SOURCE_URL = "https://www.kba.de/DE/Statistik/Produktkatalog/produkte/Fahrzeuge/fz10"
LICENCE = "Datenlizenz Deutschland – Namensnennung 2.0; © Kraftfahrt-Bundesamt, Flensburg"
MARKET = "DEU"
BEV_GROUP = "mit Elektroantrieb (BEV)"
ALL_GROUP = "Insgesamt"
TOTAL_ROW = "NEUZULASSUNGEN INSGESAMT"
SUBTOTAL = " ZUSAMMEN"
OTHERS = "SONSTIGE"
BEV_SCOPE = "KBA FZ 10, BEV (mit Elektroantrieb)"
ALL_SCOPE = "KBA FZ 10, all new passenger cars"
# KBA's make -> the product's brand id (data/seeds/brands.csv); other makes keep KBA's name only.
BRAND_IDS = {
    "BYD": "byd",
    "LEAPMOTOR": "leapmotor",
    "LYNK & CO": "lynk_co",
    "MG ROEWE": "mg",
    "NIO": "nio",
    "PORSCHE": "porsche",
    "TESLA": "tesla",
    "TOYOTA": "toyota",
    "VW": "volkswagen",
    "XPENG": "xpeng",
    "ZEEKR": "zeekr",
}
RENAMED = {"SSANGYONG": "KGM"}  # footnote of the 2025 files: renamed on 1 April 2025
MONTHS = {
    "januar": 1,
    "februar": 2,
    "märz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
}
NOTHING = "-"
NO_FIGURE = frozenset({"/", ".", "X", "x", "()", "…", "..."})


@dataclass
class Line:
    """One data row of the table: a model series, a make's subtotal or the national total."""

    kind: str  # model / brand / market
    make: str
    series: str
    bev_month: int | None
    bev_ytd: int | None
    all_month: int | None
    row: int  # 0-based sheet row, for messages


@dataclass
class Table:
    """What one FZ 10 file says (the month's and the year-to-date columns of the BEV and total groups)."""

    month: dt.date
    published: dt.date | None
    published_text: str
    sheet: str
    lines: list[Line] = field(default_factory=list)

    def total(self) -> Line:
        return next(line for line in self.lines if line.kind == "market")


def _month(text: str) -> dt.date | None:
    m = re.fullmatch(r"([A-Za-zäÄ]+)\.?\s*(\d{4})", sheets.clean(text))
    if not m or m.group(1).lower() not in MONTHS:
        return None
    return dt.date(int(m.group(2)), MONTHS[m.group(1).lower()], 1)


def _published(text: str) -> dt.date | None:
    """'8. Januar 2026' -> 2026-01-08; 'Januar 2025' (month only) -> 2025-01-01."""
    m = re.fullmatch(r"(?:(\d{1,2})\.\s*)?([A-Za-zäÄ]+)\s+(\d{4})", sheets.clean(text))
    if not m or m.group(2).lower() not in MONTHS:
        return None
    return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1) or 1))


def _number(value: object, cell: Callable[[], str], column: str) -> int | None:
    """A count cell: a number, '-' (nothing = 0) or a symbol for 'no reliable figure' (None). `cell()`
    names the cell for a message (only built when one is needed: the table has ~20,000 cells)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 and value == int(value):
        return int(value)
    where = cell()
    if isinstance(value, bool):
        raise FormatError(f"{where}: '{value}' in '{column}' is not a count")
    if isinstance(value, int | float):
        if value < 0 or value != int(value):
            raise FormatError(f"{where}: {value} in '{column}' is not a count of cars")
        return int(value)
    text = str(value).strip()
    if text == NOTHING:
        return 0
    if text in NO_FIGURE or text == "":
        return None
    raise FormatError(f"{where}: '{text}' in '{column}' is neither a number nor one of KBA's symbols")


def _find_header(name: str, book_sheets: list[tuple[str, sheets.Rows]]) -> tuple[str, sheets.Rows, int, int]:
    """(sheet, rows, group header row, BEV group column): the sheet whose header names the BEV group."""
    seen = []
    for sheet_name, rows in book_sheets:
        for r, cells in enumerate(rows[:40]):
            for c, cell in enumerate(cells):
                if sheets.clean(cell) == BEV_GROUP:
                    return sheet_name, rows, r, c
        seen.append(sheet_name)
    raise FormatError(
        f"{name}: no sheet has the column group '{BEV_GROUP}' in its header (sheets: {', '.join(seen)}); "
        "the FZ 10 layout has changed"
    )


@dataclass(frozen=True)
class _Header:
    """Where the FZ 10 table is: its sheet and rows, the row under the fuel groups (`sub`, its cleaned
    texts) and the columns of the make, the model series, the BEV group and the all-cars group."""

    sheet: str
    rows: sheets.Rows
    sub_row: int
    sub: list[str]
    bev_col: int
    all_col: int
    make_col: int
    series_col: int


def _columns(name: str, sheet: str, rows: sheets.Rows, group_row: int, bev_col: int) -> _Header:
    """The table's columns from the fuel-group row and the row under it; FormatError naming the cell when
    the row under the groups, the all-cars group or 'Marke' and 'Modellreihe' are missing."""
    sub_row = group_row + 1
    if sub_row >= len(rows):
        raise FormatError(
            f"{sheets.where(name, sheet, sub_row)}: the header row under the fuel groups is missing"
        )
    groups = {sheets.clean(cell): c for c, cell in enumerate(rows[group_row]) if sheets.clean(cell)}
    if ALL_GROUP not in groups:
        raise FormatError(f"{sheets.where(name, sheet, group_row)}: no column group '{ALL_GROUP}'")
    all_col = groups[ALL_GROUP]
    sub = [sheets.clean(cell) for cell in rows[sub_row]]
    try:
        make_col, series_col = sub.index("Marke"), sub.index("Modellreihe")
    except ValueError:
        raise FormatError(
            f"{sheets.where(name, sheet, sub_row)}: no columns 'Marke' and 'Modellreihe' in the header"
        ) from None
    return _Header(sheet, rows, sub_row, sub, bev_col, all_col, make_col, series_col)


def _header_month(name: str, head: _Header) -> dt.date:
    """The file's month, read from the BEV group's month column; FormatError when it is not a month, the
    year-to-date and all-cars columns do not follow the layout, or a `fz10_YYYY_MM` file name disagrees."""
    sheet, sub, sub_row, bev_col, all_col = head.sheet, head.sub, head.sub_row, head.bev_col, head.all_col
    month = _month(sub[bev_col]) if bev_col < len(sub) else None
    if month is None:
        raise FormatError(
            f"{sheets.where(name, sheet, sub_row, bev_col)}: '{sub[bev_col] if bev_col < len(sub) else ''}' "
            f"under '{BEV_GROUP}' is not a month ('<Monat> <Jahr>')"
        )
    for col, label in ((bev_col + 1, "Jan."), (all_col, "")):
        text = sub[col] if col < len(sub) else ""
        if not text.startswith(label) or (col == all_col and _month(text) != month):
            raise FormatError(
                f"{sheets.where(name, sheet, sub_row, col)}: expected "
                f"{'the year-to-date column (Jan. - ...)' if label else 'the month ' + f'{month:%Y-%m}'}, "
                f"found '{text}'"
            )
    m = re.search(r"(\d{4})_(\d{2})", name)
    if m and (int(m.group(1)), int(m.group(2))) != (month.year, month.month):
        raise FormatError(
            f"{sheets.where(name, sheet, sub_row, bev_col)}: the header says {month:%Y-%m}, the file name "
            f"{m.group(1)}-{m.group(2)}"
        )
    return month


def _published_text(all_sheets: list[tuple[str, sheets.Rows]], data_sheet: str) -> str:
    """The text after 'Veröffentlichung' in the imprint ('8. Januar 2026'); '' when no sheet states it."""
    published_text = ""
    for imprint_name, imprint in all_sheets:
        if imprint_name == data_sheet:
            continue  # the data sheet is large and holds no publication date
        for cells in imprint:
            texts = [sheets.clean(c) for c in cells if c not in ("", None)]
            if len(texts) >= 2 and texts[0].startswith("Veröffentlichung"):
                published_text = texts[1]
    return published_text


def _counts(
    name: str, head: _Header, cells: list[sheets.Cell], r: int
) -> tuple[int | None, int | None, int | None]:
    """(BEV this month, BEV year to date, all cars this month) of sheet row `r`; FormatError naming the
    cell when the row ends before the BEV columns or a cell is not a count."""
    bev_col, all_col = head.bev_col, head.all_col
    if len(cells) <= bev_col + 1:
        raise FormatError(
            f"{sheets.where(name, head.sheet, r, bev_col)}: the row ends before the '{BEV_GROUP}' columns"
        )

    def at(col: int, row: int = r) -> Callable[[], str]:
        return lambda: sheets.where(name, head.sheet, row, col)

    bev = _number(cells[bev_col], at(bev_col), f"{BEV_GROUP}: {head.sub[bev_col]}")
    ytd = _number(cells[bev_col + 1], at(bev_col + 1), f"{BEV_GROUP}: Jan.")
    total = _number(cells[all_col], at(all_col), f"{ALL_GROUP}: {head.sub[all_col]}")
    return bev, ytd, total


def _read_lines(name: str, head: _Header, table: Table) -> None:
    """Add the table's lines to `table`, from the row under the header to the national total row: model
    series, each make's subtotal and the total. FormatError when a subtotal does not close its make, a
    series has no make, or the sheet ends before the total row."""
    sheet, rows, make_col, series_col = head.sheet, head.rows, head.make_col, head.series_col
    make = ""
    for r in range(head.sub_row + 1, len(rows)):
        cells = rows[r]
        first = sheets.clean(cells[make_col]) if make_col < len(cells) else ""
        series = sheets.clean(cells[series_col]) if series_col < len(cells) else ""
        if not first and not series:
            if not make:
                continue
            break  # the blank row before the footnotes: the table ended without its total row
        bev, ytd, total = _counts(name, head, cells, r)
        if first == TOTAL_ROW:
            table.lines.append(Line("market", "", "", bev, ytd, total, r))
            break
        if first.endswith(SUBTOTAL):
            subtotal_make = first.removesuffix(SUBTOTAL)
            if make and subtotal_make != make:
                raise FormatError(
                    f"{sheets.where(name, sheet, r, make_col)}: subtotal '{first}' "
                    f"does not close make '{make}'"
                )
            table.lines.append(Line("brand", subtotal_make, "", bev, ytd, total, r))
            make = ""
            continue
        if first:
            make = first
        if not make:
            raise FormatError(
                f"{sheets.where(name, sheet, r, make_col)}: a model series without a make ('Marke')"
            )
        table.lines.append(Line("model", make, series, bev, ytd, total, r))
    else:
        raise FormatError(
            f"{sheets.where(name, sheet)}: no '{TOTAL_ROW}' row; the table is cut off (truncated file?)"
        )


def _check_total(name: str, head: _Header, table: Table) -> None:
    """FormatError unless the table ends with its national total row and the makes' BEV subtotals agree
    with that total (a shifted column cannot pass unnoticed)."""
    if not table.lines or table.lines[-1].kind != "market":
        last = table.lines[-1].row if table.lines else head.sub_row
        raise FormatError(
            f"{sheets.where(name, head.sheet, last + 1)}: the table ends before its '{TOTAL_ROW}' row"
        )
    # The makes' subtotals (with 'SONSTIGE ZUSAMMEN' where the file has it; the Dec 2024 file has none, its
    # other makes are only in the total) add up to the national total: else the columns have moved.
    brands = [line for line in table.lines if line.kind == "brand"]
    makes_sum = sum(line.bev_month or 0 for line in brands)
    national_bev = table.total().bev_month
    has_others = any(line.make == OTHERS for line in brands)
    if national_bev is None or makes_sum > national_bev or (has_others and makes_sum != national_bev):
        raise FormatError(
            f"{sheets.where(name, head.sheet, table.total().row, head.bev_col)}: the makes' BEV subtotals "
            f"add up to {makes_sum:,}, the '{TOTAL_ROW}' row says {national_bev}; the columns have moved"
        )


def read(data: bytes, name: str) -> Table:
    """The FZ 10 table in `data` (raises FormatError naming file, sheet, row and column)."""
    book = sheets.open_workbook(data, name)
    all_sheets = list(sheets.sheets(book, name))
    sheet, rows, group_row, bev_col = _find_header(name, all_sheets)
    head = _columns(name, sheet, rows, group_row, bev_col)
    month = _header_month(name, head)
    published_text = _published_text(all_sheets, sheet)
    table = Table(month, _published(published_text), published_text, sheet)
    _read_lines(name, head, table)
    _check_total(name, head, table)
    return table


def _make(name: str) -> str:
    return RENAMED.get(name, name)


@dataclass(frozen=True)
class _Dating:
    """What every row of one file carries: its month, its as-of date (the publication date) and, when the
    imprint gives the month only, the note saying the date was set to the 1st."""

    month: dt.date
    as_of: dt.date
    dated: str | None


def _dating(table: Table, name: str) -> _Dating:
    """The file's month and publication date; FormatError naming the imprint when it states no date."""
    if table.published is None:
        raise FormatError(
            f"{name}, sheet Impressum: no publication date ('Veröffentlichung: <Tag>. <Monat> <Jahr>'), "
            f"found '{table.published_text}'"
        )
    dated = (
        None
        if re.match(r"\d", table.published_text)
        else f"published '{table.published_text}' (month only): dated to the 1st"
    )
    return _Dating(table.month, table.published, dated)


def _row(
    dating: _Dating, kind: str, subject: str, units: int | None, powertrain: str = "BEV", **extra: str | None
) -> dict[str, object]:
    """One reported row of the file's month (`extra`: brand and a note, joined with the file's notes)."""
    missing = "KBA: no reliable figure ('/')" if units is None else None
    note = "; ".join(n for n in (extra.pop("note", None), missing, dating.dated) if n) or None
    return national.row(
        MARKET,
        dating.month,
        powertrain,
        kind,
        subject,
        units,
        SOURCE_URL,
        dating.as_of,
        "reported",
        scope_note=BEV_SCOPE if powertrain == "BEV" else ALL_SCOPE,
        note=note,
        **extra,
    )


def _make_rows(table: Table, dating: _Dating) -> list[dict[str, object]]:
    """Each make's BEV row (0 where KBA prints '-'), each model series with BEV registrations, and the
    other makes (the national total minus the listed makes when the file has no 'SONSTIGE' subtotal)."""
    rows = []
    for line in table.lines:
        make = _make(line.make)
        renamed = f"KBA: {line.make} (renamed {make} on 1 April 2025)" if make != line.make else None
        brand = BRAND_IDS.get(make)
        if line.kind == "brand":
            subject = "Other makes" if make == OTHERS else make
            rows.append(_row(dating, "brand", subject, line.bev_month, brand=brand, note=renamed))
        elif line.kind == "model" and line.bev_month:
            series = "other series" if line.series == OTHERS else line.series
            rows.append(_row(dating, "model", f"{make} {series}", line.bev_month, brand=brand, note=renamed))
    listed = sum(line.bev_month or 0 for line in table.lines if line.kind == "brand")
    if not any(line.make == OTHERS for line in table.lines if line.kind == "brand"):
        rows.append(
            _row(
                dating,
                "brand",
                "Other makes",
                (table.total().bev_month or 0) - listed,
                note="not a row of this file: the national total minus the makes it lists",
            )
        )
    return rows


def parse(data: bytes, name: str) -> Parsed:
    """Rows of the `national_registrations` kind for the file's month: the national BEV total and all new
    cars, each make's BEV registrations (every make in the file, 0 where KBA prints '-'), and each model
    series with BEV registrations. Reported figures; `as_of` = the publication date in the `Impressum`."""
    table = read(data, name)
    dating = _dating(table, name)
    month = dating.month
    total = table.total()
    rows = [
        _row(dating, "market", "All makes", total.bev_month),
        _row(dating, "market", "All makes", total.all_month, powertrain="all"),
        *_make_rows(table, dating),
    ]
    notes = [f"{month:%b %Y}: {total.bev_month:,} BEV of {total.all_month:,} new cars in Germany"]
    if total.bev_ytd is not None and month.month > 1:
        notes.append(f"Jan–{month:%b %Y} in the same file: {total.bev_ytd:,} BEV")
    return Parsed(national.KIND, national.frame(rows), f"{month:%b %Y}", dating.as_of, tuple(notes))
