"""Database access: read-only connections and the query runner for `queries/*.sql`.

Each `.sql` file holds one SELECT and a header:

    -- grain: one row per brand × year
    -- params: brand (varchar), year (integer)

`run_query` checks the supplied parameters against that header and binds them (DuckDB named
parameters, `$brand`); user values never become SQL text. Use a cursor per query: a connection
shared across threads returns wrong results (DESIGN.md).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from evdash import config, integrity, logs

_PARAM_RE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*\(([^)]+)\)\s*$")


class QueryError(ValueError):
    """A query was called with the wrong parameters or does not exist."""


@dataclass(frozen=True)
class QuerySpec:
    name: str
    path: Path
    sql: str
    grain: str
    params: dict[str, str]


@functools.cache
def load_query(name: str, folder: Path = config.QUERIES_DIR) -> QuerySpec:
    path = folder / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.exists():
        raise QueryError(f"unknown query '{name}' (no file {path})")
    sql = path.read_text()
    grain, params = "", {}
    for line in sql.splitlines():
        if not line.startswith("--"):
            continue
        body = line[2:].strip()
        if body.startswith("grain:"):
            grain = body.removeprefix("grain:").strip()
        elif body.startswith("params:"):
            listed = body.removeprefix("params:").strip()
            if listed and listed != "none":
                for item in re.split(r",\s*(?![^()]*\))", listed):
                    m = _PARAM_RE.match(item)
                    if not m:
                        raise QueryError(f"{path}: bad params header item '{item}'")
                    params[m.group(1)] = m.group(2).strip()
    if not grain:
        raise QueryError(f"{path}: header must declare '-- grain: ...'")
    return QuerySpec(name, path, sql, grain, params)


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run `queries/<name>.sql` with bound parameters and return a DataFrame."""
    spec = load_query(name)
    missing = set(spec.params) - set(params)
    unknown = set(params) - set(spec.params)
    if missing or unknown:
        raise QueryError(
            f"query '{name}': missing parameter(s) {sorted(missing)}, unknown parameter(s) {sorted(unknown)}"
        )
    with con.cursor() as cur:
        return cur.execute(spec.sql, params).df()


def connect_readonly(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the current database version read-only (resolving the `current` link). The file must prove
    itself first (`integrity.servable`: its recorded sha256, checked once per process): a damaged one is
    never opened, the newest good kept version is, with a `version.damaged` log line naming it."""
    link = path or config.db_path()
    target, problem = integrity.servable(link)
    if problem is not None:
        logs.event(
            "version.damaged", logging.WARNING, path=str(link.resolve()), problem=problem, served=str(target)
        )
    return duckdb.connect(str(target), read_only=True)


def data_version(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """(version id, data as-of date) of the open database."""
    with con.cursor() as cur:
        row = cur.execute("select version, data_as_of::varchar from build_info").fetchone()
    if row is None:
        raise QueryError("database has no build_info row; rebuild it with `evdash build`")
    return str(row[0]), str(row[1])
