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
* **Which duties apply on a date** is decided once, in the duty mart (evdash/models/22_marts_duties.sql,
  read through `queries.pricing_duties`): the market or a group containing it, the car's origin, its
  company class or `all`, its powertrain or `all`, in force on the date (provisional duties too; never a
  proposal), one base line per case. This module only adds up the lines it is given.
* **Cases.** Where a duty depends on a fact the data cannot settle (inside Canada's quota or not; does
  Turkey's levy add to its China duty?) the mart returns one set of lines per case and every price
  here is computed once per case (`landed_cases`); a page shows every case, never one silent pick.
* **VAT reliefs** (`vat_reliefs`: Norway's BEV threshold of the date priced): VAT is charged only on
  the part of the taxable value above the threshold, converted at the same FX date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import pycountry

from evdash import labels
from evdash.confidence import rank as confidence_rank
from evdash.confidence import worst as worst_confidence

PIVOT = "CNY"
DEFAULT_ORIGIN_VAT_PCT = 13.0
RIVAL_PRICE_MAX_AGE_DAYS = 365  # a rival price older than 12 months before the date priced is flagged

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


@dataclass(frozen=True)
class Duty:
    """One duty line from the duty mart (rate in percent; min_amount in min_currency)."""

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
    note: str = ""


@dataclass(frozen=True)
class DutyCase:
    """The duty lines that apply to a car in one market in one case ('every import', or e.g. 'inside the
    49,000-car quota'), as the duty mart decided them."""

    case_id: str
    label: str
    duties: tuple[Duty, ...]


@dataclass(frozen=True)
class MarketDuties:
    """Everything the duty mart says about a car in one market on a date: its cases (one unless the
    duty depends on an unsettled fact) and the lines that concern the car but do not apply, with why."""

    cases: tuple[DutyCase, ...]
    not_applied: tuple[tuple[Duty, str], ...] = ()

    @property
    def known(self) -> bool:
        """False when the data has no duty in force for the car on the date (unknown, not zero)."""
        return any(case.duties for case in self.cases)


def _opt_float(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)  # type: ignore[arg-type]


def _opt_date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _opt_str(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
        else str(value)
    )


def _duty(row: Mapping[Hashable, Any]) -> Duty:
    effective_from = _opt_date(row["effective_from"])
    assert effective_from is not None
    return Duty(
        tariff_id=str(row["tariff_id"]),
        measure=str(row["measure"]),
        duty_kind=str(row["duty_kind"]),
        applies_to=str(row["applies_to"]),
        rate_pct=_opt_float(row["rate_pct"]),
        min_amount=_opt_float(row["min_amount"]),
        min_currency=_opt_str(row["min_currency"]) or None,
        effective_from=effective_from,
        effective_to=_opt_date(row["effective_to"]),
        status=str(row["status"]),
        source_id=str(row["source_id"]),
        source_url=_opt_str(row.get("source_url")),
        confidence=_opt_str(row.get("confidence")) or "reported",
        powertrain=_opt_str(row.get("powertrain")) or "all",
        note=_opt_str(row.get("note")),
    )


def market_duties(frame: pd.DataFrame, market: str) -> MarketDuties:
    """The rows of `queries.pricing_duties` for one market → its cases and the lines not applied.
    A market with no applying line gets one empty case 'every import' (`known` is then False)."""
    rows = frame[frame["market_iso3"] == market] if "market_iso3" in frame.columns else frame
    cases: dict[str, tuple[str, int, list[Duty]]] = {}
    skipped: list[tuple[Duty, str]] = []
    for row in rows.to_dict("records"):
        duty = _duty(row)
        if not bool(row["applies"]):
            skipped.append((duty, _opt_str(row.get("not_applied_reason"))))
            continue
        key = str(row["case_id"])
        _, _, duties = cases.setdefault(key, (str(row["case_label"]), int(row["case_order"]), []))
        duties.append(duty)
    ordered = sorted(cases.items(), key=lambda kv: (kv[1][1], kv[0]))
    made = tuple(DutyCase(key, label, tuple(duties)) for key, (label, _, duties) in ordered)
    seen: set[str] = set()
    unique = []
    for duty, why in skipped:  # a line not applied in two cases is listed once
        if duty.tariff_id not in seen:
            seen.add(duty.tariff_id)
            unique.append((duty, why))
    return MarketDuties(made or (DutyCase("all", "every import", ()),), tuple(unique))


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
    step_id: str = ""  # what the step is (STEP_*): code compares ids, never label text

    def row(self) -> dict[str, object]:
        """The step as a table row (what the page shows and exports; the id is not shown)."""
        return {k: v for k, v in self.__dict__.items() if k != "step_id"}


# Step ids: what each step of the build-up is, whatever its label says.
STEP_STICKER = "sticker"
STEP_ORIGIN_VAT = "origin_vat"
STEP_EX_FACTORY = "ex_factory"
STEP_FREIGHT = "freight"
STEP_CIF = "cif"
STEP_DUTY = "duty"
STEP_DUTY_UNKNOWN = "duty_unknown"
STEP_VAT = "vat"
STEP_ESTIMATE = "estimate"
STEP_INCENTIVE = "incentive"
STEP_AFTER_INCENTIVE = "after_incentive"


@dataclass(frozen=True)
class LandedPrice:
    steps: tuple[Step, ...]
    currency: str
    fx: FxQuote
    warnings: tuple[str, ...] = ()
    not_applied: tuple[tuple[Duty, str], ...] = ()
    case_label: str = "every import"
    duty_known: bool = True  # False: the data has no duty in force for the car (unknown, not zero)

    incentive_notes: tuple[str, ...] = ()  # what each purchase incentive does to the price, in words

    @property
    def total(self) -> float:
        """The estimate before any purchase incentive (what duties and rivals are compared on)."""
        return next(
            (s.running_total for s in self.steps if s.step_id == STEP_ESTIMATE), self.steps[-1].running_total
        )

    @property
    def after_incentive(self) -> float:
        """The price an eligible buyer pays after the market's purchase incentive (= total without one)."""
        return self.steps[-1].running_total

    @property
    def incentive_applies(self) -> bool:
        return any(s.step_id == STEP_INCENTIVE and s.amount for s in self.steps)

    def step(self, label_start: str) -> Step:
        """The first step whose label starts with `label_start` (tests and notebooks; code uses `by_id`)."""
        return next(s for s in self.steps if s.label.startswith(label_start))

    def by_id(self, step_id: str) -> Step:
        """The first step with this id (STEP_*)."""
        return next(s for s in self.steps if s.step_id == step_id)

    def ids(self, step_id: str) -> tuple[Step, ...]:
        """Every step with this id (e.g. each duty line)."""
        return tuple(s for s in self.steps if s.step_id == step_id)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([s.row() for s in self.steps])


@dataclass(frozen=True)
class VatRelief:
    """VAT only on the part of the taxable value above `exempt_up_to` (in `currency`)."""

    exempt_up_to: float
    currency: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    source: str
    confidence: str = "reported"
    note: str = ""


@dataclass(frozen=True)
class Vat:
    rate_pct: float
    source_id: str
    effective_from: dt.date | None
    note: str = ""
    relief: VatRelief | None = None


@dataclass(frozen=True)
class Incentive:
    """A purchase incentive in force in a market (a row of `queries.pricing_incentives`). `amount` is what
    an eligible buyer gets at least (None: the market has no purchase grant, status `no_scheme`)."""

    scheme: str
    market_code: str
    amount: float | None
    amount_max: float | None
    currency: str
    price_cap: float | None
    excluded_origins: tuple[str, ...]
    origin_rule: str
    buyer: str
    eligibility: str
    status: str
    source: str
    as_of: str
    confidence: str
    note: str = ""


def incentives_for(frame: pd.DataFrame, market: str, powertrain: str) -> tuple[Incentive, ...]:
    """The incentives of `queries.pricing_incentives` in `market` for the car's powertrain (or all)."""
    rows = frame[(frame["market_code"] == market) & frame["powertrain"].isin([powertrain, "all"])]
    return tuple(
        Incentive(
            str(r["scheme"]),
            market,
            _opt_float(r["amount"]),
            _opt_float(r["amount_max"]),
            _opt_str(r["currency"]),
            _opt_float(r["price_cap"]),
            tuple(c for c in _opt_str(r["excluded_origins"]).split(";") if c),
            _opt_str(r["origin_rule"]),
            str(r["buyer"]),
            str(r["eligibility"]),
            str(r["status"]),
            _opt_str(r.get("source_url")),
            labels.day(r["as_of"]),
            _opt_str(r.get("confidence")) or "reported",
            _opt_str(r.get("note")),
        )
        for r in rows.to_dict("records")
    )


def country_name(iso3: str) -> str:
    """'China' for 'CHN' (pycountry's common name where it has one); the code when unknown."""
    found = pycountry.countries.get(alpha_3=iso3)
    return str(getattr(found, "common_name", None) or getattr(found, "name", iso3)) if found else iso3


def why_not_eligible(incentive: Incentive, production_country: str, price_in_scheme_currency: float) -> str:
    """'' when a car built in `production_country` at this estimated price qualifies; else why not, in
    words ('the car is built in China'). The buyer is assumed eligible (the scheme's own conditions)."""
    if production_country in incentive.excluded_origins:
        return f"the car is built in {country_name(production_country)}"
    if incentive.price_cap is not None and price_in_scheme_currency > incentive.price_cap:
        return (
            f"the estimated price ({incentive.currency} {price_in_scheme_currency:,.0f}) is above its "
            f"{incentive.currency} {incentive.price_cap:,.0f} price cap"
        )
    return ""


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
    duties: Sequence[Duty] = ()  # the applying lines of one case, as the duty mart decided them
    vat: Vat | None = None
    case_label: str = "every import"
    duty_known: bool = True  # False: no duty in force in the data (the estimate is then incomplete)
    not_applied: tuple[tuple[Duty, str], ...] = ()
    market_label: str = ""
    freight_pct: float = 0.0  # of ex-factory value
    freight_amount: float = 0.0  # in target currency, added to the percentage
    strip_origin_vat: bool = True
    origin_vat_pct: float = DEFAULT_ORIGIN_VAT_PCT
    price_confidence: str = "reported"
    extra_warnings: tuple[str, ...] = field(default_factory=tuple)
    production_country: str = ""
    incentives: tuple[Incentive, ...] = ()  # purchase incentives in force in the market (incentives_for)


def _origin_steps(inputs: LandedInputs, fx: FxQuote) -> tuple[list[Step], float]:
    """Sticker price converted → less the origin VAT refunded on export → ex-factory (steps, ex-factory)."""
    cur = inputs.target_currency
    sticker = inputs.price * fx.rate
    steps = [
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
            step_id=STEP_STICKER,
        )
    ]
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
                step_id=STEP_ORIGIN_VAT,
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
            as_of=labels.day(fx.rate_date, missing=""),
            confidence=fx.confidence,
            note=fx.describe(),
            step_id=STEP_EX_FACTORY,
        )
    )
    return steps, ex_factory


