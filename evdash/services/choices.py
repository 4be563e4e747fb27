"""The choices pages offer before they show anything: the brands in the data (the sidebar's and the
forms' brand lists) and a brand's years. One small view model per list, so a page's filter change never
recomputes it."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from evdash import queries


def brands(con: duckdb.DuckDBPyConnection, scenario: None = None) -> pd.DataFrame:
    """Every brand in the data: brand_id and name (queries/brands.sql). The same list for every scenario."""
    return queries.brands(con)


@dataclass(frozen=True)
class BrandScenario:
    brand: str  # brand_id


def brand_years(con: duckdb.DuckDBPyConnection, scenario: BrandScenario) -> pd.DataFrame:
    """The brand's years, deliveries against targets (queries/overview_years.sql): the years a page
    offers and the attainment of each."""
    return queries.overview_years(con, brand=scenario.brand)
