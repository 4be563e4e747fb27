"""What changed since a date: the list a returning viewer reads first (issue 22, item 2).

Pure rules on plain frames (the `queries/changes_*.sql` results, `freshness.source_status`); `collect` runs
the queries on one connection for the Overview and the briefing. Each kind of change is counted by one
date, named in `Change.counted_by` and in docs/data-arrival.md ("What changed"):

* `new` — figures the picking rule shows whose source published them after the date (their `as_of`);
* `revision` — a figure a later edition of the same source revised (the new edition's `as_of`), and a
  correction an import made to an existing row, old → new (the import's acceptance, `imported_at`);
* `duty` / `vat` — an import duty on the brand's car or a VAT/GST rate that takes effect after the date
  (its effective date; one after today is announced, not yet in force);
* `rank` — a market whose rank on the Market ranking (its default scenario) differs between the data as
  known at the end of the date, ranked on that date, and today's data ranked today (`ranked`: two
  rankings, so the Overview lists them only when asked);
* `overdue` — a recurring source that became late after the date (the day after it was due).

"After the date" means after the end of that day (the day itself is what the viewer already saw), up to
and including `today`. No `date.today()` here: the caller passes both dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd
import pycountry

from evdash import filters, freshness, labels, pricing_service, queries, ranking_service, watch
from evdash.pricing_service import Reader
from evdash.theme import fmt_int

ChangeKind = Literal["new", "revision", "duty", "vat", "rank", "overdue"]
KIND_WORDS: dict[str, tuple[str, str]] = {  # kind → (one, many), in the order the list shows them
    "new": ("new figure release", "new figure releases"),
    "revision": ("revision", "revisions"),
    "duty": ("duty change", "duty changes"),
    "vat": ("VAT change", "VAT changes"),
    "rank": ("rank change", "rank changes"),
    "overdue": ("source gone overdue", "sources gone overdue"),
}
COUNTED_BY = {
    "published": "counted by the day its source published it",
    "accepted": "counted by the day the import was accepted",
    "takes effect": "counted by the day it takes effect",
    "overdue since": "counted by the first day it was late",
    "ranked": "the Market ranking on the data as known at the end of the since day against today's",
}
DEFAULT_DAYS = 7  # without `?since=`: the last week
SINCE_FIRST = dt.date(2000, 1, 1)
POWERTRAIN = "BEV"  # the car whose duties are watched: the ranked markets rank a battery-electric model
REVISIONS_NAMED = 3  # per edition, the largest revisions are named; the rest are counted
FIGURE_WORDS = {
    "monthly_deliveries": ("monthly deliveries figure", "monthly deliveries figures"),
    "delivery_totals": ("reported delivery total", "reported delivery totals"),
    "targets": ("delivery target", "delivery targets"),
    "market_figures": ("market figure", "market figures"),
}
IMPORT_PAGE_TABLE = {"iea": "markets", "national_registrations": "registrations"}


@dataclass(frozen=True)
class Change:
    """One thing that changed: its words, the date it is counted by, and the page (with the URL
    parameters that select it) that shows it."""

    kind: ChangeKind
    text: str
    date: dt.date
    counted_by: str  # a key of COUNTED_BY
    page: str  # 'pages/pricing.py'
    params: tuple[tuple[str, str], ...] = ()
    source: str = ""


def parse_since(raw: str, today: dt.date) -> dt.date:
    """`?since=YYYY-MM-DD`: a day from 2000 to the day before `today` (the URL's one date rule,
    `filters.parse_date`). Raises ValueError naming the parameter and what was wrong."""
    latest = today - dt.timedelta(days=1)
    day, problem = filters.parse_date([raw.strip()], latest, "since", SINCE_FIRST, latest)
    if problem is not None:
        words = problem.split("; using")[0] + "."
        raise ValueError(words if words.startswith("since") else f"since: {words}")
    return day


def default_since(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=DEFAULT_DAYS)


def _date(value: object) -> dt.date:
    return pd.Timestamp(str(value)).date()


def _number(value: float) -> str:
    return fmt_int(value) if float(value).is_integer() and abs(value) >= 100 else f"{value:,.4g}"


def _country(code: object) -> str:
    found = pycountry.countries.get(alpha_3=str(code))
    return str(getattr(found, "common_name", None) or found.name) if found is not None else str(code)


def new_figures(frame: pd.DataFrame, brand: str, brand_name: str) -> list[Change]:
    """One item per source edition (rows of `queries.changes_new_figures`)."""
    out: list[Change] = []
    for row in frame.to_dict("records"):
        kind = str(row["kind"])
        one, many = FIGURE_WORDS[kind]
        n = int(row["figures"])
        period = labels.span(row["first_period"], row["last_period"])
        if kind == "market_figures":
            markets = int(row["markets"])
            whose = _country(row["market_code"]) if markets == 1 else f"{markets} markets"
            params: tuple[tuple[str, str], ...] = (
                (("market", str(row["market_code"])),) if markets == 1 else ()
            )
            page = "pages/expansion.py"
        else:
            whose, params, page = brand_name, (("brand", brand),), "pages/deliveries.py"
        words = labels.noun(n, one, many)
        confidence = labels.label(labels.CONFIDENCE, row["confidence"]).lower()
        out.append(
            Change(
                "new",
                f"{n:,} new {words} for {whose} ({period}), {confidence}, from {row['publisher']}",
                _date(row["as_of"]),
                "published",
                page,
                params,
                str(row["source_url"] or ""),
            )
        )
    return out


def revisions(frame: pd.DataFrame, brand: str, brand_name: str, named: int = REVISIONS_NAMED) -> list[Change]:
    """Revised figures (rows of `queries.changes_revisions`): a brand's monthly figure one item each; a
    market edition's revisions one item per edition with its largest `named` revisions, old → new."""
    out: list[Change] = []
    deliveries = frame[frame["kind"] == "monthly_deliveries"]
    for row in deliveries.to_dict("records"):
        out.append(
            Change(
                "revision",
                f"{brand_name} deliveries {labels.month(row['period_start'])} ({row['market_name']}): "
                f"{_number(float(row['revised_from_value']))} → {_number(float(row['value']))} "
                f"(revised by {row['publisher']})",
                _date(row["as_of"]),
                "published",
                "pages/deliveries.py",
                (("brand", brand), ("year", str(_date(row["period_start"]).year))),
                str(row["source_url"] or ""),
            )
        )
    markets = frame[frame["kind"] == "market_figures"]
    for (as_of, publisher, url), edition in markets.groupby(["as_of", "publisher", "source_url"], sort=False):
        largest = [
            f"{row['market_name']} {labels.label(labels.METRIC, row['metric'])} "
            f"{_date(row['period_start']).year}: {_number(float(row['revised_from_value']))} → "
            f"{_number(float(row['value']))}"
            for row in edition.head(named).to_dict("records")
        ]
        rest = len(edition) - len(largest)
        more = f"; and {rest:,} more" if rest > 0 else ""
        out.append(
            Change(
                "revision",
                f"{publisher} revised {labels.count(len(edition), 'figure')} of markets: "
                + "; ".join(largest)
                + more,
                _date(as_of),
                "published",
                "pages/sources.py",
                (),
                str(url or ""),
            )
        )
    return out


