"""Where a brand stands against its target in a year (`Outlook`), read from the brand × year mart's
rows (`queries/deliveries_year_to_month.sql`) and never re-decided: the delivered figure, the target in
force, attainment, the run rate over the most recent months, the projection, the required rate and the
month the target is reached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evdash.deliveries.pace import (
    MONTHS_IN_YEAR,
    month_end,
    month_reached,
    month_span,
    projection,
    required_monthly_rate,
    run_rate,
)
from evdash.theme import flag

Cell = Callable[[str], Any]  # a column of the mart's row: its value, None when missing or without a row


@dataclass(frozen=True)
class Outlook:
    """Where a brand stands against its target for one year, counting months 1..through_month.
    Every delivered/target/attainment field is the brand × year mart's (v_brand_ytd) for that month."""

    year: int
    through_month: int  # the filter: count months up to this one
    scope: str  # 'all', or 'NEV'/'BEV' for a brand that reports only those totals
    elapsed: int  # the month the delivered figure reaches (0–12)
    delivered: float | None
    delivered_is_at_least: bool
    delivered_confidence: str  # 'reported' | 'lower_bound' | 'estimate' | '' (no figure)
    delivered_basis: str  # 'annual_total' | 'year_to_date' | 'quarters' | 'months' | 'no_data'
    delivered_basis_label: str  # 'company annual total', 'reported quarters', 'sum of months' …
    delivered_detail: str  # the blocks it is made of: 'Q1 + Q2 + Jul'
    delivered_through: dt.date | None
    delivered_source: str
    delivered_as_of: dt.date | None
    coverage_note: str  # what the figure leaves out ('CHN only (no figure for USA)'), '' when complete
    is_partial: bool  # a market or model of the brand has no figure: nothing is projected from it
    months_covered: int
    months_missing: int
    months_units: float  # sum of the monthly figures counted (beside the figure)
    months_counted: int
    current_target: float | None
    current_target_is_at_least: bool
    current_target_confidence: str
    current_target_announced_on: dt.date | None
    original_target: float | None
    revisions_so_far: int
    revisions_total: int
    attainment_current_pct: float | None
    attainment_kind: str  # 'exact' | 'estimate' | 'at_least' | 'at_most' | 'ratio_of_lower_bounds' | ''
    attainment_original_pct: float | None
    window: int
    window_months: tuple[int, ...]  # the month numbers the run rate averages
    window_average_of: str  # the company totals some of them average ('Q1'), '' when none
    run_rate: float | None
    projection: float | None
    required_rate: float | None
    required_from_month: int | None  # the first month the required rate applies to
    reached_month: int | None
    reached_basis: str  # 'reached' | 'company_total' | 'projected' | 'not_projected' | 'no_target'

    @property
    def delivered_has_estimate(self) -> bool:
        return self.delivered_confidence == "estimate"

    @property
    def window_months_used(self) -> int:
        return len(self.window_months)

    @property
    def window_text(self) -> str:
        """Which months the run rate averages: 'Jan–Mar, Q1 total at its average'."""
        span = month_span(self.window_months)
        if span and self.window_average_of:
            return f"{span}, {self.window_average_of} total at its average"
        return span

    @property
    def target_met(self) -> bool:
        return (
            self.current_target is not None
            and self.delivered is not None
            and self.delivered >= self.current_target
        )

    @property
    def shortfall(self) -> float | None:
        """Units still missing to reach the current target (0 when met)."""
        if self.current_target is None:
            return None
        return max(self.current_target - (self.delivered or 0.0), 0.0)


def value_or_none(value: Any) -> Any:
    """None for a missing value (NaN, NaT, pd.NA), the value otherwise."""
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def as_date(value: Any) -> dt.date | None:
    """A cell's date; None for a missing value."""
    value = value_or_none(value)
    return None if value is None else pd.Timestamp(value).date()


def as_float(value: Any) -> float | None:
    """A cell's number; None for a missing value."""
    value = value_or_none(value)
    return None if value is None else float(value)


def as_timestamp(value: Any) -> pd.Timestamp:
    """A cell's value as a pandas Timestamp."""
    return pd.Timestamp(value)


def ytd_row(ytd: pd.DataFrame, through_month: int) -> pd.Series | None:
    """The row of `queries/deliveries_year_to_month.sql` for `through_month` (None without data)."""
    if ytd.empty:
        return None
    rows = ytd[ytd["through_month"] == through_month]
    return rows.iloc[0] if not rows.empty else None


def outlook(
    ytd: pd.DataFrame,
    rate_months: pd.DataFrame,
    totals: pd.DataFrame,
    year: int,
    through_month: int,
    window: int,
) -> Outlook:
    """The year's standing counting months 1..through_month.

    ytd: rows of `queries/deliveries_year_to_month.sql` (one per month 1–12; empty when the brand has no
    figure or target that year); rate_months: rows of `queries/deliveries_rate_months.sql` for
    `through_month` (the months inside the delivered figure); totals: rows of
    `queries/deliveries_totals.sql` (a company total to a date that is not a month end can show the
    target was reached earlier). Run rate: the `window` most recent months inside the figure.
    """
    if not 1 <= through_month <= MONTHS_IN_YEAR:
        raise ValueError("through_month must be 1–12")
    row = ytd_row(ytd, through_month)
    get: Cell = (lambda col: value_or_none(row[col])) if row is not None else (lambda col: None)
    delivered = as_float(get("delivered_units"))
    through = as_date(get("delivered_through"))
    elapsed = through.month if through is not None else 0
    current_target = as_float(get("target_units"))
    window_months, rate, average_of = _run_rate_window(rate_months, window)

    scope = str(get("scope") or "all")
    partial = get("delivered_coverage") == "partial"
    reached, reached_basis = _reached(
        ytd[ytd["through_month"] <= through_month] if not ytd.empty else ytd,
        year_start_totals(totals, year, through_month, scope),
        current_target,
        delivered,
        rate,
        elapsed,
    )
    required = required_monthly_rate(current_target, delivered or 0.0, elapsed)
    return Outlook(
        year=year,
        through_month=through_month,
        scope=scope,
        elapsed=elapsed,
        delivered=delivered,
        delivered_through=through,
        **_figure_fields(get),
        current_target=current_target,
        **_target_fields(get),
        window=window,
        window_months=window_months,
        window_average_of=average_of,
        run_rate=rate,
        # A figure for part of the brand (one market, some models) projects nothing about the whole.
        projection=projection(delivered, elapsed, rate) if delivered is not None and not partial else None,
        required_rate=required,
        required_from_month=elapsed + 1 if required is not None else None,
        reached_month=reached,
        reached_basis=reached_basis,
    )


