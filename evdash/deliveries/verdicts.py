"""The deliveries standing in words for an executive: the verdict (met, on track, behind, no target),
the attainment sentence under the KPIs and the change against the same period a year earlier, honest
about lower bounds and estimates."""

from __future__ import annotations

import datetime as dt

from evdash import labels
from evdash.deliveries.pace import (
    MONTH_NAMES,
    MONTHS_IN_YEAR,
    gap_text,
    months_without_figure,
    path_comparison,
)
from evdash.deliveries.standing import Outlook
from evdash.theme import ATTAINMENT_HELP, fmt_attainment, fmt_figure, fmt_int


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
