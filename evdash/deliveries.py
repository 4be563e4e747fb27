"""Deliveries vs targets: where a brand stands in a year, its run-rate projection, the rate it needs and
the month it reaches its target.

Pure functions, no I/O and no Streamlit. Which figure counts is decided once, in SQL (the brand × year
marts, evdash/models/25_marts_deliveries_years.sql): `outlook` reads it and never re-decides. Conventions:

* `elapsed` = the month the delivered figure reaches (its through date; 0–12).
* `run_rate`: the mean of the `window` most recent months inside the delivered figure — a month's own
  figure, or its quarter's / year-to-date total's average where the company reported only the total.
* `projection` = delivered + run_rate × (12 − elapsed): a straight-line year-end estimate.
* `required_monthly_rate` = (target − delivered) ÷ (12 − elapsed), from the month after `elapsed`; 0
  once the target is met; None when no months are left or there is no target.
* A lower-bound ("over N") figure enters every sum at N, so sums that include one are "at least".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evdash import labels
from evdash.theme import ATTAINMENT_HELP, flag, fmt_attainment, fmt_figure, fmt_int

MONTHS_IN_YEAR = 12
MONTH_NAMES = tuple(dt.date(2000, m, 1).strftime("%b") for m in range(1, 13))


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


def month_reached(
    cumulative: Sequence[tuple[int, float]], target: float | None, rate: float | None, elapsed: int
) -> tuple[int | None, str]:
    """The month (1–12) in which cumulative deliveries reach `target`, and how we know:
    'reached' (the figures cross it), 'projected' (at the run rate, within the year), or
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


def default_year(years: Sequence[int], this_year: int) -> int:
    """The year the Deliveries page and the briefing open on for a brand whose figure/target years are
    `years`: this year when it has a figure or a target, else the latest earlier year that has one (a peer
    whose newest figures are last year's opens on last year, not on an empty chart), else this year."""
    if this_year in years:
        return this_year
    earlier = [y for y in years if y < this_year]
    return max(earlier) if earlier else this_year


def month_span(months: Sequence[int]) -> str:
    """'Jan–Mar' for consecutive months, 'Jul, Sep' otherwise, '' for none."""
    if not months:
        return ""
    names = [MONTH_NAMES[m - 1] for m in months]
    if len(months) > 1 and list(months) == list(range(months[0], months[-1] + 1)):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


def straight_line_path(target: float, elapsed_months: int) -> float:
    """Where deliveries would stand after `elapsed_months` on an even path to `target` by 31 Dec."""
    if not 0 <= elapsed_months <= MONTHS_IN_YEAR:
        raise ValueError(f"elapsed months must be 0–12, not {elapsed_months}")
    return target * elapsed_months / MONTHS_IN_YEAR


def months_without_figure(
    year: int, through: dt.date | None, today: dt.date, until_month: int = MONTHS_IN_YEAR
) -> tuple[int, int] | None:
    """The months of `year` (first, last) that no figure covers yet although they are over: from the month
    after the figure's last (`through`; January without a figure) to the month before `today`, and no later
    than `until_month`. None when there are none (the figure is current, or the year has not begun)."""
    if today.year < year or (through is not None and through.year > year):
        return None
    last = min(until_month, MONTHS_IN_YEAR if today.year > year else today.month - 1)
    first = through.month + 1 if through is not None and through.year == year else 1
    return (first, last) if first <= last else None


def gap_text(year: int, gap: tuple[int, int]) -> str:
    """'no figure for Apr–Nov 2026', 'no figure for Nov 2026'."""
    return f"no figure for {month_span(list(range(gap[0], gap[1] + 1)))} {year}"


def path_comparison(
    delivered: float, target: float, target_is_at_least: bool, through: dt.date, attainment_kind: str
) -> str:
    """The delivered figure against the straight-line path to the target AT THE FIGURE'S DATE (not today):
    '≈ 58.2% of the target path by 31 Mar (137,500)'. Read as the attainment is (`attainment_kind`: '≈' an
    estimate, '≥' a floor …), since the path is the target × months ÷ 12."""
    path = straight_line_path(target, through.month)
    if path <= 0:
        return ""
    pct = 100 * delivered / path
    at = f"{through.day} {through:%b}"
    path_text = fmt_int(path, target_is_at_least)
    return f"{fmt_attainment(pct, attainment_kind)} of the target path by {at} ({path_text})"


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


def _value(value: Any) -> Any:
    """None for a missing value (NaN, NaT, pd.NA), the value otherwise."""
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _date(value: Any) -> dt.date | None:
    value = _value(value)
    return None if value is None else pd.Timestamp(value).date()


def _float(value: Any) -> float | None:
    value = _value(value)
    return None if value is None else float(value)