def _freight_steps(inputs: LandedInputs, ex_factory: float) -> tuple[list[Step], float]:
    """Freight & logistics (a % of ex-factory plus a fixed amount) → the CIF value (steps, CIF)."""
    cur = inputs.target_currency
    freight = ex_factory * inputs.freight_pct / 100 + inputs.freight_amount
    cif = ex_factory + freight
    freight_basis = []
    if inputs.freight_pct:
        freight_basis.append(f"{inputs.freight_pct:g}% of ex-factory")
    if inputs.freight_amount:
        freight_basis.append(f"{cur} {inputs.freight_amount:,.0f}")
    return [
        Step(
            "Freight & logistics",
            "relative",
            freight,
            cif,
            cur,
            rate_pct=inputs.freight_pct or None,
            basis=" + ".join(freight_basis) or "none set",
            source="assumption (analyst input)",
            step_id=STEP_FREIGHT,
        ),
        Step(
            "CIF value (customs base)", "total", cif, cif, cur, basis="ex-factory + freight", step_id=STEP_CIF
        ),
    ], cif


def _duty_step(duty: Duty, inputs: LandedInputs, rates: pd.DataFrame, cif: float, running: float) -> Step:
    """One duty line on the CIF value (the larger of rate × CIF and a minimum amount, where one is set)."""
    cur = inputs.target_currency
    amount = cif * (duty.rate_pct or 0.0) / 100
    note = ""
    if duty.min_amount is not None and duty.min_currency:
        minimum = duty.min_amount * fx_rate(rates, duty.min_currency, cur, inputs.on).rate
        if minimum > amount:
            amount = minimum
            note = f"minimum {duty.min_currency} {duty.min_amount:,.0f} applies (> rate × CIF)"
        else:
            note = f"rate × CIF exceeds the minimum {duty.min_currency} {duty.min_amount:,.0f}"
    who = (
        "all makers"
        if duty.applies_to == "all"
        else f"class {labels.label(labels.DUTY_CLASS, duty.applies_to)}"
    )
    kind = "Base import duty" if duty.duty_kind == "base" else "Additional duty"
    rate_text = f" {duty.rate_pct:g}%" if duty.rate_pct is not None else " (fixed fee)"
    return Step(
        f"{kind}{rate_text} ({who})",
        "relative",
        amount,
        running + amount,
        cur,
        rate_pct=duty.rate_pct,
        basis="CIF",
        source=duty.source_url or duty.source_id,
        as_of=f"in force from {labels.day(duty.effective_from)}",
        confidence=duty.confidence,
        note="; ".join(x for x in (duty.measure, note) if x),
        step_id=STEP_DUTY,
    )


