"""Keeping this app server's local database in step with a shared journal (`EVDASH_JOURNAL`).

Every app server builds its own read-only DuckDB from the seeds plus the shared journal's batches
(`evdash.build`), in its own folder. A `Replica` runs in the server process: it waits for a batch to be
committed anywhere (PostgreSQL `LISTEN/NOTIFY`, with a poll of the latest batch id every
`EVDASH_JOURNAL_POLL_SECONDS` as the fallback), then builds the new version and swaps the link, exactly
as a local import does; the next page run reads it. No restart. The same inputs give the same version
id on every server.

When the journal cannot be reached, the server keeps serving its last version and `status()` says since
when updates are paused (pages show it); imports are refused by the journal itself. When it is back,
the replica catches up with whatever was committed meanwhile.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from evdash import build, config, logs, revocations, versions
from evdash.csvread import SeedError
from evdash.journal import open_journal
from evdash.journal.base import ImportBusy, Journal, JournalUnavailable


@dataclass(frozen=True)
class Status:
    """What a page says about data updates. `paused_since` is None while the journal answers."""

    paused_since: dt.datetime | None
    reason: str | None
    served_batch: int  # the latest batch id this server has built and swapped to (-1: not yet)
    last_contact: dt.datetime | None


class Replica:
    def __init__(self, db: Path, journal: Journal, poll_seconds: float | None = None) -> None:
        self.db = db
        self.journal = journal
        self.poll_seconds = config.journal_poll_seconds() if poll_seconds is None else poll_seconds
        self._served = -1
        self._paused_since: dt.datetime | None = None
        self._reason: str | None = None
        self._last_contact: dt.datetime | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> Status:
        with self._lock:
            return Status(self._paused_since, self._reason, self._served, self._last_contact)

    def _pause(self, exc: Exception) -> None:
        with self._lock:
            if self._paused_since is None:
                self._paused_since = dt.datetime.now(dt.UTC)
                logs.event("journal.unreachable", where=self.journal.where, error=str(exc))
            self._reason = str(exc)

    def _contact(self) -> None:
        with self._lock:
            if self._paused_since is not None:
                logs.event("journal.back", where=self.journal.where, paused_since=self._paused_since)
            self._paused_since = None
            self._reason = None
            self._last_contact = dt.datetime.now(dt.UTC)

    def sync(self) -> bool:
        """One check: build and swap to the journal's latest batch if this server does not serve it
        yet. Returns True when it swapped to a new version."""
        try:
            latest = self.journal.latest_batch_id()
        except JournalUnavailable as exc:
            self._pause(exc)
            return False
        self._contact()
        revocations.for_server(self.db).push_pending()  # sign-outs recorded while it was away
        if latest == self._served:
            return False
        before = versions.current_version(self.db)
        try:
            result = build.build(db=self.db, journal=self.journal)
        except JournalUnavailable as exc:
            self._pause(exc)
            return False
        except ImportBusy:
            return False  # an import or build of this folder is running; the next round catches up
        except SeedError as exc:  # an accepted file that no longer applies: keep serving, say why
            logs.error("journal.replay_failed", exc, where=self.journal.where)
            with self._lock:
                self._paused_since = self._paused_since or dt.datetime.now(dt.UTC)
                self._reason = f"the latest accepted import could not be applied here: {exc.errors[0]}"
            return False
        with self._lock:
            self._served = latest
        if result.version == before:
            return False
        logs.event("journal.synced", batch=latest, version=result.version, seconds=round(result.seconds, 3))
        return True

    def run(self) -> None:
        """The loop of the background thread: sync, then wait for a NOTIFY or the poll interval."""
        while not self._stop.is_set():
            self.sync()
            deadline = time.monotonic() + self.poll_seconds
            try:  # in slices of at most a second, so that stop() is prompt
                while not self._stop.is_set() and (left := deadline - time.monotonic()) > 0:
                    if self.journal.wait_for_batch(min(left, 1.0)):
                        break
            except JournalUnavailable as exc:
                self._pause(exc)
                self._stop.wait(self.poll_seconds)

    def start(self) -> Replica:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="evdash-replica", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.journal.close()


_RUNNING: dict[Path, Replica] = {}
_RUNNING_LOCK = threading.Lock()


def for_server(db: Path | None = None) -> Replica | None:
    """This server process's replica for the database link `db`, started on first use (asgi.py starts
    it with the server, so a server follows the journal before its first visitor); None when there is
    no shared journal (EVDASH_JOURNAL unset)."""
    if not config.journal_dsn():
        return None
    link = db or config.db_path()
    with _RUNNING_LOCK:
        if link not in _RUNNING:
            _RUNNING[link] = Replica(link, open_journal(link)).start()
        return _RUNNING[link]
