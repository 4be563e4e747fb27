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

import dataclasses
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
    scale: pd.Series | None = None,
) -> ScoreResult:
    """Rank the markets in `raw` (index = market_code, one column per measure key, raw units).

    A market whose measures cover less than `min_coverage_pct` of the total weight is excluded
    with the reason (a score from one small measure would say little). `scale` (0–1 per market,
    `scale_factors`) multiplies the share measures' normalised values: a small market's shares count less."""
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
    if scale is not None:
        normalised = scaled_shares(normalised, scale)
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
            note = f", {body_fit[code]}" if key == "body_fit_pct" and body_fit and code in body_fit else ""
            despite = (
                f", despite its {NOUN[key]} ({_describe(key, weak_value)}{note}, its weakest measure here)"
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
            f"{len(regional)} European markets without one have the Europe-wide figure as a proxy: they "
            "are scored at the lowest own figure of the markets compared (a proxy never beats a market's "
            "own data), and the proxy sets the top of their score range."
        )
    if none:
        parts.append(
            f"No figure for {len(none)}: "
            + ", ".join(names.get(c, c) for c in none)
            + " (left out of this measure)."
        )
    return " ".join(parts)


# ── Issue #24: one basis per measure, proxies, market requirements, implied share ─────────────────────
# Kept apart from the scoring core above: each is a pure function over the frames the page already has.

# The basis year of a measure is the latest year at least this share of the compared markets with any
# figure for it hold (so one straggler cannot hold everyone back to an old year); the rest are flagged.
BASIS_MIN_SHARE = 0.75


@dataclass(frozen=True)
class BasisMeasure:
    key: str  # the scoring measure
    metric: str  # its figure in queries.markets_measures_years
    floor: str | None  # a same-year stand-in where the figure is missing (a floor, marked)
    definition: str


BASIS_MEASURES: tuple[BasisMeasure, ...] = (
    BasisMeasure(
        "ev_sales",
        "ev_sales",
        "bev_sales",
        "BEV + PHEV new-car sales in the year (BEV sales alone where that is missing: a floor)",
    ),
    BasisMeasure("ev_share_pct", "ev_share_pct", None, "BEV + PHEV share of new cars in the year"),
    BasisMeasure(
        "ev_growth_pct",
        "ev_growth_pct",
        None,
        "growth of EV (else BEV) sales from the year before, both years from one source family",
    ),
    BasisMeasure("bev_share_pct", "bev_share_pct", None, "battery-electric share of new cars in the year"),
    BasisMeasure(
        "body_fit_pct",
        "suv_share_pct",
        None,
        "SUV share of new cars, broad definitions; the Europe-wide figure where a market has none (a proxy)",
    ),
)


def basis_year(years_by_market: Mapping[str, set[int]], min_share: float = BASIS_MIN_SHARE) -> int | None:
    """The latest year that at least `min_share` of the markets with any figure hold; if no year reaches
    it, the year most of them hold (the later on a tie). None when no market has a figure."""
    have = [years for years in years_by_market.values() if years]
    if not have:
        return None
    years = sorted(set().union(*have), reverse=True)
    counts = {y: sum(y in held for held in have) for y in years}
    for year in years:
        if counts[year] >= min_share * len(have):
            return year
    return max(years, key=lambda y: (counts[y], y))


@dataclass(frozen=True)
class Basis:
    measures: (
        pd.DataFrame
    )  # the basis-year rows, in the shape of queries.markets_measures (assemble_measures)
    table: (
        pd.DataFrame
    )  # per measure: key, measure, year, span, definition, markets_with, without, source_url
    flags: pd.DataFrame  # market_code, key, note ("no 2023 figure", "BEV sales only (a floor)")


