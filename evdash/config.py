"""Where things live. Every setting can be overridden by an environment variable.

EVDASH_DB        path of the database the dashboard reads (a symlink to the current version);
                 default `<repo>/var/evdash.duckdb`
EVDASH_SEEDS     folder of seed CSVs; default `<repo>/data/seeds`
EVDASH_IMPORTS   folder of accepted import files + manifest; default `<db dir>/imports`
EVDASH_IMPORT_MAX_BYTES   largest import file accepted (bytes, checked before reading); default 200 MB
EVDASH_IMPORT_MAX_ROWS    data rows per import (all files together); default 5,000,000
EVDASH_IMPORT_MAX_COLUMNS columns per import file; default 200
EVDASH_IMPORT_MAX_LINE    bytes per line of an import file; default 100,000
EVDASH_IMPORT_MAX_CELL    characters per cell; default 10,000
EVDASH_IMPORT_MAX_NAME    characters per name (brand, model, market, source title, subject); default 200
EVDASH_IMPORT_LOCK_TIMEOUT  seconds an import waits for another one to finish; default 60
EVDASH_USER      name recorded in the import history for CLI imports; default the OS user
EVDASH_JOURNAL   PostgreSQL DSN of a shared import journal (several app servers); default unset: the
                 local folder EVDASH_IMPORTS is the journal
EVDASH_JOURNAL_POLL_SECONDS  how often a server checks the shared journal for a new batch; default 2
EVDASH_MAX_SESSION_AGE  seconds a sign-in lasts at most (it also ends when the ID token expires); 12 h
EVDASH_BASE_URL  the dashboard's address, for the links back in subscription e-mails (else `base_url` in
                 the `[deliver]` section of the SMTP settings file; docs/subscriptions.md)
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = REPO_ROOT / "queries"
SCHEMA_SQL = Path(__file__).resolve().parent / "schema.sql"
# Models (views and materialised tables) layered over the raw tables, run in file-name order after the
# seeds load: 00 macros, 1x staging (the picking rule, once per source table), 2x marts, 8x pre-aggregates.
MODELS_DIR = Path(__file__).resolve().parent / "models"
REGISTRATIONS_AGGREGATES_SQL = MODELS_DIR / "80_registrations_aggregates.sql"


def model_files() -> list[Path]:
    """Every model file, in the order the build runs them."""
    return sorted(MODELS_DIR.glob("*.sql"))


def db_path() -> Path:
    """Path of the `current` database link that readers open."""
    return Path(os.environ.get("EVDASH_DB", REPO_ROOT / "var" / "evdash.duckdb"))


def seeds_dir() -> Path:
    return Path(os.environ.get("EVDASH_SEEDS", REPO_ROOT / "data" / "seeds"))


def versions_dir(db: Path | None = None) -> Path:
    """Folder holding the versioned database files the `current` link points at."""
    target = db or db_path()
    return target.parent / "versions"


def imports_dir(db: Path | None = None) -> Path:
    """Folder of accepted import files (content-addressed) and their manifest."""
    override = os.environ.get("EVDASH_IMPORTS")
    if override:
        return Path(override)
    return (db or db_path()).parent / "imports"


def journal_dsn() -> str | None:
    """The shared journal's PostgreSQL DSN, or None for the local folder."""
    value = os.environ.get("EVDASH_JOURNAL", "").strip()
    return value or None


def journal_cache_dir(db: Path | None = None) -> Path:
    """This server's local copy of the shared journal's files (content-addressed)."""
    return (db or db_path()).parent / "journal-cache"


def journal_poll_seconds() -> float:
    return float(os.environ.get("EVDASH_JOURNAL_POLL_SECONDS", 2))


def max_session_age() -> float:
    return float(os.environ.get("EVDASH_MAX_SESSION_AGE", 12 * 3600))


def base_url() -> str | None:
    """The dashboard's public address for links in e-mails (EVDASH_BASE_URL), or None when unset."""
    return os.environ.get("EVDASH_BASE_URL", "").strip() or None


def revocations_dir(db: Path | None = None) -> Path:
    """This server's record of signed-out sessions (besides the shared journal database, if any)."""
    return (db or db_path()).parent / "auth"


def import_max_bytes() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def import_max_rows() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_ROWS", 5_000_000))


def import_max_columns() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_COLUMNS", 200))


def import_max_line() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_LINE", 100_000))


def import_max_cell() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_CELL", 10_000))


def import_max_name() -> int:
    return int(os.environ.get("EVDASH_IMPORT_MAX_NAME", 200))


def build_memory_mb() -> int:
    """DuckDB's memory limit (MB) while a database version is written (a build, an import, its dry run):
    beyond it DuckDB spills to a temp folder beside the file, so an import's memory stays a bounded
    multiple of its file (issue 25, case 11)."""
    return int(os.environ.get("EVDASH_BUILD_MEMORY_MB", 512))


def import_lock_timeout() -> float:
    return float(os.environ.get("EVDASH_IMPORT_LOCK_TIMEOUT", 60))


def fetch_connect_timeout() -> float:
    """Seconds `evdash fetch` waits to connect to a publisher."""
    return float(os.environ.get("EVDASH_FETCH_CONNECT_TIMEOUT", 10))


def fetch_read_timeout() -> float:
    """Seconds `evdash fetch` waits for the next bytes of a download before giving up."""
    return float(os.environ.get("EVDASH_FETCH_READ_TIMEOUT", 60))


def fetch_max_bytes() -> int:
    """The largest publisher file `evdash fetch` downloads (the transfer stops there)."""
    return int(os.environ.get("EVDASH_FETCH_MAX_BYTES", 500 * 1024 * 1024))


def raw_cache_dir() -> Path:
    """Rows each shipped raw file's reader made, keyed by the file's sha256 and the reader's version, so a
    rebuild does not read the publishers' workbooks again (safe to delete; shared by every database)."""
    return Path(os.environ.get("EVDASH_RAW_CACHE", REPO_ROOT / "var" / "cache" / "raw"))
