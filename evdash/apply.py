"""What an import file means and how it is applied to a database: the formats (one per kind), their
validation against the database's own rules, and the upsert by natural key with every correction kept
old → new. Used by the import (`evdash.importer`) for a new batch and by the build (`evdash.build`),
which replays every accepted batch after the seeds.

Formats (one per kind) are the seed table's columns with analyst names: `brand` (brand id or exact name),
`model` (model id, or its exact name within the brand), `variant`, `market` (ISO-3 or a market group),
`month` (YYYY-MM) and `source_url` (http/https; becomes a `sources` row with a stable id derived from the
URL, publisher = host, reliability `secondary` unless a `source_reliability` column says otherwise).
Natural keys (`KEYS`) decide new vs changed vs unchanged; a changed row is a correction, recorded old → new.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pandas as pd

from evdash import config, csvread, note_rules
from evdash.csvread import Column, SeedError
from evdash.exports import FORMULA_PREFIXES
from evdash.journal.base import Batch, Change, FileRecord, ImportFile, Journal, crash_point

# Import kind -> seed table, in apply order (foreign keys first): files of one batch are applied in
# this order whatever order they were given in, so a new brand, its models and figures go in together.
KINDS: dict[str, str] = {
    "sources": "sources",
    "brands": "brands",
    "models": "models",
    "variants": "variants",
    "prices": "prices",
    "deliveries": "deliveries_monthly",
    "targets": "targets",
    "markets": "market_stats",
    "iea": "iea_ev_data",
    "tariffs": "tariffs",
    "fx": "fx_rates",
    "expansion": "expansion_status",
    "registrations": "registrations",
    "national_registrations": "national_registrations",
    "notes": "annotations",
}
# Natural key of each kind, in table column names.
KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "brands": ("brand_id",),
    "models": ("model_id",),
    "variants": ("variant_id",),
    "prices": ("variant_id", "market_code", "effective_from", "price_type", "source_id"),
    # as_of is part of the key: a revision published later by the same source is kept beside the first
    # figure (the picking rule prefers the later as_of); the same as_of with new units is a correction.
    "deliveries": ("brand_id", "model_id", "market_code", "month", "source_id", "as_of"),
    "targets": ("brand_id", "year", "announced_on", "source_id"),
    "markets": ("market_code", "year", "period_scope", "source_id"),
    # every edition is a vintage (source_id, as_of): a later edition is kept beside the earlier one
    "iea": ("market_code", "category", "parameter", "mode", "powertrain", "year", "source_id", "as_of"),
    "tariffs": ("tariff_id",),
    "fx": ("rate_date", "base", "quote", "source_id"),
    "expansion": ("brand_id", "market_code", "status_date"),
    "registrations": (
        "month",
        "market_code",
        "brand_id",
        "model_name",
        "powertrain",
        "body_type",
        "source_id",
    ),
    "national_registrations": (
        "market_code",
        "month",
        "powertrain",
        "subject_kind",
        "subject",
        "source_id",
        "as_of",
    ),
    "notes": ("note_id", "revision"),  # append-only (APPEND_ONLY): an edit is the next revision
}
# Kinds whose rows are never changed in place: a changed row is refused (history is kept as new rows).
APPEND_ONLY = frozenset({"notes"})
KIND_HELP: dict[str, str] = {
    "sources": "where figures come from (id, URL, publisher, reliability)",
    "brands": "car brands",
    "models": "models of a brand (body type, segment, powertrain, launch)",
    "variants": "trims/versions of a model",
    "prices": "price of a variant in a market on a date",
    "deliveries": "monthly deliveries of a brand (or one of its models) in a market",
    "targets": "annual delivery targets and their revisions",
    "markets": "market size per country and year (EV sales, total sales, SUV share)",
    "iea": "IEA Global EV Data Explorer rows, one edition (as `evdash fetch iea` reads them)",
    "tariffs": "import duties by market, origin and company",
    "fx": "exchange rates (units of quote per 1 base)",
    "expansion": "a brand's status in a market on a date",
    "registrations": "a data vendor's monthly new-car registrations by market, brand, model, body",
    "national_registrations": "a registration office's monthly new cars by market, make and model series",
    "notes": "analyst notes on a chart's period, market or figure (written by evdash.notes)",
}
# Seed columns renamed in the analyst format (not for the kind's own id column).
RENAMES = {
    "brand_id": "brand",
    "model_id": "model",
    "variant_id": "variant",
    "market_code": "market",
    "source_id": "source_url",
}
OWN_ID = {"brands": "brand_id", "models": "model_id", "variants": "variant_id", "sources": "source_id"}
EXCLUDED: dict[str, frozenset[str]] = {"deliveries": frozenset({"preferred"})}  # data-team only
# Optional columns with a default: a constant, or "=column" to copy another column of the same row.
DEFAULTS: dict[str, dict[str, object]] = {
    "targets": {"issuer": "company", "as_of": "=announced_on"},
    "prices": {"includes_vat": True},
}
RELIABILITY = ("primary", "secondary", "low")
CODE_UPPER = {"market", "home_market", "production_country", "origin_iso3", "currency", "base", "quote"}
CODE_UPPER |= {"min_currency", "market_code", "member_iso3"}
MAX_CHANGES_RECORDED = 5000  # per file in the manifest; the count is always complete
MAX_PREVIEW_ROWS = 1000
# Bytes of a file validated at a time, 256 KB (as rows: at least 1,000, at most 100,000): an import's
# memory is a chunk of the file, not the whole of it (issue 25, case 11; bench/import_memory_bench.py).
CHUNK_BYTES = 1 << 18


@dataclass
class FileStats:
    kind: str
    file_name: str
    sha256: str
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    sources_added: int = 0
    changes: list[Change] = field(default_factory=list)  # capped at MAX_CHANGES_RECORDED
    new_rows: list[dict[str, str | None]] = field(default_factory=list)  # preview only, capped, not stored
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def record(self) -> FileRecord:
        """What the journal keeps about this file."""
        return FileRecord(
            kind=self.kind,
            file_name=self.file_name,
            sha256=self.sha256,
            rows=self.rows,
            added=self.added,
            changed=self.changed,
            unchanged=self.unchanged,
            sources_added=self.sources_added,
            changes=list(self.changes),
            notes=list(self.notes),
        )


# --- reading and validating one file -----------------------------------------------------------------


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


def constraint_info(
    con: duckdb.DuckDBPyConnection, table: str
) -> tuple[dict[str, float], dict[str, tuple[str, ...]], dict[str, tuple[str, str]]]:
    """(minimum per column, allowed values per column, foreign key column -> (table, column)) from the
    schema's CHECK and FOREIGN KEY constraints, so the import messages follow the database's own rules."""
    rows = con.execute(
        "select constraint_type, constraint_text, constraint_column_names, referenced_table, "
        "referenced_column_names from duckdb_constraints() where table_name = $t",
        {"t": table},
    ).fetchall()
    minimum: dict[str, float] = {}
    allowed: dict[str, tuple[str, ...]] = {}
    refs: dict[str, tuple[str, str]] = {}
    for ctype, text, cols, ref_table, ref_cols in rows:
        if ctype == "FOREIGN KEY" and len(cols) == 1:
            refs[cols[0]] = (ref_table, ref_cols[0])
        if ctype != "CHECK":
            continue
        m = re.fullmatch(r'CHECK\(\("?(\w+)"? (>=|>) (\d+)\)\)', text)
        if m:
            minimum[m.group(1)] = float(m.group(3)) + (1 if m.group(2) == ">" else 0)
        m = re.fullmatch(r'CHECK\(\("?(\w+)"? IN \((.*)\)\)\)', text)
        if m:
            allowed[m.group(1)] = tuple(re.findall(r"'([^']*)'", m.group(2)))
    return minimum, allowed, refs


def import_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[Column]:
    """The analyst-facing columns of `kind`, with types and rules (derived from the schema)."""
    table = KINDS[kind]
    minimum, allowed, _ = constraint_info(con, table)
    defaults = DEFAULTS.get(kind, {})
    out = []
    for col in csvread.table_columns(con, table):
        if col.name in EXCLUDED.get(kind, frozenset()):
            continue
        name = col.name if col.name == OWN_ID.get(kind) else RENAMES.get(col.name, col.name)
        dtype = "MONTH" if col.name == "month" else col.data_type
        if name == "source_url":
            dtype = "VARCHAR"
        low = minimum.get(col.name)
        if low is not None and dtype.upper() not in {"INTEGER", "BIGINT", "SMALLINT"} and low != 0:
            low = None  # "> 0" on a decimal: left to the database's CHECK (the row is still named)
        out.append(
            Column(
                name,
                dtype,
                col.nullable or name in defaults,
                low,
                allowed.get(col.name),
            )
        )
    if any(c.name == "source_url" for c in out):
        out.append(Column("source_reliability", "VARCHAR", True, None, RELIABILITY))
    return out


def format_help(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    cols = import_columns(con, kind)
    parts = [f"{c.name}{'' if c.nullable else '*'}" for c in cols]
    return f"{kind}: {', '.join(parts)}  (* required)"


def _unescape_formula(series: pd.Series) -> pd.Series:
    """Undo evdash's own export escaping ('=x written as '\\''=x') so an exported CSV imports back unchanged.
    Formula-looking text is otherwise kept as plain text: nothing here evaluates it."""
    text = series.astype("string")
    escaped = text.str.startswith("'") & text.str[1:2].isin(list(FORMULA_PREFIXES))
    return series.where(~escaped.fillna(False).astype(bool), text.str[1:])


def _bad(where: str, line: int, column: str, message: str) -> str:
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


# --- resolving analyst values to table ids ------------------------------------------------------------


def _keep_first(errors: csvread.Problems) -> None:
    """Keep the first MAX_ERRORS problems in file order (the rest counted in `hidden`), so a file with
    a problem on every line holds no more messages than one chunk makes."""
    if len(errors) > 2 * csvread.MAX_ERRORS:
        first = _by_line(errors)
        errors.hidden += len(first) - csvread.MAX_ERRORS
        errors[:] = first[: csvread.MAX_ERRORS]


def _by_line(errors: list[str]) -> list[str]:
    """Errors in file order (line, then as found), so an analyst can fix them top to bottom."""

    def line_of(message: str) -> int:
        m = re.search(r", lines? (\d+)", message)
        return int(m.group(1)) if m else 0

    return sorted(errors, key=line_of)


@dataclass
class _Lookups:
    """What resolving a file's chunks looks up in the database, read once per file."""

    refs: dict[str, tuple[str, str]]
    brand_map: dict[str, str]
    models: list[tuple[str, str, str]]
    known: dict[str, set[str]]  # referenced table.column -> its values
    sources: _SourceIds

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, kind: str) -> _Lookups:
        _, _, refs = constraint_info(con, KINDS[kind])
        brands = con.execute("select brand_id, name from brands").fetchall()
        known = {
            f"{ref_table}.{ref_col}": {
                r[0] for r in con.execute(f'select "{ref_col}" from {ref_table}').fetchall()
            }
            for ref_table, ref_col in refs.values()
        }
        return cls(
            refs,
            {bid: bid for bid, _ in brands} | {name: bid for bid, name in brands},
            con.execute("select model_id, brand_id, name from models").fetchall(),
            known,
            _SourceIds(con),
        )


