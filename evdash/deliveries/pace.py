"""The arithmetic of a year's months: the run rate, the straight-line projection, the rate a target
needs, the month it is reached, the target path, and the words for a span of months. Pure functions on
numbers and dates; the conventions are in the package's docstring (evdash.deliveries)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from evdash.theme import fmt_attainment, fmt_int

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
