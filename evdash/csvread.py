"""Reading and checking CSV files against a table of the schema: the one home of the cell rules (types,
minimums, allowed values, required columns) and of naming the row the database rejects.

Both the seed build (`evdash.build`) and analyst imports (`evdash.apply`) read their CSVs here, so a
bad cell gives the same message whichever way the file came in: file, line (the header is line 1, as a
spreadsheet counts) and column.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb
import pandas as pd

from evdash import confidence, config, iofaults

# Tables whose `row_id` the build assigns (their CSVs have no row_id column).
ROW_ID_TABLES = frozenset({"deliveries_monthly", "delivery_totals", "targets", "market_stats", "events"})
MAX_ERRORS = 100  # problems listed; the first ones in file order, the rest only counted
# Names (brand, model, market, source titles, subjects): no control characters (NUL, CR/LF, tab, C1) and no
# bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069), which make a name read differently on
# screen than it is stored. Other text cells refuse NUL and control characters but keep tabs and line breaks.
NAME_COLUMNS = frozenset(
    {"name", "brand", "brand_id", "model", "model_id", "model_name", "variant", "variant_id", "market"}
    | {"market_code", "publisher", "title", "subject", "source_id", "parent_group", "region_name"}
    | {"subregion_name"}
)
_NAME_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TEXT_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
SHOWN_CHARS = 40  # a value echoed in a message is cut here, with its length said


class Problems(list[str]):
    """Problem messages plus how many more of the same kind were found but not listed (`hidden`)."""

    hidden: int = 0


class SeedError(ValueError):
    """A seed or import file was rejected. `errors` lists the first MAX_ERRORS problems found, each with
    its place, and then how many more there are (`more`)."""

    def __init__(self, errors: Sequence[str], more: int = 0) -> None:
        listed = [e for e in errors if not e.startswith("… and ")]
        self.more = more + getattr(errors, "hidden", 0) + max(0, len(listed) - MAX_ERRORS)
        self.errors = listed[:MAX_ERRORS]
        if self.more:
            self.errors.append(f"… and {self.more:,} more problem(s) not listed (the first {MAX_ERRORS} are)")
        super().__init__("\n".join(self.errors))


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A cell value as a message shows it: quoted, non-printable characters as \\uXXXX, and when long cut
    with an ellipsis and its length given (a 50 MB name is never echoed back)."""
    text = str(value)
    safe = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:limit])
    return f"'{safe}…' ({len(text):,} characters)" if len(text) > limit else f"'{safe}'"


def check_shape(data: bytes, name: str, sep: str = ",") -> int:
    """The shape of an import file, checked on its bytes before it is parsed and without copying them:
    columns in the header (EVDASH_IMPORT_MAX_COLUMNS), bytes per line (EVDASH_IMPORT_MAX_LINE) and data
    rows (EVDASH_IMPORT_MAX_ROWS). Raises SeedError with one message; returns the number of lines after
    the header."""
    header_end = data.find(b"\n")
    header_end = len(data) if header_end < 0 else header_end
    max_columns = config.import_max_columns()
    columns = data.count(sep.encode(), 0, header_end) + 1
    if columns > max_columns:
        raise SeedError(
            [
                f"{name}, line 1: {columns:,} columns, over the limit of {max_columns:,} per file "
                "(EVDASH_IMPORT_MAX_COLUMNS); an import file has the columns of its kind's format"
            ]
        )
    max_line = config.import_max_line()
    pos, line, size = 0, 1, len(data)
    while pos < size:
        end = data.find(b"\n", pos)
        end = size if end < 0 else end
        if end - pos > max_line:
            raise SeedError(
                [
                    f"{name}, line {line}{_widest_column(data, pos, end, header_end, sep)}: "
                    f"{end - pos:,} bytes long, over the limit of {max_line:,} bytes per line "
                    "(EVDASH_IMPORT_MAX_LINE); the value is not shown"
                ]
            )
        pos, line = end + 1, line + 1
    rows = data.count(b"\n", header_end) - (1 if data.endswith(b"\n") else 0)
    max_rows = config.import_max_rows()
    if rows > max_rows:
        raise SeedError([f"{name}: {rows:,} rows, over the limit of {max_rows:,} (EVDASH_IMPORT_MAX_ROWS)"])
    return rows


def _widest_column(data: bytes, start: int, end: int, header_end: int, sep: str) -> str:
    """ ", column '<name>'" of the widest cell of the line data[start:end] (split at `sep`, quotes not
    considered; at most the header's number of cells are looked at), or "" when it cannot be told."""
    if start == 0 or header_end > config.import_max_line():  # the long line is the header itself
        return ""
    header = data[:header_end].decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    names = [n.strip().strip('"') for n in header.split(sep)]
    widest, widest_at, pos = -1, 0, start
    for index in range(len(names)):
        cut = data.find(sep.encode(), pos, end)
        cell_end = end if cut < 0 else cut
        if cell_end - pos > widest:
            widest, widest_at = cell_end - pos, index
        if cut < 0:
            break
        pos = cut + 1
    return f", column {shown(names[widest_at])}"


