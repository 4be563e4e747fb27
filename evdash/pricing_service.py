"""Pricing service: the one wiring of the pricing chain (prices → FX → freight → duties → VAT → relief →
rivals) for a scenario. The Pricing page, the Market ranking's price measure and the briefing all call
`pricing_view`; none of them wires the chain itself. No Streamlit, no Plotly: frames, texts, provenance.

Queries and computations go through a `Reader`: the pages pass one that caches each step per data
version (`ui.reader`), the briefing and the CLI pass `ConnectionReader(con)`, which runs them directly.
The arithmetic lives in `evdash.pricing`; this module only decides what is computed from what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, Protocol, TypeVar

import duckdb
import pandas as pd

from evdash import expansion, labels, pricing, queries

T = TypeVar("T")
P = ParamSpec("P")

# The scenario's defaults, defined once (the pages' widgets and the briefing read them from here).
DEFAULT_VARIANT = "xiaomi_yu7_standard_rwd"  # the Pricing page's car
DEFAULT_MODEL = "xiaomi_yu7"  # the Market ranking's model
DEFAULT_MARKET = "DEU"
DEFAULT_CURRENCY = "EUR"
DEFAULT_FREIGHT_PCT = 5
PRICE_BASES = {"before": "before purchase incentives", "after": "after purchase incentives"}
RIVAL_SCOPES = {"body": "same body type", "segment": "same body type and segment"}


class Reader(Protocol):
    """How a service reads: `query(queries.x, **params)` runs a query function on the connection and
    `computed(f, *args, **kwargs)` a pure computation (a page's reader caches both)."""

    def query(self, function: Callable[..., pd.DataFrame], /, **params: Any) -> pd.DataFrame: ...

    def computed(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


@dataclass(frozen=True)
class ConnectionReader:
    """A `Reader` that runs every query on `con` and every computation directly (no cache)."""

    con: duckdb.DuckDBPyConnection

    def query(self, function: Callable[..., pd.DataFrame], /, **params: Any) -> pd.DataFrame:
        return function(self.con, **params)

    def computed(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return function(*args, **kwargs)


@dataclass(frozen=True)
class PricingScenario:
    """What is priced, where and how. `variant` names the car priced at home; without it, `model`'s entry
    variant (its cheapest at home) is priced. `markets[0]` is the market shown in detail (`detail`);
    without detail, every market of `markets` gets one row of `PricingView.by_market`. An empty
    `duty_class` means the brand's class in the data."""

    on: dt.date
    variant: str = ""
    model: str = ""
    markets: tuple[str, ...] = (DEFAULT_MARKET,)
    currency: str = DEFAULT_CURRENCY
    duty_class: str = ""
    freight_pct: float = DEFAULT_FREIGHT_PCT
    freight_amount: float = 0.0
    strip_origin_vat: bool = True
    rival_scope: str = "body"
    detail: bool = True
    after_incentive: bool = False  # the ranking's price measure on the price after purchase incentives


@dataclass(frozen=True)
class Catalogue:
    """What can be priced on a date: every price, the ones in force, the cars priced at home, each model's
    entry variant, and the names the pickers show."""

    on: dt.date
    prices: pd.DataFrame
    latest: pd.DataFrame
    origins: pd.DataFrame
    entry: pd.DataFrame
    rates: pd.DataFrame
    market_names: dict[str, str]
    currencies: tuple[str, ...]
    duty_classes: tuple[str, ...]


def catalogue(reader: Reader, on: dt.date) -> Catalogue:
    prices = reader.query(queries.pricing_prices, on=on)
    latest = reader.computed(pricing.latest_prices, prices, on)
    origins = reader.computed(pricing.origin_prices, latest)
    rates = reader.query(queries.pricing_fx)
    measures = reader.query(queries.markets_measures)
    names = {
        str(c): str(n)
        for frame in (measures, prices)
        for c, n in zip(frame["market_code"], frame["market_name"], strict=True)
    }
    return Catalogue(
        on,
        prices,
        latest,
        origins,
        reader.computed(pricing.entry_prices, origins),
        rates,
        names,
        tuple(sorted(set(rates["base"]) | set(rates["quote"]))),
        tuple(reader.query(queries.duty_classes)["duty_class"]),
    )


@dataclass(frozen=True)
class PricingView:
    """The priced scenario. Detail (for `market`): `landed` (None with `fx_error` when a rate is missing),
    the duty changes, the rivals compared and the headline gaps. Without detail: `by_market`, one row per
    market (`pricing.landed_for_markets`)."""

    scenario: PricingScenario
    origin: pd.Series
    duty_class: str
    market: str
    market_name: str
    latest: pd.DataFrame
    rates: pd.DataFrame
    duties: pd.DataFrame
    vat: pd.DataFrame
    by_market: pd.DataFrame
    landed: pricing.LandedCases | None = None
    fx_error: str = ""
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    rivals: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: tuple[pricing.RivalGap, ...] = ()
    rivals_without_price: tuple[str, ...] = ()
    registered_line: str = ""
    incentive_notes: tuple[str, ...] = ()  # the market's purchase incentive for this car, in words


def origin_row(cat: Catalogue, scenario: PricingScenario) -> pd.Series:
    """The car priced at home: the scenario's variant, else its model's entry variant."""
    if scenario.variant:
        return cat.origins[cat.origins["variant_id"] == scenario.variant].iloc[0]
    return cat.entry[cat.entry["model_id"] == scenario.model].iloc[0]


def pricing_view(reader: Reader, scenario: PricingScenario, cat: Catalogue | None = None) -> PricingView:
    """Price the scenario's car in its markets (see PricingScenario). `cat` is the date's `catalogue` when
    the caller already has it (a page reads it for its pickers). Raises IndexError when the variant or
    model has no price at home on the date (the pages offer only those that have one)."""
    cat = cat if cat is not None and cat.on == scenario.on else catalogue(reader, scenario.on)
    origin = origin_row(cat, scenario)
    duty_class = scenario.duty_class or str(origin["tariff_company"])
    market = scenario.markets[0] if scenario.markets else ""
    on = scenario.on
    duties = reader.query(
        queries.pricing_duties,
        markets=list(scenario.markets),
        origin=str(origin["production_country"]),
        duty_class=duty_class,
        powertrain=str(origin["powertrain"]),
        on=on,
    )
    vat = reader.query(queries.pricing_vat, on=on)
    reliefs = reader.query(queries.pricing_vat_reliefs, on=on)
    incentives = reader.query(queries.pricing_incentives, on=on)
    view = PricingView(
        scenario,
        origin,
        duty_class,
        market,
        cat.market_names.get(market, market),
        cat.latest,
        cat.rates,
        duties,
        vat,
        pd.DataFrame(),
    )
    if not scenario.detail:
        by_market = reader.computed(
            pricing.landed_for_markets,
            origin, list(scenario.markets), duties, vat, cat.rates, cat.latest, on, scenario.currency,
            duty_class, freight_pct=scenario.freight_pct, freight_amount=scenario.freight_amount,
            strip_origin_vat=scenario.strip_origin_vat, reliefs=reliefs, incentives=incentives,
        )  # fmt: skip
        if scenario.after_incentive and "price_gap_after_incentive_pct" in by_market.columns:
            by_market = by_market.assign(
                price_gap_pct=by_market["price_gap_after_incentive_pct"],
                price_gap_low_pct=by_market["price_gap_after_incentive_low_pct"],
            )
        return replace(view, by_market=by_market)
    return _detail(reader, view, reliefs, incentives)


def _detail(
    reader: Reader, view: PricingView, reliefs: pd.DataFrame, incentives: pd.DataFrame
) -> PricingView:
    """The Pricing page's view of one market: landed cases, duty changes, rivals and the gaps."""
    s, origin, on = view.scenario, view.origin, view.scenario.on
    inputs = reader.computed(
        pricing.build_inputs,
        origin, view.market, view.market_name, view.duties, view.vat, on, s.currency, view.duty_class,
        freight_pct=s.freight_pct, freight_amount=s.freight_amount,
        strip_origin_vat=s.strip_origin_vat, reliefs=reliefs, incentives=incentives,
    )  # fmt: skip
    try:
        landed = reader.computed(pricing.landed_cases, inputs, view.rates)
    except pricing.FxUnavailable as err:
        return replace(view, fx_error=str(err))
    changes = reader.query(
        queries.pricing_duty_changes,
        origin=str(origin["production_country"]),
        duty_class=view.duty_class,
        powertrain=str(origin["powertrain"]),
        country=view.market,
    )
    segment = str(origin["segment"]) if s.rival_scope == "segment" else None
    body, model = str(origin["body_type"]), str(origin["model_id"])
    rivals = reader.computed(
        pricing.converted_rivals, view.latest, view.market, body, model, segment, view.rates, s.currency, on
    )
    comparison = reader.computed(pricing.compare_rivals, landed, rivals, s.currency, on)
    registered = reader.query(queries.brand_registrations_known, markets=[view.market])
    return replace(
        view,
        landed=landed,
        changes=reader.computed(pricing.mark_changes, changes, on) if not changes.empty else changes,
        rivals=rivals,
        comparison=comparison,
        gaps=reader.computed(pricing.rival_gaps, comparison, landed, s.currency),
        rivals_without_price=tuple(
            reader.computed(pricing.rivals_without_price, view.latest, view.market, body, model)
        ),
        registered_line=reader.computed(expansion.registrations_line, registered),
        incentive_notes=_incentive_notes(landed, view.market_name, on),
    )


def _incentive_notes(landed: pricing.LandedCases, market_name: str, on: dt.date) -> tuple[str, ...]:
    """What the market's purchase incentive does to each case's price (said once when the cases agree),
    or that the data has none in force."""
    if not any(c.incentive_notes for c in landed.cases):
        return (
            f"No purchase incentive for this car in {market_name} is in force on {labels.day(on)} "
            "in the data.",
        )
    notes = dict.fromkeys(n for c in landed.cases for n in c.incentive_notes)
    if len(notes) == len(landed.low.incentive_notes):
        return tuple(notes)
    return tuple(f"{c.case_label}: {n}" for c in landed.cases for n in c.incentive_notes)


def lowest_case(by_market: pd.DataFrame) -> pd.DataFrame | None:
    """`PricingView.by_market` with each market's lowest duty case as its duty and price measures (what
    the ranking scores a second time, to report the rank under that case); None when no market has
    several cases (Xiaomi's unverified EU class, Canada's quota, ...)."""
    if (
        by_market.empty
        or "duty_cases" not in by_market.columns
        or not by_market["duty_cases"].astype(bool).any()
    ):
        return None
    return by_market.assign(
        duty_burden_pct=by_market["duty_burden_low_pct"], price_gap_pct=by_market["price_gap_low_pct"]
    )


def with_lowest_case_rank(by_market: pd.DataFrame, ranked_low: pd.DataFrame) -> pd.DataFrame:
    """`by_market` with `rank_lowest_duty_case`, the rank of `ranked_low` (the ranking of `lowest_case`)."""
    ranks = ranked_low[["market_code", "rank"]].rename(columns={"rank": "rank_lowest_duty_case"})
    return by_market.merge(ranks, on="market_code", how="left")
