"""How old the newest figure a page uses is, in words a reader understands at a glance: "latest monthly
figure: Feb 2026 — 9 months before today (1 Dec 2026)". Pure: frames and dates in, text out (no Streamlit, no
`date.today()`: pages pass the day they treat as today). Input: queries/freshness.sql.

Age = whole months from the end of the newest period to `today` (Feb 2026 ends on 28 Feb; on 1 Dec 2026
that is 9 months). A page names the kinds it uses (`KIND_LABEL`); the oldest-looking of them is not hidden
behind the newest: each kind gets its own line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

KIND_LABEL = {
    "monthly_deliveries": "latest monthly delivery figure",
    "period_totals": "latest reported period",
    "targets": "latest target announcement",
    "market_figures": "latest full-year market figure",
    "prices": "latest price in the data",
    "fx": "latest exchange rate",
    "suv_shares": "latest SUV-share figure",
    "registrations": "latest vendor registrations",
    "published_registrations": "latest published registrations",
    "expansion": "latest expansion statement",
    "duties": "latest duty change",
}
STALE_MONTHS = 6  # older than this is said as a warning, not a footnote


@dataclass(frozen=True)
class Freshness:
    kind: str
    period: str  # 'Feb 2026', 'Q1 2026', '2025', '19 Mar 2026'
    period_end: dt.date
    months_old: int
    text: str  # 'latest monthly delivery figure: Feb 2026 — 9 months before 1 Dec 2026'

    @property
    def stale(self) -> bool:
        return self.months_old > STALE_MONTHS


def months_between(end: dt.date, today: dt.date) -> int:
    """Whole months from `end` to `today` (0 when `today` is not later)."""
    months = (today.year - end.year) * 12 + today.month - end.month - (1 if today.day < end.day else 0)
    return max(months, 0)


def period_label(granularity: str, start: dt.date, end: dt.date) -> str:
    """'Feb 2026' (month), 'Q1 2026' (quarter), 'Jan–Nov 2025' (ytd), '2025' (year), '19 Mar 2026'."""
    if granularity == "month":
        return f"{start:%b %Y}"
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if granularity == "ytd":
        return f"{start:%b}–{end:%b %Y}"
    if granularity == "year":
        return str(start.year) if end.month == 12 and end.day == 31 else f"{start.year} (to {end:%d %b})"
    if granularity == "cumulative":
        return f"to {end:%d %b %Y}"
    return f"{end.day} {end:%b %Y}"


def _age(months: int) -> str:
    if months == 0:
        return "less than a month old"
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''} before"
    return f"{months // 12} years before"


def freshness(frame: pd.DataFrame, kinds: list[str], today: dt.date) -> list[Freshness]:
    """One Freshness per kind in `kinds` that has a figure, in the order given."""
    out: list[Freshness] = []
    rows = frame.set_index("kind") if not frame.empty else frame
    for kind in kinds:
        if kind not in rows.index:
            continue
        row = rows.loc[kind]
        if pd.isna(row["period_end"]):
            continue
        start = pd.Timestamp(row["period_start"]).date()
        end = pd.Timestamp(row["period_end"]).date()
        months = months_between(end, today)
        label = period_label(str(row["granularity"]), start, end)
        age = _age(months)
        when = f"today ({today.day} {today:%b %Y})"
        text = f"{KIND_LABEL.get(kind, kind)}: {label} — {age}" + ("" if months == 0 else f" {when}")
        out.append(Freshness(kind, label, end, months, text))
    return out


def partial_year_label(first_month: dt.date, last_month: dt.date) -> str:
    """How much of a calendar year a set of months covers, for chart labels: '' for Jan–Dec, 'Q1 only',
    'H1 only', 'Jan–Oct only', 'Feb only'."""
    if (first_month.month, last_month.month) == (1, 12):
        return ""
    if first_month.month == 1 and last_month.month in (3, 6, 9):
        return {3: "Q1 only", 6: "H1 only", 9: "Q1–Q3 only"}[last_month.month]
    if first_month == last_month:
        return f"{first_month:%b} only"
    return f"{first_month:%b}–{last_month:%b} only"
