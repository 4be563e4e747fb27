"""A signed-in user's last visit, so the Overview's "What changed" counts from it (issue 22, item 2).

Each server records a visit in its own folder (`<db folder>/auth/visits.jsonl`, one JSON line per user
and day) and, with a shared journal (`EVDASH_JOURNAL`), in its PostgreSQL database (`evdash_last_visits`,
migration 0003), so the last visit is the same on every server. If PostgreSQL cannot be reached, what
this server recorded answers (as for the sign-out list, `evdash.revocations`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from evdash import config, logs

FILE = "visits.jsonl"


class Visits:
    def __init__(self, folder: Path, dsn: str | None) -> None:
        self.folder = folder
        self.dsn = dsn
        self._lock = threading.Lock()
        self._con: psycopg.Connection[TupleRow] | None = None  # opened on first use

    @property
    def path(self) -> Path:
        return self.folder / FILE

    def _local(self, user: str) -> set[dt.date]:
        days: set[dt.date] = set()
        with contextlib.suppress(FileNotFoundError):
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    body = json.loads(line)
                    if body["user"] == user:
                        days.add(dt.date.fromisoformat(str(body["day"])))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line
        return days

    def _append(self, user: str, day: dt.date) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"user": user, "day": day.isoformat()}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _shared(self, user: str, day: dt.date) -> dt.date | None:
        """Record the visit in the shared database and return the user's latest visit before `day` there."""
        if self._con is None or self._con.closed:
            from evdash.journal.postgres import connect  # psycopg only with a shared journal

            assert self.dsn is not None
            self._con = connect(self.dsn, "visits")
        row = self._con.execute(
            "select max(visit_day) from evdash_last_visits where user_email = %s and visit_day < %s",
            (user, day),
        ).fetchone()
        self._con.execute(
            "insert into evdash_last_visits (user_email, visit_day) values (%s, %s) on conflict do nothing",
            (user, day),
        )
        return row[0] if row is not None else None

    def visit(self, user: str, day: dt.date) -> dt.date | None:
        """Record that `user` opened the Overview on `day` (UTC) and return their latest visit before that
        day (None for a first visit)."""
        with self._lock:
            days = self._local(user)
            before = max((d for d in days if d < day), default=None)
            if day not in days:
                self._append(user, day)
            if self.dsn is None:
                return before
            try:
                shared = self._shared(user, day)
            except psycopg.Error as exc:
                if self._con is not None:
                    with contextlib.suppress(psycopg.Error):
                        self._con.close()
                self._con = None
                logs.event("visits.not_shared", error=str(exc).splitlines()[0] if str(exc) else "")
                return before  # the shared record is away: this server's answers
            return max((d for d in (before, shared) if d is not None), default=None)


_SERVER: dict[tuple[Path, str | None], Visits] = {}
_SERVER_LOCK = threading.Lock()


def for_server(db: Path | None = None) -> Visits:
    """This process's visit record for the database link `db` (one kept connection per process)."""
    key = (config.revocations_dir(db), config.journal_dsn())
    with _SERVER_LOCK:
        if key not in _SERVER:
            _SERVER[key] = Visits(*key)
        return _SERVER[key]
