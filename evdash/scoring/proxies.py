"""Proxies never beat data: a regional figure standing in for a market's own is bounded by the
compared markets' own figures, and its spread is the market's score range. Pure."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evdash.scoring.basis import BASIS_MEASURES
from evdash.scoring.measures import MEASURE_BY_KEY, Method, MissingPolicy
from evdash.scoring.score import score_markets

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
