"""Market-attractiveness scoring. Pure: DataFrames in, DataFrames out; no I/O.

Method (shown on the page):

1. **Measures** per market (raw units): EV market size (cars/yr), EV share (%), EV sales growth
   (% y/y), BEV share (%), body-type fit (share of the model's body type, %), tariff burden (duties
   as % of CIF, lower is better), landed-price gap vs local rivals (%, lower is better), existing
   presence (0–1 from the brand's status; no record = 0, a known absence, not missing data).
2. **Normalisation** to 0–1 across the markets being compared, so a measure's unit never matters:
   * `minmax`: (x − min) / (max − min); for a lower-is-better measure 1 − that. All equal → 0.5.
   * `percentile`: average rank scaled to 0–1 ((rank − 1) / (n − 1)); robust to outliers such as
     China's or the US's volumes. One market → 0.5.
   Missing values stay missing (never 0).
3. **Weights** ≥ 0 from the analyst; a zero weight drops the measure. A measure with no value in
   any compared market is dropped and listed.
4. **Score** = Σ wᵢ·nᵢ / Σ wᵢ over the measures the market has, × 100 (0–100). With
   `missing="rescale"` a market missing a weighted measure is scored on the rest and flagged, with
   its coverage (share of total weight it had data for); with `missing="exclude"` it is left out
   of the ranking and listed with the reason. Each measure's contribution wᵢ·nᵢ / Σ wᵢ · 100 adds
   up to the score (the stacked bar).
5. **Sensitivity**: every combination of −10 %, 0, +10 % on each active weight (3ᵏ − 1 scenarios)
   is scored; the share that keeps the same top 3 in the same order is reported, and the
   one-at-a-time changes that break it are listed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

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

PRESENCE_LEVEL = {
    "home": 1.0,
    "launched": 1.0,
    "pilot": 0.75,
    "announced": 0.5,
    "evaluating": 0.25,
    "not_targeted": 0.0,
}


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    question: str  # what the preset answers, in words (shown on the page)
    weights: dict[str, int]


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


def normalise(values: pd.Series, method: Method, higher_is_better: bool) -> pd.Series:
    """Scale to 0–1 across the non-missing values (1 = most attractive). NaN stays NaN."""
    present = values.dropna().astype(float)
    out = pd.Series(np.nan, index=values.index, dtype=float)
    if present.empty:
        return out
    if method == "minmax":
        low, high = present.min(), present.max()
        scaled = pd.Series(0.5, index=present.index) if high == low else (present - low) / (high - low)
    elif method == "percentile":
        if len(present) == 1:
            scaled = pd.Series(0.5, index=present.index)
        else:
            scaled = (present.rank(method="average") - 1) / (len(present) - 1)
    else:
        raise ValueError(f"unknown normalisation method {method!r}")
    if not higher_is_better:
        scaled = 1 - scaled
    out.loc[scaled.index] = scaled
    return out


@dataclass(frozen=True)
class ScoreResult:
    table: pd.DataFrame  # ranked markets: market_code, score, rank, coverage_pct, flagged, missing, c_<key>
    excluded: pd.DataFrame  # market_code, reason
    normalised: pd.DataFrame  # market × measure, 0–1 or NaN
    weights: dict[str, float]  # the weights actually used (dropped measures removed)
    dropped: dict[str, str]  # measure key → why it was dropped


def _active_weights(
    raw: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[dict[str, float], dict[str, str]]:
    active: dict[str, float] = {}
    dropped: dict[str, str] = {}
    for key, weight in weights.items():
        if weight < 0 or not math.isfinite(weight):
            raise ValueError(f"weight for {key} must be a finite number ≥ 0, not {weight}")
        if key not in MEASURE_BY_KEY:
            raise ValueError(f"unknown measure {key!r}")
        if weight == 0:
            continue
        if key not in raw.columns or raw[key].notna().sum() == 0:
            dropped[key] = "no data for any compared market"
            continue
        active[key] = float(weight)
    return active, dropped


def score_markets(
    raw: pd.DataFrame,
    weights: Mapping[str, float],
    method: Method = "minmax",
    missing: MissingPolicy = "rescale",
    min_coverage_pct: float = 0.0,
) -> ScoreResult:
    """Rank the markets in `raw` (index = market_code, one column per measure key, raw units).

    A market whose measures cover less than `min_coverage_pct` of the total weight is excluded
    with the reason (a score from one small measure would say little)."""
    active, dropped = _active_weights(raw, weights)
    normalised = pd.DataFrame(
        {
            key: normalise(raw[key], method, MEASURE_BY_KEY[key].higher_is_better)
            if key in raw.columns
            else pd.Series(np.nan, index=raw.index)
            for key in MEASURE_BY_KEY
        },
        index=raw.index,
    )
    keys = list(active)
    columns = [
        "market_code",
        "score",
        "rank",
        "coverage_pct",
        "flagged",
        "missing",
        *[f"c_{k}" for k in MEASURE_BY_KEY],
    ]
    if not keys:
        excluded = pd.DataFrame({"market_code": list(raw.index), "reason": "no weighted measure has data"})
        return ScoreResult(pd.DataFrame(columns=columns), excluded, normalised, active, dropped)
    w = np.array([active[k] for k in keys])
    values = normalised[keys].to_numpy(dtype=float)
    have = ~np.isnan(values)
    weight_have = have @ w
    contributions = np.where(have, np.nan_to_num(values) * w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib_scaled = 100 * contributions / weight_have[:, None]
    table = pd.DataFrame({"market_code": list(raw.index)})
    table["score"] = contrib_scaled.sum(axis=1)
    table["coverage_pct"] = 100 * weight_have / w.sum()
    table["missing"] = [
        ", ".join(MEASURE_BY_KEY[k].label for k, h in zip(keys, row, strict=True) if not h) for row in have
    ]
    table["flagged"] = ~have.all(axis=1)
    for key in MEASURE_BY_KEY:
        table[f"c_{key}"] = contrib_scaled[:, keys.index(key)] if key in keys else 0.0
    reasons: list[tuple[str, str]] = []
    none = weight_have == 0
    for code in table.loc[none, "market_code"]:
        reasons.append((str(code), "no data for any weighted measure"))
    keep = ~none
    thin = keep & (table["coverage_pct"].to_numpy() < min_coverage_pct)
    for code, cov in table.loc[thin, ["market_code", "coverage_pct"]].itertuples(index=False):
        reasons.append((str(code), f"data for only {cov:.0f}% of the weight (< {min_coverage_pct:g}%)"))
    keep = keep & ~thin
    if missing == "exclude":
        for code, miss in table.loc[
            keep & table["flagged"].to_numpy(), ["market_code", "missing"]
        ].itertuples(index=False):
            reasons.append((str(code), f"missing: {miss}"))
        keep = keep & ~table["flagged"].to_numpy()
    table = table[keep].sort_values(["score", "market_code"], ascending=[False, True]).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    excluded = pd.DataFrame(reasons, columns=["market_code", "reason"])
    return ScoreResult(table[columns], excluded, normalised, active, dropped)


@dataclass(frozen=True)
class Sensitivity:
    top: tuple[str, ...]  # the current top N, in order
    scenarios: int  # weight combinations tried (3^k − 1)
    unchanged: int  # of which keep the same top N in the same order
    breaking: pd.DataFrame  # one-at-a-time changes that alter the top N: measure, change_pct, new_top

    @property
    def unchanged_pct(self) -> float:
        return 100 * self.unchanged / self.scenarios if self.scenarios else 100.0


def sensitivity(
    result: ScoreResult, top_n: int = 3, step: float = 0.10, max_measures: int = 8
) -> Sensitivity:
    """How robust the top N is to ±`step` changes of each active weight (see module doc)."""
    table = result.table
    top = tuple(table["market_code"].head(top_n))
    keys = list(result.weights)[:max_measures]
    empty = pd.DataFrame(columns=["measure", "change_pct", "new_top"])
    if not keys or table.empty:
        return Sensitivity(top, 0, 0, empty)
    markets = list(table["market_code"])
    values = result.normalised.loc[markets, keys].to_numpy(dtype=float)
    have = ~np.isnan(values)
    filled = np.nan_to_num(values)
    base = np.array([result.weights[k] for k in keys])
    factors = np.array(list(itertools.product((1 - step, 1.0, 1 + step), repeat=len(keys))))
    factors = factors[~np.all(factors == 1.0, axis=1)]
    weights = factors * base  # scenarios × measures
    numer = filled @ weights.T  # markets × scenarios
    denom = have.astype(float) @ weights.T
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = numer / denom
    codes = np.array(markets)
    unchanged = 0
    tops: list[tuple[str, ...]] = []
    for j in range(scores.shape[1]):
        s = scores[:, j]
        # Same tie-break as score_markets: higher score first, then market code.
        idx = sorted(range(len(markets)), key=lambda i: (-s[i], codes[i]))[:top_n]
        scenario_top = tuple(codes[idx])
        tops.append(scenario_top)
        unchanged += scenario_top == top
    breaking = []
    for i, key in enumerate(keys):
        for sign in (-1, 1):
            target = np.ones(len(keys))
            target[i] = 1 + sign * step
            j = int(np.flatnonzero(np.all(factors == target, axis=1))[0])
            if tops[j] != top:
                breaking.append((MEASURE_BY_KEY[key].label, sign * step * 100, " > ".join(tops[j])))
    return Sensitivity(
        top,
        int(scores.shape[1]),
        int(unchanged),
        pd.DataFrame(breaking, columns=["measure", "change_pct", "new_top"]),
    )


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def presence_level(status: object, stores: object) -> float:
    """0–1 presence from the latest expansion status and a store count (stores > 0 → 1)."""
    count = _number(stores)
    if count is not None and count > 0:
        return 1.0
    if not isinstance(status, str):
        return 0.0
    return PRESENCE_LEVEL.get(status, 0.0)


def assemble_measures(
    measures_long: pd.DataFrame,
    presence: pd.DataFrame,
    landed: pd.DataFrame,
    body_type: str,
    markets: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw measure matrix (index market_code, columns = measure keys) and a provenance frame
    (market_code, measure, value, year, confidence, source) for the markets in `markets`.

    Inputs: `queries.markets_measures` (long), `queries.markets_presence`, and
    `pricing.landed_for_markets` (duty_burden_pct, price_gap_pct). Market size uses BEV+PHEV sales,
    else BEV sales (a floor; `basis` says which). Growth uses EV sales where two consecutive full
    years exist, else BEV sales. Body fit = SUV share for an SUV, else 100 − SUV
    share."""
    raw = pd.DataFrame(index=pd.Index(list(markets), name="market_code"))
    wide = measures_long.pivot_table(index="market_code", columns="measure", values="value", aggfunc="first")
    prov_rows: list[pd.DataFrame] = []

    def take(key: str, column: str) -> None:
        series = wide[column] if column in wide.columns else pd.Series(dtype=float)
        current = raw[key] if key in raw.columns else pd.Series(np.nan, index=raw.index)
        fill = series.reindex(raw.index)
        raw[key] = current.where(current.notna(), fill)
        rows = measures_long[
            (measures_long["measure"] == column) & measures_long["market_code"].isin(raw.index)
        ].assign(measure=key, basis=column)
        prov_rows.append(rows)

    take("ev_sales", "ev_sales")
    ev_sales_markets = set(raw.index[raw["ev_sales"].notna()])
    take("ev_sales", "bev_sales")  # BEV-only where BEV+PHEV is missing: a floor, marked in `basis`
    prov_rows[-1] = prov_rows[-1][~prov_rows[-1]["market_code"].isin(ev_sales_markets)]
    take("ev_share_pct", "ev_share_pct")
    take("bev_share_pct", "bev_share_pct")
    take("ev_growth_pct", "ev_growth_pct")
    ev_growth_markets = set(raw.index[raw["ev_growth_pct"].notna()])
    take("ev_growth_pct", "bev_growth_pct")  # fills only markets without EV growth
    prov_rows[-1] = prov_rows[-1][~prov_rows[-1]["market_code"].isin(ev_growth_markets)]
    suv = wide["suv_share_pct"] if "suv_share_pct" in wide.columns else pd.Series(dtype=float)
    suv = suv.reindex(raw.index)
    raw["body_fit_pct"] = suv if body_type == "suv" else 100 - suv
    prov_rows.append(
        measures_long[
            (measures_long["measure"] == "suv_share_pct") & measures_long["market_code"].isin(raw.index)
        ].assign(
            measure="body_fit_pct", basis="suv_share_pct" if body_type == "suv" else "100 - suv_share_pct"
        )
    )
    landed_idx = landed.set_index("market_code") if not landed.empty else pd.DataFrame()
    for key in ("duty_burden_pct", "price_gap_pct"):
        target = "tariff_burden_pct" if key == "duty_burden_pct" else key
        raw[target] = (
            landed_idx[key].reindex(raw.index)
            if key in landed_idx.columns
            else pd.Series(np.nan, index=raw.index)
        )
    pres = (
        presence.set_index("market_code")
        if not presence.empty
        else pd.DataFrame(columns=["status", "stores"])
    )
    raw["presence"] = [
        presence_level(
            pres["status"].get(code) if code in pres.index else None,
            pres["stores"].get(code) if code in pres.index else None,
        )
        for code in raw.index
    ]
    provenance = pd.concat(prov_rows, ignore_index=True) if prov_rows else pd.DataFrame()
    return raw, provenance


