"""How an import file is applied to a database: each chunk staged in a typed temp table, the upsert by
natural key with every correction kept old → new, the replay of every accepted batch (the build calls it
after the seeds) and the import history. Used by the import (`evdash.importer`) for a new batch and by
the build (`evdash.build`).

The formats, one per kind: `evdash.import_formats`; reading and checking a file: `evdash.import_checks`;
resolving its analyst values to table ids: `evdash.import_resolve`. Their public names are importable
from here as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from evdash import csvread
from evdash.csvread import SeedError
from evdash.import_checks import check_bytes, check_size, read_import, scan_file, sniff_separator
from evdash.import_formats import (
    APPEND_ONLY,
    CHUNK_BYTES,
    CODE_UPPER,
    DEFAULTS,
    EXCLUDED,
    KEYS,
    KIND_HELP,
    KINDS,
    MAX_CHANGES_RECORDED,
    MAX_PREVIEW_ROWS,
    OWN_ID,
    RELIABILITY,
    RENAMES,
    FileStats,
    analyst_name,
    constraint_info,
    format_help,
    import_columns,
)
from evdash.import_resolve import Lookups, by_line, keep_first, resolve, source_id_for
from evdash.journal.base import Batch, Change, ImportFile, Journal, crash_point

__all__ = [
    "APPEND_ONLY",
    "CHUNK_BYTES",
    "CODE_UPPER",
    "DEFAULTS",
    "EXCLUDED",
    "KEYS",
    "KINDS",
    "KIND_HELP",
    "MAX_CHANGES_RECORDED",
    "MAX_PREVIEW_ROWS",
    "OWN_ID",
    "RELIABILITY",
    "RENAMES",
    "FileStats",
    "apply_file",
    "check_bytes",
    "check_size",
    "constraint_info",
    "format_help",
    "import_columns",
    "ordered",
    "read_import",
    "replay",
    "scan_file",
    "sniff_separator",
    "source_id_for",
    "write_history",
]


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
    cols = [c for c, _ in _stage_columns(con, kind)]
    values = [c for c in cols if c not in KEYS[kind]]
    _check_duplicates(con, kind, where)
    match = " and ".join(f"s.{_q(k)} is not distinct from t.{_q(k)}" for k in KEYS[kind])
    _classify(con, table, match, values)
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
        stats.changes.extend(_corrections(con, kind, match, values))
    if stats.added:
        stats.new_rows = _preview_new_rows(con, kind, cols)
    try:
        if stats.changed and values:
            sets = ", ".join(f"{_q(v)} = s.{_q(v)}" for v in values)
            con.execute(
                f"""update {table} as t set {sets} from (select * from _stage join _status using (_line)
                where _state = 'changed') as s where {match}"""
            )
        if stats.added:
            _insert_new_rows(con, table, cols)
    except duckdb.Error as exc:
        raise SeedError([_locate(con, table, cols, where, exc)]) from exc


def _classify(con: duckdb.DuckDBPyConnection, table: str, match: str, values: list[str]) -> None:
    """`_status` (temp): each staged line's state against the table, by natural key (`match`): 'new',
    'changed' (a value column differs) or 'unchanged'."""
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


def _corrections(con: duckdb.DuckDBPyConnection, kind: str, match: str, values: list[str]) -> list[Change]:
    """old → new of every changed value column of the changed rows, in file order (the first
    MAX_CHANGES_RECORDED rows), keyed by the row's natural key in analyst names."""
    key = KEYS[kind]
    diff_cols = ", ".join(
        f"s.{_q(c)}::varchar as {_q('new_' + c)}, t.{_q(c)}::varchar as {_q('old_' + c)}" for c in values
    )
    key_cols = ", ".join(f"s.{_q(k)}::varchar as {_q('key_' + k)}" for k in key)
    changed = con.execute(
        f"""select {key_cols}, {diff_cols} from _stage as s join _status using (_line)
        join {KINDS[kind]} as t on {match} where _state = 'changed'
        order by s._line limit {MAX_CHANGES_RECORDED}"""
    ).df()
    out: list[Change] = []
    for row in changed.to_dict("records"):
        row_key = ", ".join(f"{analyst_name(kind, k)}={_text(row['key_' + k]) or ''}" for k in key)
        for c in values:
            old, new = _text(row["old_" + c]), _text(row["new_" + c])
            if old != new:
                label = RENAMES.get(c, c)
                out.append({"key": row_key, "column": label, "old": old, "new": new})
    return out


def _preview_new_rows(
    con: duckdb.DuckDBPyConnection, kind: str, cols: list[str]
) -> list[dict[str, str | None]]:
    """The first MAX_PREVIEW_ROWS new rows in analyst columns (months as YYYY-MM, a source as its URL)."""
    shown = ", ".join(
        f"strftime(s.{_q(c)}, '%Y-%m') as {_q('month')}"
        if c == "month"
        else f"s.{_q(c)}::varchar as {_q(analyst_name(kind, c))}"
        for c in cols
        if c != "source_id" or kind == "sources"
    )
    url = ", src.url as source_url" if "source_id" in cols and kind != "sources" else ""
    preview = con.execute(
        f"select s._line as line, {shown}{url} from _stage as s join _status using (_line) "
        f"left join sources as src on {'src.source_id = s.source_id' if url else 'false'} "
        f"where _state = 'new' order by s._line limit {MAX_PREVIEW_ROWS}"
    ).df()
    return [{str(k): _text(v) for k, v in r.items()} for r in preview.to_dict("records")]


def _insert_new_rows(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> None:
    """Insert the staged new rows (registrations ordered by market and month, as the build loads them),
    numbering `row_id` after the table's last one where the table has it."""
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
    looked_up = Lookups.read(con, kind)
    columns = ", ".join(f"{_q(c)} {t}" for c, t in _stage_columns(con, kind))
    con.execute(f"create or replace temp table _stage ({columns}, _line bigint)")
    rows = 0
    for frame in chunks:
        rows += len(frame)
        resolved = resolve(con, kind, frame, name, errors, looked_up)
        if resolved is not None:
            _stage(con, kind, resolved)
        keep_first(errors)
    if not rows:
        raise SeedError([f"{name}: has a header but no data rows"])
    if errors:
        raise SeedError(by_line(errors), errors.hidden)
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
