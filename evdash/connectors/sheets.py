"""Reading publishers' workbooks (XLSX, ODS) with python-calamine, for the connectors: open the bytes,
give every sheet as rows of cells at their spreadsheet positions, name a cell as a person finds it
('sheet FZ 10.1, row 562, column AJ'), and normalise header text (line breaks, note markers, spaces).
Every failure is a `FormatError` naming the file."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import python_calamine

from evdash.connectors.base import FormatError

Cell = Any  # what calamine gives: str, int, float, bool, date, datetime, time, timedelta
Rows = list[list[Cell]]


def open_workbook(data: bytes, name: str) -> python_calamine.CalamineWorkbook:
    """The workbook in `data`; a truncated or non-spreadsheet file is a FormatError naming `name`."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own errors (CalamineError, ZipError, XmlError) and others
        raise FormatError(
            f"{name}: not a readable spreadsheet ({len(data):,} bytes; truncated or not XLSX/ODS): {exc}"
        ) from exc


def sheets(book: python_calamine.CalamineWorkbook, name: str) -> Iterator[tuple[str, Rows]]:
    """(sheet name, rows) for every sheet; row i of the list is spreadsheet row i + 1, cell j column j + 1."""
    for sheet_name in book.sheet_names:
        try:
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise FormatError(f"{name}, sheet {sheet_name}: cannot be read ({exc})") from exc
        yield sheet_name, rows


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA' (spreadsheet column names, for messages)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def where(name: str, sheet: str, row: int | None = None, col: int | None = None) -> str:
    """'fz10_2025_12.xlsx, sheet FZ 10.1, row 562, column AJ' from 0-based row and column indexes."""
    parts = [name, f"sheet {sheet}"]
    if row is not None:
        parts.append(f"row {row + 1}")
    if col is not None:
        parts.append(f"column {column_letter(col)}")
    return ", ".join(parts)


def clean(value: Cell) -> str:
    """Header text as a person reads it: line breaks and repeated spaces collapsed, note markers such as
    '[note 3]' removed ('Geography [note 3]' -> 'Geography')."""
    text = re.sub(r"\[\s*note\s*\d+\s*\]", "", str(value), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()
