"""The import journal on PostgreSQL (`EVDASH_JOURNAL` = a DSN), shared by every app server.

Tables (`migrations/*.sql`, applied in order on first use, once, under an advisory lock):
`evdash_journal_files` (kind, sha256 → bytes), `evdash_journal_batches` (batch id → the batch record),
`evdash_journal_batch_files` (which files a batch has; foreign keys to both).

Serialising imports across machines: an import holds the session-level **advisory lock**
`IMPORT_LOCK_KEY` on its own connection from reading the accepted batches until its batch is committed
(waiting at most the import lock timeout, via `lock_timeout`; a waiting import is visible in
`pg_locks`). The commit is **one transaction**: the files, the batch row and its file rows, and a
`NOTIFY evdash_journal` that every server listens to. It checks that the batch id follows the latest
one (the primary key on batch_id is a second guard), so a batch is never half-applied and never out of
order. If PostgreSQL goes away mid-import, the transaction is rolled back and the advisory lock ends
with the session: no trace of the batch, and the next import can go ahead.

Every server keeps a content-addressed local copy of the files it has read (`cache`), so rebuilding
after a new batch fetches only the new batch's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from evdash.csvread import SeedError
from evdash.journal.base import Batch, ImportBusy, ImportFile, JournalUnavailable, busy, hold_point

IMPORT_LOCK_KEY = 0x65766461_73680001  # 'evdash' + 1: held by the import in progress
MIGRATION_LOCK_KEY = 0x65766461_73680002
CHANNEL = "evdash_journal"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT_S = 3
_migrated: set[str] = set()  # DSNs this process has brought up to date


def redacted(dsn: str) -> str:
    """`postgresql://user@host:port/dbname` for messages: never the password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql (unparsable EVDASH_JOURNAL)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', 'localhost')}{port}/{info.get('dbname', '')}"


def unavailable(where: str, exc: BaseException, what: str) -> JournalUnavailable:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return JournalUnavailable(
        f"the shared import journal ({where}) cannot be reached ({reason}); {what}. "
        "Try again when it is back."
    )


def migrate(con: psycopg.Connection[TupleRow]) -> list[str]:
    """Apply the migrations not applied yet, in file-name order, in one transaction under an advisory
    lock (several servers starting at once apply them once). Returns the names applied."""
    applied_now = []
    with con.transaction():
        con.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        con.execute(
            "create table if not exists evdash_schema_migrations ("
            "name text primary key, applied_at timestamptz not null default now())"
        )
        done = {r[0] for r in con.execute("select name from evdash_schema_migrations").fetchall()}
        for path in sorted(MIGRATIONS.glob("*.sql")):
            if path.name in done:
                continue
            con.execute(path.read_bytes())  # our own files; several statements, no parameters
            con.execute("insert into evdash_schema_migrations (name) values (%s)", (path.name,))
            applied_now.append(path.name)
    return applied_now


def connect(dsn: str, purpose: str, autocommit: bool = True) -> psycopg.Connection[TupleRow]:
    """A connection named after this host and process (shown in pg_stat_activity and in "another
    import is running" messages). Raises psycopg.OperationalError when unreachable."""
    name = f"evdash {purpose} {socket.gethostname()} pid {os.getpid()}"[:63]
    con = psycopg.connect(
        dsn, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S, application_name=name
    )
    if dsn not in _migrated:
        migrate(con)
        _migrated.add(dsn)
    return con


