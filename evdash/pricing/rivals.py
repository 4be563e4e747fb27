"""Local rivals: comparable models' prices in a market, their age, and the gap of the landed estimate
to each. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evdash import labels
from evdash.pricing.duties import opt_date
from evdash.pricing.landed import LandedCases, gap_vs

RIVAL_PRICE_MAX_AGE_DAYS = 365  # a rival price older than 12 months before the date priced is flagged


def rivals(
    latest: pd.DataFrame,
    market: str,
    body_type: str,
    exclude_model: str,
    segment: str | None = None,
) -> pd.DataFrame:
    """Comparable models' prices in `market`: same body type (and segment when given), other models."""
    rows = latest[
        (latest["market_code"] == market)
        & (latest["body_type"] == body_type)
        & (latest["model_id"] != exclude_model)
    ]
    if segment is not None:
        rows = rows[rows["segment"] == segment]
    return rows.reset_index(drop=True)


def price_date(row: pd.Series | Mapping[Hashable, Any]) -> dt.date | None:
    """The date a price is known for: the later of when it took effect and when it was reported."""
    dates = [d for d in (opt_date(row.get("effective_from")), opt_date(row.get("as_of"))) if d is not None]
    return max(dates) if dates else None


def compare_rivals(
    landed: LandedCases, rivals_frame: pd.DataFrame, currency: str, on: dt.date
) -> pd.DataFrame:
    """Each rival price (`converted_rivals` rows) against the estimate of every case: `estimate`/`gap`/
    `gap_pct` for the lowest case and, when there are several, `estimate_high`/`gap_high`/`gap_high_pct`
    for the highest; `price_date`, `stale` (older than 12 months before `on`) and `age_note`."""
    column = f"price_{currency.lower()}"
    out = rivals_frame.copy()
    price = out[column] if column in out.columns else pd.Series(dtype=float)
    out["estimate"] = landed.low.total
    out["gap"] = landed.low.total - price
    out["gap_pct"] = 100 * out["gap"] / price
    if landed.several:
        out["estimate_high"] = landed.high.total
        out["gap_high"] = landed.high.total - price
        out["gap_high_pct"] = 100 * out["gap_high"] / price
    dates = [price_date(r) for r in out.to_dict("records")]
    out["price_date"] = dates
    stale = [d is not None and (on - d).days > RIVAL_PRICE_MAX_AGE_DAYS for d in dates]
    out["stale"] = stale
    out["age_note"] = [
        f"price of {labels.day(d)}, over 12 months before {labels.day(on)}" if old and d is not None else ""
        for d, old in zip(dates, stale, strict=True)
    ]
    return out


@dataclass(frozen=True)
class RivalGap:
    """The headline comparison: against the cheapest comparable rival and the rivals' median."""

    case_label: str
    estimate: float
    cheapest_label: str
    cheapest_price: float
    cheapest_confidence: str
    cheapest_date: dt.date | None
    cheapest_stale: bool
    gap: float
    gap_pct: float
    median: float
    median_gap_pct: float
    n_rivals: int


def rival_gaps(compared: pd.DataFrame, landed: LandedCases, currency: str) -> tuple[RivalGap, ...]:
    """One RivalGap per duty case (empty when no rival has a price in `currency`)."""
    column = f"price_{currency.lower()}"
    priced = compared[compared[column].notna()] if column in compared.columns else compared.iloc[0:0]
    if priced.empty:
        return ()
    cheapest = priced.sort_values(column).iloc[0]
    median = float(priced[column].median())
    gaps = []
    for case in landed.cases:
        gap, pct = gap_vs(case.total, float(cheapest[column]))
        gaps.append(
            RivalGap(
                case.case_label,
                case.total,
                f"{cheapest['brand_name']} {cheapest['model_name']} {cheapest['variant_name']}",
                float(cheapest[column]),
                str(cheapest["confidence"]),
                price_date(cheapest),
                bool(cheapest.get("stale", False)),
                gap,
                pct,
                median,
                100 * (case.total / median - 1),
                len(priced),
            )
        )
    return tuple(gaps)


def rivals_without_price(latest: pd.DataFrame, market: str, body_type: str, exclude_model: str) -> list[str]:
    """Comparable models (same body type) that have a price somewhere in the data but none in `market`:
    'Tesla Model Y' when no Model Y price exists there (the page says so instead of comparing)."""
    same = latest[(latest["body_type"] == body_type) & (latest["model_id"] != exclude_model)]
    here = set(same.loc[same["market_code"] == market, "model_id"])
    elsewhere = same[~same["model_id"].isin(here)].drop_duplicates("model_id")
    return sorted(f"{b} {m}" for b, m in zip(elsewhere["brand_name"], elsewhere["model_name"], strict=True))
