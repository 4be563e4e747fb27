"""The import journal: where accepted import batches live (`base` says what a journal offers).

`open_journal(db)` gives the one configured for the database link `db`: the local folder
`<db folder>/imports/` (or `EVDASH_IMPORTS`) by default.
"""

from __future__ import annotations

from pathlib import Path

from evdash import config
from evdash.journal.base import Journal
from evdash.journal.local import LocalJournal


def open_journal(db: Path | None = None) -> Journal:
    """The journal the database at `db` is built from."""
    return LocalJournal(config.imports_dir(db))
