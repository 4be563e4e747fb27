"""Build the DuckDB database from the seed CSVs, deterministically and atomically.

Flow: create `versions/.building-<pid>.duckdb` → schema → pycountry reference tables → every seed CSV,
validated cell by cell (errors name file, line and column) → views → build_info → close → rename to
`versions/evdash-<version>.duckdb` → atomically re-point the `current` symlink (`EVDASH_DB`).
A failing build raises `SeedError` and leaves the previous database serving untouched.

`version` is a content hash of the schema, views and seed files, so the same inputs give the same
version id and a rebuild of unchanged inputs only re-points the link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import pandas as pd
import pycountry

from evdash import config

# Seed tables in foreign-key order. `market_groups` seeds the group rows of `markets`.
LOAD_ORDER: tuple[str, ...] = (
    "sources",
    "market_groups",
    "market_group_members",
    "brands",
    "models",
    "variants",
    "prices",
    "deliveries_monthly",
    "delivery_totals",
    "targets",
    "market_stats",
    "tariffs",
    "vat_rates",
    "fx_rates",
    "expansion_status",
    "events",
    "registrations",
    "country_regions",
)
# Tables whose `row_id` the build assigns (their CSVs have no row_id column).
ROW_ID_TABLES = frozenset({"deliveries_monthly", "delivery_totals", "targets", "market_stats", "events"})
CONFIDENCE_VALUES = ("reported", "lower_bound", "estimate")
MAX_ERRORS = 25
KEEP_OLD_VERSIONS = 3


class SeedError(ValueError):
    """A seed or import file was rejected. `errors` lists every problem found, each with its place."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # SQL type; importer formats also use the pseudo-type MONTH (YYYY-MM)
    nullable: bool
    minimum: float | None = None  # numbers below this are rejected with the column named
    allowed: tuple[str, ...] | None = None  # text columns: the only values accepted


@dataclass
class BuildResult:
    version: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    reused: bool = False
    # One entry per replayed import file (evdash.importer.FileStats), in apply order.
    imports: list[Any] = field(default_factory=list)


def _target_table(table: str) -> str:
    return "markets" if table == "market_groups" else table


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    rows = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_name = $t order by ordinal_position",
        {"t": _target_table(table)},
    ).fetchall()
    cols = [Column(name, dtype, nullable == "YES") for name, dtype, nullable in rows]
    if table == "market_groups":
        cols = [c for c in cols if c.name != "kind"]
    if table in ROW_ID_TABLES:
        cols = [c for c in cols if c.name != "row_id"]
    return cols


def _first_bad(mask: pd.Series) -> list[int]:
    return [int(i) for i in mask[mask].index[:MAX_ERRORS]]