def _duty_steps(inputs: LandedInputs, rates: pd.DataFrame, cif: float) -> tuple[list[Step], list[str]]:
    """Every duty line of the case on the CIF value, base duty first (steps, warnings). No line in force
    → one zero step named 'unknown' and a warning: the duty is unknown, not zero."""
    where = inputs.market_label or "this market"
    ordered = sorted(inputs.duties, key=lambda d: (d.duty_kind != "base", d.tariff_id))
    steps: list[Step] = []
    running = cif
    for duty in ordered:
        steps.append(_duty_step(duty, inputs, rates, cif, running))
        running = steps[-1].running_total
    warnings: list[str] = []
    if not inputs.duty_known or not ordered:
        warnings.append(
            f"The data has no import duty in force on {labels.day(inputs.on)} for this car in "
            f"{where}: the duty is unknown, not zero, so this estimate is incomplete."
        )
        steps.append(
            Step(
                "Import duties (unknown: no duty in the data)",
                "relative",
                0.0,
                running,
                inputs.target_currency,
                basis="CIF",
                step_id=STEP_DUTY_UNKNOWN,
            )
        )
    elif not any(d.duty_kind == "base" for d in ordered):
        warnings.append(f"No base import duty for {where} is in the data: the duties shown are a floor.")
    return steps, warnings