def _resolve(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    frame: pd.DataFrame,
    where: str,
    errors: csvread.Problems,
    looked_up: _Lookups,
) -> pd.DataFrame | None:
    """Map analyst columns onto the table's columns (brand → brand_id, model → model_id, source_url →
    source_id), check every foreign key with a message an analyst can act on (appended to `errors`).
    Returns the frame in table columns + `_line`, or None when this file has problems so far."""
    table = KINDS[kind]
    lines = frame["_line"]
    out = pd.DataFrame(index=frame.index)
    refs = looked_up.refs
    brand_map = looked_up.brand_map
    if "brand" in frame:
        resolved = frame["brand"].map(brand_map)
        bad = frame["brand"].notna() & resolved.isna()
        for i in csvread.first_bad(bad, errors):
            value = str(frame.at[i, "brand"])
            hint = difflib.get_close_matches(value, list(brand_map), n=1)
            tip = (
                f"; did you mean '{hint[0]}'?"
                if hint
                else "; add it first with a brands import (same command)"
            )
            errors.append(
                _bad(
                    where,
                    int(lines[i]),
                    "brand",
                    f"unknown brand {csvread.shown(value)} (not a brand id or name{tip})",
                )
            )
        frame = frame.assign(brand=resolved)
    if "model" in frame:
        models = looked_up.models
        by_id = {mid: bid for mid, bid, _ in models}
        by_name = {f"{bid}\x1f{name}": mid for mid, bid, name in models}
        given = frame["model"]
        as_id = given.where(given.isin(list(by_id)))
        if "brand" in frame:
            as_name = (frame["brand"].fillna("") + "\x1f" + given.fillna("")).map(by_name)
        else:
            as_name = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        resolved = as_id.where(as_id.notna(), as_name)
        bad = given.notna() & resolved.isna()
        for i in csvread.first_bad(bad, errors):
            value = str(given[i])
            hint = difflib.get_close_matches(value, list(by_id) + [n.split("\x1f")[1] for n in by_name], n=1)
            tip = f"; did you mean '{hint[0]}'?" if hint else "; add it first with a models import"
            errors.append(_bad(where, int(lines[i]), "model", f"unknown model {csvread.shown(value)}{tip}"))
        if "brand" in frame:
            owner = resolved.map(by_id)
            wrong = resolved.notna() & frame["brand"].notna() & owner.ne(frame["brand"])
            for i in csvread.first_bad(wrong, errors):
                errors.append(
                    _bad(
                        where,
                        int(lines[i]),
                        "model",
                        f"model '{given[i]!s}' belongs to brand '{owner[i]!s}', "
                        f"not '{frame.at[i, 'brand']!s}'",
                    )
                )
        frame = frame.assign(model=resolved)
    if "source_url" in frame and kind != "sources":
        url = frame["source_url"].astype("string").str.strip()
        scheme_ok = url.str.match(r"^https?://[^\s/]+", na=False)
        for i in csvread.first_bad(url.notna() & ~scheme_ok, errors):
            errors.append(
                _bad(
                    where,
                    int(lines[i]),
                    "source_url",
                    f"'{url[i]}' is not an http(s) link (only http:// and https:// sources are accepted)",
                )
            )
        if not errors:
            frame = frame.assign(source_url=looked_up.sources.ids(url, frame.get("source_reliability")))
    if kind == "sources" and "url" in frame:
        url = frame["url"].astype("string").str.strip()
        bad = url.notna() & ~url.str.match(r"^https?://[^\s/]+", na=False)
        for i in csvread.first_bad(bad, errors):
            errors.append(_bad(where, int(lines[i]), "url", f"'{url[i]}' is not an http(s) link"))
    if kind == "notes":  # text and link rules (evdash.note_rules), one home for the form and the CLI
        for i, row in zip(frame.index, frame.to_dict("records"), strict=True):
            for column, message in note_rules.problems(row):
                errors.append(_bad(where, int(lines[i]), column, message))
    # Every other foreign key: ISO-3 countries, market groups, ISO 4217 currencies, variants.
    for table_col, (ref_table, ref_col) in refs.items():
        col = table_col if table_col == OWN_ID.get(kind) else RENAMES.get(table_col, table_col)
        if col in {"brand", "model", "source_url"} or col not in frame:
            continue
        known = looked_up.known[f"{ref_table}.{ref_col}"]
        values = frame[col]
        bad = values.notna() & ~values.isin(list(known))
        for i in csvread.first_bad(bad, errors):
            errors.append(_bad(where, int(lines[i]), col, _unknown_code(str(values[i]), ref_table)))
    if errors:
        return None
    for seed_col in csvread.table_columns(con, table):
        if seed_col.name in EXCLUDED.get(kind, frozenset()):
            continue
        out[seed_col.name] = frame[_analyst_name(kind, seed_col.name)]
    out["_line"] = lines
    return out