def _ts(value: Any) -> pd.Timestamp:
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
    get = (lambda col: _value(row[col])) if row is not None else (lambda col: None)
    delivered = _float(get("delivered_units"))
    through = _date(get("delivered_through"))
    elapsed = through.month if through is not None else 0
    current_target = _float(get("target_units"))

    recent = rate_months.sort_values("month_no").tail(window) if not rate_months.empty else rate_months
    window_months = tuple(int(m) for m in recent["month_no"]) if not recent.empty else ()
    rate = run_rate([float(u) for u in recent["units"]], window) if not recent.empty else None

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
        delivered_is_at_least=flag(get("delivered_is_at_least")),
        delivered_confidence=str(get("delivered_confidence") or ""),
        delivered_basis=str(get("delivered_basis") or "no_data"),
        delivered_basis_label=str(get("delivered_basis_label") or "no figure"),
        delivered_detail=str(get("delivered_detail") or ""),
        delivered_through=through,
        delivered_source=str(get("delivered_source") or ""),
        delivered_as_of=_date(get("delivered_as_of")),
        coverage_note=str(get("coverage_note") or ""),
        is_partial=get("delivered_coverage") == "partial",
        months_covered=int(get("months_covered") or 0),
        months_missing=int(get("months_missing") or 0),
        months_units=float(get("months_units") or 0.0),
        months_counted=int(get("months_with_data") or 0),
        current_target=current_target,
        current_target_is_at_least=flag(get("target_is_at_least")),
        current_target_confidence=str(get("target_confidence") or ""),
        current_target_announced_on=_date(get("target_announced_on")),
        original_target=_float(get("original_target_units")),
        revisions_so_far=int(get("revisions_so_far") or 0),
        revisions_total=int(get("target_revisions") or 0),
        attainment_current_pct=_float(get("attainment_pct")),
        attainment_kind=str(get("attainment_kind") or ""),
        attainment_original_pct=_float(get("attainment_original_pct")),
        window=window,
        window_months=window_months,
        window_average_of=", ".join(
            dict.fromkeys(
                str(b) for b, a in zip(recent["block_label"], recent["is_average"], strict=True) if a
            )
        )
        if not recent.empty
        else "",
        run_rate=rate,
        # A figure for part of the brand (one market, some models) projects nothing about the whole.
        projection=projection(delivered, elapsed, rate) if delivered is not None and not partial else None,
        required_rate=required,
        required_from_month=elapsed + 1 if required is not None else None,
        reached_month=reached,
        reached_basis=reached_basis,
    )


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
            units, through = _float(rec.delivered_units), _date(rec.delivered_through)
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


def verdict(o: Outlook, today: dt.date | None = None) -> tuple[str, str]:
    """(level, sentence) for an executive: level is 'met', 'on_track', 'behind' or 'none'. Given `today`,
    a figure that stops months before it says so first ("No figure for Apr–Nov 2026: …") and compares
    with the target path at the figure's date, before the pace."""
    level, sentence = _pace_verdict(o)
    gap = months_without_figure(o.year, o.delivered_through, today, o.through_month) if today else None
    if gap is None or o.delivered is None or o.delivered_through is None or level == "met":
        return level, sentence
    newest = fmt_figure(o.delivered, o.delivered_is_at_least, o.delivered_confidence)
    missing = gap_text(o.year, gap)
    through = labels.day(o.delivered_through)
    head = f"{missing[0].upper()}{missing[1:]}: the newest figure is {newest} to {through}"
    if o.current_target is not None:
        path = path_comparison(
            o.delivered,
            o.current_target,
            o.current_target_is_at_least,
            o.delivered_through,
            o.attainment_kind,
        )
        head += f", {path}" if path else ""
    return level, f"{head}. {sentence}"


