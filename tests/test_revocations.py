"""Signed-out sessions: recorded where every server sees them (the shared journal database), refused
afterwards by any server; kept by each server itself too, so a sign-out made while PostgreSQL is away
still applies there and reaches the others when it is back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from evdash import revocations, serving

pytestmark = pytest.mark.xdist_group("postgres")


def test_local_only_sign_outs_are_seen_by_every_process_of_the_server(tmp_path: Path) -> None:
    first, second = revocations.Revocations(tmp_path, None), revocations.Revocations(tmp_path, None)
    assert not second.is_revoked("s1")
    first.revoke("s1", time.time() + 60)
    assert second.is_revoked("s1") and not second.is_revoked("s2")


def test_a_sign_out_on_one_server_is_refused_by_the_other(journal_dsn: str, tmp_path: Path) -> None:
    a, b = (
        revocations.Revocations(tmp_path / "a", journal_dsn),
        revocations.Revocations(tmp_path / "b", journal_dsn),
    )
    assert not b.is_revoked("s1")
    a.revoke("s1", time.time() + 60)
    assert b.is_revoked("s1")


def test_a_sign_out_during_an_outage_applies_here_and_is_shared_when_postgres_is_back(
    journal_dsn: str, tmp_path: Path, postgres_server: serving.Postgres
) -> None:
    a, b = (
        revocations.Revocations(tmp_path / "a", journal_dsn),
        revocations.Revocations(tmp_path / "b", journal_dsn),
    )
    assert not a.is_revoked("warm-up")  # both have their connection open
    assert not b.is_revoked("warm-up")
    postgres_server.stop("fast")
    try:
        a.revoke("s2", time.time() + 60)
        assert a.is_revoked("s2")  # this server refuses it at once
        assert not b.is_revoked("s2")  # the other cannot know yet (and keeps serving)
    finally:
        postgres_server.start()
    assert not b.is_revoked("s2")
    a.push_pending()
    assert b.is_revoked("s2")
