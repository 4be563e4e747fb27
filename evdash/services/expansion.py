"""The Expansion service: what the Expansion map page shows (the choices, the map coloured by a measure
with its ranking, and one country's market for a brand) as plain view models. No Streamlit, no Plotly:
frames, texts and the core's decisions (evdash.expansion, evdash.notes, evdash.labels).

Every query and computation goes through a `Reader` (evdash.pricing_service): the page passes
`ui.reader(ctx)`, which caches each step per data version and parameters, so picking another country
re-runs only the country's steps and another region only the ranking; other callers pass
`ConnectionReader(con)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from evdash import expansion, labels, notes, pricing, queries
from evdash.expansion import DutySummary, Measure
from evdash.pricing_service import Reader

STATUS_LABELS = expansion.STATUS_LABELS  # a status code → its label (the map legend, the status line)
MEASURE_OPTIONS = {m.code: m.label for m in expansion.MEASURES.values()}  # the allow-list, code → label
HISTORY_FROM = 2014  # the first year of the EV share sparklines and chart
# The figures of a country's cards: (metric, shown as a percent)
CARD_METRICS = (("new_ev_sales", False), ("bev_sales", False), ("ev_share_pct", True))


@dataclass(frozen=True)
class Choices:
    brands: dict[str, str]  # brand_id → name
    homes: dict[str, str]  # brand_id → its home market (ISO alpha-3)
    years: dict[str, str]  # the years with market figures
    default_year: str  # the latest well-covered year ('' when there is none)


@dataclass(frozen=True)
class MapScenario:
    brand: str
    measure: str  # a code of MEASURE_OPTIONS
    region: str  # a key of evdash.regions.REGION_LABELS ('world' = all)
    year: int  # the market figures' year
    on: dt.date  # statuses and duties in force on


@dataclass(frozen=True)
class MapView:
    scenario: MapScenario
    measure: Measure
    powertrain: str  # the brand's powertrain whose duties are shown ('BEV' when the data has none)
    production_countries: tuple[str, ...]  # where those cars are made (empty when unknown)
    labelled: pd.DataFrame  # the map's frame with its text labels (expansion.with_labels)
    country_names: dict[str, str]  # every country on the map, iso3 → name, by name
    ranking: pd.DataFrame  # the ranking beside the map (and its download)
    shown: pd.DataFrame  # the ranking with each market's EV share history (the table)


@dataclass(frozen=True)
class CountryScenario:
    brand: str
    country: str  # ISO alpha-3
    on: dt.date
    powertrain: str


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    help: str | None


@dataclass(frozen=True)
class CountryView:
    scenario: CountryScenario
    status: pd.Series | None  # the brand's status in the country (expansion_map_status.sql), or None
    duty: DutySummary  # the import duty on the brand's cars there
    cards: tuple[Card, ...]  # new EV sales, BEV sales, EV share: the latest year's figures
    stats: pd.DataFrame  # the market's figures (the EV sales chart)
    history: pd.DataFrame  # its EV share over the years with the IEA's scenarios
    market_marks: pd.DataFrame  # analyst notes drawn on both charts
    market_notes: pd.DataFrame  # every analyst note on the market (listed under the charts)
    stats_shown: pd.DataFrame  # the figures with labels (the table)
    market_download: pd.DataFrame  # the figures and the notes drawn on them (the download)
    timeline_shown: pd.DataFrame  # the brand's statuses and events in the country
    duties_shown: pd.DataFrame  # the duties in force, with labels
    duty_changes: pd.DataFrame  # the duty changes for the brand's cars there
    prices: pd.DataFrame  # prices of every brand in the country (codes)
    prices_shown: pd.DataFrame  # the same with labels
    registered: pd.DataFrame  # published brand registrations in the country, as a table shows them


def choices(reader: Reader) -> Choices:
    """The brands and the years with market figures the page offers."""
    brands = reader.query(queries.brands)
    years = reader.query(queries.expansion_years)
    default_year = expansion.default_year(years)
    return Choices(
        brands=dict(zip(brands["brand_id"], brands["name"], strict=True)),
        homes={b: str(h) for b, h in zip(brands["brand_id"], brands["home_market"], strict=True)},
        years={str(y): str(y) for y in years["year"]},
        default_year=str(default_year or ""),
    )


def map_view(reader: Reader, s: MapScenario) -> MapView:
    """The map of `s.brand` coloured by `s.measure` and its ranking in `s.region`."""
    measure = expansion.measure(s.measure)
    powertrains = reader.query(queries.expansion_brand_powertrains, brand=s.brand)
    powertrain = str(powertrains["powertrain"].iloc[0]) if not powertrains.empty else "BEV"
    frame = reader.query(
        expansion.map_frame,
        brand=s.brand,
        code=measure.code,
        year=s.year,
        on_date=s.on,
        powertrain=powertrain,
    )
    ranking = reader.computed(expansion.ranking_table, frame, measure, s.region)
    # Every ranked market's EV share over the years (IEA history + national figures), as a sparkline.
    history = reader.query(
        queries.market_history, markets=sorted(ranking["iso3"]), metric="ev_share_pct", year_from=HISTORY_FROM
    )
    return MapView(
        scenario=s,
        measure=measure,
        powertrain=powertrain,
        production_countries=tuple(str(powertrains["production_countries"].iloc[0]).split(", "))
        if not powertrains.empty
        else (),
        labelled=reader.computed(expansion.with_labels, frame, measure),
        country_names=dict(sorted(zip(frame["iso3"], frame["country"], strict=True), key=lambda kv: kv[1])),
        ranking=ranking,
        shown=reader.computed(expansion.with_history, ranking, history),
    )


def country_view(reader: Reader, s: CountryScenario) -> CountryView:
    """The market of `s.country` for `s.brand`: its status, duty, figures, notes, timeline and prices."""
    burden = reader.query(queries.tariff_burden, brand=s.brand, on_date=s.on, powertrain=s.powertrain)
    stats = reader.query(queries.expansion_country_stats, country=s.country)
    history = reader.query(
        queries.market_history, markets=[s.country], metric="ev_share_pct", year_from=HISTORY_FROM
    )
    # Analyst notes on this market (written on the Sources page): those with a date are drawn on both
    # charts (with the brand's period notes), and every one is listed under them.
    current_notes = reader.query(queries.notes_current)
    market_marks = reader.computed(
        notes.market_marks, current_notes, s.country, s.brand, [*stats["year"], *history["year"]]
    )
    stats_shown = _stats_for_people(reader, stats)
    prices = reader.query(queries.expansion_country_prices, brand=s.brand, country=s.country)
    return CountryView(
        scenario=s,
        status=expansion.row_for(
            reader.query(queries.expansion_map_status, brand=s.brand, on_date=s.on), "iso3", s.country
        ),
        duty=expansion.duty_summary(expansion.row_for(burden, "market_code", s.country)),
        cards=tuple(_card(stats, metric, percent) for metric, percent in CARD_METRICS),
        stats=stats,
        history=history,
        market_marks=market_marks,
        market_notes=reader.computed(notes.for_markets, current_notes, [s.country]),
        stats_shown=stats_shown,
        # The download is the frame the charts drew: the figures and the analyst notes drawn on them.
        market_download=reader.computed(
            notes.with_notes,
            stats_shown,
            market_marks,
            series="metric",
            date="period_scope",
            label="scope_note",
            year="year",
            kind="Analyst note",
        ),
        timeline_shown=reader.computed(
            expansion.timeline_for_people,
            reader.query(queries.expansion_country_timeline, brand=s.brand, country=s.country, on_date=s.on),
        ),
        duties_shown=_duties_for_people(reader, s),
        duty_changes=reader.computed(
            pricing.mark_changes,
            reader.query(
                queries.expansion_duty_changes, brand=s.brand, powertrain=s.powertrain, country=s.country
            ),
            s.on,
        ),
        prices=prices,
        prices_shown=reader.computed(
            labels.for_people, prices, price_type=labels.PRICE_TYPE, confidence=labels.CONFIDENCE
        ),
        registered=_registered(reader, s.country),
    )


def _card(stats: pd.DataFrame, metric: str, percent: bool) -> Card:
    """The latest year's figure for `metric`; its label names the year (the help's first part)."""
    value, help_text = expansion.latest_metric(stats, metric, percent)
    label = labels.METRIC[metric] + (f" · {help_text.split(' · ')[0]}" if help_text else "")
    return Card(label, value, help_text)


def _stats_for_people(reader: Reader, stats: pd.DataFrame) -> pd.DataFrame:
    """The market's figures with labels (which figure, which period, confidence), not codes."""
    return reader.computed(
        labels.for_people,
        stats,
        metric=labels.METRIC,
        period_scope=labels.PERIOD,
        confidence=labels.CONFIDENCE,
    )


def _duties_for_people(reader: Reader, s: CountryScenario) -> pd.DataFrame:
    """The duties on the brand's cars in the country in force on the date, with labels."""
    duties = reader.query(
        queries.expansion_country_tariffs,
        brand=s.brand,
        on_date=s.on,
        powertrain=s.powertrain,
        country=s.country,
    )
    return reader.computed(
        labels.for_people,
        duties,
        duty_kind=labels.DUTY_KIND,
        applies_to=labels.DUTY_CLASS,
        status=labels.DUTY_STATUS,
        confidence=labels.CONFIDENCE,
    )


def _registered(reader: Reader, country: str) -> pd.DataFrame:
    """Competitors' published registrations in the country as a table shows them (empty when none)."""
    registered = reader.query(queries.brand_registrations_known, markets=[country])
    return registered if registered.empty else reader.computed(expansion.registrations_for_people, registered)
