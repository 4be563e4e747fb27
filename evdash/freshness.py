"""How old the newest figure a page uses is, in words a reader understands at a glance: "latest monthly
figure: Feb 2026 — 9 months before today (1 Dec 2026)". Pure: frames and dates in, text out (no Streamlit, no
`date.today()`: pages pass the day they treat as today). Input: queries/freshness.sql.

Age = whole months from the end of the newest period to `today` (Feb 2026 ends on 28 Feb; on 1 Dec 2026
that is 9 months). A page names the kinds it uses (`KIND_LABEL`); the oldest-looking of them is not hidden
behind the newest: each kind gets its own line.
"""

from __future__ import annotations

import datetime as dt
import importlib
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


# --- Recurring sources and their freshness promise (data/seeds/source_feeds.csv) -------------------------
#
# A source publishes one figure per period (month, quarter, year). The figure for a period is due on
# `due_day` (none = the last day) of the month `lag_months` after the period's last month: Xiaomi's March
# deliveries (monthly, lag 1, day 3) are due on 3 Apr; the IEA's 2025 figures (yearly, lag 5, no day) by
# 31 May 2026. The next figure due is the one for the period after the newest held; it is overdue once
# `today` is past its due date, and has been since the day after. Input: queries/source_status.sql.

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
PERIOD_WORD = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after the month of `month` (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_last_day(month: dt.date) -> int:
    return (add_months(month, 1) - dt.timedelta(days=1)).day


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 3 -> '3rd', 11 -> '11th', 22 -> '22nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def newest_complete_period(period: str, newest_month: dt.date) -> dt.date:
    """The first day of the last month of the newest whole period held, given the last month held: a
    quarter counts once its third month is held (Aug held -> Q2, ending Jun), a year once December is."""
    size = PERIOD_MONTHS[period]
    return (
        add_months(newest_month, -(newest_month.month % size)) if newest_month.month % size else newest_month
    )


def due_date(period: str, newest_end_month: dt.date, lag_months: int, due_day: int | None) -> dt.date:
    """When the figure for the period after the one ending in `newest_end_month` is due."""
    next_end = add_months(newest_end_month, PERIOD_MONTHS[period])
    month = add_months(next_end, lag_months)
    last = _month_last_day(month)
    return month.replace(day=min(due_day or last, last))


def cadence_words(period: str, lag_months: int, due_day: int | None) -> str:
    """'monthly, by the 3rd', 'yearly, May', 'quarterly, by the end of the 2nd month after the quarter'."""
    word = PERIOD_WORD[period]
    if period == "year":
        month = add_months(dt.date(2000, 12, 1), lag_months)
        return f"{word}, {f'by {due_day} ' if due_day else ''}{month:%B}"
    after = "the quarter" if period == "quarter" else "the month"
    if lag_months == 0:
        month_text = "the month" if period == "month" else "the quarter's last month"
    elif lag_months == 1:
        month_text = "the next month" if period == "month" else f"the month after {after}"
    else:
        month_text = f"the {ordinal(lag_months)} month after {after}"
    if period == "month" and lag_months == 1 and due_day:
        return f"{word}, by the {ordinal(due_day)}"
    return f"{word}, by {f'the {ordinal(due_day)} of' if due_day else 'the end of'} {month_text}"


def _overdue_age(since: dt.date, today: dt.date) -> str:
    months = months_between(since, today)
    if months >= 1:
        return f"{months} month{'s' if months != 1 else ''}"
    days = (today - since).days
    return f"{days} day{'s' if days != 1 else ''}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True)
class SourceStatus:
    """One recurring source on `today`: its newest figure held, when the next is due, whether it is late."""

    source: str  # feed_id
    subject: str  # whose figure: a brand id, a market code, a currency pair ('' for a whole publication)
    name: str
    publisher: str
    cadence: str  # in words: 'monthly, by the 3rd'
    period: str  # 'month' | 'quarter' | 'year'
    newest: dt.date | None  # the last day the newest whole period held covers (None = nothing held)
    newest_label: str  # 'Feb 2026', 'Q1 2026', '2023', '' when nothing is held
    due: dt.date | None  # when the next figure is due
    overdue: bool
    overdue_since: dt.date | None  # the first day it was late (the day after `due`)
    today: dt.date
    url: str
    licence: str
    parser: str  # the connector (`evdash fetch <parser>`), '' when entered by hand or imported as CSV

    @property
    def words(self) -> str:
        """'Xiaomi monthly deliveries: due 3 Apr 2026, overdue 8 months'; for a source on time, when the
        next figure is due and the newest held."""
        if self.due is None:
            return f"{self.name}: no figure held yet ({self.cadence})"
        if self.overdue and self.overdue_since is not None:
            return f"{self.name}: due {_day(self.due)}, overdue {_overdue_age(self.due, self.today)}"
        return f"{self.name}: next due {_day(self.due)} (newest held: {self.newest_label})"

    def as_json(self) -> dict[str, object]:
        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "source": self.source,
            "name": self.name,
            "publisher": self.publisher,
            "cadence": self.cadence,
            "period": self.period,
            "newest": iso(self.newest),
            "newest_label": self.newest_label or None,
            "due": iso(self.due),
            "overdue": self.overdue,
            "overdue_since": iso(self.overdue_since),
            "words": self.words,
            "parser": self.parser or None,
            "parser_version": connector_version(self.parser),
            "url": self.url,
            "licence": self.licence,
        }


