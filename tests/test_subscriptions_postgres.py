"""Subscriptions on the shared PostgreSQL journal (EVDASH_JOURNAL), on a real PostgreSQL 15: what one
server stores every server lists, and two servers delivering at the same instant send each message once
(the primary key on the idempotency key decides, not a check before sending)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
import pytest

from evdash import db, deliver, mailer
from evdash import subscriptions as subs
from evdash.journal import open_store
from evdash.journal.subscriptions_pg import PostgresStore
from tests import test_subscriptions
from tests.test_briefing import _Inbox

pytestmark = pytest.mark.xdist_group("postgres")
NOW = dt.datetime(2026, 12, 7, 6, tzinfo=dt.UTC)
smtp, inbox = test_subscriptions.smtp, test_subscriptions.inbox  # the real local SMTP server (aiosmtpd)


def test_a_subscription_stored_through_one_server_is_listed_and_cancelled_on_another(
    journal_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVDASH_JOURNAL", journal_dsn)
    a, b = open_store(tmp_path / "a" / "evdash.duckdb"), open_store(tmp_path / "b" / "evdash.duckdb")
    assert isinstance(a, PostgresStore) and isinstance(b, PostgresStore)
    record = subs.view_subscription(
        "cso@example.org", "markets?model=xiaomi_yu7", "weekly", "cso@example.org"
    )
    a.add(record)
    assert [(r.id, r.body["email"]) for r in subs.active(b)] == [(record.id, "cso@example.org")]
    assert b.cancel(record.id, "cso@example.org") and not a.cancel(record.id, "cso@example.org")
    assert subs.active(a) == [] and a.records()[0].cancelled_by == "cso@example.org"


def test_claims_are_atomic_a_failed_key_is_claimed_again_a_sent_one_never(journal_dsn: str) -> None:
    store = PostgresStore(journal_dsn)
    record = subs.view_subscription("a@example.org", "sources", "daily", "t")
    store.add(record)
    tokens: list[str | None] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        tokens.append(PostgresStore(journal_dsn).claim(f"{record.id}:2026-12-07", record.id, ["2026-12-07"]))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [t for t in tokens if t is not None]
    assert len(won) == 1
    store.finish(f"{record.id}:2026-12-07", won[0], "could not reach smtp")
    again = store.claim(f"{record.id}:2026-12-07", record.id, ["2026-12-07"])
    assert again is not None
    store.finish(f"{record.id}:2026-12-07", again, None)
    assert store.claim(f"{record.id}:2026-12-07", record.id, ["2026-12-07"]) is None
    assert [(d.status, d.error) for d in store.deliveries(record.id)] == [("sent", "")]


def test_two_servers_delivering_at_once_send_each_message_once(
    journal_dsn: str, seed_db_path: Path, inbox: tuple[int, _Inbox]
) -> None:
    port, box = inbox
    settings = mailer.SmtpSettings("127.0.0.1", port, "none", "evdash <d@example.org>")
    first = PostgresStore(journal_dsn)
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        first.add(subs.view_subscription(address, "pricing?market=NOR", "daily", "t"))
    outcomes: list[deliver.Outcome] = []
    barrier = threading.Barrier(2)

    def server() -> None:
        with db.connect_readonly(seed_db_path) as con:
            assert isinstance(con, duckdb.DuckDBPyConnection)
            barrier.wait()
            outcomes.append(
                deliver.deliver(PostgresStore(journal_dsn), con, settings, "https://e.example", NOW)
            )

    threads = [threading.Thread(target=server) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(str(m["To"]) for m in box.messages) == ["a@example.org", "b@example.org", "c@example.org"]
    assert sum(len(o.sent) for o in outcomes) == 3 and all(o.failed == [] for o in outcomes)
