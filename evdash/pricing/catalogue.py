"""Price tables and the catalogue helpers: latest prices on a date, conversion to one currency, origin
prices, the landed inputs of an origin price per market and the landed prices of many markets. Pure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from evdash import labels
from evdash.confidence import rank as confidence_rank
from evdash.pricing.duties import market_duties, opt_date
from evdash.pricing.fx import FxQuote, FxUnavailable, fx_rate
from evdash.pricing.incentives import incentives_for
from evdash.pricing.landed import LandedCases, duty_burden_pct, gap_vs, landed_cases
from evdash.pricing.rivals import rivals
from evdash.pricing.steps import STEP_DUTY, STEP_INCENTIVE, LandedInputs
from evdash.pricing.vat import DEFAULT_ORIGIN_VAT_PCT, vat_for

PRICE_TYPE_ORDER = {"list": 0, "launch": 1, "preorder": 2, "presale": 3, "expected": 4}


def latest_prices(prices: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """The price in force per variant × market on `on`: the latest effective_from on or before it;
    on the same date a list/launch price beats a pre-order/expected one, then reported beats
    estimate, then source_id. Input: rows of `queries.pricing_prices`."""
    rows = prices[pd.to_datetime(prices["effective_from"]).dt.date <= on]
    if rows.empty:
        return rows.copy()
    rows = rows.assign(
        _d=pd.to_datetime(rows["effective_from"]),
        _t=rows["price_type"].map(PRICE_TYPE_ORDER).fillna(9),
        _c=rows["confidence"].map(confidence_rank),
    ).sort_values(["_d", "_t", "_c", "source_id"], ascending=[False, True, True, True])
    picked = rows.drop_duplicates(["variant_id", "market_code"]).drop(columns=["_d", "_t", "_c"])
    return picked.sort_values(["brand_name", "model_name", "variant_name", "market_code"]).reset_index(
        drop=True
    )


def with_converted(frame: pd.DataFrame, rates: pd.DataFrame, currency: str, on: dt.date) -> pd.DataFrame:
    """Add `price_<currency>`, `fx_rate`, `fx_date` and `fx_note` columns; a currency without a
    rate gets NaN and the reason in `fx_note` (never a silent zero)."""
    out = frame.copy()
    column = f"price_{currency.lower()}"
    converted: list[float] = []
    used: list[float] = []
    dates: list[dt.date | None] = []
    notes: list[str] = []
    # One rate lookup per distinct currency, not per row: a price list has hundreds of rows in a
    # dozen currencies, and each lookup scans the rates frame (it was 30% of a /pricing run).
    quotes: dict[str, FxQuote | FxUnavailable] = {}
    for code in out["currency"].astype(str).unique():
        try:
            quotes[code] = fx_rate(rates, code, currency, on)
        except FxUnavailable as err:
            quotes[code] = err
    for row in out.itertuples(index=False):
        quote = quotes[str(row.currency)]
        if isinstance(quote, FxUnavailable):
            converted.append(math.nan)
            used.append(math.nan)
            dates.append(None)
            notes.append(str(quote))
            continue
        converted.append(float(row.price) * quote.rate)  # type: ignore[arg-type]
        used.append(quote.rate)
        dates.append(quote.rate_date)
        notes.append(quote.describe())
    out[column] = converted
    out["fx_rate"] = used
    out["fx_date"] = dates
    out["fx_note"] = notes
    return out


def entry_prices(origins: pd.DataFrame) -> pd.DataFrame:
    """Each model's entry price at home (its cheapest variant in `origin_prices`), ordered by brand and
    model name: what the market ranking lands in every market."""
    entry = origins.sort_values(["model_id", "price"]).drop_duplicates("model_id")
    return entry.sort_values(["brand_name", "model_name"]).reset_index(drop=True)


def model_labels(entry: pd.DataFrame) -> dict[str, str]:
    """model_id → 'Brand Model (body type)' for a model picker, in the frame's order."""
    return {
        str(m): f"{b} {n} ({labels.label(labels.BODY_TYPE, t)})"
        for m, b, n, t in zip(
            entry["model_id"], entry["brand_name"], entry["model_name"], entry["body_type"], strict=True
        )
    }


def converted_models(
    frame: pd.DataFrame, models: list[str], rates: pd.DataFrame, currency: str, on: dt.date
) -> pd.DataFrame:
    """`with_converted` of the rows of `frame` (latest prices or the price history) whose model is one
    of `models`. Takes the whole frame so a page can pass the cached query result as it is."""
    return with_converted(frame[frame["model_id"].isin(models)], rates, currency, on)


