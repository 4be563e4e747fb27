"""The Saved views page's service: what its alert form offers (the brands and the markets with figures),
read once per data version. The saved views and subscriptions themselves live in the journal
(evdash.journal, evdash.subscriptions), not in the data version."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from evdash import queries


@dataclass(frozen=True)
class AlertChoices:
    brands: pd.DataFrame  # brand_id, name (queries/brands.sql)
    market_years: pd.DataFrame  # the markets with figures (queries/markets_measures_years.sql)


def alert_choices(con: duckdb.DuckDBPyConnection, scenario: None = None) -> AlertChoices:
    """The brands and markets an alert may be about (the same for every scenario)."""
    return AlertChoices(brands=queries.brands(con), market_years=queries.markets_measures_years(con))