def _check_text(series: pd.Series, col: Column, where: str, errors: list[str]) -> pd.Series:
    """Refuse over-long cells and forbidden characters (names: none of _NAME_BAD, and at most
    EVDASH_IMPORT_MAX_NAME characters; other text: none of _TEXT_BAD, at most EVDASH_IMPORT_MAX_CELL).
    Returns the mask of refused cells (the caller empties them)."""
    is_name = col.name in NAME_COLUMNS
    limit, setting = (
        (config.import_max_name(), "EVDASH_IMPORT_MAX_NAME")
        if is_name
        else (config.import_max_cell(), "EVDASH_IMPORT_MAX_CELL")
    )
    too_long = series.str.len() > limit
    for i in first_bad(too_long, errors):
        errors.append(
            f"{where}, line {i + 2}, column '{col.name}': {shown(series[i])} is longer than the "
            f"{limit:,} characters a {'name' if is_name else 'cell'} may have ({setting})"
        )
    forbidden = series.str.contains(_NAME_BAD if is_name else _TEXT_BAD, regex=True) & ~too_long
    for i in first_bad(forbidden, errors):
        errors.append(
            f"{where}, line {i + 2}, column '{col.name}': {shown(series[i])} contains "
            f"{_forbidden_character(str(series[i]))}, which {'a name' if is_name else 'a cell'} may not"
        )
    return too_long | forbidden


def name_problem(value: str) -> str | None:
    """What makes `value` unfit for a name-like one-line text (a NUL byte, CR/LF, a control character, a
    bidirectional override), in words; None when it is fine. The rule every name cell follows."""
    return _forbidden_character(value) if _NAME_BAD.search(value) else None


def _forbidden_character(value: str) -> str:
    if "\x00" in value:
        return "a NUL byte"
    if "\r" in value or "\n" in value:
        return "a line break (CR/LF)"
    bidi = _BIDI.search(value)
    if bidi:
        return f"a bidirectional override (U+{ord(bidi.group()):04X})"
    bad = _NAME_BAD.search(value)
    return f"a control character (U+{ord(bad.group()) if bad else 0:04X})"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # SQL type; importer formats also use the pseudo-type MONTH (YYYY-MM)
    nullable: bool
    minimum: float | None = None  # numbers below this are rejected with the column named
    allowed: tuple[str, ...] | None = None  # text columns: the only values accepted


def target_table(table: str) -> str:
    """The schema table a seed file loads into (`market_groups.csv` seeds the group rows of `markets`)."""
    return "markets" if table == "market_groups" else table


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    """The columns a CSV for `table` has, in schema order (without the build-assigned `row_id`)."""
    rows = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_name = $t order by ordinal_position",
        {"t": target_table(table)},
    ).fetchall()
    cols = [Column(name, dtype, nullable == "YES") for name, dtype, nullable in rows]
    if table == "market_groups":
        cols = [c for c in cols if c.name != "kind"]
    if table in ROW_ID_TABLES:
        cols = [c for c in cols if c.name != "row_id"]
    return cols


def first_bad(mask: pd.Series, errors: list[str] | None = None) -> list[int]:
    """Positions of the first MAX_ERRORS true cells; the rest are counted in `errors.hidden`."""
    bad = mask[mask].index
    if isinstance(errors, Problems) and len(bad) > MAX_ERRORS:
        errors.hidden += len(bad) - MAX_ERRORS
    return [int(i) for i in bad[:MAX_ERRORS]]


def _convert_column(
    series: pd.Series, col: Column, where: str, errors: list[str], decimal_comma: bool = False
) -> pd.Series:
    """Validate one text column against its SQL type; return it typed. Appends errors with line numbers
    (the CSV header is line 1, so frame index i is line i + 2)."""
    refused = _check_text(series, col, where, errors)
    if refused.any():
        series = series.where(~refused, "")
    text = series.str.strip()
    empty = text.eq("") & ~refused
    if not col.nullable:
        for i in first_bad(empty, errors):
            errors.append(f"{where}, line {i + 2}, column '{col.name}': value is required but empty")
    cells = _Cells(series, text, ~empty, col, where, errors)
    dtype = col.data_type.upper()
    if dtype in {"INTEGER", "BIGINT", "SMALLINT"}:
        return _as_whole_numbers(cells)
    if dtype == "DOUBLE" or dtype.startswith("DECIMAL"):
        return _as_numbers(cells, decimal_comma)
    if dtype == "MONTH":
        return _as_months(cells)
    if dtype == "DATE":
        return _as_dates(cells)
    if dtype == "BOOLEAN":
        return _as_booleans(cells)
    if dtype.startswith("ENUM") or col.name == "confidence":
        return _one_of(cells, confidence.ORDER)
    if col.allowed is not None:
        return _one_of(cells, col.allowed)
    return series.where(cells.present, None)


