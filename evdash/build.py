"""Build the DuckDB database from the seed CSVs, deterministically and atomically.

Flow: create `versions/.building-<pid>.duckdb` → schema → pycountry reference tables → every seed CSV,
validated cell by cell (errors name file, line and column) → views → build_info → close → rename to
`versions/evdash-<version>.duckdb` → atomically re-point the `current` symlink (`EVDASH_DB`).
A failing build raises `SeedError` and leaves the previous database serving untouched.

`version` is a content hash of the schema, views and seed files (extended by the accepted imports,
`evdash.versions.version_id`), so the same inputs give the same version id and a rebuild of unchanged
inputs only re-points the link. Accepted imports are read from the journal (`evdash.journal`) and
replayed after the seeds (`evdash.apply.replay`); version files and the link are `evdash.versions`'.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pycountry

from evdash import apply, config, csvread, integrity, iofaults, logs, raw, versions
from evdash.csvread import SeedError
from evdash.journal import open_journal
from evdash.journal.base import Batch, Journal, JournalUnavailable

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
    "iea_ev_data",
    "suv_definitions",
    "suv_share",
    "tariffs",
    "duty_cases",
    "vat_rates",
    "vat_reliefs",
    "purchase_incentives",
    "fx_rates",
    "expansion_status",
    "events",
    "registrations",
    "brand_registrations",
    "country_regions",
    "source_feeds",
    "market_requirements",
    "model_configurations",
)


@dataclass
class BuildResult:
    version: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    reused: bool = False
    # One entry per replayed import file, in apply order.
    imports: list[apply.FileStats] = field(default_factory=list)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: str) -> None:
    target = csvread.target_table(table)
    cols = list(frame.columns)
    select_cols = ", ".join(f'"{c}"' for c in cols)
    extra_cols, extra_vals = "", ""
    if table == "market_groups":
        extra_cols, extra_vals = ", kind", ", 'group'"
    if table in csvread.ROW_ID_TABLES:
        offset = int(con.execute(f"select coalesce(max(row_id), 0) from {target}").fetchall()[0][0])
        extra_cols, extra_vals = ", row_id", f", {offset} + row_number() over ()"
    con.register("_incoming", frame.assign(_line=frame.index + 2))
    try:
        con.execute(
            f"insert into {target} ({select_cols}{extra_cols}) "
            f"select {select_cols}{extra_vals} from _incoming"
        )
    except duckdb.Error as exc:
        lines = [i + 2 for i in range(len(frame))]
        message = csvread.locate_rejected_row(con, target, cols, "_incoming", lines, where, exc)
        raise SeedError([message]) from exc
    finally:
        con.unregister("_incoming")


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


def inputs_version(seeds: Path, extra_inputs: Iterable[Path] = (), known: dt.date | None = None) -> str:
    """Content hash of everything the database is built from (with `known`: the raw files held by then)."""
    digest = hashlib.sha256()
    shipped = raw.inputs(raw.shipped_dir(seeds), known)  # publishers' raw files, replayed after the seeds
    files = [config.SCHEMA_SQL, *config.model_files(), *sorted(seeds.glob("*.csv")), *shipped, *extra_inputs]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    if shipped:
        digest.update(raw.parser_versions().encode())
    digest.update(pycountry.__name__.encode())
    return digest.hexdigest()[:16]


AGGREGATE_TABLES = ("agg_registrations_mix", "agg_registrations_brand", "agg_registrations_source")


def refresh_registrations_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Re-materialise the registrations pre-aggregates (evdash/models/80_registrations_aggregates.sql) after
    rows were added to `registrations` once the models had run (import replay, benchmark generator)."""
    for table in AGGREGATE_TABLES:
        con.execute(f"drop table if exists {table}")
    con.execute(config.REGISTRATIONS_AGGREGATES_SQL.read_text())


def refresh_models(con: duckdb.DuckDBPyConnection) -> None:
    """Re-materialise every model table after rows were added once the models had run (import replay):
    the registrations pre-aggregates and each model file that materialises its marts with
    `create or replace table` (the deliveries marts, evdash/models/2x_marts_deliveries*.sql)."""
    refresh_registrations_aggregates(con)
    for model in config.model_files():
        text = model.read_text()
        if model != config.REGISTRATIONS_AGGREGATES_SQL and "create or replace table" in text:
            con.execute(text)


