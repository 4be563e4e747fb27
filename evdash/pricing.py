"""Landed-price arithmetic and currency conversion. Pure: frames in, records out; no I/O.

Conventions (stated once, used everywhere):

* **FX.** `fx_rates` holds units of `quote` per 1 `base` on `rate_date` (base is mostly CNY). The
  rate used for a date is the latest fixing **on or before** that date. A pair without a direct
  row is crossed through CNY (EUR→USD = CNY→USD / CNY→EUR); the older of the two legs' dates is
  reported as the rate's date. Among rows on the same date, a `reported` rate beats an `estimate`.
  No usable rate → `FxUnavailable` with a message that names the pair and the date.
* **Ex-factory price.** A Chinese sticker price includes China's 13 % VAT, which is refunded on
  export, so ex-factory = sticker / 1.13 (`strip_origin_vat=True`, switchable). A price stored
  with `includes_vat = false` is already net.
* **Customs value.** Duties are charged on the CIF value = ex-factory + freight/logistics (the EU
  and most WTO members use CIF). A duty with a minimum amount ("40 % or at least USD 7,000")
  charges the larger of the two; a fixed fee (no rate, only an amount) charges the amount.
* **Import VAT/GST** is charged on CIF + all duties. Dealer margin, registration taxes and
  destination charges are **not** included: the result is an estimate of the lowest sticker
  price that covers cost, not a forecast of the list price.
* **Which duties apply on a date:** rows for the market (or a group containing it), for the
  brand's duty class or `all`, for the model's powertrain or `all`, whose window
  `effective_from <= date <= effective_to` contains the date, with status `in_force`,
  `superseded` or `expired` (a superseded rate was in force during its window). `proposed` and
  `provisional` rows are listed as not applied. If several *base* duties match, the highest is
  used and a warning says so (e.g. India's duty depends on a CIF threshold not modelled here).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

PIVOT = "CNY"
DEFAULT_ORIGIN_VAT_PCT = 13.0
APPLIED_STATUSES = frozenset({"in_force", "superseded", "expired"})
_CONFIDENCE_ORDER = {"reported": 0, "lower_bound": 1, "estimate": 2}

StepKind = Literal["absolute", "relative", "total"]


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
        return f"1 {self.base} = {self.rate:.6g} {self.quote} (rate of {self.rate_date}, {self.via})"


def _latest(rates: pd.DataFrame, base: str, quote: str, on: dt.date) -> pd.Series | None:
    rows = rates[(rates["base"] == base) & (rates["quote"] == quote)]
    rows = rows[pd.to_datetime(rows["rate_date"]).dt.date <= on]
    if rows.empty:
        return None
    rows = rows.assign(
        _d=pd.to_datetime(rows["rate_date"]),
        _c=rows["confidence"].map(_CONFIDENCE_ORDER).fillna(9),
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
            worst = max((first.confidence, second.confidence), key=lambda c: _CONFIDENCE_ORDER.get(c, 9))
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
        f"No exchange rate {base}→{quote} on or before {on:%Y-%m-%d} in the data "
        f"(neither directly nor through {PIVOT}). Pick a later date or another currency."
    )


def convert(rates: pd.DataFrame, amount: float, base: str, quote: str, on: dt.date) -> float:
    return amount * fx_rate(rates, base, quote, on).rate


@dataclass(frozen=True)
class Duty:
    """One duty row from `tariffs` (rate in percent; min_amount in min_currency)."""

    tariff_id: str
    measure: str
    duty_kind: str  # 'base' or 'additional'
    applies_to: str
    rate_pct: float | None
    min_amount: float | None
    min_currency: str | None
    effective_from: dt.date
    effective_to: dt.date | None
    status: str
    source_id: str
    source_url: str = ""
    confidence: str = "reported"
    powertrain: str = "all"


@dataclass(frozen=True)
class DutySelection:
    applied: tuple[Duty, ...]
    not_applied: tuple[tuple[Duty, str], ...]  # (duty, reason)
    warnings: tuple[str, ...]


def _opt_float(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)  # type: ignore[arg-type]


def _opt_date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def duties_from_frame(frame: pd.DataFrame) -> list[Duty]:
    """Rows of `queries.pricing_duties` → Duty records."""
    duties = []
    for row in frame.to_dict("records"):
        effective_from = _opt_date(row["effective_from"])
        assert effective_from is not None
        duties.append(
            Duty(
                tariff_id=str(row["tariff_id"]),
                measure=str(row["measure"]),
                duty_kind=str(row["duty_kind"]),
                applies_to=str(row["applies_to"]),
                rate_pct=_opt_float(row["rate_pct"]),
                min_amount=_opt_float(row["min_amount"]),
                min_currency=None if pd.isna(row["min_currency"]) else str(row["min_currency"]),
                effective_from=effective_from,
                effective_to=_opt_date(row["effective_to"]),
                status=str(row["status"]),
                source_id=str(row["source_id"]),
                source_url=str(row.get("source_url") or ""),
                confidence=str(row.get("confidence") or "reported"),
                powertrain=str(row.get("powertrain") or "all"),
            )
        )
    return duties


def select_duties(duties: Sequence[Duty], duty_class: str, powertrain: str, on: dt.date) -> DutySelection:
    """Which of `duties` (all rows for one market) apply to a car of `duty_class`/`powertrain` on `on`.

    Rows for another duty class or powertrain are silently irrelevant; rows that match the car but
    not the date or status are returned in `not_applied` with the reason (future-dated, expired,
    proposed...), so the page can say why a known measure is not in the total."""
    applied: list[Duty] = []
    skipped: list[tuple[Duty, str]] = []
    for duty in duties:
        if duty.applies_to not in ("all", duty_class):
            continue
        if duty.powertrain not in ("all", powertrain):
            continue
        if duty.status not in APPLIED_STATUSES:
            skipped.append((duty, f"{duty.status}, not collected"))
        elif duty.effective_from > on:
            skipped.append((duty, f"effective only from {duty.effective_from:%Y-%m-%d}"))
        elif duty.effective_to is not None and duty.effective_to < on:
            skipped.append((duty, f"ended {duty.effective_to:%Y-%m-%d}"))
        else:
            applied.append(duty)
    warnings: list[str] = []
    bases = [d for d in applied if d.duty_kind == "base"]
    if len(bases) > 1:
        keep = max(bases, key=lambda d: (d.rate_pct or 0.0, d.tariff_id))
        for other in bases:
            if other is not keep:
                applied.remove(other)
                skipped.append((other, "another base duty applies; the highest one was used"))
        warnings.append(
            f"{len(bases)} base duties match ({', '.join(d.tariff_id for d in bases)}); the highest "
            f"({keep.rate_pct:g}%) is used. Their notes say which applies (e.g. a CIF-value threshold)."
        )
    return DutySelection(tuple(applied), tuple(skipped), tuple(warnings))


@dataclass(frozen=True)
class Step:
    """One step of the landed-price build-up, in the target currency.

    kind: 'absolute' = starting value, 'relative' = added (or removed), 'total' = subtotal.
    amount: the step's own value (the change for 'relative', the level otherwise)."""

    label: str
    kind: StepKind
    amount: float
    running_total: float
    currency: str
    rate_pct: float | None = None
    basis: str = ""  # what the percentage was applied to
    source: str = ""  # source id/URL or 'assumption'
    as_of: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class LandedPrice:
    steps: tuple[Step, ...]
    currency: str
    fx: FxQuote
    warnings: tuple[str, ...] = ()
    not_applied: tuple[tuple[Duty, str], ...] = ()

    @property
    def total(self) -> float:
        return self.steps[-1].running_total

    def step(self, label_start: str) -> Step:
        return next(s for s in self.steps if s.label.startswith(label_start))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([s.__dict__ for s in self.steps])