def _unknown_code(value: str, ref_table: str) -> str:
    if ref_table == "countries":
        return f"'{value}' is not an ISO 3166-1 alpha-3 country code (pycountry), e.g. DEU, FRA, CHN"
    if ref_table == "markets":
        return (
            f"'{value}' is not an ISO 3166-1 alpha-3 country code (pycountry) or a market group (EU27, ...)"
        )
    if ref_table == "currencies":
        return f"'{value}' is not an ISO 4217 currency code (pycountry), e.g. EUR, USD, CNY"
    return f"'{value}' is not a known {ref_table} id; add it first with a {ref_table} import"


def source_id_for(url: str) -> str:
    """Stable id of a source created from a `source_url`: the same URL always gives the same id."""
    host = (urlsplit(url).hostname or "web").removeprefix("www.")
    slug = re.sub(r"[^a-z0-9]+", "_", host.lower()).strip("_")[:30]
    return f"{slug}_{hashlib.sha256(url.encode()).hexdigest()[:10]}"


class _SourceIds:
    """source_url → source_id across a file's chunks: an existing source with that URL, else a new
    `sources` row (reliability: the first one the file gives for that URL), inserted by `insert`."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.existing: dict[str, str] = dict(
            con.execute("select url, min(source_id) from sources group by url").fetchall()
        )
        self.taken = {r[0] for r in con.execute("select source_id from sources").fetchall()}
        self.new: dict[str, list[str | None]] = {}  # url -> [source_id, reliability], in file order

    def ids(self, url: pd.Series, reliability: pd.Series | None) -> pd.Series:
        rel = pd.Series(reliability if reliability is not None else None, index=url.index, dtype=object)
        for u in url.dropna().unique().tolist():
            if u in self.existing:
                continue
            sid = source_id_for(u)
            if sid in self.taken:  # an older source holds this id for another URL: keep ids unique
                sid = f"{sid}_{len(self.taken)}"
            self.new[u] = [sid, None]
            self.existing[u] = sid
            self.taken.add(sid)
        for u, entry in self.new.items():
            if entry[1] is None:
                picked = rel[url == u].dropna()
                entry[1] = picked.iloc[0] if len(picked) else None
        return url.map(self.existing)

    def insert(self, con: duckdb.DuckDBPyConnection) -> int:
        """Insert the new sources; returns how many."""
        if not self.new:
            return 0
        new_rows = [
            (sid, u, (urlsplit(u).hostname or "web").removeprefix("www."), rel or "secondary")
            for u, (sid, rel) in self.new.items()
        ]
        frame = pd.DataFrame(new_rows, columns=["source_id", "url", "publisher", "reliability"])
        frame["note"] = "created by an import from source_url"
        con.register("_new_sources", frame)
        try:
            con.execute(
                "insert into sources select source_id, url, publisher, reliability, note from _new_sources"
            )
        finally:
            con.unregister("_new_sources")
        return len(new_rows)


# --- diff and apply ---------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f'"{name}"'


def _stage_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str]]:
    """(column, SQL type) of the kind's table as an import stages it (`_stage`, plus `_line`)."""
    table = KINDS[kind]
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name = $t",
            {"t": table},
        ).fetchall()
    )
    return [
        (c.name, types[c.name])
        for c in csvread.table_columns(con, table)
        if c.name not in EXCLUDED.get(kind, frozenset())
    ]


