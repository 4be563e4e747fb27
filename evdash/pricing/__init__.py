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

The package follows the chain's steps, one module each: `fx`, `duties`, `vat`, `incentives`, `steps`
(the build-up's records), `landed` (the assembly), `rivals` and `catalogue` (price tables, origin
prices, inputs per market). Callers use `from evdash import pricing; pricing.X`.
"""

from __future__ import annotations

from evdash.pricing.catalogue import (
    PRICE_TYPE_ORDER,
    build_inputs,
    converted_models,
    converted_rivals,
    entry_prices,
    landed_for_markets,
    latest_prices,
    mark_changes,
    model_labels,
    origin_prices,
    with_converted,
)
from evdash.pricing.duties import (
    Duty,
    DutyCase,
    MarketDuties,
    market_duties,
    not_applied_frame,
    opt_date,
    opt_float,
    opt_str,
)
from evdash.pricing.fx import PIVOT, FxQuote, FxUnavailable, convert, fx_rate
from evdash.pricing.incentives import Incentive, country_name, incentives_for, why_not_eligible
from evdash.pricing.landed import (
    LandedCases,
    duty_burden_pct,
    duty_range_text,
    gap_vs,
    landed_cases,
    landed_price,
)
from evdash.pricing.rivals import (
    RIVAL_PRICE_MAX_AGE_DAYS,
    RivalGap,
    compare_rivals,
    price_date,
    rival_gaps,
    rivals,
    rivals_without_price,
)
from evdash.pricing.steps import (
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
    StepKind,
)
from evdash.pricing.vat import DEFAULT_ORIGIN_VAT_PCT, Vat, VatRelief, vat_for

__all__ = [
    "DEFAULT_ORIGIN_VAT_PCT",
    "PIVOT",
    "PRICE_TYPE_ORDER",
    "RIVAL_PRICE_MAX_AGE_DAYS",
    "STEP_AFTER_INCENTIVE",
    "STEP_CIF",
    "STEP_DUTY",
    "STEP_DUTY_UNKNOWN",
    "STEP_ESTIMATE",
    "STEP_EX_FACTORY",
    "STEP_FREIGHT",
    "STEP_INCENTIVE",
    "STEP_ORIGIN_VAT",
    "STEP_STICKER",
    "STEP_VAT",
    "Duty",
    "DutyCase",
    "FxQuote",
    "FxUnavailable",
    "Incentive",
    "LandedCases",
    "LandedInputs",
    "LandedPrice",
    "MarketDuties",
    "RivalGap",
    "Step",
    "StepKind",
    "Vat",
    "VatRelief",
    "build_inputs",
    "compare_rivals",
    "convert",
    "converted_models",
    "converted_rivals",
    "country_name",
    "duty_burden_pct",
    "duty_range_text",
    "entry_prices",
    "fx_rate",
    "gap_vs",
    "incentives_for",
    "landed_cases",
    "landed_for_markets",
    "landed_price",
    "latest_prices",
    "mark_changes",
    "market_duties",
    "model_labels",
    "not_applied_frame",
    "opt_date",
    "opt_float",
    "opt_str",
    "origin_prices",
    "price_date",
    "rival_gaps",
    "rivals",
    "rivals_without_price",
    "vat_for",
    "why_not_eligible",
    "with_converted",
]
