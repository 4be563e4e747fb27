"""The ranking's vocabulary: the measures, the weight presets, the scenario choices and the constants
the other scoring modules share. Pure data, no rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evdash import labels

Method = Literal["minmax", "percentile"]


MissingPolicy = Literal["rescale", "exclude"]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    higher_is_better: bool
    description: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "ev_sales",
        "EV market size",
        "cars/yr",
        True,
        "BEV+PHEV new-car sales, latest full year (BEV only where BEV+PHEV is missing: a floor)",
    ),
    Measure("ev_share_pct", "EV share", "%", True, "BEV+PHEV share of new cars, latest year"),
    Measure(
        "ev_growth_pct",
        "EV growth",
        "% y/y",
        True,
        "EV (or BEV) sales growth, latest year vs the year before",
    ),
    Measure("bev_share_pct", "BEV share", "%", True, "battery-electric share of new cars, latest year"),
    Measure(
        "body_fit_pct", "Body-type fit", "%", True, "share of new cars with the model's body type (SUV share)"
    ),
    Measure(
        "tariff_burden_pct", "Low tariff", "% of CIF", False, "all import duties for the brand's duty class"
    ),
    Measure("price_gap_pct", "Price vs rivals", "%", False, "landed estimate vs median local rival price"),
    Measure("presence", "Existing presence", "0–1", True, "brand status: launched 1, announced 0.5 …"),
)


MEASURE_BY_KEY = {m.key: m for m in MEASURES}


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    question: str  # what the preset answers, in words (shown on the page)
    weights: dict[str, int]
    favours: str = ""  # what it favours, in one sentence (beside the ranking and on the preset's button)


PRESET_LIST: tuple[Preset, ...] = (
    Preset(
        "brand_plan",
        "The brand's plan (default)",
        "Where should the brand start inside the region it says it will enter first, shipping small first "
        "batches? Small batches need buyers who already choose EVs and SUVs and a duty the car can carry, "
        "more than a big market: size weighs 20, EV share 25, growth 10, body-type fit 20, duty 25.",
        {
            "ev_sales": 20,
            "ev_share_pct": 25,
            "ev_growth_pct": 10,
            "bev_share_pct": 0,
            "body_fit_pct": 20,
            "tariff_burden_pct": 25,
            "price_gap_pct": 0,
            "presence": 0,
        },
        favours="It favours markets whose buyers already choose EVs and SUVs, behind a duty the car can "
        "carry, over sheer size (a market 50× smaller than the largest gets no points for its shares).",
    ),
    Preset(
        "volume_first",
        "Volume first",
        "Where are the most EV buyers to win? Market size weighs most (40), then uptake and growth; duties "
        "count for little, so a big market behind a prohibitive duty can lead (the page says so).",
        {
            "ev_sales": 40,
            "ev_share_pct": 15,
            "ev_growth_pct": 15,
            "bev_share_pct": 10,
            "body_fit_pct": 5,
            "tariff_burden_pct": 10,
            "price_gap_pct": 5,
            "presence": 0,
        },
        favours="It favours the biggest EV markets, even behind a high duty.",
    ),
    Preset(
        "low_tariff",
        "Low tariff",
        "Where does the car arrive cheapest against local rivals? Duties (40) and the landed price against "
        "rivals (20) weigh most; markets without duty data are flagged, never treated as duty-free.",
        {
            "ev_sales": 15,
            "ev_share_pct": 10,
            "ev_growth_pct": 5,
            "bev_share_pct": 5,
            "body_fit_pct": 5,
            "tariff_burden_pct": 40,
            "price_gap_pct": 20,
            "presence": 0,
        },
        favours="It favours markets where the car lands cheapest against local rivals.",
    ),
    Preset(
        "premium_fit",
        "Premium fit",
        "Where do buyers already choose battery-electric cars of this body type? BEV share (25) and "
        "body-type fit (20) weigh most, then EV share and the price against rivals.",
        {
            "ev_sales": 10,
            "ev_share_pct": 15,
            "ev_growth_pct": 5,
            "bev_share_pct": 25,
            "body_fit_pct": 20,
            "tariff_burden_pct": 10,
            "price_gap_pct": 10,
            "presence": 5,
        },
        favours="It favours markets where buyers already choose battery-electric cars of this body type.",
    ),
)


PRESET_BY_KEY = {p.key: p for p in PRESET_LIST}


PRESETS: dict[str, dict[str, int]] = {p.key: p.weights for p in PRESET_LIST}


PRESET_LABEL = {p.key: p.label for p in PRESET_LIST}


DEFAULT_PRESET = "brand_plan"


DEFAULT_WEIGHTS = PRESETS[DEFAULT_PRESET]


# A duty this high (all duties as % of the customs value) prices the car out: a market that leads a ranking
# despite it is said to lead *despite* it, in words, wherever the ranking is shown.
PROHIBITIVE_DUTY_PCT = 50.0


# The scenario choices of the ranking, as a person reads them (the URL and the code take the keys).
NORMALISATIONS: dict[str, str] = {
    "minmax": "min–max (0 = worst, 1 = best)",
    "percentile": "rank / percentile",
}


MISSING_POLICIES: dict[str, str] = {"rescale": "score on the rest, flag it", "exclude": "exclude the market"}


# What a measure's value was made from (the provenance's `basis`): the market figure it rests on.
BASIS: dict[str, str] = {
    "ev_sales": labels.METRIC["new_ev_sales"],
    "bev_sales": "BEV sales only (a floor: BEV + PHEV is missing)",
    "ev_share_pct": labels.METRIC["ev_share_pct"],
    "bev_share_pct": labels.METRIC["bev_share_pct"],
    "ev_growth_pct": "growth of EV sales (BEV + PHEV)",
    "bev_growth_pct": "growth of BEV sales (BEV + PHEV is missing)",
    "suv_share_pct": labels.METRIC["suv_share_pct"],
    "100 - suv_share_pct": "100 − SUV share of new cars (the model is not an SUV)",
}


# Statuses that say where a brand is heading (its stated plan), closest first.
PLAN_STATUSES = ("launched", "pilot", "announced", "evaluating")


# The statuses of markets a brand plans to enter (not yet launched): the ones a plan ranking should explain.
PLANNED_STATUSES = ("pilot", "announced", "evaluating")