def _stage(con: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame) -> None:
    """Append a resolved chunk (table columns + _line) to the temp table `_stage`, typed as the table."""
    casts = ", ".join(f"cast({_q(c)} as {t}) as {_q(c)}" for c, t in _stage_columns(con, kind))
    con.register("_incoming", frame)
    try:
        con.execute(f"insert into _stage select {casts}, _line from _incoming")
    finally:
        con.unregister("_incoming")


def _check_duplicates(con: duckdb.DuckDBPyConnection, kind: str, where: str) -> None:
    """The same natural key on several lines of the staged file: SeedError naming the lines (groups in
    key order, the first MAX_ERRORS listed)."""
    key = ", ".join(_q(k) for k in KEYS[kind])
    groups = con.execute(
        f"""select list(_line order by _line)[1:10], count(*) from _stage group by {key}
        having count(*) > 1 order by {", ".join(f"{_q(k)} nulls last" for k in KEYS[kind])}"""
    ).fetchall()
    if not groups:
        return
    labels = ", ".join(RENAMES.get(k, k) if k != OWN_ID.get(kind) else k for k in KEYS[kind])
    errors = []
    for lines, count in groups[: csvread.MAX_ERRORS]:
        shown = ", ".join(map(str, lines)) + (f" (and {count - 10:,} more)" if count > 10 else "")
        errors.append(f"{where}, lines {shown}: the same key ({labels}) appears more than once")
    raise SeedError(errors, max(0, len(groups) - csvread.MAX_ERRORS))