def _vat_steps(inputs: LandedInputs, rates: pd.DataFrame, running: float) -> tuple[list[Step], list[str]]:
    """Import VAT/GST on CIF + duties (only above the relief threshold where one applies)."""
    cur = inputs.target_currency
    if inputs.vat is None:
        warning = (
            f"No VAT/GST rate in the data for {inputs.market_label or 'this market'}; none added "
            "(e.g. US state sales taxes vary)."
        )
        return [Step("VAT / GST (no rate in the data)", "relative", 0.0, running, cur, step_id=STEP_VAT)], [
            warning
        ]
    relief = inputs.vat.relief
    taxable = running
    label = f"Import VAT {inputs.vat.rate_pct:g}%"
    basis = "CIF + duties"
    source = inputs.vat.source_id
    as_of = f"in force from {labels.day(inputs.vat.effective_from)}"
    note = inputs.vat.note
    confidence = "reported"
    if relief is not None:
        exempt = relief.exempt_up_to * fx_rate(rates, relief.currency, cur, inputs.on).rate
        taxable = max(0.0, running - exempt)
        label += f" on the part above {relief.currency} {relief.exempt_up_to:,.0f}"
        basis = f"CIF + duties above the {inputs.powertrain} VAT threshold ({cur} {exempt:,.0f})"
        source = relief.source
        as_of = f"threshold in force {labels.day(relief.effective_from)}" + (
            f" to {labels.day(relief.effective_to)}" if relief.effective_to else ""
        )
        note = relief.note
        confidence = relief.confidence
    vat_amount = taxable * inputs.vat.rate_pct / 100
    step = Step(
        label,
        "relative",
        vat_amount,
        running + vat_amount,
        cur,
        rate_pct=inputs.vat.rate_pct,
        basis=basis,
        source=source,
        as_of=as_of,
        confidence=confidence,
        note=note,
        step_id=STEP_VAT,
    )
    return [step], []


