"""Deliveries vs targets: attainment, run-rate projection, required monthly rate, month reached.

Pure functions, no I/O and no Streamlit. Conventions:

* A year has 12 months; `elapsed` is the number of months counted so far (0–12). Months without a
  figure count as 0 deliveries (the sum of months is then an undercount, never an overcount).
* `run_rate`: the mean of the last `window` monthly figures (fewer if fewer exist).
* `projection` = delivered + run_rate × (12 − elapsed): a straight-line year-end estimate.
* `required_monthly_rate` = (target − delivered) ÷ (12 − elapsed); 0 once the target is met; None
  when no months are left or there is no target.
* A lower-bound ("over N") month enters every sum at N, so sums that include one are "at least".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

MONTHS_IN_YEAR = 12
CONFIDENCE_ORDER = {"reported": 0, "lower_bound": 1, "estimate": 2}


def run_rate(monthly_units: Sequence[float], window: int) -> float | None:
    """Mean of the last `window` monthly figures; None when there are none."""
    if window < 1:
        raise ValueError("window must be at least 1 month")
    recent = [float(u) for u in monthly_units][-window:]
    if not recent:
        return None
    return sum(recent) / len(recent)


def projection(delivered: float, elapsed: int, rate: float | None) -> float | None:
    """Straight-line year-end deliveries. With all 12 months counted it is the delivered figure."""
    _check_elapsed(elapsed)
    if elapsed == MONTHS_IN_YEAR:
        return float(delivered)
    if rate is None:
        return None
    return float(delivered) + rate * (MONTHS_IN_YEAR - elapsed)


def required_monthly_rate(target: float | None, delivered: float, elapsed: int) -> float | None:
    """Deliveries needed per remaining month to reach `target` by year end."""
    _check_elapsed(elapsed)
    if target is None or elapsed == MONTHS_IN_YEAR:
        return None
    return max(float(target) - float(delivered), 0.0) / (MONTHS_IN_YEAR - elapsed)


def attainment_pct(delivered: float | None, target: float | None) -> float | None:
    if delivered is None or target is None or target <= 0:
        return None
    return 100.0 * float(delivered) / float(target)


def month_reached(
    cumulative: Sequence[tuple[int, float]], target: float | None, rate: float | None, elapsed: int
) -> tuple[int | None, str]:
    """The month (1–12) in which cumulative deliveries reach `target`, and how we know:
    'reached' (the monthly sums cross it), 'projected' (at the run rate, within the year), or
    ('not_projected' / 'no_target', None). `cumulative` is (month number, cumulative units) in order."""
    _check_elapsed(elapsed)
    if target is None:
        return None, "no_target"
    for month, units in cumulative:
        if units >= target:
            return month, "reached"
    delivered = cumulative[-1][1] if cumulative else 0.0
    if rate is None or rate <= 0 or elapsed == MONTHS_IN_YEAR:
        return None, "not_projected"
    month = elapsed + math.ceil((float(target) - delivered) / rate)
    if month <= MONTHS_IN_YEAR:
        return month, "projected"
    return None, "not_projected"


def _check_elapsed(elapsed: int) -> None:
    if not 0 <= elapsed <= MONTHS_IN_YEAR:
        raise ValueError(f"elapsed months must be 0–12, not {elapsed}")


def month_end(year: int, month: int) -> dt.date:
    if month == MONTHS_IN_YEAR:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Outlook:
    """Where a brand stands against its target for one year, counting months 1..through_month."""

    year: int
    through_month: int  # the filter: count months up to this one
    elapsed: int  # months treated as done (0–12)
    delivered: float | None
    delivered_is_at_least: bool
    delivered_has_estimate: bool
    delivered_basis: str  # 'reported_total' | 'sum_of_months' | 'no_data'
    delivered_source: str
    months_units: float  # sum of the monthly figures counted
    months_counted: int
    current_target: float | None
    current_target_is_at_least: bool
    current_target_announced_on: dt.date | None
    original_target: float | None
    revisions_so_far: int
    revisions_total: int
    attainment_current_pct: float | None
    attainment_original_pct: float | None
    window: int
    window_months_used: int
    run_rate: float | None
    projection: float | None
    required_rate: float | None
    reached_month: int | None
    reached_basis: str  # 'reached' | 'company_total' | 'projected' | 'not_projected' | 'no_target'

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


def brand_months(monthly: pd.DataFrame) -> pd.DataFrame:
    """Collapse the bar segments of `queries/deliveries_monthly.sql` to one row per month: the
    brand's month figure, whether it is "at least" or an estimate, and its sources."""
    columns = ["month", "units", "is_at_least", "has_estimate", "basis", "publisher", "as_of"]
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    grouped = monthly.groupby("month", sort=True)
    out = pd.DataFrame(
        {
            "units": grouped["brand_month_units"].first().astype(float),
            "is_at_least": grouped["brand_month_is_at_least"].first().astype(bool),
            "has_estimate": grouped["brand_month_has_estimate"].first().astype(bool),
            "basis": grouped["brand_month_basis"].first().astype(str),
            "publisher": grouped["publisher"].agg(lambda s: "; ".join(sorted({str(p) for p in s.dropna()}))),
            "as_of": grouped["as_of"].max(),
        }
    ).reset_index()
    out["month"] = pd.to_datetime(out["month"])
    return out[columns]


