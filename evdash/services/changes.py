"""The "what changed" service: what changed for a brand after the end of a day up to today
(`evdash.changes.collect`), read on the cursor the web layer hands it (the process's one read-only
connection to the data version) and cached per question and data version like every view model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from evdash import changes


@dataclass(frozen=True)
class ChangesScenario:
    """What the question is about: the brand (its id and the name its changes are worded with), the
    day after whose end changes count, and today (the caller's date: no `date.today()` in the core)."""

    brand: str
    brand_name: str
    since: dt.date
    today: dt.date


def changes_view(con: duckdb.DuckDBPyConnection, scenario: ChangesScenario) -> tuple[changes.Change, ...]:
    """Everything that changed for `scenario.brand` after the end of `scenario.since`, ordered."""
    return changes.collect(con, scenario.brand, scenario.brand_name, scenario.since, scenario.today)
