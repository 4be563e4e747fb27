"""CSV exports of exactly the frame a chart drew.

Contract:
- `csv_bytes(frame)`: UTF-8 with BOM (spreadsheets detect the encoding), comma-separated, CRLF line
  ends, ISO dates, no index. Text cells that a spreadsheet would run as a formula (starting with
  `= + - @ TAB CR`) get a leading apostrophe; numeric columns are written untouched.
- `export_filename(view, filters, as_of)`: `evdash_<view>_<k-v>_asof-<date>.csv`, safe characters only.
- `zip_bytes(...)`: `data.csv` + `README.md` (view, filters, data version and as-of, columns, sources):
  the metadata travels with the numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from evdash import labels

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed timestamp: the same export gives the same bytes


def escape_formula(value: object) -> object:
    """Neutralise spreadsheet formulas in a text cell; leave everything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_formula)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    text = safe_frame(frame).to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return ("\ufeff" + text).encode("utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()[:40]


def export_filename(view: str, filters: Mapping[str, object], as_of: str, ext: str = "csv") -> str:
    parts = [f"evdash_{_slug(view)}"]
    for key, value in filters.items():
        if isinstance(value, list | tuple):
            value = "+".join(str(v) for v in value) if value else "all"
        parts.append(f"{_slug(key)}-{_slug(str(value))}")
    parts.append(f"asof-{_slug(as_of)}")
    return "_".join(parts) + f".{ext}"


def readme_text(
    view: str,
    filters: Mapping[str, object],
    data_version: str,
    as_of: str,
    columns: Sequence[str],
    sources: Sequence[str] = (),
) -> str:
    lines = [
        f"# evdash export: {view}",
        "",
        f"- data as of: {as_of}",
        f"- data version: {data_version}",
        "- filters:",
        *(f"  - {k}: {v}" for k, v in filters.items()),
        "",
        "## Columns",
        *(f"- {c}" for c in columns),
        "",
        "Confidence values: `reported` (exact, stated by the company or an official body),",
        '`lower_bound` ("over N": the true value is at least N), `estimate` (third-party or derived).',
    ]
    if sources:
        lines += ["", "## Sources", *(f"- {s}" for s in sources)]
    return "\n".join(lines) + "\n"


def zip_bytes(frame: pd.DataFrame, readme: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in (("data.csv", csv_bytes(frame)), ("README.md", readme.encode("utf-8"))):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, payload)
    return buf.getvalue()


# --- Excel (.xlsx) -------------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INT_FORMAT = "#,##0"
YEAR_FORMAT = "0"  # 2025, not 2,025
FLOAT_FORMAT = "#,##0.0##"
PCT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
AT_LEAST_PREFIX = '"≥ "'  # shown before a lower bound's number; the cell stays a number
MAX_WIDTH = 60
CONFIDENCE_LEGEND = (
    ("reported", "exact, stated by the company or an official body"),
    ("lower_bound", "'over N': the true value is at least N (shown as ≥ N)"),
    ("estimate", "third-party or derived"),
)


LOWER_BOUND_TEXTS = ("lower_bound", labels.CONFIDENCE["lower_bound"])


def _is_pct(column: str) -> bool:
    """Columns holding percentages as numbers of percent (14.5 = 14.5 %), by the naming convention."""
    name = column.lower()
    return name.endswith(("_pct", "pct")) or "_pct_" in name or name == "gap_pct"


def _is_year(column: str) -> bool:
    name = column.lower()
    return name == "year" or name.endswith("_year")


def _lower_bound_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose figures are lower bounds: a true `*is_at_least*` flag or a `*confidence*` of lower_bound
    (the code, or its label in the download of a table that shows labels)."""
    marks = pd.Series(False, index=frame.index)
    for column in frame.columns:
        name = str(column).lower()
        if "is_at_least" in name:
            marks |= frame[column].fillna(False).astype(bool)
        elif "confidence" in name:  # the code, or its label in a table's download (evdash.labels)
            marks |= frame[column].astype("string").fillna("").isin(LOWER_BOUND_TEXTS)
    return marks


def _cell_value(value: Any) -> Any:
    if (
        value is None
        or value is pd.NaT
        or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value))
    ):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def frame_sources(frame: pd.DataFrame) -> list[str]:
    """The distinct http(s) URLs in a frame's source columns (`source`, `source_url`, `*_source`)."""
    urls: list[str] = []
    for column in frame.columns:
        if "source" in str(column).lower() and not pd.api.types.is_numeric_dtype(frame[column]):
            for value in frame[column].dropna().astype(str):
                urls += [
                    u.strip() for u in value.split(" ; ") if u.strip().startswith(("http://", "https://"))
                ]
    return sorted(set(urls))


def xlsx_bytes(
    frame: pd.DataFrame,
    view: str,
    filters: Mapping[str, object],
    data_version: str,
    as_of: str,
    in_force: str,
    sources: Sequence[str] = (),
) -> bytes:
    """A workbook with exactly `frame` on sheet "Data" and an "About this export" sheet.

    Data: a bold, frozen header row; numbers stay numbers with thousands separators (`#,##0`), `*_pct`
    columns become percentages (14.5 → 14.5 %), dates and datetimes are dates (`yyyy-mm-dd`), booleans
    booleans; in rows whose figures are lower bounds (a true `*is_at_least*` or a `lower_bound`
    confidence) the `*units*` numbers show as "≥ 136,854" while staying numbers; column widths fit the
    longest value (at most 60). Every text cell is written as text: a value such as `=HYPERLINK(…)`
    shows literally and is never a formula. About: view, filters, in-force date, data version and as-of,
    the columns, the sources and the confidence legend."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    _write_data_sheet(ws, frame)
    about = wb.create_sheet("About this export")
    head = [
        ("evdash export", view),
        ("data as of", as_of),
        ("data version", data_version),
        ("in force on", in_force),
        ("rows", f"{len(frame):,}"),
    ]
    _write_about_sheet(about, _about_rows(frame, head, filters, sources))

    buf = io.BytesIO()
    wb.properties.created = dt.datetime(2000, 1, 1)  # the same export gives the same content
    wb.properties.modified = dt.datetime(2000, 1, 1)
    wb.save(buf)
    return buf.getvalue()


def _write_data_sheet(ws: Any, frame: pd.DataFrame) -> None:
    """`frame` on the Data sheet: a bold header row, frozen; each column's cells written and formatted by
    `_write_column`; each column as wide as its longest value (at most MAX_WIDTH)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    lower = _lower_bound_rows(frame)
    widths: list[int] = []
    for col, name in enumerate(frame.columns, start=1):
        header = ws.cell(row=1, column=col)
        header.value = str(name)
        header.data_type = "s"
        header.font = bold
        widths.append(_write_column(ws, col, str(name), frame[name], lower))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
    ws.freeze_panes = "A2"


def _write_column(ws: Any, col: int, name: str, series: pd.Series, lower: pd.Series) -> int:
    """Write one column's values under its header (row 2 on) and return its width in characters: text as
    text (never a formula), `*_pct` numbers as percentages, dates as dates, other numbers with thousands
    separators (a year without), and "≥ " before the `*units*` numbers of lower-bound rows."""
    kind = series.dtype.kind if hasattr(series.dtype, "kind") else "O"
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    integral = numeric and (kind in "iu" or bool((series.dropna() % 1 == 0).all()))
    pct = numeric and _is_pct(name)
    units = numeric and "units" in name.lower()
    width = len(name)
    for row, (value, is_lower) in enumerate(zip(series, lower, strict=True), start=2):
        cell = ws.cell(row=row, column=col)
        written = _cell_value(value)
        if isinstance(written, str):
            cell.value = written
            cell.data_type = "s"  # text, even when it starts with "=": never a formula
            width = max(width, len(written))
            continue
        if pct and isinstance(written, int | float) and not isinstance(written, bool):
            cell.value = float(written) / 100
            cell.number_format = PCT_FORMAT
            width = max(width, len(f"{float(written):.1f}%"))
            continue
        cell.value = written
        if isinstance(written, dt.datetime | dt.date):
            cell.number_format = DATE_FORMAT
            width = max(width, 10)
        elif isinstance(written, int | float) and not isinstance(written, bool):
            fmt = YEAR_FORMAT if _is_year(name) else (INT_FORMAT if integral else FLOAT_FORMAT)
            cell.number_format = (AT_LEAST_PREFIX + fmt) if (units and is_lower) else fmt
            width = max(
                width, len(f"{written:,.0f}") + (2 if units and is_lower else 0) + (0 if integral else 4)
            )
        elif written is not None:
            width = max(width, len(str(written)))
    return width


def _about_rows(
    frame: pd.DataFrame,
    head: Sequence[tuple[str, str]],
    filters: Mapping[str, object],
    sources: Sequence[str],
) -> list[tuple[str, str]]:
    """The About sheet's (key, value) rows: `head` (view, as-of, data version, in-force date, row count),
    then the filters, the columns, the confidence legend, what '≥' means and the sources; ('', '')
    between blocks."""
    rows = list(head)
    rows += [
        (f"filter: {k}", "+".join(map(str, v)) if isinstance(v, list | tuple) else str(v))
        for k, v in filters.items()
    ]
    rows += [("", ""), ("Columns", "")] + [(str(c), "") for c in frame.columns]
    rows += [("", ""), ("Confidence", "")] + [(k, v) for k, v in CONFIDENCE_LEGEND]
    rows += [
        ("", ""),
        ("'≥' before a number", "a lower bound: the figure is at least this (the cell holds N)"),
    ]
    if sources:
        rows += [("", ""), ("Sources", "")] + [("", str(s)) for s in sources]
    return rows


def _write_about_sheet(about: Any, rows: Sequence[tuple[str, str]]) -> None:
    """The About sheet: every row as text in columns A and B, a block's title (a key without a value) in
    bold."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for r, (key, value) in enumerate(rows, start=1):
        for c, text in enumerate((key, value), start=1):
            cell = about.cell(row=r, column=c)
            cell.value = text
            cell.data_type = "s"
        if key and not value:
            about.cell(row=r, column=1).font = bold
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 90
