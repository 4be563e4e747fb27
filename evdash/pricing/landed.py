"""Landed-price assembly, step by step: sticker and origin VAT to ex-factory, freight to CIF, the duty
lines, import VAT and its relief, purchase incentives; once per duty case (`landed_cases`). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from evdash import labels
from evdash.pricing.duties import Duty
from evdash.pricing.fx import FxQuote, fx_rate
from evdash.pricing.incentives import Incentive, why_not_eligible
from evdash.pricing.steps import (
    CHART_ONLY,
    STEP_AFTER_INCENTIVE,
    STEP_CIF,
    STEP_DUTY,
    STEP_DUTY_UNKNOWN,
    STEP_ESTIMATE,
    STEP_EX_FACTORY,
    STEP_FREIGHT,
    STEP_INCENTIVE,
    STEP_ORIGIN_VAT,
    STEP_STICKER,
    STEP_VAT,
    LandedInputs,
    LandedPrice,
    Step,
)


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
            short=f"Home price\n{inputs.price_currency} {inputs.price:,.0f}",
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
                short=f"− home VAT\n{inputs.origin_vat_pct:g}%",
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
            short=f"Ex-factory\nFX {fx.rate:.6g}",
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
            short="Freight",
        ),
        Step(
            "CIF value (customs base)",
            "total",
            cif,
            cif,
            cur,
            basis="ex-factory + freight",
            step_id=STEP_CIF,
            short="CIF value",
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
        short=_duty_short(duty),
    )


def _duty_short(duty: Duty) -> str:
    """A duty line's name on a chart: 'Base duty\n10%', 'Fixed fee', 'Extra duty\n10%' (every maker),
    'Extra duty 20.7%\n(Other cooperating makers)' (a class of makers, in words)."""
    if duty.rate_pct is None:
        return "Base duty\nfixed fee" if duty.duty_kind == "base" else "Fixed fee"
    if duty.duty_kind == "base":
        return f"Base duty\n{duty.rate_pct:g}%"
    if duty.applies_to == "all":
        return f"Extra duty\n{duty.rate_pct:g}%"
    return f"Extra duty {duty.rate_pct:g}%\n({labels.label(labels.DUTY_CLASS, duty.applies_to)})"


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
                short="Duties\nunknown: no duty in the data",
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
        no_rate = Step(
            "VAT / GST (no rate in the data)",
            "relative",
            0.0,
            running,
            cur,
            step_id=STEP_VAT,
            short="VAT\nno rate",
        )
        return [no_rate], [warning]
    relief = inputs.vat.relief
    taxable = running
    rate = f"{inputs.vat.rate_pct:g}%"
    basis = "CIF + duties"
    source = inputs.vat.source_id
    as_of = f"in force from {labels.day(inputs.vat.effective_from)}"
    note = inputs.vat.note
    confidence = "reported"
    if relief is not None:
        exempt = relief.exempt_up_to * fx_rate(rates, relief.currency, cur, inputs.on).rate
        taxable = max(0.0, running - exempt)
        rate += f" on the part above {relief.currency} {relief.exempt_up_to:,.0f}"
        basis = f"CIF + duties above the {inputs.powertrain} VAT threshold ({cur} {exempt:,.0f})"
        source = relief.source
        as_of = f"threshold in force {labels.day(relief.effective_from)}" + (
            f" to {labels.day(relief.effective_to)}" if relief.effective_to else ""
        )
        note = relief.note
        confidence = relief.confidence
    vat_amount = taxable * inputs.vat.rate_pct / 100
    step = Step(
        f"Import VAT {rate}",
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
        short=f"VAT\n{rate}",
    )
    return [step], []


def _incentive_note(
    incentive: Incentive, why: str, upto: str, after: str, before: str, origin_excluded: bool
) -> str:
    """'The Electric Car Grant does not apply: the car is built in China. <rule>.' (the scheme's origin
    rule follows where the car's origin is what excludes it) or what an eligible buyer pays after the
    incentive instead of before."""
    if why:
        rule = incentive.origin_rule if origin_excluded else ""
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
                short="Purchase incentive\n(does not apply)" if why else "Purchase\nincentive",
            )
        )
        excluded = inputs.production_country in incentive.excluded_origins  # why_not_eligible's first test
        after, before = f"{cur} {running:,.0f}", f"{cur} {estimate:,.0f}"
        notes.append(_incentive_note(incentive, why, upto, after, before, excluded))
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
                short="After\nincentive",
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
        short="Estimated\nsticker price",
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
        return pd.concat(
            [c.frame().drop(columns=list(CHART_ONLY)).assign(duty_case=c.case_label) for c in self.cases],
            ignore_index=True,
        )


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
