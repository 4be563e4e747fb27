"""Currency conversion: the FX rate of a pair on a date (latest fixing on or before it, crossed through
CNY when there is no direct row), and `FxUnavailable` naming the pair and date when there is none. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from evdash import labels
from evdash.confidence import rank as confidence_rank
from evdash.confidence import worst as worst_confidence

PIVOT = "CNY"


class FxUnavailable(LookupError):
    """No exchange rate for a currency pair on or before a date."""


@dataclass(frozen=True)
class FxQuote:
    """`rate` units of `quote` per 1 `base`, valid on `rate_date` (the older leg for a cross)."""

    base: str
    quote: str
    rate: float
    rate_date: dt.date | None  # None when base == quote
    source_id: str
    confidence: str
    via: str  # 'identity', 'direct', 'inverse' or 'cross via CNY'
    source_url: str = ""

    def describe(self) -> str:
        if self.via == "identity":
            return f"no conversion ({self.base})"
        return (
            f"1 {self.base} = {self.rate:.6g} {self.quote} (rate of {labels.day(self.rate_date)}, {self.via})"
        )


def _latest(rates: pd.DataFrame, base: str, quote: str, on: dt.date) -> pd.Series | None:
    rows = rates[(rates["base"] == base) & (rates["quote"] == quote)]
    rows = rows[pd.to_datetime(rows["rate_date"]).dt.date <= on]
    if rows.empty:
        return None
    rows = rows.assign(
        _d=pd.to_datetime(rows["rate_date"]),
        _c=rows["confidence"].map(confidence_rank),
    ).sort_values(["_d", "_c", "source_id"], ascending=[False, True, True])
    return rows.iloc[0]


def _leg(rates: pd.DataFrame, base: str, quote: str, on: dt.date) -> FxQuote | None:
    """A direct or inverted single-row rate."""
    row = _latest(rates, base, quote, on)
    if row is not None:
        return FxQuote(
            base,
            quote,
            float(row["rate"]),
            pd.Timestamp(row["rate_date"]).date(),
            str(row["source_id"]),
            str(row["confidence"]),
            "direct",
            str(row.get("source_url") or ""),
        )
    row = _latest(rates, quote, base, on)
    if row is not None:
        return FxQuote(
            base,
            quote,
            1.0 / float(row["rate"]),
            pd.Timestamp(row["rate_date"]).date(),
            str(row["source_id"]),
            str(row["confidence"]),
            "inverse",
            str(row.get("source_url") or ""),
        )
    return None


def fx_rate(rates: pd.DataFrame, base: str, quote: str, on: dt.date) -> FxQuote:
    """The rate to convert `base` into `quote` on `on` (latest on or before it; see module doc).

    Raises FxUnavailable with a readable message when no rate exists on or before the date."""
    if base == quote:
        return FxQuote(base, quote, 1.0, None, "", "reported", "identity")
    direct = _leg(rates, base, quote, on)
    if direct is not None:
        return direct
    if PIVOT not in (base, quote):
        first = _leg(rates, base, PIVOT, on)
        second = _leg(rates, PIVOT, quote, on)
        if first is not None and second is not None:
            dates = [d for d in (first.rate_date, second.rate_date) if d is not None]
            worst = worst_confidence([first.confidence, second.confidence])
            return FxQuote(
                base,
                quote,
                first.rate * second.rate,
                min(dates),
                f"{first.source_id};{second.source_id}",
                worst,
                "cross via CNY",
                " ; ".join(u for u in (first.source_url, second.source_url) if u),
            )
    raise FxUnavailable(
        f"No exchange rate {base}→{quote} on or before {labels.day(on)} in the data "
        f"(neither directly nor through {PIVOT}). Pick a later date or another currency."
    )


def convert(rates: pd.DataFrame, amount: float, base: str, quote: str, on: dt.date) -> float:
    return amount * fx_rate(rates, base, quote, on).rate