def converted_rivals(
    latest: pd.DataFrame,
    market: str,
    body_type: str,
    exclude_model: str,
    segment: str | None,
    rates: pd.DataFrame,
    currency: str,
    on: dt.date,
) -> pd.DataFrame:
    """`rivals(...)` with prices converted to `currency` (`with_converted`)."""
    return with_converted(rivals(latest, market, body_type, exclude_model, segment), rates, currency, on)


def origin_prices(latest: pd.DataFrame) -> pd.DataFrame:
    """Variants priced in their model's production country (the start of a landed-price estimate)."""
    return latest[latest["market_code"] == latest["production_country"]].reset_index(drop=True)


def build_inputs(
    origin: pd.Series,
    market: str,
    market_label: str,
    duties: pd.DataFrame,
    vat: pd.DataFrame,
    on: dt.date,
    currency: str,
    duty_class: str,
    freight_pct: float = 0.0,
    freight_amount: float = 0.0,
    strip_origin_vat: bool = True,
    reliefs: pd.DataFrame | None = None,
    incentives: pd.DataFrame | None = None,
) -> tuple[LandedInputs, ...]:
    """LandedInputs for one origin price (a row of `origin_prices`) going to one market, one per duty case
    of `queries.pricing_duties` (rows for that car and date). The origin VAT rate comes from `vat` for
    the origin country (13 % for China) when present."""
    origin_vat = vat_for(vat, str(origin["market_code"]))
    found = market_duties(duties, market)
    common = {
        "price": float(origin["price"]),
        "price_currency": str(origin["currency"]),
        "price_includes_vat": bool(origin["includes_vat"]),
        "price_label": f"{origin['brand_name']} {origin['model_name']} {origin['variant_name']}, "
        f"{labels.label(labels.PRICE_TYPE, origin['price_type']).lower()} in {origin['market_code']} "
        f"from {labels.day(origin['effective_from'])}",
        "price_source": str(origin.get("source_url") or origin["source_id"]),
        "price_as_of": labels.day(origin["as_of"]),
        "price_confidence": str(origin["confidence"]),
        "target_currency": currency,
        "on": on,
        "duty_class": duty_class,
        "powertrain": str(origin["powertrain"]),
        "vat": vat_for(vat, market, reliefs, str(origin["powertrain"])),
        "market_label": market_label,
        "freight_pct": freight_pct,
        "freight_amount": freight_amount,
        "strip_origin_vat": strip_origin_vat,
        "origin_vat_pct": origin_vat.rate_pct if origin_vat else DEFAULT_ORIGIN_VAT_PCT,
        "duty_known": found.known,
        "not_applied": found.not_applied,
        "production_country": str(origin.get("production_country") or ""),
        "incentives": incentives_for(incentives, market, str(origin["powertrain"]))
        if incentives is not None
        else (),
    }
    return tuple(
        LandedInputs(duties=case.duties, case_label=case.label, **common)  # type: ignore[arg-type]
        for case in found.cases
    )