def _year_start_totals(totals: pd.DataFrame, year: int, through_month: int) -> pd.DataFrame:
    """Company totals that count every delivery of the year so far and end by `through_month`."""
    if totals.empty:
        return totals
    ends = pd.to_datetime(totals["period_end"])
    keep = totals["from_year_start"].astype(bool) & (ends <= pd.Timestamp(month_end(year, through_month)))
    return totals[keep & (ends.dt.year == year)]


def _pick_period_total(totals: pd.DataFrame, year: int, through_month: int) -> pd.Series | None:
    """The latest company total from 1 Jan that ends on a month end by `through_month` (Q1, H1, 9M,
    year); among totals ending the same day, reported beats lower bound beats estimate."""
    candidates = _year_start_totals(totals, year, through_month)
    if candidates.empty:
        return None
    ends = pd.to_datetime(candidates["period_end"])
    candidates = candidates[(ends + pd.Timedelta(days=1)).dt.day == 1]
    if candidates.empty:
        return None
    ranked = candidates.assign(
        _end=pd.to_datetime(candidates["period_end"]),
        _rank=candidates["reported_confidence"].map(CONFIDENCE_ORDER).fillna(9),
    )
    return ranked.sort_values(["_end", "_rank", "reported_units"], ascending=[False, True, False]).iloc[0]