@dataclass
class _Cells:
    """One column being converted: its cells as read (`raw`, for messages), stripped (`text`), which
    are given (`present`), the column, where it is (for messages) and the errors found so far."""

    raw: pd.Series
    text: pd.Series
    present: pd.Series
    col: Column
    where: str
    errors: list[str]

    def refuse(self, bad: pd.Series, what: str) -> None:
        """Name the first bad cells: '<where>, line n, column 'c': <value> <what>'."""
        for i in first_bad(bad, self.errors):
            self.errors.append(
                f"{self.where}, line {i + 2}, column '{self.col.name}': {shown(self.raw[i])} {what}"
            )


def _as_whole_numbers(cells: _Cells) -> pd.Series:
    """An INTEGER / BIGINT / SMALLINT column as Int64, its minimum checked."""
    ok = cells.text.str.fullmatch(r"[+-]?\d+")
    cells.refuse(cells.present & ~ok, "is not a whole number")
    ints = pd.to_numeric(cells.text.where(cells.present & ok), errors="coerce").astype("Int64")
    _check_minimum(ints, cells.raw, cells.col, cells.where, cells.errors)
    return ints


def _as_numbers(cells: _Cells, decimal_comma: bool) -> pd.Series:
    """A DOUBLE / DECIMAL column as Float64, its minimum checked; with `decimal_comma`, 1,5 is 1.5."""
    text = cells.text
    if decimal_comma:  # ';'-separated files from European spreadsheets write 1,5 for 1.5
        text = text.str.replace(r"^([+-]?\d*),(\d+)$", r"\1.\2", regex=True)
    num = pd.to_numeric(text.where(cells.present), errors="coerce")
    for i in first_bad(cells.present & num.isna(), cells.errors):
        hint = " (decimal comma? write 1.5, not 1,5)" if "," in str(cells.raw[i]) else ""
        cells.errors.append(
            f"{cells.where}, line {i + 2}, column '{cells.col.name}': {shown(cells.raw[i])} "
            f"is not a number{hint}"
        )
    _check_minimum(num, cells.raw, cells.col, cells.where, cells.errors)
    return num.astype("Float64")


def _as_months(cells: _Cells) -> pd.Series:
    """A month column (YYYY-MM) as the first day of the month (dates, None when empty)."""
    ok = cells.text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    cells.refuse(cells.present & ~ok, "is not a month (YYYY-MM)")
    parsed = pd.to_datetime(cells.text.where(cells.present & ok) + "-01", format="%Y-%m-%d", errors="coerce")
    return parsed.dt.date.astype(object).where(parsed.notna(), None)


def _as_dates(cells: _Cells) -> pd.Series:
    """A DATE column (YYYY-MM-DD, a real date) as dates, None when empty."""
    ok = cells.text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    parsed = pd.to_datetime(cells.text.where(cells.present & ok), format="%Y-%m-%d", errors="coerce")
    cells.refuse(cells.present & (~ok | parsed.isna()), "is not a date (YYYY-MM-DD)")
    return parsed.dt.date.astype(object).where(parsed.notna(), None)


def _as_booleans(cells: _Cells) -> pd.Series:
    """A BOOLEAN column (true / false, any case) as a nullable boolean."""
    low = cells.text.str.lower()
    cells.refuse(cells.present & ~low.isin(["true", "false"]), "must be true or false")
    return low.map({"true": True, "false": False}).astype("boolean")


def _one_of(cells: _Cells, allowed: Sequence[str]) -> pd.Series:
    """A column of allowed values (an ENUM, confidence, a CHECK ... IN list): the stripped text."""
    cells.refuse(cells.present & ~cells.text.isin(allowed), f"is not one of {', '.join(allowed)}")
    return cells.text.where(cells.present, None)


def _check_minimum(values: pd.Series, raw: pd.Series, col: Column, where: str, errors: list[str]) -> None:
    if col.minimum is None:
        return
    low = values.notna() & (values < col.minimum)
    for i in first_bad(low.fillna(False).astype(bool), errors):
        errors.append(
            f"{where}, line {i + 2}, column '{col.name}': {shown(raw[i])} "
            f"is below the minimum {col.minimum:g}"
        )


