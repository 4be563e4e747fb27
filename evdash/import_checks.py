"""Reading and validating one import file: its size, bytes and shape checked before it is parsed (a file
on disk scanned once in blocks, never held whole), then its cells read a chunk at a time in the kind's
analyst columns (`evdash.import_formats`)."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from evdash import config, csvread
from evdash.csvread import Column, SeedError
from evdash.exports import FORMULA_PREFIXES
from evdash.import_formats import CHUNK_BYTES, CODE_UPPER, DEFAULTS, import_columns


def check_size(size: int, name: str, max_bytes: int | None = None) -> None:
    """The size limit, checked before a file is read (from `stat`, an upload's size)."""
    limit = config.import_max_bytes() if max_bytes is None else max_bytes
    if size > limit:
        raise SeedError(
            [f"{name}: file is {size:,} bytes, over the limit of {limit:,} bytes (EVDASH_IMPORT_MAX_BYTES)"]
        )


_BLANK = re.compile(rb"[\xef\xbb\xbf \r\n\t]*")
_UTF8_BLOCK = 1 << 20


def check_bytes(data: bytes, name: str, max_bytes: int | None = None) -> None:
    """File-level checks before parsing: size limit, empty file, UTF-8 (decoded block by block, so no
    second copy of a large file is made)."""
    check_size(len(data), name, max_bytes)
    if _BLANK.fullmatch(data):
        raise SeedError([f"{name}: the file is empty (expected a header row and data rows)"])
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for offset in range(0, len(data), _UTF8_BLOCK):
        carried = len(decoder.getstate()[0])  # bytes of a character cut at the previous block's end
        try:
            decoder.decode(view[offset : offset + _UTF8_BLOCK], final=offset + _UTF8_BLOCK >= len(data))
        except UnicodeDecodeError as exc:
            start = max(0, min(offset - carried + exc.start, len(data) - 1))
            line = data.count(b"\n", 0, start) + 1
            raise SeedError(
                [
                    f"{name}, line {line}: not UTF-8 text (byte 0x{data[start]:02x} at offset {start}); "
                    "save it as 'CSV UTF-8' from your spreadsheet"
                ]
            ) from exc


def scan_file(path: Path, name: str) -> tuple[str, int, int, str]:
    """(sha256, bytes, data rows, separator) of an import file on disk, read once in 1 MB blocks and
    never held whole: the checks of `check_bytes` and `csvread.check_shape` (size, empty, UTF-8, columns,
    line length, rows). When one of them fails, the file is read and checked as bytes, so the message is
    theirs, word for word."""
    size = path.stat().st_size  # the size is checked before a byte is read
    check_size(size, name)
    max_line = config.import_max_line()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    blank, ok, newlines, line, last = True, True, 0, 0, b""
    with open(path, "rb") as fh:
        head = fh.read(max_line + 1)
        sep = sniff_separator(head)
        header_end = head.find(b"\n")
        columns = head.count(sep.encode(), 0, len(head) if header_end < 0 else header_end) + 1
        ok = columns <= config.import_max_columns()
        block = head
        while ok and block:
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                ok = False
            blank = blank and not block.strip(b"\xef\xbb\xbf \r\n\t")
            pos = 0
            while ok:
                end = block.find(b"\n", pos)
                line += (len(block) if end < 0 else end) - pos
                ok = line <= max_line
                if end < 0:
                    break
                newlines, line, pos = newlines + 1, 0, end + 1
            last = block[-1:]
            block = fh.read(_UTF8_BLOCK)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        ok = False
    rows = newlines - (1 if last == b"\n" else 0)
    if not ok or blank or rows > config.import_max_rows():
        with open(path, "rb") as fh:  # refused: the checks on bytes say why
            data = fh.read(size)
        check_bytes(data, name)
        rows = csvread.check_shape(data, name, sniff_separator(data))
        return hashlib.sha256(data).hexdigest(), len(data), rows, sniff_separator(data)
    return digest.hexdigest(), size, rows, sep


def sniff_separator(data: bytes) -> str:
    """',' normally; ';' when the header has semicolons and no commas (European spreadsheet exports);
    a tab for tab-separated text."""
    end = data.find(b"\n")
    first = data[: end if 0 <= end <= config.import_max_line() else config.import_max_line()]
    header = first.decode("utf-8", errors="replace").lstrip("\ufeff")
    if "," not in header:
        if ";" in header:
            return ";"
        if "\t" in header:
            return "\t"
    return ","


def _unescape_formula(series: pd.Series) -> pd.Series:
    """Undo evdash's own export escaping ('=x written as '\\''=x') so an exported CSV imports back unchanged.
    Formula-looking text is otherwise kept as plain text: nothing here evaluates it."""
    text = series.astype("string")
    escaped = text.str.startswith("'") & text.str[1:2].isin(list(FORMULA_PREFIXES))
    return series.where(~escaped.fillna(False).astype(bool), text.str[1:])


def bad_cell(where: str, line: int, column: str, message: str) -> str:
    return f"{where}, line {line}, column '{column}': {message}"


def read_import(
    con: duckdb.DuckDBPyConnection, kind: str, data: bytes | Path, name: str, errors: list[str]
) -> tuple[Iterator[pd.DataFrame], list[str]]:
    """Validate one file (its bytes, or a file read as a stream) a chunk at a time: (frames in analyst
    columns + `_line`, notes). Raises SeedError for file-level problems (before the first frame, or when
    the reader reaches a line it cannot parse); cell problems go to `errors` (bad cells left empty)."""
    if isinstance(data, Path):
        _, size, rows, sep = scan_file(data, name)
    else:
        check_bytes(data, name)
        size, rows, sep = len(data), data.count(b"\n"), sniff_separator(data)
    notes = []
    if sep != ",":
        label = "semicolon" if sep == ";" else "tab"
        notes.append(
            f"{name}: read as {label}-separated" + (" with decimal commas (1,5 = 1.5)" if sep == ";" else "")
        )
    columns = import_columns(con, kind)
    chunks = csvread.read_table_chunks(
        data if isinstance(data, Path) else io.BytesIO(data),
        columns,
        label=name,
        sep=sep,
        decimal_comma=sep == ";",
        collect=errors,
        rows=min(max(CHUNK_BYTES * max(rows, 1) // max(size, 1), 1000), 100_000),
    )
    return (_prepared(kind, columns, frame) for frame in chunks), notes


def _prepared(kind: str, columns: list[Column], frame: pd.DataFrame) -> pd.DataFrame:
    """A checked chunk as the import reads it: `_line`, evdash's own formula escaping undone, codes in
    upper case, the kind's defaults filled in."""
    frame["_line"] = frame.index + 2
    for col in columns:
        if col.data_type.upper() == "VARCHAR" and col.name in frame:
            frame[col.name] = _unescape_formula(frame[col.name])
        if col.name in CODE_UPPER and col.name in frame:
            frame[col.name] = frame[col.name].str.strip().str.upper()
    for column, default in DEFAULTS.get(kind, {}).items():
        if isinstance(default, str) and default.startswith("="):
            frame[column] = frame[column].where(frame[column].notna(), frame[default[1:]])
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), default)
    return frame