def outlook(
    months: pd.DataFrame,
    targets: pd.DataFrame,
    totals: pd.DataFrame,
    year: int,
    through_month: int,
    window: int,
) -> Outlook:
    """Compute the year's standing.

    months: `brand_months(...)` (month, units, is_at_least, has_estimate); targets: rows of
    `queries/deliveries_targets.sql`; totals: rows of `queries/deliveries_totals.sql`.
    Delivered = the latest company total from 1 Jan ending on a month end by `through_month` when it
    is at least as recent as the last monthly figure, else the sum of the months. `elapsed` is the
    month that figure ends in. Run rate: the last `window` monthly figures.
    """
    if not 1 <= through_month <= MONTHS_IN_YEAR:
        raise ValueError("through_month must be 1–12")
    counted = months[
        (pd.to_datetime(months["month"]).dt.year == year)
        & (pd.to_datetime(months["month"]).dt.month <= through_month)
    ].sort_values("month")
    month_numbers = [int(m) for m in pd.to_datetime(counted["month"]).dt.month]
    units = [float(u) for u in counted["units"]]
    months_units = float(sum(units))
    total = _pick_period_total(totals, year, through_month)
    total_month = int(pd.Timestamp(total["period_end"]).month) if total is not None else 0
    last_data_month = max(month_numbers, default=0)

    if total is not None and total_month >= last_data_month:
        # The company's own figure beats the sum of months (as on the Overview) when it is as recent.
        delivered: float | None = float(total["reported_units"])
        is_at_least = total["reported_confidence"] == "lower_bound"
        has_estimate = total["reported_confidence"] == "estimate"
        basis = "reported_total"
        source = str(total["source_url"])
        elapsed = total_month
    elif units:
        delivered = months_units
        is_at_least = bool(counted["is_at_least"].any())
        has_estimate = bool(counted["has_estimate"].any())
        basis = "sum_of_months"
        source = "sum of monthly figures"
        elapsed = last_data_month
    else:
        delivered, is_at_least, has_estimate = None, False, False
        basis, source, elapsed = "no_data", "", 0

    as_of = month_end(year, through_month)
    known = targets.sort_values("revision_no") if not targets.empty else targets
    in_force = (
        known[pd.to_datetime(known["announced_on"]) <= pd.Timestamp(as_of)] if not known.empty else known
    )
    current = in_force.iloc[-1] if not in_force.empty else None
    current_target = float(current["target_units"]) if current is not None else None
    original_target = float(known.iloc[0]["target_units"]) if not known.empty else None

    rate = run_rate(units, window)
    cumulative: list[tuple[int, float]] = []
    running = 0.0
    for month, value in zip(month_numbers, units, strict=True):
        running += value
        cumulative.append((month, running))
    reached, reached_basis = month_reached(cumulative, current_target, rate, elapsed)
    if current_target is not None:
        # A company total from 1 Jan (e.g. "130,000 delivered by 28 Dec") can show the target was
        # reached earlier than the monthly figures do ("over N" months undercount).
        company = _year_start_totals(totals, year, through_month)
        hit = company[company["reported_units"] >= current_target] if not company.empty else company
        if not hit.empty:
            hit_month = int(pd.to_datetime(hit["period_end"]).min().month)
            if reached_basis != "reached" or reached is None or hit_month < reached:
                reached, reached_basis = hit_month, "company_total"
    if reached_basis == "projected" and delivered is not None and current_target is not None:
        # Project from the delivered figure (it may be a company total above the sum of months).
        reached, reached_basis = month_reached([(elapsed, delivered)], current_target, rate, elapsed)

    return Outlook(
        year=year,
        through_month=through_month,
        elapsed=elapsed,
        delivered=delivered,
        delivered_is_at_least=bool(is_at_least),
        delivered_has_estimate=bool(has_estimate),
        delivered_basis=basis,
        delivered_source=source,
        months_units=months_units,
        months_counted=len(units),
        current_target=current_target,
        current_target_is_at_least=bool(current["target_is_at_least"]) if current is not None else False,
        current_target_announced_on=(
            pd.Timestamp(current["announced_on"]).date() if current is not None else None
        ),
        original_target=original_target,
        revisions_so_far=len(in_force),
        revisions_total=len(known),
        attainment_current_pct=attainment_pct(delivered, current_target),
        attainment_original_pct=attainment_pct(delivered, original_target),
        window=window,
        window_months_used=min(window, len(units)),
        run_rate=rate,
        projection=projection(delivered or 0.0, elapsed, rate) if delivered is not None else None,
        required_rate=required_monthly_rate(current_target, delivered or 0.0, elapsed),
        reached_month=reached,
        reached_basis=reached_basis,
    )


