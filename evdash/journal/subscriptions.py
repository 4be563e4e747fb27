"""Saved views, subscriptions and their deliveries, kept beside the import journal so every server sees them.

What a store holds (`Store`):

* **records**: a saved view (`kind = "view"`: owner, name, page path and its URL query) or a
  subscription (`kind = "subscription"`: address, a view with `every`, or an alert kind with its
  parameters), each with an id; cancelling keeps the record (with who and when).
* **deliveries**: one row per idempotency key (`<subscription id>:<due period or alert state>`) with its
  status: `sending` (claimed by one run), `sent`, or `failed` (the SMTP server refused or was away:
  the next run claims it again).

**Never twice.** A run first *claims* a key, atomically: in PostgreSQL one `insert … on conflict do
update … where` (the primary key on the key decides; a second server's insert of the same key returns
nothing), in the local folder an append under an exclusive flock. Only the claimer sends, then marks the
key `sent` (or `failed`, which frees it for the next run). A claim left `sending` by a run killed
mid-send is taken over after `CLAIM_LEASE_S` seconds: the one case that can repeat a message (a kill
between the SMTP server's acceptance and the `sent` mark), documented in docs/subscriptions.md.

Backends (`evdash.journal.open_store`): the local folder `<imports folder>/subscriptions/`
(`subscriptions.jsonl`, `deliveries.jsonl`, `.lock`) by default; with `EVDASH_JOURNAL` the PostgreSQL
tables `evdash_subscriptions` and `evdash_deliveries` (migrations/0004_subscriptions.sql) of the shared
journal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from evdash import locks

CLAIM_LEASE_S = 30 * 60  # a `sending` claim older than this (a killed run) may be claimed again
LOCK_TIMEOUT_S = 30.0
RecordKind = Literal["view", "subscription"]


@dataclass(frozen=True)
class Record:
    """A saved view or a subscription (`body` holds its parameters, see evdash.subscriptions)."""

    id: str
    kind: RecordKind
    owner: str  # who made it: the signed-in address or the CLI user
    body: dict[str, object]
    created_at: str  # ISO 8601, UTC
    cancelled_at: str | None = None
    cancelled_by: str | None = None

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


@dataclass(frozen=True)
class Delivery:
    key: str
    subscription_id: str
    status: Literal["sending", "sent", "failed"]
    state: list[str] = field(default_factory=list)  # what the message said (alert items), for "not again"
    at: str = ""
    error: str = ""


def new_id(kind: RecordKind) -> str:
    return ("v" if kind == "view" else "s") + secrets.token_hex(5)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store(Protocol):
    @property
    def where(self) -> str: ...

    def add(self, record: Record) -> None: ...

    def records(self, kind: RecordKind | None = None) -> list[Record]:
        """Every record (cancelled ones too), oldest first."""
        ...

    def cancel(self, record_id: str, by: str) -> bool:
        """Mark the record cancelled; False when no active record has that id."""
        ...

    def claim(self, key: str, subscription_id: str, state: list[str]) -> str | None:
        """Claim `key` for this run: a token when this run may send, None when it was sent or another run
        holds it (atomically; see the module doc)."""
        ...

    def finish(self, key: str, token: str, error: str | None) -> None:
        """Mark the claimed key `sent` (error None) or `failed` (retried by the next run)."""
        ...

    def deliveries(self, subscription_id: str | None = None) -> list[Delivery]:
        """The current status of every key (of one subscription), oldest claim first."""
        ...


# --- the local folder -----------------------------------------------------------------------------------


class LocalStore:
    """JSON lines in a folder, every change appended and fsynced under one exclusive flock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def where(self) -> str:
        return str(self.folder)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locks.exclusive(self.folder / ".lock", LOCK_TIMEOUT_S):
            yield

    def _lines(self, name: str) -> list[dict[str, object]]:
        path = self.folder / name
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line of a killed writer
        return out

    def _append(self, name: str, body: dict[str, object]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        with open(path, "ab+") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":  # torn line: end it so the new line stays whole
                    fh.write(b"\n")
            fh.write(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, record: Record) -> None:
        with self._locked():
            self._append("subscriptions.jsonl", {"op": "add", **record.__dict__})

    def records(self, kind: RecordKind | None = None) -> list[Record]:
        found: dict[str, Record] = {}
        for line in self._lines("subscriptions.jsonl"):
            op = line.pop("op", "add")
            if op == "add":
                found[str(line["id"])] = Record(**line)  # type: ignore[arg-type]
            elif op == "cancel" and str(line["id"]) in found:
                old = found[str(line["id"])]
                found[old.id] = Record(
                    old.id, old.kind, old.owner, old.body, old.created_at, str(line["at"]), str(line["by"])
                )
        return [r for r in found.values() if kind is None or r.kind == kind]

    def cancel(self, record_id: str, by: str) -> bool:
        with self._locked():
            if not any(r.id == record_id and r.active for r in self.records()):
                return False
            self._append("subscriptions.jsonl", {"op": "cancel", "id": record_id, "at": now_iso(), "by": by})
            return True

    def _state(self) -> dict[str, dict[str, object]]:
        current: dict[str, dict[str, object]] = {}
        for line in self._lines("deliveries.jsonl"):
            key = str(line["key"])
            if line["status"] == "sending":
                current[key] = line
            elif key in current and current[key].get("token") == line.get("token"):
                current[key] = {**current[key], **line}
        return current

    def claim(self, key: str, subscription_id: str, state: list[str]) -> str | None:
        with self._locked():
            old = self._state().get(key)
            if old is not None:
                if old["status"] == "sent":
                    return None
                stale = time.time() - float(str(old.get("claimed", 0))) > CLAIM_LEASE_S
                if old["status"] == "sending" and not stale:
                    return None
            token = secrets.token_hex(8)
            self._append(
                "deliveries.jsonl",
                {
                    "key": key,
                    "subscription_id": subscription_id,
                    "status": "sending",
                    "state": state,
                    "token": token,
                    "claimed": time.time(),
                    "at": now_iso(),
                },
            )
            return token

    def finish(self, key: str, token: str, error: str | None) -> None:
        with self._locked():
            self._append(
                "deliveries.jsonl",
                {
                    "key": key,
                    "token": token,
                    "status": "failed" if error else "sent",
                    "error": error or "",
                    "at": now_iso(),
                },
            )

    def deliveries(self, subscription_id: str | None = None) -> list[Delivery]:
        return [
            Delivery(
                str(d["key"]),
                str(d["subscription_id"]),
                d["status"],  # type: ignore[arg-type]
                [str(s) for s in d.get("state", [])],  # type: ignore[attr-defined]
                str(d.get("at", "")),
                str(d.get("error", "")),
            )
            for d in self._state().values()
            if subscription_id is None or d["subscription_id"] == subscription_id
        ]