def _apply(con: duckdb.DuckDBPyConnection, kind: str, rows: int, stats: FileStats, where: str) -> None:
    """Upsert the staged file (`_stage`: table columns + _line, `rows` rows) by the kind's natural key;
    fill the counts and old → new."""
    table = KINDS[kind]
    key = KEYS[kind]
    cols = [c for c, _ in _stage_columns(con, kind)]
    values = [c for c in cols if c not in key]
    _check_duplicates(con, kind, where)
    match = " and ".join(f"s.{_q(k)} is not distinct from t.{_q(k)}" for k in key)
    same = " and ".join(f"s.{_q(v)} is not distinct from t.{_q(v)}" for v in values) or "true"
    con.execute(
        f"""create or replace temp table _status as
        select s._line,
               case when not coalesce(bool_or(t._hit), false) then 'new'
                    when bool_or(t._hit and not ({same})) then 'changed'
                    else 'unchanged' end as _state
        from _stage as s
        left join (select *, true as _hit from {table}) as t on {match}
        group by s._line"""
    )
    counts = dict(con.execute("select _state, count(*) from _status group by _state").fetchall())
    stats.rows = rows
    stats.added, stats.changed, stats.unchanged = (
        int(counts.get(s, 0)) for s in ("new", "changed", "unchanged")
    )
    if stats.changed and kind in APPEND_ONLY:
        taken = con.execute("select min(_line) from _status where _state = 'changed'").fetchall()[0][0]
        raise SeedError(
            [
                f"{where}, line {taken}: this {kind} row's key exists already with other values; rows of "
                f"this kind are never changed in place (write a new one; reload to see the latest)"
            ]
        )
    if stats.changed and values:
        diff_cols = ", ".join(
            f"s.{_q(c)}::varchar as {_q('new_' + c)}, t.{_q(c)}::varchar as {_q('old_' + c)}" for c in values
        )
        key_cols = ", ".join(f"s.{_q(k)}::varchar as {_q('key_' + k)}" for k in key)
        changed = con.execute(
            f"""select {key_cols}, {diff_cols} from _stage as s join _status using (_line)
            join {table} as t on {match} where _state = 'changed'
            order by s._line limit {MAX_CHANGES_RECORDED}"""
        ).df()
        for row in changed.to_dict("records"):
            row_key = ", ".join(f"{_analyst_name(kind, k)}={_text(row['key_' + k]) or ''}" for k in key)
            for c in values:
                old, new = _text(row["old_" + c]), _text(row["new_" + c])
                if old != new:
                    label = RENAMES.get(c, c)
                    stats.changes.append({"key": row_key, "column": label, "old": old, "new": new})
    if stats.added:
        shown = ", ".join(
            f"strftime(s.{_q(c)}, '%Y-%m') as {_q('month')}"
            if c == "month"
            else f"s.{_q(c)}::varchar as {_q(_analyst_name(kind, c))}"
            for c in cols
            if c != "source_id" or kind == "sources"
        )
        url = ", src.url as source_url" if "source_id" in cols and kind != "sources" else ""
        preview = con.execute(
            f"select s._line as line, {shown}{url} from _stage as s join _status using (_line) "
            f"left join sources as src on {'src.source_id = s.source_id' if url else 'false'} "
            f"where _state = 'new' order by s._line limit {MAX_PREVIEW_ROWS}"
        ).df()
        stats.new_rows = [{str(k): _text(v) for k, v in r.items()} for r in preview.to_dict("records")]
    try:
        if stats.changed and values:
            sets = ", ".join(f"{_q(v)} = s.{_q(v)}" for v in values)
            con.execute(
                f"""update {table} as t set {sets} from (select * from _stage join _status using (_line)
                where _state = 'changed') as s where {match}"""
            )
        if stats.added:
            col_sql = ", ".join(_q(c) for c in cols)
            order = "market_code, month, _line" if table == "registrations" else "_line"
            extra_c = extra_v = ""
            if table in csvread.ROW_ID_TABLES:
                offset = int(con.execute(f"select coalesce(max(row_id), 0) from {table}").fetchall()[0][0])
                extra_c, extra_v = ", row_id", f", {offset} + row_number() over (order by {order})"
            con.execute(
                f"insert into {table} ({col_sql}{extra_c}) select {col_sql}{extra_v} from _stage "
                f"join _status using (_line) where _state = 'new' order by {order}"
            )
    except duckdb.Error as exc:
        raise SeedError([_locate(con, table, cols, where, exc)]) from exc


