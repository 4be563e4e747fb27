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


def open_journal(db: Path | None = None) -> Journal:
    """The journal the database at `db` is built from."""
    dsn = config.journal_dsn()
    if dsn:
        from evdash.journal.postgres import PostgresJournal  # psycopg only when configured

        return PostgresJournal(dsn, config.journal_cache_dir(db))
    return LocalJournal(config.imports_dir(db))
