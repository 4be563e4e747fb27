"""Ranking service: the one wiring of the market ranking (the markets a model can be taken to → the gates of
each market's requirements → one basis year per measure → landed prices → measures → score) for a model
and a set of weights. The Market ranking page and the Compare page call it; neither wires the chain itself.
No Streamlit, no Plotly: frames and the score result. The scoring rules live in `evdash.scoring`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from evdash import pricing_service, queries, scoring
from evdash.pricing_service import Catalogue, Reader
from evdash.regions import REGION_LABELS

# The Market ranking's defaults, defined once (its widgets and the Compare page read them from here).
DEFAULT_PRICE_BASIS = "before"
DEFAULT_METHOD = "minmax"
DEFAULT_MISSING = "rescale"
DEFAULT_MIN_COVERAGE = 50
DEFAULT_GATE = "show"


@dataclass(frozen=True)
class Universe:
    """The markets a model can be ranked in: every market with measures but the brand's home markets and
    the car's production country, their names and regions, and the brand's plan (the default set)."""

    origin: pd.Series  # the model's entry variant at home (pricing_service.Catalogue.entry)
    brand: str
    measures_long: pd.DataFrame
    presence: pd.DataFrame
    markets: list[str]
    names: dict[str, str]
    regions: dict[str, str]
    plan: scoring.Plan
    plan_markets: list[str]


def universe(reader: Reader, cat: Catalogue, model: str, on: dt.date) -> Universe:
    """Raises IndexError when `model` has no entry price at home on `cat.on`."""
    origin = cat.entry[cat.entry["model_id"] == model].iloc[0]
    brand = str(origin["brand_id"])
    # Every year of every measure: the ranking compares all markets on one basis year per measure.
    measures_long = reader.query(queries.markets_measures_years)
    presence = reader.query(queries.markets_presence, brand=brand, on_date=on)
    home = set(presence.loc[presence["status"] == "home", "market_code"]) | {
        str(origin["production_country"])
    }
    markets = sorted(set(measures_long["market_code"]) - home)
    names = dict(zip(measures_long["market_code"], measures_long["market_name"], strict=True))
    regions = dict(zip(measures_long["market_code"], measures_long["evdash_region"], strict=True))
    # The default compares the markets of the region the brand says it enters first (its expansion statuses).
    plan = reader.computed(
        scoring.brand_plan, presence, regions, REGION_LABELS, str(origin["brand_name"]), names
    )
    plan_markets = [c for c in markets if plan.region is None or regions.get(c) == plan.region]
    return Universe(origin, brand, measures_long, presence, markets, names, regions, plan, plan_markets)


@dataclass(frozen=True)
class RankingScenario:
    """How the markets are ranked: the Market ranking page's sidebar."""

    on: dt.date
    model: str
    markets: tuple[str, ...]
    weights: Mapping[str, float]
    duty_class: str = ""
    freight_pct: float = pricing_service.DEFAULT_FREIGHT_PCT
    price_basis: str = DEFAULT_PRICE_BASIS
    method: str = DEFAULT_METHOD
    missing: str = DEFAULT_MISSING
    min_coverage: int = DEFAULT_MIN_COVERAGE
    gate: str = DEFAULT_GATE


@dataclass(frozen=True)
class Ranking:
    """The ranked markets: `result` (scoring.ScoreResult, with the gated-out markets excluded), the
    measures it was scored on (`raw`) and where each came from (`provenance`), the landed prices by market
    (with `rank_lowest_duty_case` where a duty has cases), the requirement gaps and the basis years."""

    gaps: pd.DataFrame
    ranked_markets: list[str]
    gated_out: pd.DataFrame
    basis: scoring.Basis
    landed: pd.DataFrame
    proxied: dict[str, frozenset[str]]
    raw: pd.DataFrame
    provenance: pd.DataFrame
    result: scoring.ScoreResult

    def rank_of(self, market: str) -> int | None:
        """The market's rank, None when it is not ranked (not compared, gated out, too little data)."""
        table = self.result.table
        row = table[table["market_code"] == market]
        return None if row.empty else int(row["rank"].iloc[0])