def _incentive_note(incentive: Incentive, why: str, upto: str, after: str, before: str) -> str:
    """'The Electric Car Grant does not apply: the car is built in China. <rule>.' or what an eligible
    buyer pays after the incentive instead of before."""
    if why:
        rule = incentive.origin_rule if "built in" in why else ""
        return f"The {incentive.scheme} does not apply: {why}." + (
            f" {rule[:1].upper()}{rule[1:]}." if rule else ""
        )
    return (
        f"With the {incentive.scheme} ({incentive.currency} {incentive.amount:,.0f}{upto}), an eligible "
        f"{labels.label(labels.BUYER, incentive.buyer)} pays {after} instead of {before}."
    )


def _incentive_steps(
    inputs: LandedInputs, rates: pd.DataFrame, estimate: float
) -> tuple[list[Step], list[str]]:
    """Each purchase incentive in force: the base amount off the estimate for an eligible buyer, or a zero
    step saying why the car does not qualify; then the price after incentives (steps, sentences)."""
    cur = inputs.target_currency
    steps: list[Step] = []
    notes: list[str] = []
    running = estimate
    for incentive in inputs.incentives:
        if incentive.amount is None:
            notes.append(f"{incentive.eligibility}.")
            continue
        to_cur = fx_rate(rates, incentive.currency, cur, inputs.on).rate
        why = why_not_eligible(incentive, inputs.production_country, estimate / to_cur)
        amount = 0.0 if why else -incentive.amount * to_cur
        running += amount
        upto = (
            f", up to {incentive.currency} {incentive.amount_max:,.0f}"
            if incentive.amount_max and incentive.amount_max != incentive.amount
            else ""
        )
        steps.append(
            Step(
                f"{incentive.scheme} ({incentive.currency} {incentive.amount:,.0f}{upto})"
                + (
                    ": does not apply" if why else f", eligible {labels.label(labels.BUYER, incentive.buyer)}"
                ),
                "relative",
                amount,
                running,
                cur,
                basis=incentive.eligibility,
                source=incentive.source,
                as_of=incentive.as_of,
                confidence=incentive.confidence,
                note=f"does not apply: {why}" if why else incentive.note,
                step_id=STEP_INCENTIVE,
            )
        )
        notes.append(_incentive_note(incentive, why, upto, f"{cur} {running:,.0f}", f"{cur} {estimate:,.0f}"))
    if steps:
        steps.append(
            Step(
                "Price after purchase incentive",
                "total",
                running,
                running,
                cur,
                basis="for a buyer who meets the scheme's conditions",
                confidence="estimate",
                step_id=STEP_AFTER_INCENTIVE,
            )
        )
    return steps, notes


