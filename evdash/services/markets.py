"""The Market ranking's service: what the page reads besides the ranking itself
(`evdash.ranking_service`): the default volume to win from the brand's target, the peers' shares and
the EV-share history of the markets ranked, and the analyst notes in force. Each is a small view model
cached on its own parameters, so a weight change that leaves the ranked markets as they were reads
nothing again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from evdash import queries, scoring

HISTORY_FROM = 2014  # the EV-share history beside each market's score starts here


@dataclass(frozen=True)
class VolumeScenario:
    brand: str  # brand_id
    brand_name: str  # as the default's basis names it
    on: dt.date  # the target in force on this date


def default_volume(con: duckdb.DuckDBPyConnection, scenario: VolumeScenario) -> tuple[int, str]:
    """The default volume to win in one market (cars a year) and where it comes from
    (`scoring.default_volume` of the brand's target in force)."""
    target = queries.markets_brand_target(con, brand=scenario.brand, on_date=scenario.on)
    return scoring.default_volume(target, scenario.brand_name)


@dataclass(frozen=True)
class MarketsScenario:
    markets: tuple[str, ...]  # ISO 3166 alpha-3 codes, in the ranking's order


def peer_shares(con: duckdb.DuckDBPyConnection, scenario: MarketsScenario) -> dict[str, str]:
    """Per market, what peers hold there in its latest published period, in words
    (`scoring.peer_shares_text` of both bases: new cars and battery-electric registrations)."""
    markets = list(scenario.markets)
    peers = scoring.all_peer_shares(
        queries.markets_peer_shares(con, markets=markets),
        queries.markets_peer_bev_shares(con, markets=markets),
    )
    return scoring.peer_shares_text(peers)


def ev_share_history(con: duckdb.DuckDBPyConnection, scenario: MarketsScenario) -> pd.DataFrame:
    """Each market's EV share over the years (IEA history + national figures), for the table beside
    its score (not in the CSV)."""
    return queries.market_history(
        con, markets=list(scenario.markets), metric="ev_share_pct", year_from=HISTORY_FROM
    )


def notes_in_force(con: duckdb.DuckDBPyConnection, scenario: None = None) -> pd.DataFrame:
    """The analyst notes in force (queries/notes_current.sql); the page picks the markets compared
    (`notes.for_markets`), so changing them reads no note again."""
    return queries.notes_current(con)
