"""Saved views and subscriptions: what they are, how they are checked, when one is due, and when an alert
holds. No Streamlit, no SMTP (`evdash.deliver` sends), no `date.today()` (callers pass the instant).

A **saved view** is a page path and its URL query under a name, owned by the user who saved it.
A **subscription** is an e-mail address and either

* a view (`path`, `query`) with `every` = daily | weekly | monthly: due once per day, ISO week or
  calendar month (the period holding the delivery instant; `due_period`), or
* an alert (`ALERTS`), sent only when its condition holds, and not again for the same state:

  - `pace`: the brand's deliveries this year below `threshold` % of the straight-line path to its
    target (`watch.pace_item`'s path, on the Deliveries page's default outlook, `briefing.pace_outlook`);
  - `rule_change`: a duty or VAT change taking effect within `threshold` days in the watched `market`
    (default: the brand's focus markets) for the brand's focus model (`briefing.rule_changes`, the
    watch list's rule);
  - `overdue`: a recurring source (of the brand, when one is given) overdue by more than `threshold`
    days (`freshness.source_status`);
  - `rank`: the top `threshold` markets of the Market ranking (its defaults, `market_ranking`) differ
    from those of the previous check (the first check records them).

Every parameter is checked at subscribe time (`check_*`, `SubscriptionError` names the parameter), the
brand and market against the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import duckdb
import pandas as pd

from evdash import (
    briefing,
    config,
    expansion,
    freshness,
    pricing,
    pricing_service,
    queries,
    ranking_service,
    watch,
)
from evdash.deliveries import straight_line_path
from evdash.journal.subscriptions import Delivery, Record, Store, new_id, now_iso
from evdash.text import cut

EVERY = ("daily", "weekly", "monthly")
DEFAULT_BRAND = "xiaomi"


@dataclass(frozen=True)
class AlertKind:
    key: str
    words: str  # what it watches, with {n} for the threshold
    default: int
    low: int
    high: int
    unit: str
    name: str  # the kind in words, as a person picks it
    line: str  # one subscription in words, with {n} for the threshold


ALERTS: dict[str, AlertKind] = {
    a.key: a
    for a in (
        AlertKind(
            "pace",
            "deliveries below {n}% of the straight-line path to the target",
            100,
            1,
            200,
            "%",
            "Pace below the target path",
            "Pace below {n} % of the target path",
        ),
        AlertKind(
            "rule_change",
            "a duty or VAT change in force within {n} days",
            watch.RULE_WINDOW_DAYS,
            1,
            watch.RULE_WINDOW_DAYS,
            "days",
            "A duty or VAT change coming into force",
            "A duty or VAT change in force within {n} days",
        ),
        AlertKind(
            "overdue",
            "a source overdue by more than {n} days",
            0,
            0,
            365,
            "days",
            "A source overdue",
            "A source overdue by more than {n} days",
        ),
        AlertKind(
            "rank",
            "a change in the top {n} of the Market ranking",
            3,
            1,
            30,
            "markets",
            "A rank change in the top markets",
            "A change in the top {n} of the Market ranking",
        ),
    )
}
ADDRESS_MAX = 254
NAME_MAX = 80
QUERY_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class SubscriptionError(ValueError):
    """A parameter was refused; the message names it. Nothing was stored."""


# --- checks -----------------------------------------------------------------------------------------------


def check_address(address: str, parameter: str = "--email") -> str:
    """One plain address (local@domain.tld): no line break or other control character, no display name,
    a domain of dot-separated labels with a top-level part of letters."""
    if _CONTROL.search(address):
        raise SubscriptionError(
            f"{parameter}: the address holds a line break or another control character; one plain "
            "address (name@example.com) is expected"
        )
    value = address.strip()
    if not value or len(value) > ADDRESS_MAX or value.count("@") != 1:
        raise SubscriptionError(f"{parameter}: '{cut(value)}' is not one e-mail address (name@example.com)")
    local, domain = value.split("@")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise SubscriptionError(f"{parameter}: '{cut(value)}': the part before @ is not a valid mailbox name")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(x) for x in labels) or not labels[-1].isalpha():
        raise SubscriptionError(
            f"{parameter}: '{cut(value)}': '{cut(domain)}' is not a valid mail domain (e.g. example.com)"
        )
    return value


def known_pages() -> dict[str, Path]:
    """URL path → page script: '' is the Overview (app.py), every `pages/<name>.py` is `<name>`."""
    pages = {"": config.REPO_ROOT / "app.py"}
    pages.update({p.stem: p for p in sorted((config.REPO_ROOT / "pages").glob("*.py"))})
    return pages


def page_path(script: str) -> str:
    """The URL path of a page script: 'app.py' → '' (the Overview), 'pages/markets.py' → 'markets'."""
    return "" if script == "app.py" else Path(script).stem


def page_script(path: str) -> str:
    """The page script of a URL path (the inverse of `page_path`)."""
    return "app.py" if path == "" else f"pages/{path}.py"


def check_view(view: str, parameter: str = "--view") -> tuple[str, str]:
    """A view as `PATH[?QUERY]` (a leading slash or a whole dashboard URL is accepted): (path, query),
    the path a known page, the query kept as given (its values are the page's own URL parameters)."""
    if _CONTROL.search(view):
        raise SubscriptionError(f"{parameter}: the view holds a line break or another control character")
    value = view.strip()
    if len(value) > QUERY_MAX:
        raise SubscriptionError(f"{parameter}: the view is longer than {QUERY_MAX} characters")
    value = re.sub(r"^[a-z]+://[^/?#]*", "", value)  # a whole link: its path and query
    path, _, query = value.partition("?")
    path = path.strip("/")
    pages = known_pages()
    if path not in pages:
        shown = ", ".join(f"'{p}'" if p else "'' (the Overview)" for p in pages)
        raise SubscriptionError(f"{parameter}: '{cut(path)}' is not a page of the dashboard (pages: {shown})")
    pairs = parse_qsl(query.split("#")[0], keep_blank_values=True)
    return path, urlencode(pairs)


def check_name(name: str, parameter: str = "--name") -> str:
    """A view's name (it becomes part of an e-mail subject): one line, no control character."""
    if _CONTROL.search(name):
        raise SubscriptionError(f"{parameter}: the name holds a line break or another control character")
    value = name.strip()
    if not value:
        raise SubscriptionError(f"{parameter}: a view needs a name")
    if len(value) > NAME_MAX:
        raise SubscriptionError(f"{parameter}: at most {NAME_MAX} characters")
    return value


def check_threshold(kind: str, threshold: int | None) -> int:
    alert = ALERTS[kind]
    if threshold is None:
        return alert.default
    if not alert.low <= threshold <= alert.high:
        raise SubscriptionError(
            f"--threshold: {threshold} is out of range for the alert '{alert.name}' "
            f"({alert.low}–{alert.high} {alert.unit})"
        )
    return threshold


def threshold_help() -> str:
    """What N means for each alert kind and the range `check_threshold` accepts, in words (one line each)."""
    return "\n".join(
        f"- {a.name}: {a.words.format(n='N')}; N from {a.low} to {a.high} {a.unit} (default {a.default})."
        for a in ALERTS.values()
    )


def market_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Code → name of every market in the data (the Market ranking's markets)."""
    return market_names_in(queries.markets_measures_years(con))


def market_names_in(frame: pd.DataFrame) -> dict[str, str]:
    """Code → name of every market in `queries.markets_measures_years`'s frame, by name."""
    pairs = zip(frame["market_code"].astype(str), frame["market_name"].astype(str), strict=True)
    return dict(sorted(dict(pairs).items(), key=lambda pair: pair[1]))


def check_brand(con: duckdb.DuckDBPyConnection, brand: str) -> str:
    brands = queries.brands(con)
    if brand not in set(brands["brand_id"]):
        raise SubscriptionError(
            f"--brand: '{cut(brand)}' is not a brand in the data (known: {', '.join(brands['brand_id'])})"
        )
    return brand


def check_market(con: duckdb.DuckDBPyConnection, market: str) -> str:
    code = market.strip().upper()
    names = market_names(con)
    if code not in names:
        raise SubscriptionError(
            f"--market: '{cut(market)}' is not a market in the data "
            f"(ISO 3166 alpha-3 codes: {', '.join(sorted(names))})"
        )
    return code


# --- making and listing -----------------------------------------------------------------------------------


def view_subscription(address: str, view: str, every: str, owner: str, name: str = "") -> Record:
    """A checked view subscription (not stored yet)."""
    if every not in EVERY:
        raise SubscriptionError(f"--every: '{cut(every)}' is not one of {', '.join(EVERY)}")
    path, query = check_view(view)
    body: dict[str, object] = {
        "email": check_address(address),
        "path": path,
        "query": query,
        "every": every,
        "name": check_name(name) if name else "",
    }
    return Record(new_id("subscription"), "subscription", owner, body, now_iso())


def alert_subscription(
    con: duckdb.DuckDBPyConnection,
    address: str,
    kind: str,
    owner: str,
    threshold: int | None = None,
    brand: str | None = None,
    market: str | None = None,
) -> Record:
    """A checked alert subscription (not stored yet); the brand and market are checked against the data."""
    email = check_address(address)
    if kind not in ALERTS:
        raise SubscriptionError(f"--alert: '{cut(kind)}' is not an alert kind ({', '.join(ALERTS)})")
    body: dict[str, object] = {
        "email": email,
        "alert": kind,
        "threshold": check_threshold(kind, threshold),
        "brand": check_brand(con, brand or DEFAULT_BRAND),
        "market": check_market(con, market) if market else "",
    }
    return Record(new_id("subscription"), "subscription", owner, body, now_iso())


def saved_view(owner: str, name: str, path: str, query: Mapping[str, str | list[str]]) -> Record:
    """A saved view of the page at `path` with its URL query (a signed-in user's choices)."""
    pairs = [(k, x) for k, v in query.items() for x in ([v] if isinstance(v, str) else v)]
    checked_path, checked_query = check_view(f"{path}?{urlencode(pairs)}", "page")
    body: dict[str, object] = {"name": check_name(name, "name"), "path": checked_path, "query": checked_query}
    return Record(new_id("view"), "view", owner, body, now_iso())


def view_target(record: Record) -> str:
    """'markets?model=xiaomi_yu7' (the path and query a link opens)."""
    path, query = str(record.body.get("path", "")), str(record.body.get("query", ""))
    return f"{path}?{query}" if query else path


def link(base_url: str, target: str) -> str:
    return f"{base_url.rstrip('/')}/{target}"


def describe(record: Record) -> str:
    """One line in words: 'daily: markets?model=xiaomi_yu7 → a@example.com' / 'alert pace below 90% …'."""
    b = record.body
    if "alert" in b:
        alert = ALERTS[str(b["alert"])]
        where = f" in {b['market']}" if b.get("market") else ""
        what = alert.words.format(n=b["threshold"])
        return f"alert '{alert.key}' ({b['brand']}{where}): {what} → {b['email']}"
    if record.kind == "view":
        return f"view '{b['name']}': /{view_target(record)}"
    return f"{b['every']}: /{view_target(record)} → {b['email']}"


def alert_line(record: Record, brands: Mapping[str, str], markets: Mapping[str, str]) -> str:
    """An alert subscription in words for a person: 'Pace below 90 % of the target path · Xiaomi · to
    ana@example.com' (with '· in Norway' when it watches one market); `brands`/`markets`: code → name."""
    b = record.body
    alert = ALERTS[str(b["alert"])]
    brand, market = str(b["brand"]), str(b.get("market") or "")
    where = f" · in {markets.get(market, market)}" if market else ""
    return f"{alert.line.format(n=b['threshold'])} · {brands.get(brand, brand)}{where} · to {b['email']}"


def active(store: Store, owner: str | None = None) -> list[Record]:
    return [r for r in store.records("subscription") if r.active and (owner is None or r.owner == owner)]


# --- when a view is due -----------------------------------------------------------------------------------


def due_period(every: str, now: dt.datetime) -> str:
    """The period of `now` a view subscription is sent once in: '2026-12-07', '2026-W50', '2026-12'."""
    day = now.date()
    if every == "daily":
        return day.isoformat()
    if every == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def view_on(record: Record, now: dt.datetime) -> dt.date:
    """The 'in force on' date the view is summarised on: its own `on` parameter, else the delivery day."""
    query = dict(parse_qsl(str(record.body.get("query", ""))))
    try:
        return dt.date.fromisoformat(query["on"]) if "on" in query else now.date()
    except ValueError:
        return now.date()


def view_brand(con: duckdb.DuckDBPyConnection, record: Record, on: dt.date) -> str:
    """The brand a view speaks of: its `brand` parameter, else its `model`'s brand, else the default."""
    query = dict(parse_qsl(str(record.body.get("query", ""))))
    brands = set(queries.brands(con)["brand_id"])
    if query.get("brand") in brands:
        return query["brand"]
    model = query.get("model") or (
        pricing_service.DEFAULT_MODEL if record.body.get("path") == "markets" else ""
    )
    if model:
        entry = pricing_service.catalogue(pricing_service.ConnectionReader(con), on).entry
        found = entry[entry["model_id"] == model]
        if not found.empty:
            return str(found.iloc[0]["brand_id"])
    return DEFAULT_BRAND


# --- alerts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertItem:
    id: str  # the state it stands for: the same condition again is not sent again
    text: str
    target: str  # the page (and query) that shows it


def _focus(con: duckdb.DuckDBPyConnection, brand: str, on: dt.date) -> tuple[pd.Series | None, pd.DataFrame]:
    """The brand's focus model and focus markets on `on`, as the briefing chooses them."""
    home = str(queries.brands(con).set_index("brand_id").loc[brand, "home_market"])
    status = expansion.with_labels(queries.expansion_map_status(con, brand, on), expansion.measure("status"))
    origins = pricing.origin_prices(pricing.latest_prices(queries.pricing_prices(con, on), on))
    origin = briefing.focus_model(origins, queries.deliveries_models(con, brand), brand, on)
    return origin, briefing.focus_markets(status, home)


def pace_items(con: duckdb.DuckDBPyConnection, brand: str, threshold: int, on: dt.date) -> list[AlertItem]:
    o = briefing.pace_outlook(con, brand, on)
    item = watch.pace_item(o)
    if item is None or o.delivered is None or o.current_target is None:
        return []
    share = 100 * o.delivered / straight_line_path(o.current_target, o.elapsed)
    if share >= threshold:
        return []
    state = f"pace:{brand}:{o.year}:{o.elapsed}:{o.delivered:g}:{o.current_target:g}"
    words = f"{share:.0f}% of the path, below the {threshold}% you asked to hear about"
    return [AlertItem(state, f"{item.text} That is {words}.", f"deliveries?brand={brand}")]


def rule_change_items(
    con: duckdb.DuckDBPyConnection, brand: str, market: str, days: int, on: dt.date
) -> list[AlertItem]:
    origin, markets = _focus(con, brand, on)
    if market:
        markets = pd.DataFrame({"iso3": [market], "country": [market_names(con).get(market, market)]})
    changes = briefing.rule_changes(con, origin, markets, on)
    horizon = on + dt.timedelta(days=days)
    items = [
        i
        for i in watch.watch_list(on, None, [], changes, [])
        if i.kind == "rule_change" and i.date is not None and i.date <= horizon
    ]
    code = {str(n): str(c) for c, n in zip(markets["iso3"], markets["country"], strict=True)}
    out = []
    for i in items:
        name = i.text.split(":", 1)[0]
        target = f"pricing?market={code[name]}" if name in code else "pricing"
        out.append(AlertItem(f"rule:{brand}:{i.text.split(' (in ')[0]}", i.text, target))
    return out


def overdue_items(con: duckdb.DuckDBPyConnection, brand: str, days: int, on: dt.date) -> list[AlertItem]:
    statuses = freshness.source_status(queries.source_status(con), on)
    out = []
    for s in statuses:
        if not s.overdue or s.due is None or (s.subject and s.subject != brand):
            continue
        if (on - s.due).days <= days:
            continue
        out.append(AlertItem(f"overdue:{s.source}:{s.due.isoformat()}", f"{s.words}.", "sources"))
    return out


def market_ranking(con: duckdb.DuckDBPyConnection, on: dt.date, model: str) -> pd.DataFrame:
    """The Market ranking page's ranking as it opens (`ranking_service.default_ranking`: the markets of
    the region the brand enters first, default weights and policies, the model's duty class):
    `scoring.score_markets`'s table, best first."""
    reader = pricing_service.ConnectionReader(con)
    ranked = ranking_service.default_ranking(reader, on, model)
    return ranked.result.table.sort_values("rank").reset_index(drop=True)


def rank_state(con: duckdb.DuckDBPyConnection, brand: str, top: int, on: dt.date) -> tuple[str, str, str]:
    """(state id, the top markets in words, the model) of the brand's ranking on `on`."""
    model = ranking_service.brand_model(pricing_service.ConnectionReader(con), brand, on)
    if not model:
        return "", "", ""
    table = market_ranking(con, on, model).head(top)
    names = market_names(con)
    codes = [str(c) for c in table["market_code"]]
    words = ", ".join(f"{int(r)}. {names.get(c, c)}" for r, c in zip(table["rank"], codes, strict=True))
    return f"rank:{model}:top{top}:" + ",".join(codes), words, model


def alert_items(
    con: duckdb.DuckDBPyConnection, record: Record, on: dt.date, sent: list[Delivery]
) -> tuple[list[AlertItem], str | None]:
    """What the alert has to say on `on` that was not said before (`sent`: the subscription's deliveries),
    and for `rank` the state to record silently when nothing was recorded yet (the first check)."""
    b = record.body
    kind, brand, threshold = str(b["alert"]), str(b["brand"]), int(str(b["threshold"]))
    said = {s for d in sent if d.status != "failed" for s in d.state}
    if kind == "rank":
        state, words, model = rank_state(con, brand, threshold, on)
        if not state:
            return [], None
        if not sent:
            return [], state
        last = [d for d in sent if d.status != "failed"]
        previous = last[-1].state[0] if last and last[-1].state else ""
        if state == previous:
            return [], None
        return [
            AlertItem(
                state,
                f"The top {threshold} markets for the {model} are now: {words}.",
                f"markets?model={model}",
            )
        ], None
    if kind == "pace":
        items = pace_items(con, brand, threshold, on)
    elif kind == "rule_change":
        items = rule_change_items(con, brand, str(b.get("market") or ""), threshold, on)
    else:
        items = overdue_items(con, brand, threshold, on)
    return [i for i in items if i.id not in said], None


def alert_key(record: Record, items: list[AlertItem], sent: list[Delivery]) -> str:
    """The idempotency key of an alert message: the subscription and the states it reports (for `rank`
    also how many were recorded before, so a ranking that comes back is news again)."""
    digest = hashlib.sha256("\n".join(sorted(i.id for i in items)).encode()).hexdigest()[:16]
    seq = f"{len([d for d in sent if d.status != 'failed'])}:" if record.body.get("alert") == "rank" else ""
    return f"{record.id}:{seq}{digest}"
