"""The landed-price build-up's vocabulary: its inputs (`LandedInputs`), its steps (each with an id,
`STEP_*`, never compared by label) and the result (`LandedPrice`). Pure data, no rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from evdash.pricing.duties import Duty
from evdash.pricing.fx import FxQuote
from evdash.pricing.incentives import Incentive
from evdash.pricing.vat import DEFAULT_ORIGIN_VAT_PCT, Vat

StepKind = Literal["absolute", "relative", "total"]


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
    # The step's name on a chart, in lines ("\n"), written beside `label` from the same facts ('': the label).
    short: str = ""

    def row(self) -> dict[str, object]:
        """The step as a table row (what the page shows and exports; the id and chart name are not shown)."""
        return {k: v for k, v in self.__dict__.items() if k not in CHART_ONLY}


# A step's fields for the chart only: never in the steps table nor its export. The chart name's lines are
# separate columns ("short", "short_detail"): a figure's inputs are escaped as one line each (`ui.figure`,
# `text.plotly_inputs`), which would join "Extra duty 20.7%\n(class)" into one line for the chart to wrap.
CHART_ONLY = ("step_id", "short", "short_detail")


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
        """The steps as the waterfall draws them: the table's columns plus each step's id and chart name
        (`CHART_ONLY`, dropped from the table: `LandedCases.frame`)."""
        return pd.DataFrame([{**s.row(), "step_id": s.step_id, **_chart_name(s.short)} for s in self.steps])


def _chart_name(short: str) -> dict[str, str]:
    """A step's chart name as the frame carries it: its first line and the rest (each one line of text)."""
    first, _, detail = short.partition("\n")
    return {"short": first, "short_detail": detail}


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
