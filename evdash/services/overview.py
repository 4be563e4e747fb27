"""The Overview's service: what the Overview page shows of a brand on a date (its years, cards, chart
markers, statuses and watch list) as one view model, computed once per scenario and data version. The
watch list and the data under it are the briefing's own part (`evdash.briefing.overview_part`), so the
PDF button builds the rest of the briefing on this view model (evdash.services.briefing) instead of
computing it again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from evdash import briefing, events, kpis, notes, queries
from evdash.kpis import Kpi

FIRST_DAY = dt.date(1900, 1, 1)  # the years chart marks every event up to the scenario's date


@dataclass(frozen=True)
class Scenario:
    """What the Overview and the briefing are about: a brand (its brand_id) and the date its rules,
    statuses, FX and prices are taken in force on (today on the Overview). With the data version (the
    database file: today's data, or the data as known on a `?known=` date) it is the whole cache key of
    their view models."""

    brand: str
    on: dt.date


@dataclass(frozen=True)
class OverviewView:
    scenario: Scenario
    part: briefing.OverviewPart  # years, facts, events, statuses, watch list: shared with the briefing
    cards: tuple[Kpi, ...]  # the page's KPI cards (kpis.overview_kpis)
    markers: pd.DataFrame  # events.markers up to the scenario's date (the years chart)
    # notes.year_marks: analyst notes on the brand's figures of a year (marked on the years chart)
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=notes.MARK_COLUMNS))


def overview_view(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> OverviewView:
    """The Overview of `scenario.brand` on `scenario.on`. Raises ValueError naming the brand when it is
    not in the data."""
    part = briefing.overview_part(con, scenario.brand, scenario.on)
    facts = part.facts.iloc[0] if not part.facts.empty else None
    return OverviewView(
        scenario=scenario,
        part=part,
        cards=kpis.overview_kpis(part.years, facts, scenario.on.year, scenario.on),
        markers=events.markers(part.chart_events, FIRST_DAY, scenario.on),
        notes=notes.year_marks(queries.notes_current(con), scenario.brand),
    )
