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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pycountry

from evdash import apply, config, csvread, versions
from evdash.connectors import dft, kba, rdw
from evdash.connectors.base import FormatError
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


def inputs_version(seeds: Path, extra_inputs: Iterable[Path] = ()) -> str:
    """Content hash of everything the database is built from."""
    digest = hashlib.sha256()
    files = [config.SCHEMA_SQL, *config.model_files(), *sorted(seeds.glob("*.csv")), *raw_files(seeds)]
    files += [*extra_inputs]
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


def refresh_models(con: duckdb.DuckDBPyConnection) -> None:
    """Re-materialise every model table after rows were added once the models had run (import replay):
    the registrations pre-aggregates and each model file that materialises its marts with
    `create or replace table` (the deliveries marts, evdash/models/2x_marts_deliveries*.sql)."""
    refresh_registrations_aggregates(con)
    for model in config.model_files():
        text = model.read_text()
        if model != config.REGISTRATIONS_AGGREGATES_SQL and "create or replace table" in text:
            con.execute(text)


# Publishers' files kept under data/raw/<source>/ with a MANIFEST.csv, and the reader of each (national
# registration offices). The fetch-iea branch adds a connector registry and `evdash fetch`; the merger
# folds this list into it.
RAW_READERS = {"kba": kba, "rdw": rdw, "dft": dft}


def raw_dir(seeds: Path) -> Path:
    """The raw publisher files that belong with `seeds` (data/seeds -> data/raw)."""
    return seeds.parent / "raw"


def raw_files(seeds: Path) -> list[Path]:
    """Every manifest and file under the raw dir of the readers above, for the build's content hash."""
    root = raw_dir(seeds)
    return sorted(p for source in RAW_READERS for p in (root / source).glob("*") if p.is_file())


def replay_raw_files(con: duckdb.DuckDBPyConnection, seeds: Path) -> list[apply.FileStats]:
    """Load every publisher file listed in data/raw/<source>/MANIFEST.csv into `con` after the seeds: check
    its sha256, parse it with its reader (`evdash.connectors.<source>`, whose name and parser version the
    manifest records) and apply the rows through the import path (`apply.apply_file`), so they are
    validated like a CSV upload: one apply per source and kind (an apply costs ~0.4 s whatever its size;
    13 KBA files one by one took 6 s of a build). A changed file, a manifest naming another parser or a
    format the reader does not know fails the build with a message naming the file."""
    root = raw_dir(seeds)
    stats: list[apply.FileStats] = []
    for source, reader in RAW_READERS.items():
        manifest = root / source / "MANIFEST.csv"
        if not manifest.exists():
            continue
        label = f"data/raw/{source}/MANIFEST.csv"
        frames: dict[str, list[pd.DataFrame]] = {}
        for line, entry in enumerate(pd.read_csv(manifest, dtype=str).to_dict("records"), start=2):
            path = root / source / str(entry["file"])
            where = f"{label}, line {line}"
            if not path.exists():
                raise SeedError([f"{where}: file {entry['file']} is listed but missing"])
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry["sha256"]:
                raise SeedError(
                    [
                        f"{where}: {entry['file']} has sha256 {digest[:12]}…, "
                        f"the manifest says {entry['sha256'][:12]}…"
                    ]
                )
            if entry["parser"] != reader.SOURCE:
                raise SeedError([f"{where}: parser '{entry['parser']}' is not the {source} reader"])
            try:
                parsed = reader.parse(data, str(entry["file"]))
            except FormatError as exc:
                raise SeedError([f"data/raw/{source}/{exc}"]) from exc
            frames.setdefault(parsed.kind, []).append(parsed.frame)
        for kind, parts in frames.items():
            rows = pd.concat(parts, ignore_index=True).to_csv(index=False).encode()
            where = f"data/raw/{source} ({len(parts)} files, as one {kind} import)"
            stats.append(apply.apply_file(con, kind, rows, where))
    return stats


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
        frame = csvread.read_table_csv(path, table, csvread.table_columns(con, table), label)
        _insert(con, table, frame, label)
        rows[table] = len(frame)
    rows["national_registrations"] = sum(r.rows for r in replay_raw_files(con, seeds))
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
    if final.exists() and not force:
        if swap:
            versions.swap_link(db, final)
        return BuildResult(version, final, {}, time.perf_counter() - started, reused=True)
    tmp = versions.building_file(db)
    versions.discard(tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            rows = populate(con, seeds, config.REPO_ROOT)
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
        versions.publish(tmp, final)
    except BaseException:
        versions.discard(tmp)
        raise
    if swap:
        versions.swap_link(db, final)
        versions.prune(db, final)
    return BuildResult(version, final, rows, time.perf_counter() - started, imports=stats)


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
    return db.resolve()