def pick_basis(years_long: pd.DataFrame, markets: Sequence[str], min_share: float = BASIS_MIN_SHARE) -> Basis:
    """One basis year per measure for all `markets` (queries.markets_measures_years): see `basis_year`.
    A market without a figure for that year is flagged ("no 2023 figure") and left without the measure,
    never filled from another year; market size may take the same year's BEV sales (a floor, flagged)."""
    compared = years_long[years_long["market_code"].isin(list(markets))]
    picked: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    flags: list[tuple[str, str, str]] = []
    for spec in BASIS_MEASURES:
        main = compared[compared["measure"] == spec.metric]
        years = {
            str(c): {int(y) for y in part["year"]} for c, part in main.groupby("market_code", sort=False)
        }
        year = basis_year(years, min_share)
        label = MEASURE_BY_KEY[spec.key].label
        if year is None:
            rows.append(
                {"key": spec.key, "measure": label, "year": None, "span": "no figure", "markets_with": 0}
            )
            continue
        taken = main[main["year"] == year]
        have = set(taken["market_code"])
        if spec.floor:
            floor = compared[
                (compared["measure"] == spec.floor)
                & (compared["year"] == year)
                & ~compared["market_code"].isin(have)
            ]
            for code in floor["market_code"]:
                flags.append((str(code), spec.key, f"{label}: BEV sales only in {year} (a floor)"))
            taken = pd.concat([taken, floor], ignore_index=True)
            have |= set(floor["market_code"])
        without = [c for c in markets if c not in have]
        for code in without:
            flags.append((code, spec.key, f"{label}: no {year} figure"))
        picked.append(taken)
        urls = taken["source_url"].dropna().astype(str)
        rows.append(
            {
                "key": spec.key,
                "measure": label,
                "year": year,
                "span": f"{year - 1} → {year}" if spec.key == "ev_growth_pct" else str(year),
                "definition": spec.definition,
                "markets_with": len(have),
                "without": ", ".join(without),
                "source_url": urls.mode().iloc[0] if not urls.empty else None,
                "sources": int(urls.nunique()),
            }
        )
    measures = (pd.concat(picked, ignore_index=True) if picked else years_long.iloc[0:0].copy()).reset_index(
        drop=True
    )
    return Basis(
        measures,
        pd.DataFrame(rows),
        pd.DataFrame(flags, columns=["market_code", "key", "note"]),
    )


def basis_for_people(basis: Basis, names: Mapping[str, str]) -> pd.DataFrame:
    """The basis table beside the ranking: each measure's year (or span), definition, how many of the
    compared markets have it, which do not (by name), and its main source."""
    table = basis.table.copy()
    if "without" in table.columns:
        table["without"] = [
            ", ".join(names.get(c, c) for c in str(w).split(", ")) if isinstance(w, str) and w else ""
            for w in table["without"]
        ]
    return table.drop(columns=["key"])