def ranking(reader: Reader, cat: Catalogue, uni: Universe, s: RankingScenario) -> Ranking:
    """Rank `s.markets` for `s.model` (see the module docstring)."""
    # Market requirements as gates: what each market needs of the car against what the model offers.
    requirements = reader.query(queries.markets_requirements)
    configurations = reader.query(queries.markets_model_configurations, model=s.model)
    gaps = reader.computed(scoring.requirement_gaps, requirements, configurations, list(s.markets))
    ranked_markets, gated_out = reader.computed(scoring.gate_markets, list(s.markets), gaps, s.gate)
    basis = reader.computed(scoring.pick_basis, uni.measures_long, ranked_markets)
    # Landed prices for every market cost most of the ranking (profiled): each step is computed once per
    # data version and scenario (a page's reader caches), not on every rerun.
    landed = pricing_service.pricing_view(
        reader,
        pricing_service.PricingScenario(
            on=s.on,
            model=s.model,
            markets=tuple(s.markets),
            currency="EUR",
            duty_class=s.duty_class,
            freight_pct=s.freight_pct,
            detail=False,
            after_incentive=s.price_basis == "after",
        ),
        cat,
    ).by_market
    # A proxy is scored inside the range of the markets' own figures (never beating real data); its spread
    # gives each proxied market a score range.
    proxied = reader.computed(scoring.proxied_markets, basis.measures)
    body = str(uni.origin["body_type"])

    def scored(priced: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, scoring.ScoreResult]:
        measured, where_from = reader.computed(
            scoring.assemble_measures, basis.measures, uni.presence, priced, body, ranked_markets
        )
        scored_raw = reader.computed(scoring.proxy_bounded, measured, proxied)
        # Scale: a small market's shares count less (none at 1/50 of the largest compared) while size has
        # a weight.
        scale = reader.computed(scoring.scale_factors, measured, s.weights)
        ranked = reader.computed(
            scoring.score_markets,
            scored_raw,
            s.weights,
            s.method,  # type: ignore[arg-type]
            s.missing,  # type: ignore[arg-type]
            min_coverage_pct=float(s.min_coverage),
            scale=scale,
        )
        return measured, where_from, reader.computed(scoring.with_excluded, ranked, gated_out)

    raw, provenance, result = scored(landed)
    # Where a duty has cases (Xiaomi's unverified EU class, Canada's quota) the ranking scores the highest;
    # the same scoring on the lowest case gives each market's rank under it.
    lowest = pricing_service.lowest_case(landed)
    if lowest is not None:
        landed = reader.computed(pricing_service.with_lowest_case_rank, landed, scored(lowest)[2].table)
    return Ranking(gaps, ranked_markets, gated_out, basis, landed, proxied, raw, provenance, result)


def default_ranking(
    reader: Reader,
    on: dt.date,
    model: str = pricing_service.DEFAULT_MODEL,
    duty_class: str = "",
    freight_pct: float = pricing_service.DEFAULT_FREIGHT_PCT,
) -> Ranking:
    """The Market ranking page as it opens for `model` on `on` (the brand's plan markets, the default
    weights and policies), for callers without the page: the tariff-change watch ranks with it."""
    cat = pricing_service.catalogue(reader, on)
    uni = universe(reader, cat, model, on)
    return ranking(
        reader,
        cat,
        uni,
        RankingScenario(
            on=on,
            model=model,
            markets=tuple(uni.plan_markets),
            weights=scoring.DEFAULT_WEIGHTS,
            duty_class=duty_class,
            freight_pct=freight_pct,
        ),
    )


def brand_model(reader: Reader, brand: str, on: dt.date) -> str:
    """The model the brand's ranking is about: the Market ranking's default model when it is the brand's,
    else the brand's first model priced at home on `on`; "" when the brand has none."""
    entry = pricing_service.catalogue(reader, on).entry
    own = entry[entry["brand_id"] == brand]
    if (own["model_id"] == pricing_service.DEFAULT_MODEL).any():
        return pricing_service.DEFAULT_MODEL
    return "" if own.empty else str(own.iloc[0]["model_id"])
