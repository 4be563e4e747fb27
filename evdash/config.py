"""Where things live. Every setting can be overridden by an environment variable.

EVDASH_DB        path of the database the dashboard reads (a symlink to the current version);
                 default `<repo>/var/evdash.duckdb`
EVDASH_SEEDS     folder of seed CSVs; default `<repo>/data/seeds`
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = REPO_ROOT / "queries"
SCHEMA_SQL = Path(__file__).resolve().parent / "schema.sql"
VIEWS_SQL = Path(__file__).resolve().parent / "views.sql"


def db_path() -> Path:
    """Path of the `current` database link that readers open."""
    return Path(os.environ.get("EVDASH_DB", REPO_ROOT / "var" / "evdash.duckdb"))


def seeds_dir() -> Path:
    return Path(os.environ.get("EVDASH_SEEDS", REPO_ROOT / "data" / "seeds"))


def versions_dir(db: Path | None = None) -> Path:
    """Folder holding the versioned database files the `current` link points at."""
    target = db or db_path()
    return target.parent / "versions"