def populate(
    con: duckdb.DuckDBPyConnection, seeds: Path, label_root: Path | None = None, known: dt.date | None = None
) -> dict[str, int]:
    """Create the schema and load every seed table into an empty database `con`, then the shipped raw
    publishers' files through their readers (`evdash.raw.replay_shipped`; with `known`, those held by
    then), then the models."""
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
        frame = csvread.read_table_csv(path, table, csvread.table_columns(con, table), label)
        _insert(con, table, frame, label)
        rows[table] = len(frame)
    for stats in raw.replay_shipped(con, raw.shipped_dir(seeds), known=known):
        rows[stats.file_name] = stats.rows
    for model in config.model_files():
        con.execute(model.read_text())
    return rows


def build(
    seeds: Path | None = None,
    db: Path | None = None,
    force: bool = False,
    batches: Sequence[Batch] | None = None,
    swap: bool = True,
    progress: Callable[[str], None] | None = None,
    journal: Journal | None = None,
) -> BuildResult:
    """Build the database from `seeds` plus the accepted imports (the journal's batches, replayed in
    order) and make it the current version at `db`. `batches` overrides the journal's (the importer
    passes the accepted batches plus the one being imported, with `swap=False`: it holds the locks and
    re-points the link itself once the batch is committed)."""
    db = db or config.db_path()
    journal = journal or open_journal(db)
    if batches is None:
        with versions.link_lock(db, config.import_lock_timeout()):
            return build(seeds, db, force, journal.batches(), swap, progress, journal)
    started = time.perf_counter()
    seeds = seeds or config.seeds_dir()
    config.versions_dir(db).mkdir(parents=True, exist_ok=True)
    version = versions.version_id(inputs_version(seeds), batches)
    final = versions.version_file(db, version)
    damaged = integrity.verify(final) if final.exists() and not force else None
    if damaged:
        logs.event("version.damaged", logging.WARNING, path=str(final), problem=damaged, action="rebuilding")
        say = progress or (lambda _m: None)
        say(f"{damaged}: rebuilding it")
    if final.exists() and not force and not damaged:
        if swap:
            versions.swap_link(db, final)
        return BuildResult(version, final, {}, time.perf_counter() - started, reused=True)
    stats, rows = _publish_version(
        versions.building_file(db), final, seeds, batches, journal, version, progress
    )
    if swap:
        with iofaults.named("writing", db):
            versions.swap_link(db, final)
        versions.prune(db, final)
    return BuildResult(version, final, rows, time.perf_counter() - started, imports=stats)


def _publish_version(
    tmp: Path,
    final: Path,
    seeds: Path,
    batches: Sequence[Batch],
    journal: Journal,
    version: str,
    progress: Callable[[str], None] | None,
    known: dt.date | None = None,
) -> tuple[list[apply.FileStats], dict[str, int]]:
    """Write the version into `tmp` and make it the version file `final` (checksummed, renamed); a failed
    write leaves neither behind. I/O faults are named with the file being written."""
    versions.discard(tmp)
    try:
        with iofaults.named("writing", tmp):
            written = _write_version(tmp, seeds, batches, journal, version, progress, known)
        with iofaults.named("writing", final):
            versions.publish(tmp, final)
    except BaseException:
        versions.discard(tmp)
        raise
    return written


