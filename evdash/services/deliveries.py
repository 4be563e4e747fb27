"""The Deliveries service: what the Deliveries vs targets page shows of a brand's year (its choices, the
outlook and its verdict, the cumulative and monthly frames, the company totals and the peers) as plain
view models. No Streamlit, no Plotly: frames, texts and the core's decisions (evdash.deliveries).

Every query and computation goes through a `Reader` (evdash.pricing_service): the page passes
`ui.reader(ctx)`, which caches each step per data version and parameters, so a filter change re-runs only
the steps whose parameters changed (a new run-rate window recomputes the outlook, not the queries);
other callers pass `ConnectionReader(con)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from evdash import deliveries, events, kpis, labels, notes, queries
from evdash.kpis import Kpi
from evdash.pricing_service import Reader


@dataclass(frozen=True)
class BrandChoices:
    """What the page's filters offer for a brand: its years (newest data first as the data lists them,
    or this year when it has none), the default year, and its models (model_id → name)."""

    years: dict[str, str]
    default_year: str
    models: dict[str, str]


@dataclass(frozen=True)
class DeliveriesScenario:
    """A brand's year counted up to a month (`through`, 1–12), projected from the mean of the `window`
    most recent months, with `models` shown separately; `today` dates the verdict."""

    brand: str
    year: int
    through: int
    window: int
    models: tuple[str, ...]
    today: dt.date

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 12, 31)


@dataclass(frozen=True)
class DeliveriesView:
    scenario: DeliveriesScenario
    period: str  # "2025" or "Jan–Mar 2025"
    level: str  # the verdict's level: met, on_track, behind or none
    verdict: str  # the verdict's sentence (a figure months old says so first)
    cards: tuple[Kpi, ...]  # the KPI cards (kpis.deliveries_kpis)
    attainment_note: str
    cumulative: pd.DataFrame  # the cumulative chart's frame (deliveries.cumulative_frame)
    note_marks: pd.DataFrame  # analyst notes on the brand's periods of the year (notes.chart_marks)
    markers: pd.DataFrame  # the brand's events of the year (events.markers)
    cumulative_download: pd.DataFrame  # the cumulative frame with the notes drawn on it
    monthly: pd.DataFrame  # the monthly bars' frame
    totals: pd.DataFrame  # the company totals beside the sum of the months (codes)
    totals_shown: pd.DataFrame  # the same with labels (empty when there are no totals)
    attainment: pd.DataFrame  # peers' attainment of their targets in the year
    annual: pd.DataFrame  # peers' deliveries in the year before and the year


def brands(reader: Reader) -> dict[str, str]:
    """Every brand in the data: brand_id → name."""
    frame = reader.query(queries.brands)
    return dict(zip(frame["brand_id"], frame["name"], strict=True))


def brand_choices(reader: Reader, brand: str, today: dt.date) -> BrandChoices:
    """The years and models the page offers for `brand`; the default year is the latest complete one
    (deliveries.default_year)."""
    years = reader.query(queries.overview_years, brand=brand)
    this_year = str(today.year)
    models = reader.query(queries.deliveries_models, brand=brand)
    return BrandChoices(
        years={str(y): str(y) for y in years["year"]} or {this_year: this_year},
        default_year=str(deliveries.default_year([int(y) for y in years["year"]], today.year)),
        models=dict(zip(models["model_id"], models["name"], strict=True)),
    )


def period(year: int, through: int) -> str:
    """The counted period as the title says it: the year, or "Jan–Mar 2025"."""
    return f"{year}" if through == 12 else f"Jan–{deliveries.MONTH_NAMES[through - 1]} {year}"


def deliveries_view(reader: Reader, s: DeliveriesScenario) -> DeliveriesView:
    """The page's figures for scenario `s`; each query and computation is one cached step of `reader`."""
    ytd = reader.query(queries.deliveries_year_to_month, brand=s.brand, year=s.year)
    rate_months = reader.query(queries.deliveries_rate_months, brand=s.brand, year=s.year, through=s.through)
    targets = reader.query(queries.deliveries_targets, brand=s.brand, year=s.year)
    totals = reader.query(queries.deliveries_totals, brand=s.brand, year=s.year)
    outlook = reader.computed(deliveries.outlook, ytd, rate_months, totals, s.year, s.through, s.window)
    level, sentence = deliveries.verdict(outlook, s.today)
    cumulative = reader.computed(deliveries.cumulative_frame, ytd, targets, totals, outlook)
    note_marks = reader.computed(
        notes.chart_marks, reader.query(queries.notes_current), s.brand, s.start, s.end
    )
    peers = reader.query(queries.deliveries_peers)
    return DeliveriesView(
        scenario=s,
        period=period(s.year, s.through),
        level=level,
        verdict=sentence,
        cards=reader.computed(kpis.deliveries_kpis, outlook),
        attainment_note=deliveries.attainment_note(outlook),
        cumulative=cumulative,
        note_marks=note_marks,
        markers=events.markers(reader.query(queries.chart_events, brand=s.brand), s.start, s.end),
        cumulative_download=reader.computed(notes.with_notes, cumulative, note_marks),
        monthly=reader.query(
            queries.deliveries_monthly,
            brand=s.brand,
            models=list(s.models),
            month_from=s.start,
            month_to=dt.date(s.year, s.through, 1),
        ),
        totals=totals,
        totals_shown=totals if totals.empty else _totals_for_people(reader, totals),
        attainment=reader.computed(deliveries.peer_attainment, peers, s.year),
        annual=reader.computed(deliveries.peer_deliveries, peers, [s.year - 1, s.year]),
    )


def _totals_for_people(reader: Reader, totals: pd.DataFrame) -> pd.DataFrame:
    """The totals with labels (scope, period, confidence), not the data's codes: the table and its
    download."""
    return reader.computed(
        labels.for_people,
        totals,
        scope=labels.SCOPE,
        period_kind=labels.PERIOD,
        reported_confidence=labels.CONFIDENCE,
    )