def landed_price(inputs: LandedInputs, rates: pd.DataFrame) -> LandedPrice:
    """Sticker price at origin → ex-factory → FX → + freight = CIF → + duties → + VAT → estimate.

    Raises FxUnavailable when the origin or a minimum-amount currency has no rate on the date."""
    cur = inputs.target_currency
    fx = fx_rate(rates, inputs.price_currency, cur, inputs.on)
    steps, ex_factory = _origin_steps(inputs, fx)
    freight, cif = _freight_steps(inputs, ex_factory)
    duties, duty_warnings = _duty_steps(inputs, rates, cif)
    running = duties[-1].running_total if duties else cif
    vat, vat_warnings = _vat_steps(inputs, rates, running)
    running = vat[-1].running_total
    duties_total = sum(s.amount for s in duties)
    total = Step(
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
        step_id=STEP_ESTIMATE,
    )
    incentive, notes = _incentive_steps(inputs, rates, running)
    return LandedPrice(
        (*steps, *freight, *duties, *vat, total, *incentive),
        cur,
        fx,
        (*inputs.extra_warnings, *duty_warnings, *vat_warnings),
        inputs.not_applied,
        inputs.case_label,
        inputs.duty_known and bool(inputs.duties),
        tuple(notes),
    )


def duty_burden_pct(landed: LandedPrice) -> float:
    """All duties as a percentage of the CIF value (the tariff-burden measure for scoring)."""
    cif = landed.by_id(STEP_CIF).amount
    duties = sum(s.amount for s in landed.ids(STEP_DUTY))
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