class PostgresJournal:
    """Accepted batches in a PostgreSQL database (see the module docstring)."""

    def __init__(self, dsn: str, cache: Path) -> None:
        self.dsn = dsn
        self.cache = cache
        self._lock_con: psycopg.Connection[TupleRow] | None = None
        self._listen_con: psycopg.Connection[TupleRow] | None = None

    @property
    def where(self) -> str:
        return redacted(self.dsn)

    def _connect(self, purpose: str, what: str) -> psycopg.Connection[TupleRow]:
        try:
            return connect(self.dsn, purpose)
        except psycopg.OperationalError as exc:
            raise unavailable(self.where, exc, what) from exc

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        con = self._connect("import", "nothing was changed")
        try:
            try:
                con.execute(sql.SQL("set lock_timeout = {}").format(sql.Literal(max(1, int(timeout * 1000)))))
                con.execute("select pg_advisory_lock(%s)", (IMPORT_LOCK_KEY,))
            except psycopg.errors.LockNotAvailable:
                raise busy(self._holder(con), timeout) from None
            except psycopg.OperationalError as exc:
                raise unavailable(self.where, exc, "nothing was changed") from exc
            con.execute("set lock_timeout = 0")
            self._lock_con = con
            yield
        finally:
            self._lock_con = None
            with contextlib.suppress(psycopg.Error):
                con.close()  # ends the session: releases the advisory lock

    def _holder(self, con: psycopg.Connection[TupleRow]) -> str:
        row = con.execute(
            "select a.application_name from pg_locks l join pg_stat_activity a using (pid) "
            "where l.locktype = 'advisory' and l.granted and l.pid <> pg_backend_pid() "
            "and ((l.classid::bigint << 32) | l.objid::bigint) = %s limit 1",
            (IMPORT_LOCK_KEY,),
        ).fetchone()
        return str(row[0]) if row else "unknown"

    def batches(self) -> list[Batch]:
        with self._connect("read", "nothing was changed") as con:
            try:
                rows = con.execute("select record from evdash_journal_batches order by batch_id").fetchall()
            except psycopg.OperationalError as exc:
                raise unavailable(self.where, exc, "nothing was changed") from exc
        return [Batch.from_record(r[0]) for r in rows]

    def latest_batch_id(self) -> int:
        with self._connect("read", "data updates are paused") as con:
            return latest_batch_id(con)

    def wait_for_batch(self, timeout: float) -> bool:
        """Block until a batch is committed anywhere (NOTIFY) or `timeout` seconds pass, on a listening
        connection kept for the purpose. Raises JournalUnavailable (the connection is then dropped and
        opened again on the next call)."""
        try:
            if self._listen_con is None or self._listen_con.closed:
                self._listen_con = connect(self.dsn, "listen")
                self._listen_con.execute(sql.SQL("listen {}").format(sql.Identifier(CHANNEL)))
            for _ in self._listen_con.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except psycopg.Error as exc:
            self.close()
            raise unavailable(self.where, exc, "data updates are paused") from exc

    def close(self) -> None:
        if self._listen_con is not None:
            with contextlib.suppress(psycopg.Error):
                self._listen_con.close()
            self._listen_con = None

    def read_file(self, batch: Batch, file: ImportFile) -> tuple[str, bytes]:
        label = f"{file.file_name} (import #{batch.batch_id}, {file.kind}-{file.sha256[:12]}…, {self.where})"
        cached = self.cache / f"{file.kind}-{file.sha256}.csv"
        if cached.exists():
            data = cached.read_bytes()
            if hashlib.sha256(data).hexdigest() == file.sha256:
                return label, data
        with self._connect("read", "nothing was changed") as con:
            row = con.execute(
                "select data from evdash_journal_files where kind = %s and sha256 = %s",
                (file.kind, file.sha256),
            ).fetchone()
        if row is None:
            raise SeedError([f"{label}: accepted import file is missing from the journal"])
        data = bytes(row[0])
        if hashlib.sha256(data).hexdigest() != file.sha256:
            raise SeedError([f"{label}: file content does not match its recorded sha256"])
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, cached)
        return label, data

    def commit(self, batch: Batch) -> None:
        con = self._lock_con
        if con is None:
            raise RuntimeError("PostgresJournal.commit is called while holding PostgresJournal.lock")
        try:
            with con.transaction():
                latest = latest_batch_id(con)
                if latest != batch.batch_id - 1:
                    raise ImportBusy(
                        f"the journal moved on while this import ran (latest batch #{latest}, this would be "
                        f"#{batch.batch_id}); nothing was changed, import again"
                    )
                for f in batch.files:
                    data = f.content()
                    if data is None:
                        raise ValueError(f"{f.file_name}: the bytes of a new import file are needed")
                    con.execute(
                        "insert into evdash_journal_files (kind, sha256, size, data) values (%s, %s, %s, %s) "
                        "on conflict (kind, sha256) do nothing",
                        (f.kind, f.sha256, f.size, data),
                    )
                    del data
                hold_point("in_transaction")
                con.execute(
                    "insert into evdash_journal_batches (batch_id, record) values (%s, %s)",
                    (batch.batch_id, Jsonb(batch.record())),
                )
                for position, f in enumerate(batch.files, start=1):
                    con.execute(
                        "insert into evdash_journal_batch_files "
                        "(batch_id, position, kind, sha256, file_name) values (%s, %s, %s, %s, %s)",
                        (batch.batch_id, position, f.kind, f.sha256, f.file_name),
                    )
                con.execute("select pg_notify(%s, %s)", (CHANNEL, str(batch.batch_id)))
        except psycopg.OperationalError as exc:
            raise unavailable(self.where, exc, "the import was not recorded and nothing was changed") from exc
        for f in batch.files:  # this server has the bytes already: keep them for its next rebuilds
            if f.data is not None or f.path is not None:
                self.cache.mkdir(parents=True, exist_ok=True)
                path = self.cache / f"{f.kind}-{f.sha256}.csv"
                if not path.exists():
                    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                    with open(tmp, "wb") as fh:
                        f.copy_to(fh)
                    os.replace(tmp, path)


def latest_batch_id(con: psycopg.Connection[TupleRow]) -> int:
    row = con.execute("select coalesce(max(batch_id), 0) from evdash_journal_batches").fetchone()
    return int(row[0]) if row else 0