def _analyst_name(kind: str, column: str) -> str:
    return column if column == OWN_ID.get(kind) else RENAMES.get(column, column)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return str(value)


def _locate(
    con: duckdb.DuckDBPyConnection, table: str, cols: list[str], where: str, exc: duckdb.Error
) -> str:
    """Name the file line of the first new or changed row the database rejects."""
    lines = [
        int(r[0])
        for r in con.execute(
            "select _line from _status where _state <> 'unchanged' order by _line"
        ).fetchall()
    ]
    return csvread.locate_rejected_row(
        con, table, cols, "_stage", lines[:5000], where, exc, skip_existing_keys=True
    )


# --- replay (used by every build) and history ------------------------------------------------------------


def ordered(files: Sequence[ImportFile]) -> list[tuple[int, ImportFile]]:
    """(apply position from 1, file): kinds in KINDS order, the given order within a kind."""
    order = list(KINDS)
    ranked = sorted(enumerate(files), key=lambda p: (order.index(p[1].kind), p[0]))
    return [(n, f) for n, (_, f) in enumerate(ranked, start=1)]


def apply_file(
    con: duckdb.DuckDBPyConnection, kind: str, data: bytes | Path, name: str, sha256: str = ""
) -> FileStats:
    """Validate one file (bytes, or a file on disk: then `sha256` is given) against the database in
    `con` and apply it. Raises SeedError."""
    started = time.perf_counter()
    if not sha256:
        sha256 = hashlib.sha256(data if isinstance(data, bytes) else data.read_bytes()).hexdigest()
    stats = FileStats(kind, name, sha256)
    errors = csvread.Problems()
    chunks, stats.notes = read_import(con, kind, data, name, errors)
    looked_up = _Lookups.read(con, kind)
    columns = ", ".join(f"{_q(c)} {t}" for c, t in _stage_columns(con, kind))
    con.execute(f"create or replace temp table _stage ({columns}, _line bigint)")
    rows = 0
    for frame in chunks:
        rows += len(frame)
        resolved = _resolve(con, kind, frame, name, errors, looked_up)
        if resolved is not None:
            _stage(con, kind, resolved)
        _keep_first(errors)
    if not rows:
        raise SeedError([f"{name}: has a header but no data rows"])
    if errors:
        raise SeedError(_by_line(errors), errors.hidden)
    stats.sources_added = looked_up.sources.insert(con)
    _apply(con, kind, rows, stats, name)
    con.execute("drop table if exists _stage")
    con.execute("drop table if exists _status")
    stats.seconds = time.perf_counter() - started
    return stats