def _run_rate_window(rate_months: pd.DataFrame, window: int) -> tuple[tuple[int, ...], float | None, str]:
    """The `window` most recent months inside the delivered figure (rows of
    `queries/deliveries_rate_months.sql`): their month numbers, their mean (the run rate) and the company
    totals some of them average ('Q1'; '' when none)."""
    recent = rate_months.sort_values("month_no").tail(window) if not rate_months.empty else rate_months
    window_months = tuple(int(m) for m in recent["month_no"]) if not recent.empty else ()
    rate = run_rate([float(u) for u in recent["units"]], window) if not recent.empty else None
    average_of = (
        ", ".join(
            dict.fromkeys(
                str(b) for b, a in zip(recent["block_label"], recent["is_average"], strict=True) if a
            )
        )
        if not recent.empty
        else ""
    )
    return window_months, rate, average_of


def _figure_fields(get: Cell) -> dict[str, Any]:
    """The `Outlook` fields that describe the delivered figure the mart picked: its kind, basis, detail,
    source and what it covers (its value and through date are read by `outlook` itself)."""
    return {
        "delivered_is_at_least": flag(get("delivered_is_at_least")),
        "delivered_confidence": str(get("delivered_confidence") or ""),
        "delivered_basis": str(get("delivered_basis") or "no_data"),
        "delivered_basis_label": str(get("delivered_basis_label") or "no figure"),
        "delivered_detail": str(get("delivered_detail") or ""),
        "delivered_source": str(get("delivered_source") or ""),
        "delivered_as_of": as_date(get("delivered_as_of")),
        "coverage_note": str(get("coverage_note") or ""),
        "is_partial": get("delivered_coverage") == "partial",
        "months_covered": int(get("months_covered") or 0),
        "months_missing": int(get("months_missing") or 0),
        "months_units": float(get("months_units") or 0.0),
        "months_counted": int(get("months_with_data") or 0),
    }


def _target_fields(get: Cell) -> dict[str, Any]:
    """The `Outlook` fields that describe the target in force at the cut-off (its kind, announcement,
    original value and revisions) and the attainment against it (its value is read by `outlook`)."""
    return {
        "current_target_is_at_least": flag(get("target_is_at_least")),
        "current_target_confidence": str(get("target_confidence") or ""),
        "current_target_announced_on": as_date(get("target_announced_on")),
        "original_target": as_float(get("original_target_units")),
        "revisions_so_far": int(get("revisions_so_far") or 0),
        "revisions_total": int(get("target_revisions") or 0),
        "attainment_current_pct": as_float(get("attainment_pct")),
        "attainment_kind": str(get("attainment_kind") or ""),
        "attainment_original_pct": as_float(get("attainment_original_pct")),
    }


def _reached(
    ytd: pd.DataFrame,
    company: pd.DataFrame,
    target: float | None,
    delivered: float | None,
    rate: float | None,
    elapsed: int,
) -> tuple[int | None, str]:
    """The month the target is reached: the first month whose year-so-far figure (rows of `ytd` up to the
    cut-off) reaches it; a company total from 1 Jan that ends mid-month ("100,000 delivered by 13 Nov",
    in `company`) can show an earlier month; else projected at the run rate from the delivered figure."""
    if target is None:
        return None, "no_target"
    path: list[tuple[int, float]] = []
    if not ytd.empty:
        for rec in ytd.sort_values("through_month").itertuples():
            units, through = as_float(rec.delivered_units), as_date(rec.delivered_through)
            if units is not None and through is not None:
                path.append((through.month, units))
    reached, basis = month_reached(path, target, None, 0)
    hit = company[company["reported_units"] >= target] if not company.empty else company
    if not hit.empty:
        hit_month = int(pd.to_datetime(hit["period_end"]).min().month)
        if reached is None or hit_month < reached:
            return hit_month, "company_total"
    if reached is not None:
        return reached, basis
    return month_reached([(elapsed, delivered or 0.0)], target, rate, elapsed)


def year_start_totals(totals: pd.DataFrame, year: int, through_month: int, scope: str) -> pd.DataFrame:
    """Company totals in `scope` (the delivered figure's) that count every delivery of the year so far
    and end by `through_month` (rows of `queries/deliveries_totals.sql`)."""
    if totals.empty:
        return totals
    ends = pd.to_datetime(totals["period_end"])
    keep = totals["from_year_start"].astype(bool) & (ends <= pd.Timestamp(month_end(year, through_month)))
    return totals[keep & (ends.dt.year == year) & (totals["scope"] == scope)]