def corrections(frame: pd.DataFrame) -> list[Change]:
    """Corrections an accepted import made (rows of `queries.changes_corrections`), one item per cell:
    old → new, with the row's key and the file."""
    out: list[Change] = []
    for row in frame.to_dict("records"):
        kind = str(row["kind"])
        old = "empty" if row["old_value"] is None or pd.isna(row["old_value"]) else str(row["old_value"])
        new = "empty" if row["new_value"] is None or pd.isna(row["new_value"]) else str(row["new_value"])
        out.append(
            Change(
                "revision",
                f"{labels.label(labels.IMPORT_KIND, kind)} "
                f"{row['row_key']}: {row['column_name']} {old} → {new} (import of {row['file_name']} by "
                f"{row['imported_by']})",
                _date(row["accepted_on"]),
                "accepted",
                "pages/data.py",
                (("table", IMPORT_PAGE_TABLE.get(kind, kind)),),
            )
        )
    return out


def duty_changes(frame: pd.DataFrame, today: dt.date, brand_name: str) -> list[Change]:
    """Duty changes on the brand's car (rows of `queries.changes_duties`: the duty mart's own timeline)."""
    out: list[Change] = []
    for row in frame.to_dict("records"):
        on = _date(row["on_date"])
        markets = int(row["markets"])
        where = str(row["market_names"]) if markets <= 3 else f"{markets} markets ({row['market_names']})"
        when = "announced, in force from" if on > today else "in force from"
        out.append(
            Change(
                "duty",
                f"{where}: import duty on a {brand_name} {POWERTRAIN} {row['duty_before']} → "
                f"{row['duty_after']}, {when} {labels.day(on)} ({row['what_changed']})",
                on,
                "takes effect",
                "pages/pricing.py",
                (("market", str(row["market_code"])), ("on", on.isoformat())),
            )
        )
    return out


def vat_changes(vat_since: pd.DataFrame, vat_later: pd.DataFrame, today: dt.date) -> list[Change]:
    """VAT/GST rates that differ between the `since` date and `later` (`queries.pricing_vat` on each), in
    the words of the watch list's one VAT rule (`watch.vat_changes`)."""
    names = {str(code): _country(code) for code in vat_later["market_code"]}
    codes = {name: code for code, name in names.items()}
    out: list[Change] = []
    for change in watch.vat_changes(names, vat_since, vat_later, today):
        when = "announced, in force from" if change.effective > today else "in force from"
        out.append(
            Change(
                "vat",
                f"{change.market}: {change.what}, {when} {labels.day(change.effective)}",
                change.effective,
                "takes effect",
                "pages/pricing.py",
                (("market", codes[change.market]), ("on", change.effective.isoformat())),
                change.source,
            )
        )
    return out


