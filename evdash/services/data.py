"""The Data page's service: every table in its import format (Browse), the import history with every
correction, and the data-quality panel, each a small view model cached on its own parameters, so changing
the browsed table reads that table only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from evdash import labels, quality, queries

# Browse: kind -> (query, takes brand, takes market). Every frame is in the import format of its kind.
BROWSE: dict[str, tuple[Callable[..., pd.DataFrame], bool, bool]] = {
    "deliveries": (queries.data_deliveries, True, True),
    "targets": (queries.data_targets, True, False),
    "brands": (queries.data_brands, True, False),
    "models": (queries.data_models, True, False),
    "variants": (queries.data_variants, False, False),
    "prices": (queries.data_prices, False, True),
    "markets": (queries.data_markets, False, True),
    "tariffs": (queries.data_tariffs, False, True),
    "fx": (queries.data_fx, False, False),
    "expansion": (queries.data_expansion, True, True),
    "registrations": (queries.data_registrations, True, True),
    "sources": (queries.data_sources, False, False),
}


def filters_of(table: str) -> tuple[bool, bool]:
    """(takes a brand, takes a market): the filters a browsed table offers."""
    _, by_brand, by_market = BROWSE[table]
    return by_brand, by_market


@dataclass(frozen=True)
class BrowseScenario:
    """A browsed table and its filters; None for a filter the table does not take, "" for all."""

    table: str
    brand: str | None = None
    market: str | None = None


def browse(con: duckdb.DuckDBPyConnection, scenario: BrowseScenario) -> pd.DataFrame:
    """Every row of the table in its import format, filtered as the scenario says."""
    function = BROWSE[scenario.table][0]
    params = {k: v for k, v in (("brand", scenario.brand), ("market", scenario.market)) if v is not None}
    return function(con, **params)


@dataclass(frozen=True)
class ImportHistory:
    history: pd.DataFrame  # one row per imported file (queries/data_import_history.sql)
    history_shown: pd.DataFrame  # the same, its kind as a label (the table and its download)
    changes: pd.DataFrame  # one row per value an import corrected, old → new


def import_history(con: duckdb.DuckDBPyConnection, scenario: None = None) -> ImportHistory:
    """The import history and the corrections (the same for every scenario)."""
    history = queries.data_import_history(con)
    return ImportHistory(
        history=history,
        history_shown=labels.for_people(history, kind=labels.IMPORT_KIND),
        changes=queries.data_import_changes(con),
    )


@dataclass(frozen=True)
class DataQuality:
    missing: pd.DataFrame  # months missing per brand
    uncertain: pd.DataFrame  # figures that are lower bounds or estimates
    uncertain_shown: pd.DataFrame  # the same in words (quality.uncertain_for_people)
    conflicts: pd.DataFrame  # months with more than one stored figure
    conflicts_shown: pd.DataFrame  # the same in words (quality.conflicts_for_people)


def data_quality(con: duckdb.DuckDBPyConnection, scenario: None = None) -> DataQuality:
    """The data-quality panel's tables (the same for every scenario)."""
    uncertain = queries.data_quality_uncertain(con)
    conflicts = queries.data_quality_conflicts(con)
    return DataQuality(
        missing=queries.data_quality_missing_months(con),
        uncertain=uncertain,
        uncertain_shown=quality.uncertain_for_people(uncertain),
        conflicts=conflicts,
        conflicts_shown=quality.conflicts_for_people(conflicts),
    )