def replay(
    con: duckdb.DuckDBPyConnection,
    batches: Sequence[Batch],
    journal: Journal,
    progress: Callable[[str], None] | None = None,
) -> list[FileStats]:
    """Apply every batch's files in order (the build calls this after the seeds). Files of an accepted
    batch are read from `journal`; the files of the batch being imported are still in memory."""
    if any(batch.files for batch in batches):
        # Write the seeds out first: until a checkpoint, their tables and key indexes (about 100 MB for
        # the real seeds) are pinned in memory, and an import's staging, sorts and inserted rows came on
        # top of them. Checkpointed, they are evictable blocks of the file, and the memory they held is
        # what the import works in (issue 25, case 11: a 10 MB import added 4.1× its size, now ~1×).
        con.execute("checkpoint")
    out: list[FileStats] = []
    for batch in batches:
        for _seq, f in ordered(batch.files):
            fresh = f.data is not None or f.path is not None  # the batch being imported
            data: bytes | Path
            if f.path is not None:  # read as a stream: the file is never held whole
                label, data = f.file_name, f.path
            elif f.data is None:
                label, data = journal.read_file(batch, f)
            else:
                label, data = f.file_name, f.data
            if progress:
                size = len(data) if isinstance(data, bytes) else f.size
                progress(f"{'applying' if fresh else 'replaying'} {f.kind} {label} ({size:,} bytes)")
            if fresh:
                crash_point("applying")  # mid-build: the new version is a half-written temp file
            out.append(apply_file(con, f.kind, data, label, f.sha256))
    return out


def write_history(
    con: duckdb.DuckDBPyConnection, batches: Sequence[Batch], stats: Sequence[FileStats]
) -> None:
    """Fill import_history / import_changes: counts as recorded when each batch was accepted (the
    pending batch's counts come from this build)."""
    history = []
    changes = []
    it = iter(stats)
    for batch in batches:
        for seq, f in ordered(batch.files):
            computed = next(it)
            rec = f.stats if f.stats else computed.record()
            history.append(
                (
                    batch.batch_id,
                    seq,
                    dt.datetime.fromisoformat(batch.imported_at).replace(tzinfo=None),
                    batch.imported_by,
                    f.file_name,
                    f.sha256,
                    f.kind,
                    int(rec.get("rows", 0)),
                    int(rec.get("added", 0)),
                    int(rec.get("changed", 0)),
                    int(rec.get("unchanged", 0)),
                    int(rec.get("sources_added", 0)),
                )
            )
            for c in rec.get("changes", []):
                changes.append((batch.batch_id, seq, c["key"], c["column"], c["old"], c["new"]))
    if history:
        con.executemany("insert into import_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", history)
    if changes:
        con.executemany("insert into import_changes values (?, ?, ?, ?, ?, ?)", changes)
