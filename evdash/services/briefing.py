"""The briefing's service: the executive briefing (`evdash.briefing.Briefing`) of a scenario, the one view
model the PDF (evdash.briefing_pdf), the e-mail (evdash.mailer) and `evdash briefing` read. Given the
Overview's view model of the same scenario and data version (the Overview's PDF button), it builds on it:
the watch list and the data under it are not computed again."""

from __future__ import annotations

import datetime as dt

import duckdb

from evdash import briefing
from evdash.services.overview import OverviewView, Scenario


def briefing_view(
    con: duckdb.DuckDBPyConnection,
    scenario: Scenario,
    overview: OverviewView | None = None,
    since: dt.date | None = None,
) -> briefing.Briefing:
    """The briefing of `scenario`, on `overview` when it is given (it must be of the same scenario and of
    the database `con` reads); "what changed" after `since` (default: the week before).
    Raises ValueError naming the brand when it is not in the data."""
    if overview is not None and overview.scenario != scenario:
        raise ValueError(f"the Overview given is of {overview.scenario}, not of {scenario}")
    return briefing.collect(
        con, scenario.brand, scenario.on, part=overview.part if overview is not None else None, since=since
    )