def provenance_for_people(provenance: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Where each market's measures come from (the provenance of `assemble_measures`), as a table shows
    it: the market's name, the measure and what it rests on in words, the period and the confidence as
    labels. The table and its download both show this."""
    columns = ["market_code", "measure", "basis", "value", "year", "period_scope", "confidence", "source_url"]
    if provenance.empty:
        return pd.DataFrame(columns=["market_name", *columns])
    out = labels.for_people(
        provenance[columns],
        measure={k: m.label for k, m in MEASURE_BY_KEY.items()},
        basis=BASIS,
        period_scope=labels.PERIOD,
        confidence=labels.CONFIDENCE,
    )
    out.insert(0, "market_name", [names.get(c, c) for c in out["market_code"]])
    return out


def ranking_export(
    table: pd.DataFrame,
    raw: pd.DataFrame,
    landed: pd.DataFrame,
    names: Mapping[str, str],
    inputs: Mapping[str, Any],
) -> pd.DataFrame:
    """The ranking as shown and downloaded: score, rank and contributions per market, its raw measures,
    the landed-price estimate and rivals, the market's name, and every scenario input as an
    `input_<name>` column (so the scenario travels with the CSV)."""
    # The lowest duty case travels with the scored (highest) one, so a two-case market (Canada's quota)
    # is never exported as one silent pick.
    landed_columns = [
        c
        for c in ("landed", "landed_low", "duty_burden_low_pct", "duty_cases", "n_rivals", "rival_median")
        if c in landed.columns
    ]
    landed_columns += [  # pricing_service: purchase incentives, the rank under the lowest duty case
        c for c in ("landed_after_incentive", "incentive", "rank_lowest_duty_case") if c in landed.columns
    ]
    export = table.merge(raw.reset_index(), on="market_code", how="left").merge(
        landed[["market_code", *landed_columns]], on="market_code", how="left"
    )
    export.insert(1, "market_name", [names.get(c, c) for c in export["market_code"]])
    for key, value in inputs.items():
        export[f"input_{key}"] = value
    return export


@dataclass(frozen=True)
class Plan:
    region: str | None  # evdash region the brand says it enters first; None = no stated plan in the data
    markets: tuple[str, ...]  # markets with a plan status, closest status first
    entry: str | None  # earliest planned entry ('2027')
    text: str  # "Xiaomi's stated plan in the data: Europe first (DEU announced, ESP evaluating), from 2027"


def brand_plan(
    presence: pd.DataFrame,
    regions: Mapping[str, str],
    region_labels: Mapping[str, str],
    brand_name: str,
    names: Mapping[str, str] | None = None,
) -> Plan:
    """Where the brand says it goes first, from its expansion statuses (`queries.markets_presence`): the
    region holding most of its markets with a plan status (launched, pilot, announced, evaluating; ties: the
    closest status), and the earliest planned entry. No such status: no plan (compare every market). The
    text names each market (`names`: code → name) with its status in words."""
    if presence.empty or "status" not in presence.columns:
        return Plan(
            None,
            (),
            None,
            f"No stated expansion plan for {brand_name} in the data: every market is compared.",
        )
    order = {s: i for i, s in enumerate(PLAN_STATUSES)}
    part = presence[presence["status"].isin(PLAN_STATUSES)].copy()
    if part.empty:
        return Plan(
            None,
            (),
            None,
            f"No stated expansion plan for {brand_name} in the data: every market is compared.",
        )
    part["_order"] = part["status"].map(order)
    part = part.sort_values(["_order", "market_code"])
    part["_region"] = [regions.get(str(c)) for c in part["market_code"]]
    counts = part.groupby("_region", sort=False).size()
    region = str(counts.idxmax())
    entries = sorted(str(e) for e in part["planned_entry"] if isinstance(e, str) and e)
    entry = entries[0] if entries else None
    listed = ", ".join(
        f"{(names or {}).get(str(c), str(c))} {labels.label(labels.STATUS, s).lower()}"
        for c, s in zip(part["market_code"], part["status"], strict=True)
    )
    label = region_labels.get(region, region)
    text = f"{brand_name}'s stated plan in the data: {label} first ({listed})" + (
        f", from {entry}" if entry else ""
    )
    return Plan(region, tuple(str(c) for c in part["market_code"]), entry, text)


# A measure as a noun inside a sentence ("because of its market size (…)").
NOUN = {
    "ev_sales": "market size",
    "ev_share_pct": "EV share",
    "ev_growth_pct": "EV growth",
    "bev_share_pct": "BEV share",
    "body_fit_pct": "body-type fit",
    "tariff_burden_pct": "duty",
    "price_gap_pct": "price against rivals",
    "presence": "presence",
}


def _describe(key: str, value: float) -> str:
    """A raw measure value in words: '700,000 EVs a year', '+43% a year', '30.7% of the customs value'."""
    if key == "ev_sales":
        return f"{value:,.0f} EVs a year"
    if key == "ev_growth_pct":
        return f"{value:+.0f}% a year"
    if key == "tariff_burden_pct":
        return f"{value:.1f}% of the customs value"
    if key == "price_gap_pct":
        return f"landed {value:+.0f}% against rivals"
    if key == "presence":
        return f"{value:.2f} on a 0–1 scale"
    return f"{value:.0f}% of new cars"


ORDINAL = {1: "first", 2: "second", 3: "third"}


def _value(frame: pd.DataFrame, code: str, key: str) -> float | None:
    """frame.at[code, key] as a float; None when the column is absent or the value missing."""
    return _number(frame.at[code, key]) if key in frame.columns and code in frame.index else None


def regional_body_fit(provenance: pd.DataFrame) -> frozenset[str]:
    """Markets whose body-type fit is the Europe-wide figure (a regional proxy), not their own."""
    if provenance.empty:
        return frozenset()
    rows = provenance[provenance["measure"] == "body_fit_pct"]
    return frozenset(
        str(c)
        for c, n in zip(rows["market_code"], rows["scope_note"], strict=True)
        if isinstance(n, str) and "Europe-wide" in n
    )


def body_fit_basis(provenance: pd.DataFrame) -> dict[str, str]:
    """Per market, what its body-type fit rests on: the definition and period ('Dataforce SUV/crossover
    (broad), 2023'; '… — Europe-wide figure, no national one'), so an explanation names it: a broad
    definition of one source is not the same figure as another's."""
    if provenance.empty:
        return {}
    rows = provenance[provenance["measure"] == "body_fit_pct"]
    return {
        str(c): str(n)
        for c, n in zip(rows["market_code"], rows["scope_note"], strict=True)
        if isinstance(n, str)
    }


def explain_top(
    result: ScoreResult,
    raw: pd.DataFrame,
    names: Mapping[str, str],
    body_fit: Mapping[str, str] | None = None,
    top_n: int = 3,
) -> list[str]:
    """One sentence per top market from its breakdown: "Germany is first because of its market size
    (700,000 EVs a year: 19 of its 62 points) and EV growth (…), despite a 30.7% duty (its weakest measure)".
    The strongest two contributions are the 'because'; the active measure with the lowest normalised value
    (below one third of the range) is the 'despite'; a prohibitive duty is always named."""
    lines: list[str] = []
    for _, row in result.table.head(top_n).iterrows():
        code = str(row["market_code"])
        rank = int(row["rank"])
        score = float(row["score"])
        # A measure on which every compared market is equal (e.g. the EU's one duty) explains nothing.
        varies = {k for k in result.weights if result.normalised[k].dropna().nunique() > 1}
        norm = {k: _value(result.normalised, code, k) for k in result.weights if k in varies}
        have = {k: float(row[f"c_{k}"]) for k, n in norm.items() if n is not None}
        parts = []
        for k in sorted(have, key=lambda k: -have[k])[:2]:
            raw_value = _value(raw, code, k)
            shown = _describe(k, raw_value) if raw_value is not None else "no value"
            if k == "body_fit_pct" and body_fit and code in body_fit:
                shown += f", {body_fit[code]}"
            parts.append(f"{NOUN[k]} ({shown}: {have[k]:.0f} of its {score:.0f} points)")
        duty = _value(raw, code, "tariff_burden_pct")
        weak = [(n, k) for k, n in norm.items() if n is not None and n < 1 / 3]
        if duty is not None and duty >= PROHIBITIVE_DUTY_PCT:
            despite = f", despite a duty of {_describe('tariff_burden_pct', duty)} that prices the car out"
        elif weak:
            key = min(weak)[1]
            weak_value = _value(raw, code, key)
            despite = (
                f", despite its {NOUN[key]} ({_describe(key, weak_value)}, its weakest measure here)"
                if weak_value is not None
                else ""
            )
        else:
            despite = ", with no weak measure"
        missing = f"; scored without {row['missing']} (no data)" if row["missing"] else ""
        if not parts:
            lines.append(
                f"{names.get(code, code)} is {ORDINAL.get(rank, f'#{rank}')}: the markets compared do "
                "not differ on any weighted measure it has."
            )
            continue
        lines.append(
            f"{names.get(code, code)} is {ORDINAL.get(rank, f'#{rank}')} because of its {' and '.join(parts)}"
            f"{despite}{missing}."
        )
    return lines


def prohibitive_leaders(
    result: ScoreResult, raw: pd.DataFrame, names: Mapping[str, str], top_n: int = 3
) -> list[str]:
    """For each top market whose duties are prohibitive (≥ PROHIBITIVE_DUTY_PCT of the customs value): why it
    is up there anyway, in words; empty when none is."""
    out: list[str] = []
    for _, row in result.table.head(top_n).iterrows():
        code = str(row["market_code"])
        duty = _value(raw, code, "tariff_burden_pct")
        if duty is None or duty < PROHIBITIVE_DUTY_PCT:
            continue
        gap = _value(raw, code, "price_gap_pct")
        gap_text = "" if gap is None else f", which puts the landed price {gap:+.0f}% against local rivals"
        out.append(
            f"{names.get(code, code)} ranks #{int(row['rank'])} although its duties come to {duty:.0f}% "
            f"of the car's customs value{gap_text}: it scores on market size and uptake, not on what the car "
            "would cost there. Raise the weight of Low tariff (or use that preset) to rank by that."
        )
    return out


def completeness(result: ScoreResult, weights: Mapping[str, float]) -> tuple[int, int]:
    """(ranked markets with every weighted measure present, ranked markets) — the ranking's data coverage."""
    table = result.table
    if table.empty:
        return 0, 0
    active = [k for k, w in weights.items() if w > 0]
    have = result.normalised.loc[list(table["market_code"]), active].notna().all(axis=1)
    return int(have.sum()), len(table)


def body_fit_note(
    provenance: pd.DataFrame, markets: Sequence[str], names: Mapping[str, str], body_type: str
) -> str:
    """Where body-type fit comes from, in words: the markets with their own SUV share, those scored on the
    Europe-wide figure (a regional proxy), and those with none (left out of that measure, never 0)."""
    rows = provenance[provenance["measure"] == "body_fit_pct"] if not provenance.empty else provenance
    regional = set(regional_body_fit(provenance))
    national = sorted(set(rows.get("market_code", [])) - regional)
    none = sorted(set(markets) - set(rows.get("market_code", [])))
    kind = (
        "SUV share of new cars"
        if body_type == "suv"
        else f"share of new cars that are not SUVs (a {body_type})"
    )
    parts = [f"Body-type fit = {kind}, broad definitions only."]
    parts.append(
        "Own figure: " + (", ".join(names.get(c, c) for c in national) if national else "none") + "."
    )
    if regional:
        parts.append(
            f"{len(regional)} European markets without one are scored on the Europe-wide figure (JATO, "
            "a regional proxy: it does not tell them apart)."
        )
    if none:
        parts.append(
            f"No figure for {len(none)}: "
            + ", ".join(names.get(c, c) for c in none)
            + " (left out of this measure)."
        )
    return " ".join(parts)