@dataclass(frozen=True)
class Vat:
    rate_pct: float
    source_id: str
    effective_from: dt.date | None
    note: str = ""


@dataclass(frozen=True)
class LandedInputs:
    price: float  # the origin sticker price
    price_currency: str
    price_includes_vat: bool
    price_label: str  # e.g. "YU7 Standard RWD, China launch price"
    price_source: str
    price_as_of: str
    target_currency: str
    on: dt.date
    duty_class: str
    powertrain: str
    duties: Sequence[Duty] = ()
    vat: Vat | None = None
    market_label: str = ""
    freight_pct: float = 0.0  # of ex-factory value
    freight_amount: float = 0.0  # in target currency, added to the percentage
    strip_origin_vat: bool = True
    origin_vat_pct: float = DEFAULT_ORIGIN_VAT_PCT
    price_confidence: str = "reported"
    extra_warnings: tuple[str, ...] = field(default_factory=tuple)


def landed_price(inputs: LandedInputs, rates: pd.DataFrame) -> LandedPrice:
    """Sticker price at origin → ex-factory → FX → + freight = CIF → + duties → + VAT → estimate.

    Raises FxUnavailable when the origin or a minimum-amount currency has no rate on the date."""
    cur = inputs.target_currency
    fx = fx_rate(rates, inputs.price_currency, cur, inputs.on)
    steps: list[Step] = []
    sticker = inputs.price * fx.rate
    steps.append(
        Step(
            f"Origin sticker price ({inputs.price_currency} {inputs.price:,.0f})",
            "absolute",
            sticker,
            sticker,
            cur,
            source=inputs.price_source,
            as_of=inputs.price_as_of,
            confidence=inputs.price_confidence,
            note=f"{inputs.price_label}; converted at {fx.describe()}",
        )
    )
    ex_factory = sticker
    if inputs.price_includes_vat and inputs.strip_origin_vat:
        ex_factory = sticker / (1 + inputs.origin_vat_pct / 100)
        steps.append(
            Step(
                f"Less origin VAT {inputs.origin_vat_pct:g}% (refunded on export)",
                "relative",
                ex_factory - sticker,
                ex_factory,
                cur,
                rate_pct=inputs.origin_vat_pct,
                basis="sticker ÷ (1 + VAT)",
                source="assumption (evdash convention)",
                note="Chinese sticker prices include 13% VAT; ex-VAT = price / 1.13",
            )
        )
    steps.append(
        Step(
            f"Ex-factory price at FX {fx.rate:.6g} {cur}/{inputs.price_currency}",
            "total",
            ex_factory,
            ex_factory,
            cur,
            source=fx.source_url or fx.source_id or "identity",
            as_of=str(fx.rate_date or ""),
            confidence=fx.confidence,
            note=fx.describe(),
        )
    )
    freight = ex_factory * inputs.freight_pct / 100 + inputs.freight_amount
    cif = ex_factory + freight
    freight_basis = []
    if inputs.freight_pct:
        freight_basis.append(f"{inputs.freight_pct:g}% of ex-factory")
    if inputs.freight_amount:
        freight_basis.append(f"{cur} {inputs.freight_amount:,.0f}")
    steps.append(
        Step(
            "Freight & logistics",
            "relative",
            freight,
            cif,
            cur,
            rate_pct=inputs.freight_pct or None,
            basis=" + ".join(freight_basis) or "none set",
            source="assumption (analyst input)",
        )
    )
    steps.append(Step("CIF value (customs base)", "total", cif, cif, cur, basis="ex-factory + freight"))
    selection = select_duties(inputs.duties, inputs.duty_class, inputs.powertrain, inputs.on)
    running = cif
    duties_total = 0.0
    ordered = sorted(selection.applied, key=lambda d: (d.duty_kind != "base", d.tariff_id))
    for duty in ordered:
        by_rate = cif * (duty.rate_pct or 0.0) / 100
        amount = by_rate
        note = ""
        if duty.min_amount is not None and duty.min_currency:
            minimum = duty.min_amount * fx_rate(rates, duty.min_currency, cur, inputs.on).rate
            if minimum > by_rate:
                amount = minimum
                note = f"minimum {duty.min_currency} {duty.min_amount:,.0f} applies (> rate × CIF)"
            else:
                note = f"rate × CIF exceeds the minimum {duty.min_currency} {duty.min_amount:,.0f}"
        running += amount
        duties_total += amount
        who = "all makers" if duty.applies_to == "all" else f"class {duty.applies_to}"
        kind = "Base import duty" if duty.duty_kind == "base" else "Additional duty"
        rate_text = f" {duty.rate_pct:g}%" if duty.rate_pct is not None else " (fixed fee)"
        steps.append(
            Step(
                f"{kind}{rate_text} ({who})",
                "relative",
                amount,
                running,
                cur,
                rate_pct=duty.rate_pct,
                basis="CIF",
                source=duty.source_url or duty.source_id,
                as_of=f"in force from {duty.effective_from:%Y-%m-%d}",
                confidence=duty.confidence,
                note="; ".join(x for x in (duty.measure, note) if x),
            )
        )
    warnings = list(selection.warnings) + list(inputs.extra_warnings)
    if not inputs.duties:
        warnings.append(
            f"The data has no tariff rows for {inputs.market_label or 'this market'} (origin China): "
            "the duty is unknown, not zero, so this estimate is incomplete."
        )
    if not ordered:
        label = (
            "Import duties (unknown: no tariff data)" if not inputs.duties else "Import duties (none apply)"
        )
        steps.append(Step(label, "relative", 0.0, running, cur, basis="CIF"))
    if inputs.vat is None:
        warnings.append(
            f"No VAT/GST rate in the data for {inputs.market_label or 'this market'}; none added "
            "(e.g. US state sales taxes vary)."
        )
        steps.append(Step("VAT / GST (no rate in the data)", "relative", 0.0, running, cur))
    else:
        vat_amount = running * inputs.vat.rate_pct / 100
        running += vat_amount
        steps.append(
            Step(
                f"Import VAT {inputs.vat.rate_pct:g}%",
                "relative",
                vat_amount,
                running,
                cur,
                rate_pct=inputs.vat.rate_pct,
                basis="CIF + duties",
                source=inputs.vat.source_id,
                as_of=f"in force from {inputs.vat.effective_from}",
                confidence="reported",
                note=inputs.vat.note,
            )
        )
    steps.append(
        Step(
            "Estimated sticker price",
            "total",
            running,
            running,
            cur,
            basis="before dealer margin and registration taxes",
            confidence="estimate",
            note=f"duties total {cur} {duties_total:,.0f} = {100 * duties_total / cif:.1f}% of CIF"
            if cif
            else "",
        )
    )
    return LandedPrice(tuple(steps), cur, fx, tuple(warnings), selection.not_applied)