def basis_columns(
    export: pd.DataFrame, basis: Basis, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The ranking's download with each measure's basis: `<key>_basis_year` (the one year all markets are
    compared on), `<key>_year` and `<key>_source` (the market's own figure: its year, empty when it has
    none for that year, and its source), and `basis_flags` (what is flagged for the market, in words; only
    the measures with a weight when `weights` is given)."""
    out = export.copy()
    codes = list(out["market_code"])
    picked = basis.measures
    for spec in BASIS_MEASURES:
        year = basis.table.set_index("key")["year"].get(spec.key) if not basis.table.empty else None
        out[f"{spec.key}_basis_year"] = year
        rows = picked[picked["measure"].isin([spec.metric, spec.floor])].drop_duplicates("market_code")
        by_code = rows.set_index("market_code")
        out[f"{spec.key}_year"] = [by_code["year"].get(c) if c in by_code.index else None for c in codes]
        out[f"{spec.key}_source"] = [
            by_code["source_url"].get(c) if c in by_code.index else None for c in codes
        ]
    flags = basis.flags
    if weights is not None:
        flags = flags[flags["key"].map(lambda k: weights.get(k, 0) > 0)]
    notes: dict[str, str] = (
        {str(k): str(v) for k, v in flags.groupby("market_code")["note"].agg("; ".join).items()}
        if not flags.empty
        else {}
    )
    out["basis_flags"] = [notes.get(str(c), "") for c in codes]
    return out


# Proxies never beat data: a proxy (a regional figure standing in for a market's own) is scored at the lowest
# of the compared markets' own figures of that measure (at its own value if that is lower), so no market
# with real data scores below a proxied one on it, and a proxy never sets an end of the scale. Its spread,
# up to the proxy's own value (held inside the own figures' range), is the market's score range.


def proxied_markets(measures: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Per scoring measure, the markets whose value is a proxy (`is_proxy` in the basis rows)."""
    if measures.empty or "is_proxy" not in measures.columns:
        return {}
    to_key = {spec.metric: spec.key for spec in BASIS_MEASURES}
    out: dict[str, frozenset[str]] = {}
    part = measures[measures["is_proxy"].fillna(False).astype(bool)]
    for metric, rows in part.groupby("measure"):
        out[to_key.get(str(metric), str(metric))] = frozenset(str(c) for c in rows["market_code"])
    return out


def proxy_bounded(raw: pd.DataFrame, proxied: Mapping[str, frozenset[str]], end: str = "low") -> pd.DataFrame:
    """`raw` with each proxied value at the low end of its spread ('low': the worst own figure of the
    compared markets, or the proxy if worse; what the ranking scores) or at the high end ('high': the
    proxy, held inside the own figures' range). A measure with no own figure keeps its proxies as they are."""
    if end not in ("low", "high"):
        raise ValueError(f"end must be 'low' or 'high', not {end!r}")
    out = raw.copy()
    for key, codes in proxied.items():
        if key not in out.columns:
            continue
        is_proxy = out.index.isin(list(codes))
        real = out.loc[~is_proxy, key].dropna()
        mask = is_proxy & out[key].notna().to_numpy()
        if real.empty or not mask.any():
            continue
        values = out.loc[mask, key].astype(float)
        if end == "high":
            out.loc[mask, key] = values.clip(lower=float(real.min()), upper=float(real.max()))
        elif MEASURE_BY_KEY[key].higher_is_better:
            out.loc[mask, key] = values.clip(upper=float(real.min()))
        else:
            out.loc[mask, key] = values.clip(lower=float(real.max()))
    return out


def proxy_score_range(
    raw: pd.DataFrame,
    proxied: Mapping[str, frozenset[str]],
    weights: Mapping[str, float],
    method: Method = "minmax",
    missing: MissingPolicy = "rescale",
    min_coverage_pct: float = 0.0,
    scale: pd.Series | None = None,
) -> pd.DataFrame:
    """market_code, score_low, score_high, proxied (measures in words): each market's score with its
    proxies at the low and the high end of their spread. Markets without a proxy have low = high."""
    scored = {
        end: score_markets(
            proxy_bounded(raw, proxied, end), weights, method, missing, min_coverage_pct, scale
        ).table.set_index("market_code")["score"]
        for end in ("low", "high")
    }
    codes = list(raw.index)
    labels_of = {
        c: ", ".join(MEASURE_BY_KEY[k].label for k, m in proxied.items() if c in m and k in MEASURE_BY_KEY)
        for c in codes
    }
    frame = pd.DataFrame(
        {
            "market_code": codes,
            "score_low": [scored["low"].get(c) for c in codes],
            "score_high": [scored["high"].get(c) for c in codes],
            "proxied": [labels_of[c] for c in codes],
        }
    )
    lo = frame[["score_low", "score_high"]].min(axis=1)
    hi = frame[["score_low", "score_high"]].max(axis=1)
    return frame.assign(score_low=lo, score_high=hi)


# Market requirements as gates: what a market needs of a car (steering side, charging inlet, type
# approval) against what the chosen model offers.
GATE_POLICIES: dict[str, str] = {
    "show": "show them with the gap",
    "exclude_steering": "exclude those needing the other steering side",
    "exclude": "exclude every market with a gap",
}


def requirement_gaps(
    requirements: pd.DataFrame, configurations: pd.DataFrame, markets: Sequence[str]
) -> pd.DataFrame:
    """Per market: `gap` (what the model lacks there, in words: "needs a right-hand-drive variant; needs a
    CCS2 charging inlet; needs GB type approval"), `steering_gap` (it needs the other steering side),
    `status` ('meets', 'gap' or 'unknown': no requirements or no configuration in the data), the
    requirement in words and its confidence. A configuration must meet all three to serve a market."""
    req = requirements.set_index("market_code") if not requirements.empty else pd.DataFrame()
    rows: list[tuple[str, str, bool, str, str, object]] = []
    for code in markets:
        if code not in req.index or configurations.empty:
            why = (
                "the market's requirements are not in the data"
                if code not in req.index
                else ("the model's steering side, charging inlet and approvals are not in the data")
            )
            rows.append((code, "", False, "unknown", why, None))
            continue
        r = req.loc[code]
        steering = "RHD" if r["driving_side"] == "left" else "LHD"
        standards = str(r["charging_standards"]).split(";")
        regime = str(r["type_approval"])
        confs = [
            (str(c["steering"]), str(c["charging_inlet"]), set(str(c["approvals"]).split(";")))
            for _, c in configurations.iterrows()
        ]
        needs = (
            f"{labels.label(labels.DRIVING_SIDE, r['driving_side'])} ({labels.STEERING[steering]}), "
            f"charges on {' or '.join(standards)}, {labels.label(labels.TYPE_APPROVAL, regime)}"
        )
        if any(s == steering and i in standards and regime in a for s, i, a in confs):
            rows.append((code, "", False, "meets", needs, r["confidence"]))
            continue
        gaps = []
        steering_gap = not any(s == steering for s, _, _ in confs)
        if steering_gap:
            gaps.append(f"needs a {labels.STEERING[steering]} variant".replace("-hand drive", "-hand-drive"))
        if not any(i in standards for _, i, _ in confs):
            gaps.append(f"needs a {standards[0]} charging inlet")
        if not any(regime in a for _, _, a in confs):
            gaps.append(f"needs {labels.label(labels.TYPE_APPROVAL, regime)}")
        if not gaps:
            gaps.append("no single variant meets all three")
        rows.append((code, "; ".join(gaps), steering_gap, "gap", needs, r["confidence"]))
    return pd.DataFrame(
        rows,
        columns=["market_code", "gap", "steering_gap", "status", "requirement", "requirement_confidence"],
    )


def gate_markets(markets: Sequence[str], gaps: pd.DataFrame, policy: str) -> tuple[list[str], pd.DataFrame]:
    """The markets to rank under the user's gate `policy` (GATE_POLICIES) and the ones left out, with the
    reason ("needs a right-hand-drive variant")."""
    if policy not in GATE_POLICIES:
        raise ValueError(f"unknown gate policy {policy!r}: one of {', '.join(GATE_POLICIES)}")
    by_code = (
        gaps.set_index("market_code") if not gaps.empty else pd.DataFrame(columns=["gap", "steering_gap"])
    )
    out: list[tuple[str, str]] = []
    for code in markets:
        if code not in by_code.index or not by_code.at[code, "gap"]:
            continue
        if policy == "exclude" or (policy == "exclude_steering" and bool(by_code.at[code, "steering_gap"])):
            out.append((code, f"the model {by_code.at[code, 'gap']!s}"))
    left_out = {c for c, _ in out}
    return [c for c in markets if c not in left_out], pd.DataFrame(out, columns=["market_code", "reason"])


def with_excluded(result: ScoreResult, excluded: pd.DataFrame) -> ScoreResult:
    """`result` with more markets listed as not ranked (and why)."""
    if excluded.empty:
        return result
    return dataclasses.replace(result, excluded=pd.concat([result.excluded, excluded], ignore_index=True))


def with_gaps(lines: Sequence[str], table: pd.DataFrame, gaps: pd.DataFrame, model: str) -> list[str]:
    """The top-N explanations (`explain_top`, one per ranked market in order) with the model's gap in
    that market said at the end: "… The Xiaomi YU7 needs a right-hand-drive variant there."."""
    by_code = dict(zip(gaps["market_code"], gaps["gap"], strict=True)) if not gaps.empty else {}
    out = []
    for line, code in zip(lines, table["market_code"], strict=False):
        gap = by_code.get(str(code), "")
        out.append(f"{line} The {model} {gap} there." if gap else line)
    return out


# Implied share: what a volume the user sets would be of each market's EV sales.
IMPLIED_SHARE_OF_TARGET = 0.10


def default_volume(target: pd.DataFrame, brand_name: str) -> tuple[int, str]:
    """The default volume to win (cars a year) and where it comes from: 10 % of the brand's latest company
    annual target (`queries.markets_brand_target`); the data holds no stated overseas volume. No target:
    0 and says so."""
    if target.empty:
        return 0, f"no annual target for {brand_name} in the data: set a volume"
    row = target.iloc[0]
    units = int(row["target_units"])
    volume = int(round(IMPLIED_SHARE_OF_TARGET * units, -2))
    at_least = "at least " if bool(row.get("target_is_at_least")) else ""
    return volume, (
        f"{IMPLIED_SHARE_OF_TARGET:.0%} of {brand_name}'s {int(row['year'])} target of {at_least}{units:,} "
        "cars (the data holds no stated overseas volume)"
    )


def implied_share(raw: pd.DataFrame, volume: float) -> pd.Series:
    """Per market, the share (%) of its EV sales in the basis year that `volume` cars a year would be;
    missing where market size is missing. Where market size is a BEV-only floor the share is an upper bound
    (`basis_flags` says so)."""
    size = raw["ev_sales"] if "ev_sales" in raw.columns else pd.Series(np.nan, index=raw.index)
    size = size.where(size > 0)
    return (100 * volume / size).rename("implied_share_pct")


def all_peer_shares(new_cars: pd.DataFrame, bev: pd.DataFrame) -> pd.DataFrame:
    """Peers' shares on both bases in one frame (published brand totals of new cars; a national office's
    battery-electric registrations), for `peer_shares_text`."""
    frames = [f for f in (new_cars, bev) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else new_cars


def peer_shares_text(peers: pd.DataFrame) -> dict[str, str]:
    """Per market, what peers (brands, Chinese-origin cars) hold in its latest published period, in words,
    one clause per basis (`share_of`): "Tesla 19.1%, Chinese-origin cars 13.7% of new cars (2025)"
    (`queries.markets_peer_shares`); "Tesla 3.6%, BYD 2.0% of battery-electric registrations (2025)"
    (`queries.markets_peer_bev_shares`, from a national registration office's files)."""
    out: dict[str, str] = {}
    if peers.empty:
        return out
    for code, by_market in peers.groupby("market_code", sort=True):
        clauses = []
        for share_of, rows in by_market.groupby("share_of", sort=True):
            latest = rows[rows["month_to"] == rows["month_to"].max()]
            latest = latest[latest["month_from"] == latest["month_from"].min()]
            parts = ", ".join(
                f"{s} {v:.1f}%" for s, v in zip(latest["subject"], latest["share_pct"], strict=True)
            )
            clauses.append(f"{parts} of {share_of} ({latest['period_label'].iloc[0]})")
        out[str(code)] = "; ".join(clauses)
    return out


def with_market_context(
    export: pd.DataFrame,
    gaps: pd.DataFrame,
    ranges: pd.DataFrame,
    implied: pd.Series,
    peers: Mapping[str, str],
    volume: int,
) -> pd.DataFrame:
    """The ranking's download with, per market: the model's gap there (`requirement_gap`, empty when it
    meets the requirements) and the requirement in words; the score range from proxies (`score_low`,
    `score_high`, `proxied`); the implied share of EV sales for `volume` cars a year; what peers hold."""
    out = export.copy()
    codes = [str(c) for c in out["market_code"]]
    g = gaps.set_index("market_code") if not gaps.empty else pd.DataFrame(columns=["gap", "requirement"])
    out["requirement_gap"] = [str(g.at[c, "gap"]) if c in g.index else "" for c in codes]
    out["requirement"] = [str(g.at[c, "requirement"]) if c in g.index else "" for c in codes]
    r = ranges.set_index("market_code") if not ranges.empty else pd.DataFrame()
    for column in ("score_low", "score_high", "proxied"):
        out[column] = r[column].reindex(codes).to_numpy() if column in r.columns else None
    out["implied_volume"] = volume
    out["implied_share_pct"] = [implied.get(c) for c in codes]
    out["peer_shares"] = [peers.get(c, "") for c in codes]
    return out


def gap_summary(gaps: pd.DataFrame, names: Mapping[str, str], car: str, listed: int = 10) -> list[str]:
    """One sentence per requirement the model misses, naming its markets (up to `listed`, else a count):
    "The Xiaomi YU7 needs a right-hand-drive variant in United Kingdom, Ireland, Malta."; "… needs a CCS2
    charging inlet in all 31 markets compared". Empty when it meets them all or nothing is known."""
    if gaps.empty:
        return []
    part = gaps[gaps["gap"].astype(bool)]
    by_need: dict[str, list[str]] = {}
    estimate: dict[str, bool] = {}
    for code, gap, confidence in zip(
        part["market_code"], part["gap"], part["requirement_confidence"], strict=True
    ):
        for need in str(gap).split("; "):
            by_need.setdefault(need, []).append(str(code))
            estimate[need] = estimate.get(need, False) or confidence == "estimate"
    total = len(gaps)
    out = []
    for need, codes in by_need.items():
        if len(codes) == total and total > 1:
            where = f"all {total} markets compared"
        elif len(codes) > listed:
            where = f"{len(codes)} of the {total} markets compared"
        else:
            where = ", ".join(names.get(c, c) for c in codes)
        out.append(
            f"The {car} {need} in {where}" + (" (partly inferred: estimate)." if estimate[need] else ".")
        )
    return out


# Scale: the measures a small market can top on its own (shares of its new cars, its growth) count in full
# for the largest market compared and not at all for one SCALE_SPAN times smaller, on a log scale between,
# whenever market size has a weight (a zero weight on size says size does not matter). So a market cannot
# outrank one SCALE_SPAN times its size on shares alone: only on duty, price or presence.
SHARE_MEASURES = ("ev_share_pct", "ev_growth_pct", "bev_share_pct", "body_fit_pct")
SCALE_SPAN = 50.0


def scale_factors(raw: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series | None:
    """Per market, 1 + log(size / largest size) / log(SCALE_SPAN), held to 0–1 (1 where size is unknown:
    that market is flagged for it); None when market size has no weight or no data."""
    if weights.get("ev_sales", 0) <= 0 or "ev_sales" not in raw.columns or raw["ev_sales"].notna().sum() == 0:
        return None
    size = raw["ev_sales"].astype(float).where(raw["ev_sales"] > 0)
    factor = pd.Series(1 + np.log(size / size.max()) / math.log(SCALE_SPAN), index=raw.index)
    return factor.clip(lower=0.0, upper=1.0).fillna(1.0).rename("scale")


def scaled_shares(normalised: pd.DataFrame, scale: pd.Series) -> pd.DataFrame:
    """`normalised` with the SHARE_MEASURES columns multiplied by each market's scale factor."""
    out = normalised.copy()
    factor = scale.reindex(out.index).fillna(1.0)
    for key in SHARE_MEASURES:
        if key in out.columns:
            out[key] = out[key] * factor
    return out


# The statuses of markets a brand plans to enter (not yet launched): the ones a plan ranking should explain.
PLANNED_STATUSES = ("pilot", "announced", "evaluating")


def plan_markets_low(
    result: ScoreResult,
    presence: pd.DataFrame,
    names: Mapping[str, str],
    raw: pd.DataFrame,
    top_n: int = 3,
    body_fit: Mapping[str, str] | None = None,
) -> list[str]:
    """For each market the brand plans to enter (pilot, announced, evaluating) that ranks outside the top
    `top_n`: why, in words, from the two measures on which it loses most points ("Germany (announced in the
    brand's plan) ranks #5 of 31: it loses most on duty (30.7% of the customs value: 25 of 25 points lost)
    and …"); `body_fit` (market → basis note) says when body-type fit is a proxy."""
    table = result.table
    if table.empty or presence.empty or not result.weights:
        return []
    status = {
        str(c): str(s)
        for c, s in zip(presence["market_code"], presence["status"], strict=True)
        if isinstance(s, str) and s in PLANNED_STATUSES
    }
    total = len(table)
    out = []
    for _, row in table[table["rank"] > top_n].iterrows():
        code = str(row["market_code"])
        if code not in status:
            continue
        have = {k: _value(result.normalised, code, k) for k in result.weights}
        weight_have = sum(w for k, w in result.weights.items() if have[k] is not None)
        if not weight_have:
            continue
        lost = {k: (1 - n) * result.weights[k] / weight_have * 100 for k, n in have.items() if n is not None}
        worst = sorted(lost, key=lambda k: -lost[k])[:2]
        parts = []
        for k in worst:
            value = _value(raw, code, k)
            shown = _describe(k, value) if value is not None else "no value"
            if k == "body_fit_pct" and body_fit and code in body_fit:
                shown += f", {body_fit[code]}"
            full = result.weights[k] / weight_have * 100
            parts.append(f"{NOUN[k]} ({shown}: {lost[k]:.0f} of {full:.0f} points lost)")
        rank = int(row["rank"])
        out.append(
            f"{names.get(code, code)} ({labels.label(labels.STATUS, status[code]).lower()} in the brand's "
            f"plan) ranks #{rank} of {total}: it loses most on {' and '.join(parts)}."
        )
    return out
