"""Saved views, subscriptions and deliveries in the shared journal's PostgreSQL database (see
`evdash.journal.subscriptions` for what they are and why a key is claimed before a message is sent)."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from evdash.journal.postgres import connect, redacted, unavailable
from evdash.journal.subscriptions import CLAIM_LEASE_S, Delivery, Record, RecordKind


def _iso(value: object) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


class PostgresStore:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    @property
    def where(self) -> str:
        return redacted(self.dsn)

    @contextlib.contextmanager
    def _con(self) -> Iterator[psycopg.Connection[TupleRow]]:
        try:
            with connect(self.dsn, "subscriptions") as con:
                yield con
        except psycopg.OperationalError as exc:
            raise unavailable(self.where, exc, "nothing was changed and nothing was sent") from exc

    def add(self, record: Record) -> None:
        with self._con() as con:
            con.execute(
                "insert into evdash_subscriptions (id, kind, owner, body, created_at) "
                "values (%s, %s, %s, %s, %s)",
                (record.id, record.kind, record.owner, Jsonb(record.body), record.created_at),
            )

    def records(self, kind: RecordKind | None = None) -> list[Record]:
        with self._con() as con:
            rows = con.execute(
                "select id, kind, owner, body, created_at, cancelled_at, cancelled_by "
                "from evdash_subscriptions "
                "where %s::text is null or kind = %s order by created_at, id",
                (kind, kind),
            ).fetchall()
        return [Record(r[0], r[1], r[2], r[3], _iso(r[4]) or "", _iso(r[5]), r[6]) for r in rows]

    def cancel(self, record_id: str, by: str) -> bool:
        with self._con() as con:
            row = con.execute(
                "update evdash_subscriptions set cancelled_at = now(), cancelled_by = %s "
                "where id = %s and cancelled_at is null returning id",
                (by, record_id),
            ).fetchone()
        return row is not None

    def claim(self, key: str, subscription_id: str, state: list[str]) -> str | None:
        token = secrets.token_hex(8)
        with self._con() as con:
            # One statement: a new key is inserted; an existing one is taken over only when it failed or
            # its claim is older than the lease. Two servers at once: the primary key lets one through.
            row = con.execute(
                "insert into evdash_deliveries (key, subscription_id, status, state, token) "
                "values (%s, %s, 'sending', %s, %s) "
                "on conflict (key) do update set status = 'sending', token = excluded.token, "
                "state = excluded.state, claimed_at = now(), finished_at = null, "
                "attempts = evdash_deliveries.attempts + 1 "
                "where evdash_deliveries.status = 'failed' or (evdash_deliveries.status = 'sending' "
                "and evdash_deliveries.claimed_at < now() - make_interval(secs => %s)) "
                "returning token",
                (key, subscription_id, Jsonb(state), token, CLAIM_LEASE_S),
            ).fetchone()
        return token if row is not None and row[0] == token else None

    def finish(self, key: str, token: str, error: str | None) -> None:
        with self._con() as con:
            con.execute(
                "update evdash_deliveries set status = %s, error = %s, finished_at = now() "
                "where key = %s and token = %s",
                ("failed" if error else "sent", error or "", key, token),
            )

    def deliveries(self, subscription_id: str | None = None) -> list[Delivery]:
        with self._con() as con:
            rows = con.execute(
                "select key, subscription_id, status, state, claimed_at, error from evdash_deliveries "
                "where %s::text is null or subscription_id = %s order by claimed_at, key",
                (subscription_id, subscription_id),
            ).fetchall()
        return [Delivery(r[0], r[1], r[2], [str(s) for s in r[3]], _iso(r[4]) or "", r[5]) for r in rows]