def vat_for(
    vat: pd.DataFrame, market: str, reliefs: pd.DataFrame | None = None, powertrain: str = ""
) -> Vat | None:
    """The VAT row of `queries.pricing_vat` for a market (None when the data has none), with the relief of
    `queries.pricing_vat_reliefs` for the car's powertrain in force on the same date, if any."""
    rows = vat[vat["market_code"] == market]
    if rows.empty:
        return None
    row = rows.iloc[0]
    relief = None
    if reliefs is not None and not reliefs.empty:
        hits = reliefs[(reliefs["market_code"] == market) & (reliefs["powertrain"] == powertrain)]
        if not hits.empty:
            r = hits.iloc[0]
            relief = VatRelief(
                float(r["exempt_up_to"]),
                str(r["currency"]),
                _opt_date(r["effective_from"]),
                _opt_date(r["effective_to"]),
                _opt_str(r.get("source_url")),
                _opt_str(r.get("confidence")) or "reported",
                _opt_str(r.get("note")),
            )
    return Vat(
        float(row["rate_pct"]),
        str(row.get("source_url") or row["source_id"]),
        _opt_date(row["effective_from"]),
        _opt_str(row.get("note")),
        relief,
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


@dataclass(frozen=True)
class LandedCases:
    """The landed-price estimate of one car in one market, once per duty case (lowest total first)."""

    cases: tuple[LandedPrice, ...]

    @property
    def several(self) -> bool:
        return len(self.cases) > 1

    @property
    def low(self) -> LandedPrice:
        return self.cases[0]

    @property
    def high(self) -> LandedPrice:
        return self.cases[-1]

    @property
    def duty_known(self) -> bool:
        return all(c.duty_known for c in self.cases)

    def frame(self) -> pd.DataFrame:
        """Every case's steps, one row per case × step, with the case named (what the page exports)."""
        return pd.concat([c.frame().assign(duty_case=c.case_label) for c in self.cases], ignore_index=True)


def landed_cases(inputs: Sequence[LandedInputs], rates: pd.DataFrame) -> LandedCases:
    """`landed_price` for every case of `build_inputs`, ordered by total (lowest first).
    Raises FxUnavailable when a currency has no rate on the date."""
    priced = [landed_price(one, rates) for one in inputs]
    return LandedCases(tuple(sorted(priced, key=lambda lp: lp.total)))


def duty_range_text(landed: LandedCases) -> str:
    """'30.7%' or '6.1%–106.1%' (duties as % of CIF over the cases); 'unknown' without duty data."""
    if not landed.duty_known:
        return "unknown"
    low, high = duty_burden_pct(landed.low), duty_burden_pct(landed.high)
    return f"{low:.1f}%" if abs(high - low) < 0.05 else f"{low:.1f}%–{high:.1f}%"


def price_date(row: pd.Series | Mapping[Hashable, Any]) -> dt.date | None:
    """The date a price is known for: the later of when it took effect and when it was reported."""
    dates = [d for d in (_opt_date(row.get("effective_from")), _opt_date(row.get("as_of"))) if d is not None]
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
            record.update(
                landed=math.nan,
                landed_low=math.nan,
                duty_burden_pct=math.nan,
                duty_burden_low_pct=math.nan,
                price_gap_pct=math.nan,
                price_gap_low_pct=math.nan,
                error=str(err),
            )
            records.append(record)
            continue
        known = landed.duty_known
        record.update(
            landed=landed.high.total,
            landed_low=landed.low.total,
            landed_after_incentive=landed.high.after_incentive,
            incentive=" ".join(landed.high.incentive_notes),
            incentive_source=" ; ".join(dict.fromkeys(s.source for s in landed.high.ids(STEP_INCENTIVE))),
            tariff_data=known,
            # No duty in force in the data = unknown duty: missing, never a silent 0 %.
            duty_burden_pct=duty_burden_pct(landed.high) if known else math.nan,
            duty_burden_low_pct=duty_burden_pct(landed.low) if known else math.nan,
            duty_cases=" · ".join(f"{c.case_label}: {duty_burden_pct(c):.1f}%" for c in landed.cases)
            if landed.several
            else "",
            vat_pct=inputs[0].vat.rate_pct if inputs[0].vat else math.nan,
            duties_applied=";".join(s.label for s in landed.high.ids(STEP_DUTY)),
            warnings=" ".join(dict.fromkeys(w for c in landed.cases for w in c.warnings)),
            error="",
        )
        comparable = with_converted(
            rivals(latest, market, str(origin["body_type"]), str(origin["model_id"])), rates, currency, on
        )
        column = f"price_{currency.lower()}"
        values = comparable[column].dropna() if not comparable.empty else pd.Series(dtype=float)
        record["n_rivals"] = len(values)
        if len(values) and known:
            median = float(values.median())
            record["rival_median"] = median
            record["price_gap_pct"] = gap_vs(landed.high.total, median)[1]
            record["price_gap_low_pct"] = gap_vs(landed.low.total, median)[1]
            record["price_gap_after_incentive_pct"] = gap_vs(landed.high.after_incentive, median)[1]
            record["price_gap_after_incentive_low_pct"] = gap_vs(landed.low.after_incentive, median)[1]
        else:
            record["rival_median"] = math.nan
            record["price_gap_pct"] = math.nan
            record["price_gap_low_pct"] = math.nan
            record["price_gap_after_incentive_pct"] = math.nan
            record["price_gap_after_incentive_low_pct"] = math.nan
        records.append(record)
    return pd.DataFrame.from_records(records)


def not_applied_frame(not_applied: Sequence[tuple[Duty, str]]) -> pd.DataFrame:
    """The duty lines that concern a car but do not apply on the date (`LandedPrice.not_applied`), as a
    table shows them: the duty's name, its rate, its status and why it does not apply."""
    return pd.DataFrame(
        [
            {
                "duty": d.measure,
                "rate_pct": d.rate_pct,
                "status": labels.label(labels.DUTY_STATUS, d.status),
                "why_not": why,
            }
            for d, why in not_applied
        ],
        columns=["duty", "rate_pct", "status", "why_not"],
    )


def mark_changes(changes: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """`queries.pricing_duty_changes` / `expansion_duty_changes` rows with `when`: 'upcoming' after `on`,
    'in force on <on>' for the latest change on or before it, 'past' for the others."""
    out = changes.copy()
    dates = [_opt_date(d) for d in out["on_date"]]
    past = [d for d in dates if d is not None and d <= on]
    current = max(past) if past else None
    out["when"] = [
        "upcoming"
        if d is not None and d > on
        else (f"in force on {labels.day(on)}" if d == current else "past")
        for d in dates
    ]
    return out