def verdict(o: Outlook) -> tuple[str, str]:
    """(level, sentence) for an executive: level is 'met', 'on_track', 'behind' or 'none'."""
    at_least = "at least " if o.delivered_is_at_least else ""
    if o.current_target is None:
        return "none", f"No company delivery target for {o.year} in the data."
    target = f"{'over ' if o.current_target_is_at_least else ''}{o.current_target:,.0f}"
    if o.delivered is None:
        return "none", f"No {o.year} deliveries in the data yet; the target is {target}."
    if o.target_met:
        return "met", (
            f"Target met: {at_least}{o.delivered:,.0f} delivered against {target} "
            f"({o.attainment_current_pct:.1f}%)."
        )
    if o.elapsed == MONTHS_IN_YEAR:
        return "behind", (
            f"Target missed: {at_least}{o.delivered:,.0f} delivered against {target} "
            f"({o.attainment_current_pct:.1f}%)."
        )
    if o.projection is not None and o.projection >= o.current_target:
        return "on_track", (
            f"On track: the last {o.window_months_used} months' rate projects ≈{o.projection:,.0f} "
            f"by year end against {target}."
        )
    projected = f" projects ≈{o.projection:,.0f};" if o.projection is not None else ""
    needed = f" needs {o.required_rate:,.0f} a month from here" if o.required_rate is not None else ""
    return "behind", f"Behind target {target}: the current rate{projected}{needed}."


def _ts(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value)


def _num(value: Any) -> float:
    return float(value)


CUMULATIVE_COLUMNS = [
    "series",
    "date",
    "units",
    "month_units",
    "confidence",
    "is_at_least",
    "label",
    "source",
    "as_of",
    "note",
]