def _convert_column(
    series: pd.Series, col: Column, where: str, errors: list[str], decimal_comma: bool = False
) -> pd.Series:
    """Validate one text column against its SQL type; return it typed. Appends errors with line numbers
    (the CSV header is line 1, so frame index i is line i + 2)."""
    text = series.str.strip()
    empty = text.eq("")
    if not col.nullable:
        for i in _first_bad(empty):
            errors.append(f"{where}, line {i + 2}, column '{col.name}': value is required but empty")
    present = ~empty
    dtype = col.data_type.upper()
    if dtype in {"INTEGER", "BIGINT", "SMALLINT"}:
        ok = text.str.fullmatch(r"[+-]?\d+")
        for i in _first_bad(present & ~ok):
            errors.append(f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not a whole number")
        ints = pd.to_numeric(text.where(present & ok), errors="coerce").astype("Int64")
        _check_minimum(ints, series, col, where, errors)
        return ints
    if dtype == "DOUBLE" or dtype.startswith("DECIMAL"):
        if decimal_comma:  # ';'-separated files from European spreadsheets write 1,5 for 1.5
            text = text.str.replace(r"^([+-]?\d*),(\d+)$", r"\1.\2", regex=True)
        num = pd.to_numeric(text.where(present), errors="coerce")
        for i in _first_bad(present & num.isna()):
            hint = " (decimal comma? write 1.5, not 1,5)" if "," in str(series[i]) else ""
            errors.append(f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not a number{hint}")
        _check_minimum(num, series, col, where, errors)
        return num.astype("Float64")
    if dtype == "MONTH":
        ok = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
        for i in _first_bad(present & ~ok):
            errors.append(
                f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not a month (YYYY-MM)"
            )
        parsed = pd.to_datetime(text.where(present & ok) + "-01", format="%Y-%m-%d", errors="coerce")
        return parsed.dt.date.astype(object).where(parsed.notna(), None)
    if dtype == "DATE":
        ok = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        parsed = pd.to_datetime(text.where(present & ok), format="%Y-%m-%d", errors="coerce")
        for i in _first_bad(present & (~ok | parsed.isna())):
            errors.append(
                f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not a date (YYYY-MM-DD)"
            )
        return parsed.dt.date.astype(object).where(parsed.notna(), None)
    if dtype == "BOOLEAN":
        low = text.str.lower()
        ok = low.isin(["true", "false"])
        for i in _first_bad(present & ~ok):
            errors.append(f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' must be true or false")
        return low.map({"true": True, "false": False}).astype("boolean")
    if dtype.startswith("ENUM") or col.name == "confidence":
        ok = text.isin(CONFIDENCE_VALUES)
        for i in _first_bad(present & ~ok):
            errors.append(
                f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not one of "
                f"{', '.join(CONFIDENCE_VALUES)}"
            )
        return text.where(present, None)
    if col.allowed is not None:
        for i in _first_bad(present & ~text.isin(col.allowed)):
            errors.append(
                f"{where}, line {i + 2}, column '{col.name}': '{series[i]}' is not one of "
                f"{', '.join(col.allowed)}"
            )
        return text.where(present, None)
    return series.where(present, None)


def _check_minimum(values: pd.Series, raw: pd.Series, col: Column, where: str, errors: list[str]) -> None:
    if col.minimum is None:
        return
    low = values.notna() & (values < col.minimum)
    for i in _first_bad(low.fillna(False).astype(bool)):
        errors.append(
            f"{where}, line {i + 2}, column '{col.name}': '{raw[i]}' is below the minimum {col.minimum:g}"
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
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False, sep=sep
        )
    except UnicodeDecodeError as exc:
        raise SeedError([f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except pd.errors.EmptyDataError as exc:
        raise SeedError([f"{where}: the file is empty (expected a header row)"]) from exc
    except pd.errors.ParserError as exc:
        raise SeedError([f"{where}: cannot be parsed as CSV ({exc})"]) from exc
    expected = [c.name for c in columns]
    errors: list[str] = []
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
        series = raw[col.name] if col.name in raw.columns else pd.Series([""] * len(raw), dtype=str)
        out[col.name] = _convert_column(series, col, where, errors, decimal_comma)
    if errors and collect is not None:
        collect.extend(errors)
    elif errors:
        raise SeedError(errors[:MAX_ERRORS])
    return out


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: str) -> None:
    target = _target_table(table)
    cols = list(frame.columns)
    select_cols = ", ".join(f'"{c}"' for c in cols)
    extra_cols, extra_vals = "", ""
    if table == "market_groups":
        extra_cols, extra_vals = ", kind", ", 'group'"
    if table in ROW_ID_TABLES:
        offset = int(con.execute(f"select coalesce(max(row_id), 0) from {target}").fetchall()[0][0])
        extra_cols, extra_vals = ", row_id", f", {offset} + row_number() over ()"
    con.register("_incoming", frame)
    try:
        con.execute(
            f"insert into {target} ({select_cols}{extra_cols}) "
            f"select {select_cols}{extra_vals} from _incoming"
        )
    except duckdb.Error as exc:
        raise SeedError([_locate_failure(con, target, frame, cols, where, exc)]) from exc
    finally:
        con.unregister("_incoming")


def _locate_failure(
    con: duckdb.DuckDBPyConnection,
    target: str,
    frame: pd.DataFrame,
    cols: list[str],
    where: str,
    exc: duckdb.Error,
) -> str:
    """Find the first row the database rejects, to name its line (row by row, then rolled back)."""
    message = str(exc).splitlines()[0]
    col_sql = ", ".join(f'"{c}"' for c in cols)
    row_id = _has_row_id(con, target) and "row_id" not in cols
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")  # clear the failed statement's aborted state, if any
    try:
        con.execute("begin transaction")
        for i in range(len(frame)):
            con.register("_row", frame.iloc[[i]])
            try:
                extra_c, extra_v = (", row_id", f", {10_000_000 + i}") if row_id else ("", "")
                con.execute(f"insert into {target} ({col_sql}{extra_c}) select {col_sql}{extra_v} from _row")
            except duckdb.Error as row_exc:
                return f"{where}, line {i + 2}: rejected by the database: {str(row_exc).splitlines()[0]}"
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.unregister("_row")
    except duckdb.Error as diag_exc:
        message += f" (row not located: {str(diag_exc).splitlines()[0]})"
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
    return f"{where}: rejected by the database: {message}"


def _has_row_id(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.columns where table_name = $t and column_name = 'row_id'",
        {"t": table},
    ).fetchall()
    return bool(rows[0][0])


def load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """ISO 3166 countries and ISO 4217 currencies, straight from pycountry."""
    countries = pd.DataFrame(
        [(c.alpha_3, c.alpha_2, c.numeric, c.name) for c in pycountry.countries],
        columns=["iso3", "iso2", "numeric_code", "name"],
    ).sort_values("iso3")
    currencies = pd.DataFrame(
        [(c.alpha_3, c.name) for c in pycountry.currencies], columns=["code", "name"]
    ).sort_values("code")
    con.register("_c", countries)
    con.execute("insert into countries select * from _c")
    con.execute("insert into markets select iso3, name, 'country' from _c")
    con.unregister("_c")
    con.register("_cur", currencies)
    con.execute("insert into currencies select * from _cur")
    con.unregister("_cur")


def inputs_version(seeds: Path, extra_inputs: Iterable[Path] = ()) -> str:
    """Content hash of everything the database is built from."""
    digest = hashlib.sha256()
    files = [config.SCHEMA_SQL, *config.model_files(), *sorted(seeds.glob("*.csv")), *extra_inputs]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    digest.update(pycountry.__name__.encode())
    return digest.hexdigest()[:16]


AGGREGATE_TABLES = ("agg_registrations_mix", "agg_registrations_brand", "agg_registrations_source")


def refresh_registrations_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Re-materialise the registrations pre-aggregates (evdash/models/80_registrations_aggregates.sql) after
    rows were added to `registrations` once the models had run (import replay, benchmark generator)."""
    for table in AGGREGATE_TABLES:
        con.execute(f"drop table if exists {table}")
    con.execute(config.REGISTRATIONS_AGGREGATES_SQL.read_text())


def populate(con: duckdb.DuckDBPyConnection, seeds: Path, label_root: Path | None = None) -> dict[str, int]:
    """Create the schema and load every seed table into an empty database `con`."""
    con.execute(config.SCHEMA_SQL.read_text())
    load_reference_tables(con)
    rows: dict[str, int] = {}
    missing = [t for t in LOAD_ORDER if not (seeds / f"{t}.csv").exists()]
    if missing:
        raise SeedError([f"{seeds}: missing seed file(s): {', '.join(f'{t}.csv' for t in missing)}"])
    for table in LOAD_ORDER:
        path = seeds / f"{table}.csv"
        label = (
            str(path.relative_to(label_root)) if label_root and path.is_relative_to(label_root) else str(path)
        )
        frame = read_table_csv(path, table, table_columns(con, table), label)
        _insert(con, table, frame, label)
        rows[table] = len(frame)
    for model in config.model_files():
        con.execute(model.read_text())
    return rows


def _swap_link(db: Path, target: Path) -> None:
    """Atomically point `db` at `target` (relative link, so the folder can move)."""
    tmp = db.with_name(f".{db.name}.link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(target, db.parent), tmp)
    os.replace(tmp, db)


def _prune(versions: Path, keep: Path) -> None:
    old = sorted((p for p in versions.glob("evdash-*.duckdb") if p != keep), key=lambda p: p.stat().st_mtime)
    for p in old[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else old:
        with contextlib.suppress(OSError):
            p.unlink()
    for stray in versions.glob(".building-*.duckdb*"):
        pid = stray.name.split("-")[1].split(".")[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                stray.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build(
    seeds: Path | None = None,
    db: Path | None = None,
    force: bool = False,
    batches: Sequence[Any] | None = None,
    swap: bool = True,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the database from `seeds` plus the accepted imports (evdash.importer manifest, replayed in
    order) and make it the current version at `db`. `batches` overrides the manifest (the importer passes
    the accepted batches plus the one being imported, with `swap=False`: it re-points the link itself)."""
    from evdash import importer  # lazily: the importer builds on this module

    if batches is None:
        with importer.import_lock(db or config.db_path()):
            return build(seeds, db, force, importer.read_manifest(db or config.db_path()), swap, progress)
    started = time.perf_counter()
    seeds = seeds or config.seeds_dir()
    db = db or config.db_path()
    versions = config.versions_dir(db)
    versions.mkdir(parents=True, exist_ok=True)
    version = importer.salted_version(inputs_version(seeds), batches)
    final = versions / f"evdash-{version}.duckdb"
    if final.exists() and not force:
        if swap:
            _swap_link(db, final)
        return BuildResult(version, final, {}, time.perf_counter() - started, reused=True)
    tmp = versions / f".building-{os.getpid()}.duckdb"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        con = duckdb.connect(str(tmp))
        try:
            rows = populate(con, seeds, config.REPO_ROOT)
            stats = importer.replay(con, batches, db, progress)
            if batches:  # imported registrations: the pre-aggregates were made from the seeds only
                refresh_registrations_aggregates(con)
            importer.write_history(con, batches, stats, version)
            as_of = con.execute("select max(as_of) from v_figure_as_of").fetchall()[0][0]
            con.execute(
                "create table build_info as select $v as version, $a::date as data_as_of, $b as built_at",
                {"v": version, "a": as_of, "b": dt.datetime.now(dt.UTC).isoformat()},
            )
            con.execute("checkpoint")
        finally:
            con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        raise
    if swap:
        _swap_link(db, final)
        _prune(versions, final)
    return BuildResult(version, final, rows, time.perf_counter() - started, imports=stats)


def ensure_built(db: Path | None = None) -> Path:
    """Build the database if it does not exist yet (first run). Returns the resolved file."""
    db = db or config.db_path()
    if not db.exists():
        build(db=db)
    return db.resolve()
