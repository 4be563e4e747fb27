"""The choices pages offer before they show anything: the brands in the data (the sidebar's and the
forms' brand lists). One small view model per list, so a page's filter change never recomputes it."""

from __future__ import annotations

import duckdb
import pandas as pd

from evdash import queries


def brands(con: duckdb.DuckDBPyConnection, scenario: None = None) -> pd.DataFrame:
    """Every brand in the data: brand_id and name (queries/brands.sql). The same list for every scenario."""
    return queries.brands(con)