def landed_for_markets(
    origin: pd.Series,
    markets: Sequence[str],
    duties: pd.DataFrame,
    vat: pd.DataFrame,
    rates: pd.DataFrame,
    latest: pd.DataFrame,
    on: dt.date,
    currency: str,
    duty_class: str,
    freight_pct: float = 0.0,
    freight_amount: float = 0.0,
    strip_origin_vat: bool = True,
    reliefs: pd.DataFrame | None = None,
    incentives: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per market: landed estimate, duty burden (% of CIF), rivals' median price and the gap.

    Where a market has several duty cases (Canada's quota) `landed`, `duty_burden_pct` and
    `price_gap_pct` are those of the highest case (what a ranking scores: an entrant cannot count on a
    shared quota) and `landed_low`, `duty_burden_low_pct`, `price_gap_low_pct` those of the lowest;
    `duty_cases` names each case with its duty. A market whose estimate cannot be made (no FX rate)
    gets NaN and the reason in `error`; a market without comparable rivals gets NaN gap and
    n_rivals = 0 (missing, not zero); a market with no duty in force in the data gets NaN duty burden
    and NaN gap (its duty is unknown). With `incentives` (`queries.pricing_incentives`),
    `landed_after_incentive` and `price_gap_after_incentive_pct` are the highest case's price for an
    eligible buyer after the market's purchase incentive (equal to `landed` where none applies) and
    `incentive` says what applied or why not."""
    records = []
    for market in markets:
        record: dict[str, object] = {"market_code": market}
        try:
            inputs = build_inputs(
                origin, market, market, duties, vat, on, currency, duty_class,
                freight_pct, freight_amount, strip_origin_vat, reliefs, incentives,
            )  # fmt: skip
            landed = landed_cases(inputs, rates)
        except FxUnavailable as err:
            records.append({**record, **_no_estimate(err)})
            continue
        record.update(_estimate(landed, inputs))
        comparable = with_converted(
            rivals(latest, market, str(origin["body_type"]), str(origin["model_id"])), rates, currency, on
        )
        column = f"price_{currency.lower()}"
        values = comparable[column].dropna() if not comparable.empty else pd.Series(dtype=float)
        record.update(_rival_gaps(landed, values))
        records.append(record)
    return pd.DataFrame.from_records(records)


def _no_estimate(err: FxUnavailable) -> dict[str, object]:
    """A market's row when its estimate cannot be made (no FX rate): every figure missing, the reason in
    `error`."""
    return {
        "landed": math.nan,
        "landed_low": math.nan,
        "duty_burden_pct": math.nan,
        "duty_burden_low_pct": math.nan,
        "price_gap_pct": math.nan,
        "price_gap_low_pct": math.nan,
        "error": str(err),
    }


def _estimate(landed: LandedCases, inputs: Sequence[LandedInputs]) -> dict[str, object]:
    """A market's estimate: the highest and lowest case's totals, the incentive, the duty burden (missing
    where the data has no duty in force: unknown, never a silent 0 %), VAT, duties and warnings."""
    known = landed.duty_known
    return {
        "landed": landed.high.total,
        "landed_low": landed.low.total,
        "landed_after_incentive": landed.high.after_incentive,
        "incentive": " ".join(landed.high.incentive_notes),
        "incentive_source": " ; ".join(dict.fromkeys(s.source for s in landed.high.ids(STEP_INCENTIVE))),
        "tariff_data": known,
        "duty_burden_pct": duty_burden_pct(landed.high) if known else math.nan,
        "duty_burden_low_pct": duty_burden_pct(landed.low) if known else math.nan,
        "duty_cases": " · ".join(f"{c.case_label}: {duty_burden_pct(c):.1f}%" for c in landed.cases)
        if landed.several
        else "",
        "vat_pct": inputs[0].vat.rate_pct if inputs[0].vat else math.nan,
        "duties_applied": ";".join(s.label for s in landed.high.ids(STEP_DUTY)),
        "warnings": " ".join(dict.fromkeys(w for c in landed.cases for w in c.warnings)),
        "error": "",
    }


def _rival_gaps(landed: LandedCases, values: pd.Series) -> dict[str, object]:
    """The rivals' count and median price (in the target currency) and each case's gap to it, in %;
    missing (not zero) without comparable rivals or without a known duty."""
    gaps: dict[str, object] = {"n_rivals": len(values)}
    if len(values) and landed.duty_known:
        median = float(values.median())
        return {
            **gaps,
            "rival_median": median,
            "price_gap_pct": gap_vs(landed.high.total, median)[1],
            "price_gap_low_pct": gap_vs(landed.low.total, median)[1],
            "price_gap_after_incentive_pct": gap_vs(landed.high.after_incentive, median)[1],
            "price_gap_after_incentive_low_pct": gap_vs(landed.low.after_incentive, median)[1],
        }
    return {
        **gaps,
        "rival_median": math.nan,
        "price_gap_pct": math.nan,
        "price_gap_low_pct": math.nan,
        "price_gap_after_incentive_pct": math.nan,
        "price_gap_after_incentive_low_pct": math.nan,
    }


def mark_changes(changes: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """`queries.pricing_duty_changes` / `expansion_duty_changes` rows with `when`: 'upcoming' after `on`,
    'in force on <on>' for the latest change on or before it, 'past' for the others."""
    out = changes.copy()
    dates = [opt_date(d) for d in out["on_date"]]
    past = [d for d in dates if d is not None and d <= on]
    current = max(past) if past else None
    out["when"] = [
        "upcoming"
        if d is not None and d > on
        else (f"in force on {labels.day(on)}" if d == current else "past")
        for d in dates
    ]
    return out
