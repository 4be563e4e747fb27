"""Signed-out sessions, so that a session cookie copied before its sign-out is refused afterwards.

Each server records a sign-out in its own folder (`<db folder>/auth/revoked.jsonl`, one JSON line per
session: id and until when it would have been valid) and, with a shared journal (`EVDASH_JOURNAL`), in
its PostgreSQL database (`evdash_revoked_sessions`), which every server asks on every page run and
every download request (a primary-key lookup on a kept connection). If PostgreSQL cannot be reached,
the check falls back to what this server knows (its own sign-outs and those it has seen), and a
sign-out made meanwhile is pushed to PostgreSQL when it is back (`push_pending`, called by the
replica) — serving goes on while the journal is away, as for the data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import time
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from evdash import config, logs

FILE = "revoked.jsonl"


class Revocations:
    def __init__(self, folder: Path, dsn: str | None) -> None:
        self.folder = folder
        self.dsn = dsn
        self._known: dict[str, float] = {}  # session id -> until (epoch s)
        self._unshared: set[str] = set()
        self._read: tuple[int, int] | None = None  # (mtime_ns, size) of the file last read
        self._lock = threading.Lock()
        self._con: psycopg.Connection[TupleRow] | None = None  # opened on first use

    @property
    def path(self) -> Path:
        return self.folder / FILE

    def _load(self) -> None:
        """Pick up sign-outs other processes of this server wrote to the file."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        if self._read == (stat.st_mtime_ns, stat.st_size):
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                body = json.loads(line)
                self._known[str(body["session"])] = float(body["until"])
                if not body.get("shared", True):
                    self._unshared.add(str(body["session"]))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line
        self._read = (stat.st_mtime_ns, stat.st_size)

    def _append(self, session: str, until: float, shared: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"session": session, "until": until, "shared": shared}) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _db(self) -> psycopg.Connection[TupleRow]:
        """The kept connection to the shared database (opened again after a failure)."""
        if self._con is None or self._con.closed:
            from evdash.journal.postgres import connect  # psycopg only with a shared journal

            assert self.dsn is not None
            self._con = connect(self.dsn, "sessions")
        return self._con

    def _drop_db(self) -> None:
        if self._con is not None:
            with contextlib.suppress(psycopg.Error):
                self._con.close()
        self._con = None

    def _share(self, session: str, until: float) -> bool:
        try:
            self._db().execute(
                "insert into evdash_revoked_sessions (session_id, valid_until) values (%s, %s) "
                "on conflict (session_id) do nothing",
                (session, dt.datetime.fromtimestamp(until, dt.UTC)),
            )
            return True
        except psycopg.Error as exc:
            self._drop_db()
            logs.event("auth.revocation_not_shared", error=str(exc).splitlines()[0] if str(exc) else "")
            return False

    def revoke(self, session: str, until: float) -> None:
        """Record that `session` was signed out; it stays refused until `until` (epoch seconds)."""
        with self._lock:
            self._load()
            shared = self.dsn is None or self._share(session, until)
            self._append(session, until, shared)
            self._known[session] = until
            if not shared:
                self._unshared.add(session)
        logs.event("auth.signed_out", session=session[:8], shared=self.dsn is not None and shared)

    def is_revoked(self, session: str) -> bool:
        with self._lock:
            self._load()
            if session in self._known:
                return True
            if self.dsn is None:
                return False
            try:
                row = (
                    self._db()
                    .execute(
                        "select extract(epoch from valid_until) from evdash_revoked_sessions "
                        "where session_id = %s",
                        (session,),
                    )
                    .fetchone()
                )
            except psycopg.Error:
                self._drop_db()
                return False  # the shared list is away: only what this server knows applies
            if row is not None:
                self._known[session] = float(row[0])
            return row is not None

    def push_pending(self) -> None:
        """Share the sign-outs recorded while the shared database was away."""
        with self._lock:
            if not self._unshared or self.dsn is None:
                return
            for session in sorted(self._unshared):
                if not self._share(session, self._known.get(session, time.time() + 86400)):
                    return
                self._append(session, self._known.get(session, time.time() + 86400), True)
                self._unshared.discard(session)


_SERVER: dict[tuple[Path, str | None], Revocations] = {}
_SERVER_LOCK = threading.Lock()


def for_server(db: Path | None = None) -> Revocations:
    """This process's revocation list for the database link `db` (one kept connection per process)."""
    key = (config.revocations_dir(db), config.journal_dsn())
    with _SERVER_LOCK:
        if key not in _SERVER:
            _SERVER[key] = Revocations(*key)
        return _SERVER[key]
