"""The import formats, one per kind: which seed table a kind fills, its natural key, its analyst column
names and defaults, and the columns (types and rules) derived from the database's own schema. What a file
of each kind holds; reading it is `evdash.import_checks`, resolving its values `evdash.import_resolve`,
applying it `evdash.apply`.

Formats (one per kind) are the seed table's columns with analyst names: `brand` (brand id or exact name),
`model` (model id, or its exact name within the brand), `variant`, `market` (ISO-3 or a market group),
`month` (YYYY-MM) and `source_url` (http/https; becomes a `sources` row with a stable id derived from the
URL, publisher = host, reliability `secondary` unless a `source_reliability` column says otherwise).
Natural keys (`KEYS`) decide new vs changed vs unchanged; a changed row is a correction, recorded old → new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from evdash import csvread
from evdash.csvread import Column
from evdash.journal.base import Change, FileRecord

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


def analyst_name(kind: str, column: str) -> str:
    return column if column == OWN_ID.get(kind) else RENAMES.get(column, column)