def duty_burden_pct(landed: LandedPrice) -> float:
    """All duties as a percentage of the CIF value (the tariff-burden measure for scoring)."""
    cif = landed.step("CIF value").amount
    duties = sum(
        s.amount
        for s in landed.steps
        if s.kind == "relative" and s.label.startswith(("Base import duty", "Additional duty"))
    )
    return 100 * duties / cif if cif else 0.0


def gap_vs(estimate: float, rival_price: float) -> tuple[float, float]:
    """(money gap, % gap) of the estimate against a rival's price; positive = we are dearer."""
    gap = estimate - rival_price
    return gap, 100 * gap / rival_price


# --- price tables -----------------------------------------------------------------------------

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
        _c=rows["confidence"].map(_CONFIDENCE_ORDER).fillna(9),
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
        str(m): f"{b} {n} ({t})"
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


def vat_for(vat: pd.DataFrame, market: str) -> Vat | None:
    """The VAT row of `queries.pricing_vat` for a market, or None when the data has none."""
    rows = vat[vat["market_code"] == market]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return Vat(
        float(row["rate_pct"]),
        str(row.get("source_url") or row["source_id"]),
        _opt_date(row["effective_from"]),
        "" if pd.isna(row.get("note")) else str(row.get("note")),
    )


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
) -> LandedInputs:
    """LandedInputs for one origin price (a row of `origin_prices`) going to one market.
    The origin VAT rate comes from `vat` for the origin country (13 % for China) when present."""
    origin_vat = vat_for(vat, str(origin["market_code"]))
    return LandedInputs(
        price=float(origin["price"]),
        price_currency=str(origin["currency"]),
        price_includes_vat=bool(origin["includes_vat"]),
        price_label=f"{origin['brand_name']} {origin['model_name']} {origin['variant_name']}, "
        f"{origin['price_type']} price in {origin['market_code']} from {origin['effective_from']}",
        price_source=str(origin.get("source_url") or origin["source_id"]),
        price_as_of=str(origin["as_of"]),
        price_confidence=str(origin["confidence"]),
        target_currency=currency,
        on=on,
        duty_class=duty_class,
        powertrain=str(origin["powertrain"]),
        duties=duties_from_frame(duties[duties["market_iso3"] == market]),
        vat=vat_for(vat, market),
        market_label=market_label,
        freight_pct=freight_pct,
        freight_amount=freight_amount,
        strip_origin_vat=strip_origin_vat,
        origin_vat_pct=origin_vat.rate_pct if origin_vat else DEFAULT_ORIGIN_VAT_PCT,
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
) -> pd.DataFrame:
    """One row per market: landed estimate, duty burden (% of CIF), rivals' median price and the gap.

    A market whose estimate cannot be made (no FX rate) gets NaN and the reason in `error`;
    a market without comparable rivals gets NaN gap and n_rivals = 0 (missing, not zero); a market
    with no tariff rows at all gets NaN duty burden and NaN gap (its duty is unknown)."""
    records = []
    for market in markets:
        record: dict[str, object] = {"market_code": market}
        try:
            inputs = build_inputs(
                origin, market, market, duties, vat, on, currency, duty_class,
                freight_pct, freight_amount, strip_origin_vat,
            )  # fmt: skip
            landed = landed_price(inputs, rates)
        except FxUnavailable as err:
            record.update(landed=math.nan, duty_burden_pct=math.nan, price_gap_pct=math.nan, error=str(err))
            records.append(record)
            continue
        has_tariff_data = bool(inputs.duties)
        record.update(
            landed=landed.total,
            tariff_data=has_tariff_data,
            # No tariff rows at all = unknown duty: missing, never a silent 0 %.
            duty_burden_pct=duty_burden_pct(landed) if has_tariff_data else math.nan,
            vat_pct=inputs.vat.rate_pct if inputs.vat else math.nan,
            duties_applied=";".join(
                s.label for s in landed.steps if s.label.startswith(("Base import", "Additional"))
            ),
            warnings=" ".join(landed.warnings),
            error="",
        )
        comparable = with_converted(
            rivals(latest, market, str(origin["body_type"]), str(origin["model_id"])), rates, currency, on
        )
        column = f"price_{currency.lower()}"
        values = comparable[column].dropna() if not comparable.empty else pd.Series(dtype=float)
        record["n_rivals"] = len(values)
        if len(values) and has_tariff_data:
            median = float(values.median())
            record["rival_median"] = median
            record["price_gap_pct"] = gap_vs(landed.total, median)[1]
        else:
            record["rival_median"] = math.nan
            record["price_gap_pct"] = math.nan
        records.append(record)
    return pd.DataFrame.from_records(records)
