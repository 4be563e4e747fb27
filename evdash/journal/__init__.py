"""The import journal: where accepted import batches live (`base` says what a journal offers).

`open_journal(db)` gives the one configured for the database link `db`: the local folder
`<db folder>/imports/` (or `EVDASH_IMPORTS`) by default; the PostgreSQL database named by
`EVDASH_JOURNAL` (a DSN) when that is set, shared by every app server that names it.
"""

from __future__ import annotations

from pathlib import Path

from evdash import config
from evdash.journal.base import Journal
from evdash.journal.local import LocalJournal
from evdash.journal.subscriptions import LocalStore, Store


def open_journal(db: Path | None = None) -> Journal:
    """The journal the database at `db` is built from."""
    dsn = config.journal_dsn()
    if dsn:
        from evdash.journal.postgres import PostgresJournal  # psycopg only when configured

        return PostgresJournal(dsn, config.journal_cache_dir(db))
    return LocalJournal(config.imports_dir(db))


def store_dir(db: Path | None = None) -> Path:
    """The local folder of saved views, subscriptions and deliveries: beside the import journal's files."""
    return config.imports_dir(db) / "subscriptions"


def open_store(db: Path | None = None) -> Store:
    """Saved views, subscriptions and deliveries (evdash.journal.subscriptions): in the shared PostgreSQL
    journal when `EVDASH_JOURNAL` is set (every server sees them), else in the local folder."""
    dsn = config.journal_dsn()
    if dsn:
        from evdash.journal.subscriptions_pg import PostgresStore  # psycopg only when configured

        return PostgresStore(dsn)
    return LocalStore(store_dir(db))
