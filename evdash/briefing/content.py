"""What the briefing holds: the `Briefing` the PDF and the e-mail print, its `Source`s, and the
`OverviewPart` (the part the Overview page shows, on which the rest is built). Values only; they are
made in evdash.briefing.assemble."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from evdash import changes, deliveries, labels, watch
from evdash.kpis import Kpi


@dataclass(frozen=True)
class Source:
    url: str
    publisher: str


@dataclass(frozen=True)
class Briefing:
    brand_id: str
    brand_name: str
    on: dt.date
    year: int
    version: str
    data_as_of: str
    filters: dict[str, str]
    verdict_level: str
    verdict: str
    attainment_note: str
    overview_kpis: tuple[Kpi, ...]
    deliveries_kpis: tuple[Kpi, ...]
    newest_label: str
    newest_date: dt.date | None
    years: pd.DataFrame  # queries.overview_years
    cumulative: pd.DataFrame  # deliveries.cumulative_frame
    year_events: pd.DataFrame  # events.markers of the year
    all_events: pd.DataFrame  # events.markers of every year (the years chart)
    peers: pd.DataFrame  # peer_table: deliveries.peer_attainment of the year before and of the year
    status: pd.DataFrame  # expansion.with_labels(queries.expansion_map_status)
    focus_model: str
    landed: pd.DataFrame  # one row per focus market (see landed_table)
    watch: tuple[watch.WatchItem, ...]
    sources: tuple[Source, ...] = field(default_factory=tuple)
    overdue_sources: str = ""  # freshness.overdue_words: the recurring sources late on `on` ('' = none)
    analyst_notes: tuple[str, ...] = ()  # notes.briefing_lines: the newest analyst notes (at most 3)
    changed_since: dt.date | None = None  # "what changed" counts from the end of this day (changes.collect)
    changed: tuple[changes.Change, ...] = ()

    @property
    def changed_text(self) -> str:
        """'What changed since 30 Nov 2026: 1 revision · 2 duty changes' ('' without a date)."""
        if self.changed_since is None:
            return ""
        return f"What changed since {labels.day(self.changed_since)}: {changes.summary(self.changed)}"

    @property
    def newest_age_days(self) -> int | None:
        return (self.on - self.newest_date).days if self.newest_date else None

    @property
    def newest_text(self) -> str:
        """'latest deliveries figure: to 31 Mar 2026, 245 days before 1 Dec 2026'."""
        if self.newest_date is None:
            return "no delivery figures in the data"
        days = self.newest_age_days or 0
        months = round(days / 30.44)
        age = f"{months} months" if months >= 2 else f"{days} days"
        return f"{self.newest_label} to {self.newest_date:%-d %b %Y}, {age} before {self.on:%-d %b %Y}"


@dataclass(frozen=True)
class OverviewPart:
    """The part of the briefing the Overview page shows (its watch list) and what it is computed from:
    `overview_part` makes it once per brand, date and data version, the Overview's service
    (evdash.services.overview) caches it, and `collect` builds the rest of the briefing on it, so the
    Overview and its PDF button compute it once. Its frames are shared: read them, never modify them."""

    brand_id: str
    brand_name: str
    home: str  # the brand's home market (ISO 3166 alpha-3)
    on: dt.date
    version: str
    data_as_of: str
    years: pd.DataFrame  # queries.overview_years
    facts: pd.DataFrame  # queries.overview_facts on `on` (one row)
    chart_events: pd.DataFrame  # queries.chart_events
    all_events: pd.DataFrame  # events.markers of every year
    status: pd.DataFrame  # expansion.with_labels(queries.expansion_map_status on `on`)
    now: deliveries.Outlook  # `on`'s year, counted to December
    now_previous: deliveries.Outlook | None  # the same months a year earlier
    overview_kpis: tuple[Kpi, ...]  # with their change against a year earlier
    markets: pd.DataFrame  # focus_markets
    origin: pd.Series | None  # focus_model: the focus variant's home price
    watch: tuple[watch.WatchItem, ...]
