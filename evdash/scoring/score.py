"""Normalisation, the weighted score, its sensitivity to the weights, and the market-size scale that
share measures are damped by. Pure: DataFrames in, DataFrames out."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evdash.scoring.measures import MEASURE_BY_KEY, Method, MissingPolicy


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
    normalised = _normalised(raw, method, scale)
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
    table = _weighted(normalised, active)
    keep, reasons = _kept(table, missing, min_coverage_pct)
    table = table[keep].sort_values(["score", "market_code"], ascending=[False, True]).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    excluded = pd.DataFrame(reasons, columns=["market_code", "reason"])
    return ScoreResult(table[columns], excluded, normalised, active, dropped)


def _normalised(raw: pd.DataFrame, method: Method, scale: pd.Series | None) -> pd.DataFrame:
    """Every measure of `raw` on a 0–1 scale (1 = best; missing stays missing, an absent measure is all
    missing), the share measures multiplied by each market's `scale` factor where one is given."""
    normalised = pd.DataFrame(
        {
            key: normalise(raw[key], method, MEASURE_BY_KEY[key].higher_is_better)
            if key in raw.columns
            else pd.Series(np.nan, index=raw.index)
            for key in MEASURE_BY_KEY
        },
        index=raw.index,
    )
    return scaled_shares(normalised, scale) if scale is not None else normalised


def _weighted(normalised: pd.DataFrame, active: Mapping[str, float]) -> pd.DataFrame:
    """Per market (unranked): its score (0–100, weighted over the measures it has), the share of the
    weight its data covers, the weighted measures it lacks and each measure's contribution (`c_<key>`)."""
    keys = list(active)
    w = np.array([active[k] for k in keys])
    values = normalised[keys].to_numpy(dtype=float)
    have = ~np.isnan(values)
    weight_have = have @ w
    contributions = np.where(have, np.nan_to_num(values) * w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib_scaled = 100 * contributions / weight_have[:, None]
    table = pd.DataFrame({"market_code": list(normalised.index)})
    table["score"] = contrib_scaled.sum(axis=1)
    table["coverage_pct"] = 100 * weight_have / w.sum()
    table["missing"] = [
        ", ".join(MEASURE_BY_KEY[k].label for k, h in zip(keys, row, strict=True) if not h) for row in have
    ]
    table["flagged"] = ~have.all(axis=1)
    for key in MEASURE_BY_KEY:
        table[f"c_{key}"] = contrib_scaled[:, keys.index(key)] if key in keys else 0.0
    return table


def _kept(
    table: pd.DataFrame, missing: MissingPolicy, min_coverage_pct: float
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Which markets of `table` are ranked, and why each other one is not: no data for any weighted
    measure, too little of the weight covered, or (policy `exclude`) any weighted measure missing."""
    reasons: list[tuple[str, str]] = []
    none = (table["coverage_pct"] == 0).to_numpy()
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
    return keep, reasons


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


def completeness(result: ScoreResult, weights: Mapping[str, float]) -> tuple[int, int]:
    """(ranked markets with every weighted measure present, ranked markets) — the ranking's data coverage."""
    table = result.table
    if table.empty:
        return 0, 0
    active = [k for k, w in weights.items() if w > 0]
    have = result.normalised.loc[list(table["market_code"]), active].notna().all(axis=1)
    return int(have.sum()), len(table)


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