def cumulative_frame(
    months: pd.DataFrame, targets: pd.DataFrame, totals: pd.DataFrame, o: Outlook
) -> pd.DataFrame:
    """Everything the cumulative chart draws, one row per point, in long form (this is its CSV):

    * series 'delivered': cumulative sum of the months at each month end (is_at_least once any
      counted month is a lower bound; confidence = that month's own figure);
    * 'target': each company revision at its announcement date (clipped to 1 Jan for targets
      announced the year before), plus the final target repeated at 31 Dec to close the step line;
    * 'reported_total': company totals of the year so far (Q1, H1, 9M, full year, "100,000 delivered
      by 13 Nov") at their period end;
    * 'projection': the delivered figure at the last counted month end and the run-rate projection at 31 Dec.
    """
    year = o.year
    rows: list[dict[str, object]] = []
    counted = months[
        (pd.to_datetime(months["month"]).dt.year == year)
        & (pd.to_datetime(months["month"]).dt.month <= o.through_month)
    ].sort_values("month")
    running, at_least = 0.0, False
    for rec in counted.itertuples(index=False):
        month = _ts(rec.month)
        running += _num(rec.units)
        at_least = at_least or bool(rec.is_at_least)
        conf = "lower_bound" if rec.is_at_least else ("estimate" if rec.has_estimate else "reported")
        rows.append(
            {
                "series": "delivered",
                "date": month_end(year, month.month),
                "units": running,
                "month_units": _num(rec.units),
                "confidence": conf,
                "is_at_least": at_least,
                "label": f"{month:%b %Y}",
                "source": rec.publisher,
                "as_of": rec.as_of,
                "note": "cumulative sum of monthly figures",
            }
        )
    if not targets.empty:
        ordered = targets.sort_values("revision_no")
        for rec in ordered.itertuples(index=False):
            announced = _ts(rec.announced_on).date()
            rows.append(
                {
                    "series": "target",
                    "date": max(announced, dt.date(year, 1, 1)),
                    "units": _num(rec.target_units),
                    "month_units": None,
                    "confidence": rec.confidence,
                    "is_at_least": bool(rec.target_is_at_least),
                    "label": f"revision {rec.revision_no}: announced {announced:%d %b %Y}",
                    "source": rec.source_url,
                    "as_of": rec.as_of,
                    "note": rec.note,
                }
            )
        last = ordered.iloc[-1]
        rows.append(
            {
                "series": "target",
                "date": dt.date(year, 12, 31),
                "units": float(last["target_units"]),
                "month_units": None,
                "confidence": last["confidence"],
                "is_at_least": bool(last["target_is_at_least"]),
                "label": "final target, held to year end",
                "source": last["source_url"],
                "as_of": last["as_of"],
                "note": "end of step line",
            }
        )
    if not totals.empty:
        for rec in _year_start_totals(totals, year, o.through_month).itertuples(index=False):
            rows.append(
                {
                    "series": "reported_total",
                    "date": _ts(rec.period_end).date(),
                    "units": _num(rec.reported_units),
                    "month_units": None,
                    "confidence": rec.reported_confidence,
                    "is_at_least": bool(rec.reported_is_at_least),
                    "label": f"{rec.period_kind} total to {_ts(rec.period_end):%d %b %Y}",
                    "source": rec.source_url,
                    "as_of": rec.as_of,
                    "note": rec.note,
                }
            )
    if o.projection is not None and o.delivered is not None and o.elapsed < MONTHS_IN_YEAR:
        start = month_end(year, o.elapsed) if o.elapsed else dt.date(year, 1, 1)
        for date, units, label in (
            (start, o.delivered, "delivered so far"),
            (dt.date(year, 12, 31), o.projection, f"run rate of the last {o.window_months_used} months"),
        ):
            rows.append(
                {
                    "series": "projection",
                    "date": date,
                    "units": units,
                    "month_units": o.run_rate,
                    "confidence": "estimate",
                    "is_at_least": False,
                    "label": label,
                    "source": "evdash projection",
                    "as_of": None,
                    "note": "straight line at the mean of the last months",
                }
            )
    frame = pd.DataFrame(rows, columns=CUMULATIVE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def peer_attainment(peers: pd.DataFrame, year: int) -> pd.DataFrame:
    """Brands with a company target in `year`, best attainment first (rows of deliveries_peers.sql)."""
    part = peers[(peers["year"] == year) & peers["final_target_units"].notna()]
    return part.sort_values("attainment_pct", ascending=False, na_position="last").reset_index(drop=True)


def peer_deliveries(peers: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Annual deliveries of every brand with a figure in one of `years` (rows of deliveries_peers.sql)."""
    part = peers[peers["year"].isin(list(years)) & peers["delivered_units"].notna()]
    return part.sort_values(["year", "delivered_units"], ascending=[True, False]).reset_index(drop=True)


def attainment_note(o: Outlook) -> str:
    """One plain sentence with both attainment ratios and the revision count, for under the KPIs."""
    if o.current_target is None:
        return f"No company target for {o.year}: attainment cannot be computed."
    if o.delivered is None:
        return f"No {o.year} deliveries in the data yet."
    ge = "≥ " if o.delivered_is_at_least else ""
    over = "over " if o.current_target_is_at_least else ""
    text = (
        f"Attainment: {ge}{o.attainment_current_pct:.1f}% of the current target "
        f"({over}{o.current_target:,.0f}, announced {o.current_target_announced_on:%d %b %Y}) and "
        f"{ge}{o.attainment_original_pct:.1f}% of the original target ({o.original_target:,.0f}); "
        f"the target was set {o.revisions_so_far} time"
        f"{'s' if o.revisions_so_far != 1 else ''} by then."
    )
    if o.delivered_basis == "reported_total" and o.months_units != o.delivered:
        text += f" The monthly figures sum to {'≥ ' if o.months_counted else ''}{o.months_units:,.0f}."
    return text


def change_vs_year_earlier(
    current: float | None,
    current_is_at_least: bool,
    previous: float | None,
    previous_is_at_least: bool,
    period: str,
) -> str | None:
    """The change against the same period a year earlier, honest about lower bounds: '+12.3% vs
    Jan–Mar 2025 (71,234)'; 'at least +5.4% …' when only the current figure is "over N"; 'at most …'
    when only the earlier one is; no percentage when both are (a ratio of two lower bounds is not
    known). None when either figure is missing or the earlier one is 0."""
    if current is None or previous is None or previous <= 0:
        return None
    earlier = f"{period} ({'≥ ' if previous_is_at_least else ''}{previous:,.0f})"
    if current_is_at_least and previous_is_at_least:
        return f"vs {earlier}: both lower bounds, change not known"
    pct = 100.0 * (current / previous - 1.0)
    hedge = "at least " if current_is_at_least else ("at most " if previous_is_at_least else "")
    return f"{hedge}{pct:+.1f}% vs {earlier}"