def rank_changes(
    then: pd.DataFrame,
    now: pd.DataFrame,
    names: Mapping[str, str],
    model_name: str,
    model: str,
    today: dt.date,
) -> list[Change]:
    """Markets whose rank on the Market ranking (its default scenario, `ranking_service.default_ranking`)
    moved: `then` is the ranking table on the `since` day with the data as known then, `now` today's
    (columns `market_code`, `rank`). A market that entered or left the ranking says so."""
    before = {str(c): int(r) for c, r in zip(then["market_code"], then["rank"], strict=True)}
    after = {str(c): int(r) for c, r in zip(now["market_code"], now["rank"], strict=True)}
    out: list[Change] = []
    for code in sorted(set(before) | set(after), key=lambda c: (after.get(c, 10**6), before.get(c, 10**6))):
        old, new = before.get(code), after.get(code)
        if old == new:
            continue
        where = names.get(code, code)
        if old is None:
            what = f"newly ranked {new}"
        elif new is None:
            what = f"no longer ranked (was {old})"
        else:
            what = f"rank {old} → {new} ({'up' if new < old else 'down'} {abs(new - old)})"
        out.append(
            Change(
                "rank",
                f"{where}: {what} for the {model_name} on the Market ranking",
                today,
                "ranked",
                "pages/markets.py",
                (("model", model),),
            )
        )
    return out


def gone_overdue(statuses: Sequence[freshness.SourceStatus], since: dt.date) -> list[Change]:
    """Recurring sources late today that were not late yet at the end of `since`."""
    return [
        Change("overdue", s.words, s.overdue_since, "overdue since", "pages/data.py", (), s.url)
        for s in statuses
        if s.overdue and s.overdue_since is not None and s.overdue_since > since
    ]


def ordered(changes: Sequence[Change]) -> tuple[Change, ...]:
    """Kinds in KIND_WORDS order, within a kind the newest first."""
    order = list(KIND_WORDS)
    return tuple(sorted(changes, key=lambda c: (order.index(c.kind), -c.date.toordinal(), c.text)))


def summary(changes: Sequence[Change]) -> str:
    """'2 new figure releases · 1 revision · 3 duty changes', or 'Nothing changed' when empty."""
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in KIND_WORDS}
    parts = [
        f"{n} {one if n == 1 else many}" for kind, (one, many) in KIND_WORDS.items() if (n := counts[kind])
    ]
    return " · ".join(parts) if parts else "Nothing changed"


def counted_by(changes: Sequence[Change]) -> str:
    """What each item's date means, for the kinds present: 'new figure releases: counted by the day its
    source published it; duty changes: counted by the day it takes effect'."""
    pairs = dict.fromkeys((c.kind, c.counted_by) for c in ordered(changes))
    return "; ".join(f"{KIND_WORDS[kind][1]}: {COUNTED_BY[by]}" for kind, by in pairs)


def link(change: Change, shared: Mapping[str, Sequence[str]]) -> str:
    """The item's page address with the shared URL parameters kept and its own over them
    ('/pricing?brand=xiaomi&market=DEU&on=2026-07-01')."""
    from urllib.parse import urlencode

    params: dict[str, str] = {k: str(v[-1]) for k, v in shared.items() if v}
    params.update(dict(change.params))
    stem = change.page.removeprefix("pages/").removesuffix(".py")
    path = "/" if change.page == "app.py" else f"/{stem}"
    return path + (f"?{urlencode(params)}" if params else "")


def ranked(then: Reader, now: Reader, brand: str, since: dt.date, today: dt.date) -> list[Change]:
    """Rank changes of the markets the Market ranking compares for the brand's model (its default
    scenario): `then` reads the data as known at the end of `since` (`build.known_version`), `now` today's.
    Two rankings: the Overview lists them when asked, the briefing and alerts may always."""
    model = ranking_service.brand_model(now, brand, today)
    if not model:
        return []
    current = ranking_service.default_ranking(now, today, model).result.table
    try:
        earlier = ranking_service.default_ranking(then, since, model).result.table
    except IndexError:  # the model had no home price yet on `since`: every ranked market is new
        earlier = current.iloc[0:0]
    cat = pricing_service.catalogue(now, today)
    entry = cat.entry[cat.entry["model_id"] == model].iloc[0]
    return rank_changes(
        earlier, current, cat.market_names, f"{entry['brand_name']} {entry['model_name']}", model, today
    )


def collect(
    con: duckdb.DuckDBPyConnection, brand: str, brand_name: str, since: dt.date, today: dt.date
) -> tuple[Change, ...]:
    """Everything that changed for `brand` after the end of `since` up to `today`, ordered."""
    changes: list[Change] = []
    changes += new_figures(queries.changes_new_figures(con, brand, since, today), brand, brand_name)
    changes += revisions(queries.changes_revisions(con, brand, since, today), brand, brand_name)
    changes += corrections(queries.changes_corrections(con, since, today))
    changes += duty_changes(queries.changes_duties(con, brand, POWERTRAIN, since), today, brand_name)
    later = today + dt.timedelta(days=watch.RULE_WINDOW_DAYS)
    changes += vat_changes(queries.pricing_vat(con, since), queries.pricing_vat(con, later), today)
    changes += gone_overdue(freshness.source_status(queries.source_status(con), today), since)
    return ordered(changes)