def writing_connection(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that writes a database file (a version, a dry run's copy) within the build's memory
    limit (EVDASH_BUILD_MEMORY_MB): beyond it DuckDB spills to `<file>.tmp`."""
    return duckdb.connect(str(path), config={"memory_limit": f"{config.build_memory_mb()}MB"})


def _write_version(
    tmp: Path,
    seeds: Path,
    batches: Sequence[Batch],
    journal: Journal,
    version: str,
    progress: Callable[[str], None] | None,
    known: dt.date | None = None,
) -> tuple[list[apply.FileStats], dict[str, int]]:
    """Write the complete database for `version` into `tmp` (seeds, replayed imports, build_info)."""
    con = writing_connection(tmp)
    try:
        rows = populate(con, seeds, config.REPO_ROOT, known)
        stats = apply.replay(con, batches, journal, progress)
        if batches:  # imported rows: the materialised models were made from the seeds only
            refresh_models(con)
        apply.write_history(con, batches, stats)
        as_of = con.execute("select max(as_of) from v_figure_as_of").fetchall()[0][0]
        con.execute(
            "create table build_info as select $v as version, $a::date as data_as_of, $b as built_at",
            {"v": version, "a": as_of, "b": dt.datetime.now(dt.UTC).isoformat()},
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return stats, rows


KNOWN_KEPT = 8  # databases "as known on a date" kept beside the versions (the oldest built dropped)


def known_version(known: dt.date, db: Path | None = None, seeds: Path | None = None) -> Path:
    """The database as evdash knew it at the end of `known` (UTC): the seeds, the shipped raw files held by
    then (`raw.held_on`) and the imports accepted by then (the journal's batches, each with its time:
    fetches, uploads and figures entered by hand). Which value is current still follows publication (the
    staging views' picking rule); `known` only leaves out what arrived later, so "why did last month's
    briefing say something else?" has an answer. The seed files are the product's own data and count as
    held from the start.

    When nothing arrived after `known`, that is the version already built (no work). Otherwise it is built
    once into `versions/known/` (a read-only file like any version; the KNOWN_KEPT most recently built are
    kept) and reused by every session and page asking for that date."""
    db = db or config.db_path()
    seeds = seeds or config.seeds_dir()
    journal = open_journal(db)
    batches = [b for b in journal.batches() if b.imported_at[:10] <= known.isoformat()]
    version = versions.version_id(inputs_version(seeds, known=known), batches)
    built = versions.version_file(db, version)
    if built.exists() and integrity.verify(built) is None:
        return built
    folder = config.versions_dir(db) / "known"
    final = folder / f"evdash-{version}.duckdb"
    if final.exists() and integrity.verify(final) is None:
        return final
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".building-{os.getpid()}-{threading.get_ident()}.duckdb"
    _publish_version(tmp, final, seeds, batches, journal, version, None, known)
    kept = sorted(folder.glob("evdash-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KNOWN_KEPT:]:
        versions.drop(old)
    return final


def ensure_built(db: Path | None = None) -> Path:
    """Build the database if it does not exist yet (first run). Returns the resolved file. When the
    shared journal cannot be reached on a server's very first start, the seeds alone are built so the
    server can serve (pages say that data updates are paused; the replica catches up later)."""
    db = db or config.db_path()
    if not db.exists():
        try:
            build(db=db)
        except JournalUnavailable:
            with versions.link_lock(db, config.import_lock_timeout()):
                if not db.exists():
                    build(db=db, batches=[])
    try:
        served, problem = integrity.servable(db)
    except FileNotFoundError as exc:  # nothing kept verifies: rebuild now (the build verifies too)
        logs.event(
            "version.damaged", logging.WARNING, path=str(db.resolve()), problem=str(exc), action="rebuilding"
        )
        build(db=db)
        return db.resolve()
    if problem is not None and problem not in _reported:  # once per damaged file, not per page run
        _reported.add(problem)
        logs.event(
            "version.damaged",
            logging.WARNING,
            path=str(db.resolve()),
            problem=problem,
            action="serving the previous good version and rebuilding",
            served=str(served),
        )
        repair_in_background(db)
    return served


_reported: set[str] = set()


_repairs: dict[Path, threading.Thread] = {}


def repair_in_background(db: Path) -> threading.Thread:
    """Rebuild the damaged current version once per process (the build verifies the file and rebuilds a
    damaged one); pages keep serving the previous good version meanwhile."""
    running = _repairs.get(db)
    if running is not None and running.is_alive():
        return running

    def repair() -> None:
        try:
            result = build(db=db)
            logs.event("version.repaired", version=result.version, path=str(result.path))
        except Exception as exc:  # a failed repair is logged; the good version stays served
            logs.error("version.repair_failed", exc, path=str(db))

    thread = threading.Thread(target=repair, name="evdash-version-repair", daemon=True)
    _repairs[db] = thread
    thread.start()
    return thread
