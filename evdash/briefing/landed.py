"""The briefing's landed-price table: the brand's focus markets and focus model, and in each market the
landed estimate (the Pricing page's chain, `pricing_service.pricing_view`), the cheapest comparable
rival priced there and the gap to it, with the sources of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

import duckdb
import pandas as pd

from evdash import pricing, pricing_service

FOCUS_MARKETS = 4  # at most this many markets in the landed-price table
FOCUS_STATUSES = ("launched", "pilot", "announced", "evaluating")  # closest to the brand first
CURRENCY = pricing_service.DEFAULT_CURRENCY  # the Pricing page's default
FREIGHT_PCT = pricing_service.DEFAULT_FREIGHT_PCT  # the Pricing page's default

LANDED_COLUMNS = [
    "market_code",
    "market_name",
    "status",
    "landed",
    "duty_burden_pct",
    "vat_pct",
    "rival",
    "rival_price",
    "rival_confidence",
    "gap_pct",
    "warnings",
    "incentive",
    "sources",
]


def focus_markets(status: pd.DataFrame, home: str) -> pd.DataFrame:
    """The brand's markets outside home whose status on the date is launched, pilot, announced or
    under evaluation, closest first (then most recent status, then code); at most FOCUS_MARKETS."""
    rows = status[status["category"].isin(FOCUS_STATUSES) & (status["iso3"] != home)].copy()
    rows["_rank"] = rows["category"].map({s: i for i, s in enumerate(FOCUS_STATUSES)})
    rows = rows.sort_values(["_rank", "period", "iso3"], ascending=[True, False, True])
    return rows.head(FOCUS_MARKETS).drop(columns="_rank").reset_index(drop=True)


def focus_model(origins: pd.DataFrame, models: pd.DataFrame, brand: str, on: dt.date) -> pd.Series | None:
    """The brand's entry variant (cheapest at home) of its most recently launched model (launched on or
    before the date) that has a home price; None when no model of the brand has one."""
    entry = pricing.entry_prices(origins[origins["brand_id"] == brand])
    if entry.empty:
        return None
    launched = models[pd.to_datetime(models["launch_date"]) <= pd.Timestamp(on)]  # NaT: not launched
    order = {
        str(m): pd.Timestamp(d) for m, d in zip(launched["model_id"], launched["launch_date"], strict=True)
    }
    candidates = entry[entry["model_id"].isin(list(order))]
    if candidates.empty:
        candidates = entry
    ranked = candidates.assign(_launch=candidates["model_id"].map(order)).sort_values(
        ["_launch", "model_id"], ascending=[False, True], na_position="last"
    )
    return ranked.drop(columns="_launch").iloc[0]


def landed_table(
    con: duckdb.DuckDBPyConnection, origin: pd.Series, markets: pd.DataFrame, on: dt.date
) -> pd.DataFrame:
    """One row per focus market: the landed estimate (pricing.landed_for_markets), the cheapest
    comparable rival priced there (pricing.converted_rivals) and the gap to it."""
    if markets.empty:
        return pd.DataFrame(columns=LANDED_COLUMNS)
    codes = list(markets["iso3"])
    view = pricing_service.pricing_view(
        pricing_service.ConnectionReader(con),
        pricing_service.PricingScenario(
            on=on, variant=str(origin["variant_id"]), markets=tuple(codes), currency=CURRENCY,
            freight_pct=FREIGHT_PCT, detail=False,
        ),
    )  # fmt: skip
    rows: list[dict[str, object]] = []
    for market, rec in zip(markets.to_dict("records"), view.by_market.to_dict("records"), strict=True):
        cheapest = _cheapest_rival(view, origin, str(market["iso3"]), on)
        rows.append(_landed_row(view, market, rec, cheapest))
    return pd.DataFrame(rows, columns=LANDED_COLUMNS)


def _cheapest_rival(
    view: pricing_service.PricingView, origin: pd.Series, market: str, on: dt.date
) -> pd.Series | None:
    """The cheapest rival of another brand with the focus model's body type priced in `market`, converted
    to CURRENCY at the rates of `on` (pricing.converted_rivals); None when there is none."""
    column = f"price_{CURRENCY.lower()}"
    rivals = pricing.converted_rivals(
        view.latest,
        market,
        str(origin["body_type"]),
        str(origin["model_id"]),
        None,
        view.rates,
        CURRENCY,
        on,
    )
    rivals = rivals[rivals["brand_id"] != origin["brand_id"]].dropna(subset=[column])
    return rivals.sort_values(column).iloc[0] if not rivals.empty else None


def _landed_row(
    view: pricing_service.PricingView,
    market: dict[Hashable, Any],
    rec: dict[Hashable, Any],
    cheapest: pd.Series | None,
) -> dict[str, object]:
    """The table's row of one market: its landed estimate (`rec`, a row of the view's `by_market`), the
    cheapest rival and the gap between them (only where the market has tariff data)."""
    column = f"price_{CURRENCY.lower()}"
    estimate = float(rec["landed"]) if pd.notna(rec["landed"]) else None
    rival_price = float(cheapest[column]) if cheapest is not None else None
    gap = (
        pricing.gap_vs(estimate, rival_price)[1]
        if estimate is not None and rival_price is not None and bool(rec.get("tariff_data", False))
        else None
    )
    return {
        "market_code": market["iso3"],
        "market_name": market["country"],
        "status": market["shown_as"],
        "landed": estimate,
        "duty_burden_pct": rec.get("duty_burden_pct"),
        "vat_pct": rec.get("vat_pct"),
        "rival": (
            f"{cheapest['brand_name']} {cheapest['model_name']} {cheapest['variant_name']}"
            if cheapest is not None
            else None
        ),
        "rival_price": rival_price,
        "rival_confidence": str(cheapest["confidence"]) if cheapest is not None else None,
        "gap_pct": gap,
        "warnings": str(rec.get("warnings") or rec.get("error") or ""),
        "incentive": str(rec.get("incentive") or ""),
        "sources": _market_sources(view, str(market["iso3"]), rec, cheapest),
    }


def _market_sources(
    view: pricing_service.PricingView, market: str, rec: dict[Hashable, Any], cheapest: pd.Series | None
) -> str:
    """The sources of a market's row, ' ; '-joined: its duties (each once), its VAT, the rival's price and
    the purchase incentive."""
    return " ; ".join(
        [
            str(d.source_url)
            for d in dict.fromkeys(
                d for case in pricing.market_duties(view.duties, market).cases for d in case.duties
            )
        ]
        + [str(u) for u in view.vat[view.vat["market_code"] == market]["source_url"]]
        + ([str(cheapest["source_url"])] if cheapest is not None else [])
        + ([str(rec["incentive_source"])] if isinstance(rec.get("incentive_source"), str) else [])
    )
