"""Typed functions, one per `queries/*.sql` file. Each binds its parameters and returns a DataFrame
with the grain stated in the SQL header. Pages call these through `evdash.ui.query` (cached)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from evdash.db import run_query


def brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "brands")


def overview_years(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "overview_years", brand=brand)


def overview_facts(con: duckdb.DuckDBPyConnection, brand: str, today: dt.date) -> pd.DataFrame:
    return run_query(con, "overview_facts", brand=brand, today=today)


def build_info(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "build_info")


def sources_usage(con: duckdb.DuckDBPyConnection, reliability: list[str]) -> pd.DataFrame:
    return run_query(con, "sources_usage", reliability=reliability)
