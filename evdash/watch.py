"""The watch list: what an executive should look at now, for a brand on a date.

Pure: structured inputs in, `WatchItem`s out; no I/O, no Streamlit, no `date.today()` (the caller
passes the "in force on" date). Four kinds, in this order:

* `pace` — deliveries so far against the straight-line path to the current target: the target ×
  months counted ÷ 12 (always listed when the year has a target and a delivered figure; an alert when
  behind the path). A lower-bound delivered figure that is behind is "at least … behind at most".
* `rule_change` — a duty, VAT or quota change that takes effect in a focus market within
  `RULE_WINDOW_DAYS` after the date (inputs: `RuleChange`, from comparing what applies on the date and
  on the window's last day with the one rule in `evdash.pricing`).
* `stale` — a headline figure whose as-of date is more than `STALE_DAYS` before the date.
* `target_revision` — a company target revision announced in the `REVISION_DAYS` before the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from evdash.deliveries import Outlook, straight_line_path
from evdash.theme import fmt_figure, fmt_int

RULE_WINDOW_DAYS = 90
STALE_DAYS = 183  # "older than 6 months"
REVISION_DAYS = 30

WatchKind = Literal["pace", "rule_change", "stale", "target_revision"]
Severity = Literal["alert", "note"]
# Told by a word and a symbol, never by colour alone (greyscale prints, colour-blind readers).
SEVERITY_MARK = {"alert": "▲ Watch", "note": "● Note"}


@dataclass(frozen=True)
class WatchItem:
    kind: WatchKind
    severity: Severity
    text: str
    date: dt.date | None = None
    source: str = ""


@dataclass(frozen=True)
class Headline:
    """A headline figure and the date it is as of (e.g. 'Deliveries 2026 (to 31 Mar)', 2026-04-01)."""

    label: str
    as_of: dt.date
    source: str = ""


@dataclass(frozen=True)
class RuleChange:
    """A duty, VAT rate or quota that starts or ends applying in `market` on `effective`."""

    market: str  # display name
    what: str  # e.g. "EU definitive countervailing duty 20.7%", "VAT 25% → 20%"
    effective: dt.date
    change: Literal["starts", "ends", "changes"]
    source: str = ""


@dataclass(frozen=True)
class Revision:
    """A company target revision (rows of evdash.events.markers with kind 'target_revision')."""

    year: int
    announced_on: dt.date
    text: str  # "target 500,000 → 550,000"
    source: str = ""


def pace_item(o: Outlook) -> WatchItem | None:
    """Delivered so far vs the straight-line path to the current target; None without a target, a
    delivered figure or a counted month."""
    if o.current_target is None or o.delivered is None or o.elapsed == 0:
        return None
    path = straight_line_path(o.current_target, o.elapsed)
    gap = o.delivered - path
    months = "month" if o.elapsed == 1 else "months"
    target = fmt_int(o.current_target, o.current_target_is_at_least)
    delivered = fmt_figure(o.delivered, o.delivered_is_at_least, o.delivered_confidence)  # '≈' stays
    head = f"{o.year} pace: {delivered} delivered in {o.elapsed} {months}"
    path_text = f"the straight-line path to the {target} target is {fmt_int(path)} by then"
    if gap >= 0:
        lead = "at least " if o.delivered_is_at_least else ""
        return WatchItem(
            "pace", "note", f"{head}; {path_text}: {lead}{fmt_int(gap)} ahead ({100 * gap / path:+.0f}%)."
        )
    hedge = "at most " if o.delivered_is_at_least else ""
    return WatchItem(
        "pace", "alert", f"{head}; {path_text}: {hedge}{fmt_int(-gap)} behind ({100 * gap / path:+.0f}%)."
    )


def _age_text(days: int) -> str:
    months = round(days / 30.44)
    return f"{months} months" if months >= 2 else f"{days} days"


def watch_list(
    on: dt.date,
    outlook: Outlook | None,
    headlines: Sequence[Headline],
    rule_changes: Sequence[RuleChange],
    revisions: Sequence[Revision],
) -> list[WatchItem]:
    """The watch items for the date `on` (see the module doc for each rule), in a stable order:
    pace, rule changes by date, stale figures oldest first, target revisions newest first."""
    items: list[WatchItem] = []
    pace = pace_item(outlook) if outlook is not None else None
    if pace is not None:
        items.append(pace)
    horizon = on + dt.timedelta(days=RULE_WINDOW_DAYS)
    for change in sorted(rule_changes, key=lambda c: (c.effective, c.market, c.what)):
        if on < change.effective <= horizon:
            days = (change.effective - on).days
            items.append(
                WatchItem(
                    "rule_change",
                    "alert",
                    f"{change.market}: {change.what} {change.change} on {change.effective:%-d %b %Y} "
                    f"(in {days} days).",
                    change.effective,
                    change.source,
                )
            )
    for headline in sorted(headlines, key=lambda h: (h.as_of, h.label)):
        age = (on - headline.as_of).days
        if age > STALE_DAYS:
            items.append(
                WatchItem(
                    "stale",
                    "alert",
                    f"{headline.label} is {_age_text(age)} old (as of {headline.as_of:%-d %b %Y}).",
                    headline.as_of,
                    headline.source,
                )
            )
    since = on - dt.timedelta(days=REVISION_DAYS)
    for revision in sorted(revisions, key=lambda r: r.announced_on, reverse=True):
        if since <= revision.announced_on <= on:
            items.append(
                WatchItem(
                    "target_revision",
                    "alert",
                    f"{revision.year} target revised on {revision.announced_on:%-d %b %Y}: {revision.text}.",
                    revision.announced_on,
                    revision.source,
                )
            )
    return items


def duty_changes(
    market: str, changes: pd.DataFrame, on: dt.date, days: int = RULE_WINDOW_DAYS
) -> list[RuleChange]:
    """Import-duty changes (quota cases included) for a car in one market in the `days` after `on`:
    the rows of `queries.pricing_duty_changes`, i.e. the duty mart's own timeline (evdash/models/
    22_marts_duties.sql), so a proposed duty changes nothing here either and every case is named."""
    horizon = on + dt.timedelta(days=days)
    out: list[RuleChange] = []
    for row in changes.itertuples(index=False):
        effective = pd.Timestamp(str(row.on_date)).date()
        if on < effective <= horizon:
            out.append(
                RuleChange(
                    market,
                    f"import duty {row.duty_before} → {row.duty_after} ({row.what_changed})",
                    effective,
                    "changes",
                )
            )
    return out


def vat_relief_changes(
    names: dict[str, str], reliefs_on: pd.DataFrame, reliefs_later: pd.DataFrame, later: dt.date
) -> list[RuleChange]:
    """VAT thresholds (`queries.pricing_vat_reliefs`: Norway's BEV threshold) that differ between the date
    and `later`."""

    def key(frame: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
        return {(str(r["market_code"]), str(r["powertrain"])): r for _, r in frame.iterrows()}

    now, then = key(reliefs_on), key(reliefs_later)
    out: list[RuleChange] = []
    for (code, powertrain), new in then.items():
        if code not in names:
            continue
        old = now.get((code, powertrain))
        if old is None or float(old["exempt_up_to"]) != float(new["exempt_up_to"]):
            before = f"{old['currency']} {float(old['exempt_up_to']):,.0f}" if old is not None else "none"
            after = f"{new['currency']} {float(new['exempt_up_to']):,.0f}"
            out.append(
                RuleChange(
                    names[code],
                    f"{powertrain} VAT threshold {before} → {after}",
                    pd.Timestamp(new["effective_from"]).date(),
                    "changes",
                    str(new.get("source_url") or ""),
                )
            )
    return out


def vat_changes(
    names: dict[str, str], vat_on: pd.DataFrame, vat_later: pd.DataFrame, later: dt.date
) -> list[RuleChange]:
    """VAT/GST rates of the markets in `names` (code → name) that differ between two
    `queries.pricing_vat` results: on the date and on `later` (its effective date is the new row's
    effective_from)."""
    now = {str(r.market_code): r for r in vat_on.itertuples(index=False)}
    changes: list[RuleChange] = []
    for rec in vat_later.itertuples(index=False):
        code = str(rec.market_code)
        if code not in names:
            continue
        old = now.get(code)
        if old is not None and float(old.rate_pct) == float(rec.rate_pct):  # type: ignore[arg-type]
            continue
        before = f"{float(old.rate_pct):g}% → " if old is not None else ""  # type: ignore[arg-type]
        changes.append(
            RuleChange(
                names[code],
                f"VAT/GST {before}{float(rec.rate_pct):g}%",  # type: ignore[arg-type]
                pd.Timestamp(rec.effective_from).date(),  # type: ignore[arg-type]
                "changes",
                str(rec.source_url),
            )
        )
    return changes