def read_table_csv(
    path: Path | IO[bytes],
    table: str,
    columns: list[Column],
    label: str | None = None,
    sep: str = ",",
    decimal_comma: bool = False,
    collect: list[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a CSV for `table`; raise SeedError naming file, line and column on any problem.
    Line numbers count the header as line 1, as a spreadsheet's row numbers do. With `collect`, cell
    errors are appended there and the frame is returned with the bad cells empty (the importer goes on
    to check foreign keys, so an analyst sees every problem at once)."""
    where = label or str(path)
    (frame,) = read_table_chunks(path, columns, where, sep, decimal_comma, collect, rows=sys.maxsize)
    return frame


def read_table_chunks(
    path: Path | IO[bytes],
    columns: list[Column],
    label: str,
    sep: str = ",",
    decimal_comma: bool = False,
    collect: list[str] | None = None,
    rows: int = 10_000,
) -> Iterator[pd.DataFrame]:
    """`read_table_csv` a chunk of `rows` rows at a time: the same checks and messages (the frame index
    stays the file's row position, so line numbers are the file's), without a frame of the whole file.
    The header's problems are raised before the first chunk; a file that cannot be parsed raises when
    the reader reaches the bad line (as the whole-file read, before any cell problem is reported)."""
    with (
        _parse_errors(label),
        pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=False,
            sep=sep,
            chunksize=rows,
        ) as reader,
    ):
        for raw in reader:
            yield _checked_frame(raw, columns, label, decimal_comma, collect)


@contextlib.contextmanager
def _parse_errors(where: str) -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as exc:
        raise SeedError([f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except pd.errors.EmptyDataError as exc:
        raise SeedError([f"{where}: the file is empty (expected a header row)"]) from exc
    except pd.errors.ParserError as exc:
        raise SeedError([f"{where}: cannot be parsed as CSV ({exc})"]) from exc


def _checked_frame(
    raw: pd.DataFrame,
    columns: list[Column],
    where: str,
    decimal_comma: bool,
    collect: list[str] | None,
) -> pd.DataFrame:
    """The header checked against `columns` (SeedError), then every cell of `raw` (see read_table_csv)."""
    expected = [c.name for c in columns]
    errors = Problems()
    for name in raw.columns:
        if name not in expected:
            hint = difflib.get_close_matches(str(name), expected, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            errors.append(f"{where}, line 1: unknown column '{name}'{suggestion}")
    for col in columns:
        if col.name not in raw.columns and not col.nullable:
            errors.append(f"{where}, line 1: required column '{col.name}' is missing")
    if errors:
        raise SeedError(errors)
    out = pd.DataFrame(index=raw.index)
    for col in columns:
        series = (
            raw[col.name]
            if col.name in raw.columns
            else pd.Series([""] * len(raw), index=raw.index, dtype=str)
        )
        out[col.name] = _convert_column(series, col, where, errors, decimal_comma)
    if errors and collect is not None:
        collect.extend(errors)
        if isinstance(collect, Problems):
            collect.hidden += errors.hidden
    elif errors:
        raise SeedError(errors)
    return out


def locate_rejected_row(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    relation: str,
    lines: Sequence[int],
    where: str,
    exc: duckdb.Error,
    skip_existing_keys: bool = False,
) -> str:
    """The message for a set of rows the database rejected as a whole (a CHECK, a key, a foreign key):
    the file line of the first row it rejects on its own. `relation` (a registered frame or temp table)
    holds `columns` plus the file line in `_line`; its rows `lines` are inserted one by one, in order,
    inside a transaction that is rolled back. A table with a build-assigned `row_id` gets stand-in ids.
    With `skip_existing_keys`, a row that only collides with a key already in the table (a corrected
    row, which the import updates rather than inserts) is not taken for the culprit. When no single
    row fails, the database's own message is returned with the file named."""
    if iofaults.fault_of(exc):  # the disk, not the file: never blame a row for it
        raise exc
    message = str(exc).splitlines()[0]
    col_sql = ", ".join(f'"{c}"' for c in columns)
    with_row_id = table in ROW_ID_TABLES and "row_id" not in columns
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")  # clear the failed statement's aborted state, if any
    try:
        con.execute("begin transaction")
        for n, line in enumerate(lines):
            extra_c, extra_v = (", row_id", f", {100_000_000 + n}") if with_row_id else ("", "")
            try:
                con.execute(
                    f"insert into {table} ({col_sql}{extra_c}) select {col_sql}{extra_v} from {relation} "
                    "where _line = $l",
                    {"l": line},
                )
            except duckdb.Error as row_exc:
                text = str(row_exc)
                if skip_existing_keys and ("Duplicate key" in text or "PRIMARY KEY" in text):
                    continue
                return f"{where}, line {line}: rejected by the database: {text.splitlines()[0]}"
    except duckdb.Error as diag_exc:
        message += f" (row not located: {str(diag_exc).splitlines()[0]})"
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
    return f"{where}: rejected by the database: {message}"
