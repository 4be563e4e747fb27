"""Duty lines as records: a market's duty cases from the duty mart's rows (`market_duties`), and the
lines that did not apply, as a frame. Pure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evdash import labels


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


def opt_float(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)  # type: ignore[arg-type]


def opt_date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def opt_str(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
        else str(value)
    )


def _duty(row: Mapping[Hashable, Any]) -> Duty:
    effective_from = opt_date(row["effective_from"])
    assert effective_from is not None
    return Duty(
        tariff_id=str(row["tariff_id"]),
        measure=str(row["measure"]),
        duty_kind=str(row["duty_kind"]),
        applies_to=str(row["applies_to"]),
        rate_pct=opt_float(row["rate_pct"]),
        min_amount=opt_float(row["min_amount"]),
        min_currency=opt_str(row["min_currency"]) or None,
        effective_from=effective_from,
        effective_to=opt_date(row["effective_to"]),
        status=str(row["status"]),
        source_id=str(row["source_id"]),
        source_url=opt_str(row.get("source_url")),
        confidence=opt_str(row.get("confidence")) or "reported",
        powertrain=opt_str(row.get("powertrain")) or "all",
        note=opt_str(row.get("note")),
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
            skipped.append((duty, opt_str(row.get("not_applied_reason"))))
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
