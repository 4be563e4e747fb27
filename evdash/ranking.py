"""The market ranking's chain, wired once: the Market ranking page scores its markets with `scored`, and
`ranking` runs the page's whole default scenario (the brand's plan markets, the default weights) for a
model on a date, for callers without the page (the tariff-change watch ranks a market the day before and
the day a rule changes). No Streamlit: the page passes `ui.reader(ctx)` (each step cached), a script
`pricing_service.ConnectionReader(con)`.

The rules live in `evdash.scoring` (measures, normalisation, scale, gates) and `evdash.pricing` (the
landed price each market is scored on); this module only decides what is computed from what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from evdash import pricing_service, queries, scoring
from evdash.pricing_service import Reader
from evdash.regions import REGION_LABELS

# The Market ranking page's defaults for the choices the tariff-change watch does not offer.
DEFAULT_METHOD = "minmax"
DEFAULT_MISSING = "rescale"
DEFAULT_MIN_COVERAGE = 50
DEFAULT_GATE = "show"


def scored(
    reader: Reader,
    measures: pd.DataFrame,
    presence: pd.DataFrame,
    priced: pd.DataFrame,
    body_type: str,
    ranked_markets: Sequence[str],
    proxied: Mapping[str, frozenset[str]],
    weights: Mapping[str, float],
    method: str,
    missing: str,
    min_coverage: float,
    gated_out: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, scoring.ScoreResult]:
    """The ranking on landed prices `priced` (`PricingView.by_market`): the measures assembled, proxies
    bounded by the markets' own figures, the scale of each market, the scores and the markets gated out.
    Returns the measures, where each comes from, and the result."""
    measured, where_from = reader.computed(
        scoring.assemble_measures, measures, presence, priced, body_type, list(ranked_markets)
    )
    scored_raw = reader.computed(scoring.proxy_bounded, measured, proxied)
    # Scale: a small market's shares count less (none at 1/50 of the largest compared) while size has a
    # weight.
    scale = reader.computed(scoring.scale_factors, measured, weights)
    ranked = reader.computed(
        scoring.score_markets,
        scored_raw,
        weights,
        method,  # type: ignore[arg-type]
        missing,  # type: ignore[arg-type]
        min_coverage_pct=min_coverage,
        scale=scale,
    )
    return measured, where_from, reader.computed(scoring.with_excluded, ranked, gated_out)


@dataclass(frozen=True)
class RankingScenario:
    """The Market ranking page's scenario: `model` landed in `markets` (None: the brand's plan markets,
    the page's default) on `on`, with the page's default weights and policies unless given."""

    on: dt.date
    model: str = pricing_service.DEFAULT_MODEL
    markets: tuple[str, ...] | None = None
    duty_class: str = ""
    freight_pct: float = pricing_service.DEFAULT_FREIGHT_PCT
    after_incentive: bool = False
    weights: tuple[tuple[str, float], ...] = field(
        default_factory=lambda: tuple(scoring.DEFAULT_WEIGHTS.items())
    )
    method: str = DEFAULT_METHOD
    missing: str = DEFAULT_MISSING
    min_coverage: float = DEFAULT_MIN_COVERAGE
    gate: str = DEFAULT_GATE


@dataclass(frozen=True)
class Ranking:
    """The ranked markets (`table`: market_code, score, rank, ...), the markets compared, and the landed
    prices they were scored on (`by_market`)."""

    scenario: RankingScenario
    compared: tuple[str, ...]
    table: pd.DataFrame
    by_market: pd.DataFrame

    def rank_of(self, market: str) -> int | None:
        """The market's rank, None when it is not ranked (not compared, gated out, too little data)."""
        row = self.table[self.table["market_code"] == market]
        return None if row.empty else int(row["rank"].iloc[0])


@dataclass(frozen=True)
class Universe:
    """What the ranking can compare for a brand on a date: every market with measures except the brand's
    home markets, and the default comparison (the region the brand says it enters first)."""

    measures_long: pd.DataFrame
    presence: pd.DataFrame
    markets: tuple[str, ...]
    plan_markets: tuple[str, ...]
    names: dict[str, str]
    plan: scoring.Plan


def universe(reader: Reader, origin: pd.Series, on: dt.date) -> Universe:
    """The markets the ranking compares for the car `origin` (a `Catalogue.entry` row) on `on`."""
    brand = str(origin["brand_id"])
    measures_long = reader.query(queries.markets_measures_years)
    presence = reader.query(queries.markets_presence, brand=brand, on_date=on)
    home = set(presence.loc[presence["status"] == "home", "market_code"]) | {
        str(origin["production_country"])
    }
    markets = sorted(set(measures_long["market_code"]) - home)
    names = dict(zip(measures_long["market_code"], measures_long["market_name"], strict=True))
    regions = dict(zip(measures_long["market_code"], measures_long["evdash_region"], strict=True))
    plan = reader.computed(
        scoring.brand_plan, presence, regions, REGION_LABELS, str(origin["brand_name"]), names
    )
    plan_markets = [c for c in markets if plan.region is None or regions.get(c) == plan.region]
    return Universe(measures_long, presence, tuple(markets), tuple(plan_markets), names, plan)


def ranking(
    reader: Reader, scenario: RankingScenario, cat: pricing_service.Catalogue | None = None
) -> Ranking:
    """Rank the markets for the scenario as the Market ranking page does with the same choices."""
    on = scenario.on
    cat = cat if cat is not None and cat.on == on else pricing_service.catalogue(reader, on)
    origin = cat.entry[cat.entry["model_id"] == scenario.model].iloc[0]
    world = universe(reader, origin, on)
    chosen = list(world.plan_markets if scenario.markets is None else scenario.markets)
    requirements = reader.query(queries.markets_requirements)
    configurations = reader.query(queries.markets_model_configurations, model=scenario.model)
    gaps = reader.computed(scoring.requirement_gaps, requirements, configurations, chosen)
    ranked_markets, gated_out = reader.computed(scoring.gate_markets, chosen, gaps, scenario.gate)
    basis = reader.computed(scoring.pick_basis, world.measures_long, ranked_markets)
    priced = pricing_service.pricing_view(
        reader,
        pricing_service.PricingScenario(
            on=on,
            model=scenario.model,
            markets=tuple(chosen),
            currency="EUR",
            duty_class=scenario.duty_class,
            freight_pct=scenario.freight_pct,
            detail=False,
            after_incentive=scenario.after_incentive,
        ),
        cat,
    ).by_market
    proxied = reader.computed(scoring.proxied_markets, basis.measures)
    result = scored(
        reader,
        basis.measures,
        world.presence,
        priced,
        str(origin["body_type"]),
        ranked_markets,
        proxied,
        dict(scenario.weights),
        scenario.method,
        scenario.missing,
        float(scenario.min_coverage),
        gated_out,
    )[2]
    return Ranking(scenario, tuple(chosen), result.table, priced)