def connector_version(parser: str) -> str | None:
    """`PARSER_VERSION` of the connector `evdash.connectors.<parser>` (its one home); None when the source
    has no connector or the connector is not written yet."""
    if not parser:
        return None
    try:
        module = importlib.import_module(f"evdash.connectors.{parser}")
    except ModuleNotFoundError:
        return None
    version = getattr(module, "PARSER_VERSION", None)
    return str(version) if version is not None else None


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def source_status(frame: pd.DataFrame, today: dt.date) -> list[SourceStatus]:
    """Every recurring source (rows of queries/source_status.sql) on `today`, overdue ones first (the
    longest overdue first), then by when the next figure is due."""
    out: list[SourceStatus] = []
    for row in frame.to_dict("records"):
        period = str(row["period"])
        lag, day = int(row["lag_months"]), _int_or_none(row["due_day"])
        newest: dt.date | None = None
        label, due = "", None
        if row["newest_month"] is not None and not pd.isna(row["newest_month"]):
            end_month = newest_complete_period(period, pd.Timestamp(row["newest_month"]).date())
            start = add_months(end_month, 1 - PERIOD_MONTHS[period])
            newest = add_months(end_month, 1) - dt.timedelta(days=1)
            label = period_label(period, start, newest)
            due = due_date(period, end_month, lag, day)
        late = due is not None and today > due
        out.append(
            SourceStatus(
                source=str(row["feed_id"]),
                subject=""
                if row["newest_subject"] is None or pd.isna(row["newest_subject"])
                else str(row["newest_subject"]),
                name=str(row["name"]),
                publisher=str(row["publisher"]),
                cadence=cadence_words(period, lag, day),
                period=period,
                newest=newest,
                newest_label=label,
                due=due,
                overdue=late,
                overdue_since=due + dt.timedelta(days=1) if late and due is not None else None,
                today=today,
                url=str(row["url"]),
                licence=str(row["licence"]),
                parser="" if row["parser"] is None or pd.isna(row["parser"]) else str(row["parser"]),
            )
        )
    return sorted(out, key=lambda s: (not s.overdue, s.due or dt.date.max, s.source))


def overdue_words(statuses: list[SourceStatus], limit: int | None = None, first: str = "") -> str:
    """The one sentence every page and the briefing print about late sources: 'Overdue: Xiaomi monthly
    deliveries: due 3 Apr 2026, overdue 8 months; … and 3 more sources (Data page)'; '' when none is
    overdue. The sources of subject `first` (the page's brand) come first, then the longest overdue."""
    late = sorted((s for s in statuses if s.overdue), key=lambda s: s.subject != first if first else False)
    if not late:
        return ""
    shown = late if limit is None else late[:limit]
    more = len(late) - len(shown)
    tail = f"; and {more} more source{'s' if more != 1 else ''} (Data page)" if more else ""
    return "Overdue: " + "; ".join(s.words for s in shown) + tail + "."


STATUS_COLUMNS = ["name", "publisher", "cadence", "newest_label", "due", "state", "parser", "url", "licence"]


def status_frame(statuses: list[SourceStatus]) -> pd.DataFrame:
    """The sources as a table (and its download): what each publishes how often, the newest figure
    held, when the next is due, and 'overdue 8 months' / 'on time' / 'no figure held yet'."""
    rows = []
    for s in statuses:
        if s.due is None:
            state = "no figure held yet"
        elif s.overdue:
            state = f"overdue {_overdue_age(s.due, s.today)}"
        else:
            state = "on time"
        rows.append(
            {
                "name": s.name,
                "publisher": s.publisher,
                "cadence": s.cadence,
                "newest_label": s.newest_label or "none",
                "due": s.due,
                "state": state,
                "parser": f"evdash fetch {s.parser}" if s.parser else "CSV import",
                "url": s.url,
                "licence": s.licence,
            }
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