def _pace_verdict(o: Outlook) -> tuple[str, str]:
    if o.current_target is None:
        return "none", f"No company delivery target for {o.year} in the data."
    target = f"{'over ' if o.current_target_is_at_least else ''}{o.current_target:,.0f}"
    if o.delivered is None:
        return "none", f"No {o.year} deliveries in the data yet; the target is {target}."
    delivered = fmt_figure(o.delivered, o.delivered_is_at_least, o.delivered_confidence)
    attainment = fmt_attainment(o.attainment_current_pct, o.attainment_kind)
    if o.target_met:
        return "met", f"Target met: {delivered} delivered against {target}; attainment {attainment}."
    if o.elapsed == MONTHS_IN_YEAR:
        return "behind", f"Target missed: {delivered} delivered against {target}; attainment {attainment}."
    rate = f"{fmt_int(o.run_rate)}/month ({o.window_text})" if o.run_rate is not None else ""
    if o.projection is not None and o.projection >= o.current_target:
        return "on_track", f"On track: at {rate}, ≈{o.projection:,.0f} by year end against {target}."
    projected = f" at {rate}, ≈{o.projection:,.0f} by year end;" if o.projection is not None else ""
    needed = (
        f" needs {o.required_rate:,.0f} a month from {MONTH_NAMES[o.required_from_month - 1]}"
        if o.required_rate is not None and o.required_from_month is not None
        else ""
    )
    return "behind", f"Behind target {target}:{projected}{needed}."


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
    ytd: pd.DataFrame, targets: pd.DataFrame, totals: pd.DataFrame, o: Outlook
) -> pd.DataFrame:
    """Everything the cumulative chart draws, one row per point, in long form (this is its CSV):

    * series 'delivered': the year so far by the one rule at each month end it reaches (a quarter's total
      at the quarter's end; month_units = the step since the previous point);
    * 'target': each company revision at its announcement date (clipped to 1 Jan for targets
      announced the year before), plus the final target repeated at 31 Dec to close the step line;
    * 'reported_total': company totals of the year so far (Q1, H1, 9M, full year, "100,000 delivered
      by 13 Nov") at their period end;
    * 'projection': the delivered figure at its through date and the run-rate projection at 31 Dec.
    """
    year = o.year
    rows: list[dict[str, object]] = []
    previous_units, previous_through = 0.0, None
    counted = (
        ytd[ytd["through_month"] <= o.through_month].sort_values("through_month") if not ytd.empty else ytd
    )
    for rec in counted.itertuples(index=False):
        units, through = _float(rec.delivered_units), _date(rec.delivered_through)
        if units is None or through is None or through == previous_through:
            continue
        rows.append(
            {
                "series": "delivered",
                "date": through,
                "units": units,
                "month_units": units - previous_units,
                "confidence": rec.delivered_confidence,
                "is_at_least": flag(rec.delivered_is_at_least),
                "label": f"to {through:%-d %b %Y}: {rec.delivered_detail}",
                "source": rec.delivered_source,
                "as_of": rec.delivered_as_of,
                "note": rec.delivered_basis_label,
            }
        )
        previous_units, previous_through = units, through
    if not targets.empty:
        ordered = targets.sort_values("revision_no")
        for rec in ordered.itertuples(index=False):
            announced = _ts(rec.announced_on).date()
            rows.append(
                {
                    "series": "target",
                    "date": max(announced, dt.date(year, 1, 1)),
                    "units": _float(rec.target_units),
                    "month_units": None,
                    "confidence": rec.confidence,
                    "is_at_least": bool(rec.target_is_at_least),
                    "label": f"revision {rec.revision_no}: announced {labels.day(announced)}",
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
    for rec in year_start_totals(totals, year, o.through_month, o.scope).itertuples(index=False):
        rows.append(
            {
                "series": "reported_total",
                "date": _ts(rec.period_end).date(),
                "units": _float(rec.reported_units),
                "month_units": None,
                "confidence": rec.reported_confidence,
                "is_at_least": bool(rec.reported_is_at_least),
                "label": (
                    f"{labels.label(labels.PERIOD, rec.period_kind)} total to {labels.day(rec.period_end)}"
                ),
                "source": rec.source_url,
                "as_of": rec.as_of,
                "note": rec.note,
            }
        )
    if o.projection is not None and o.delivered is not None and o.elapsed < MONTHS_IN_YEAR:
        start = o.delivered_through or dt.date(year, 1, 1)
        for date, units, label in (
            (start, o.delivered, "delivered so far"),
            (dt.date(year, 12, 31), o.projection, f"run rate of {o.window_text}"),
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
                    "note": "straight line at the mean of the most recent months",
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
    """Annual deliveries of every brand with a whole year's figure in one of `years` (rows of
    deliveries_peers.sql). A year the figure does not cover whole (to 31 Mar, or one market's month:
    `is_whole_year` of the brand × year mart) is not a year beside the others' years, so it is left out."""
    part = peers[
        peers["year"].isin(list(years))
        & peers["delivered_units"].notna()
        & peers["is_whole_year"].astype(bool)
    ]
    return part.sort_values(["year", "delivered_units"], ascending=[True, False]).reset_index(drop=True)


def attainment_note(o: Outlook) -> str:
    """One plain sentence with both attainment ratios and the revision count, for under the KPIs."""
    if o.current_target is None:
        return f"No company target for {o.year}: attainment cannot be computed."
    if o.delivered is None:
        return f"No {o.year} deliveries in the data yet."
    over = "over " if o.current_target_is_at_least else ""
    announced = (
        f", announced {labels.day(o.current_target_announced_on)}" if o.current_target_announced_on else ""
    )
    original = (
        f" and {fmt_attainment(o.attainment_original_pct, o.attainment_kind)} of the original target "
        f"({o.original_target:,.0f})"
        if o.original_target is not None
        else ""
    )
    text = (
        f"Attainment: {fmt_attainment(o.attainment_current_pct, o.attainment_kind)} of the current target "
        f"({over}{o.current_target:,.0f}{announced}){original}; the target was set "
        f"{labels.count(o.revisions_so_far, 'time')} by then."
    )
    if o.attainment_kind in ATTAINMENT_HELP and o.attainment_kind != "exact":
        text += f" Read it as: {ATTAINMENT_HELP[o.attainment_kind]}."
    if o.delivered_basis != "months" and o.months_counted and o.months_units != o.delivered:
        text += f" The monthly figures alone sum to {fmt_figure(o.months_units, True)}."
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
