"""The executive briefing: everything the PDF and the e-mail say, gathered for a brand and an "in force on"
date from the same queries and core functions the pages use. No Streamlit, no layout, no `date.today()`.

    with db.connect_readonly() as con:
        b = briefing.collect(con, "xiaomi", on=dt.date(2026, 12, 1))
    b.verdict, b.overview_kpis, b.deliveries_kpis, b.watch, b.sources …

The Overview page shows a part of it (the watch list): `overview_part` makes that part and `collect` builds
the rest on it, so the Overview and its PDF button compute it once (evdash.services.overview and
evdash.services.briefing are the application's way in, with their cache in the web layer).

Where each number comes from:

* verdict and the Deliveries KPIs: `deliveries.outlook` / `deliveries.verdict` for the date's year,
  counted to December with the page's default 3-month run-rate window (the Deliveries page's defaults);
* Overview KPIs: `queries.overview_years` and `queries.overview_facts` rows, chosen as the Overview
  chooses them (this year so far, the last full year with a target, the cumulative figure);
* the change against a year earlier: `deliveries.outlook` for the same months of the year before,
  phrased by `deliveries.change_vs_year_earlier`;
* peers: `deliveries.peer_attainment`; status map: `queries.expansion_map_status` on the date;
* landed prices: `pricing.landed_for_markets` (the Market ranking's function) for the brand's focus model
  in its focus markets, and `pricing.converted_rivals` for the cheapest comparable rival;
* the watch list: `evdash.watch`; events on the charts: `evdash.events`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from evdash import (
    changes,
    db,
    deliveries,
    events,
    expansion,
    freshness,
    kpis,
    labels,
    notes,
    pricing,
    pricing_service,
    queries,
    watch,
)
from evdash.deliveries import MONTH_NAMES
from evdash.kpis import Kpi, source_label

WINDOW_MONTHS = 3  # the Deliveries page's default run-rate window
FOCUS_MARKETS = 4  # at most this many markets in the landed-price table
FOCUS_STATUSES = ("launched", "pilot", "announced", "evaluating")  # closest to the brand first
CURRENCY = pricing_service.DEFAULT_CURRENCY  # the Pricing page's default
FREIGHT_PCT = pricing_service.DEFAULT_FREIGHT_PCT  # the Pricing page's default
BRIEFING_OVERDUE_NAMED = 3  # late sources named in the verdict box; the rest are counted


def _date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _flag(value: object) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False  # type: ignore[call-overload]


@dataclass(frozen=True)
class Source:
    url: str
    publisher: str


@dataclass(frozen=True)
class Briefing:
    brand_id: str
    brand_name: str
    on: dt.date
    year: int
    version: str
    data_as_of: str
    filters: dict[str, str]
    verdict_level: str
    verdict: str
    attainment_note: str
    overview_kpis: tuple[Kpi, ...]
    deliveries_kpis: tuple[Kpi, ...]
    newest_label: str
    newest_date: dt.date | None
    years: pd.DataFrame  # queries.overview_years
    cumulative: pd.DataFrame  # deliveries.cumulative_frame
    year_events: pd.DataFrame  # events.markers of the year
    all_events: pd.DataFrame  # events.markers of every year (the years chart)
    peers: pd.DataFrame  # peer_table: deliveries.peer_attainment of the year before and of the year
    status: pd.DataFrame  # expansion.with_labels(queries.expansion_map_status)
    focus_model: str
    landed: pd.DataFrame  # one row per focus market (see landed_table)
    watch: tuple[watch.WatchItem, ...]
    sources: tuple[Source, ...] = field(default_factory=tuple)
    overdue_sources: str = ""  # freshness.overdue_words: the recurring sources late on `on` ('' = none)
    analyst_notes: tuple[str, ...] = ()  # notes.briefing_lines: the newest analyst notes (at most 3)
    changed_since: dt.date | None = None  # "what changed" counts from the end of this day (changes.collect)
    changed: tuple[changes.Change, ...] = ()

    @property
    def changed_text(self) -> str:
        """'What changed since 30 Nov 2026: 1 revision · 2 duty changes' ('' without a date)."""
        if self.changed_since is None:
            return ""
        return f"What changed since {labels.day(self.changed_since)}: {changes.summary(self.changed)}"

    @property
    def newest_age_days(self) -> int | None:
        return (self.on - self.newest_date).days if self.newest_date else None

    @property
    def newest_text(self) -> str:
        """'latest deliveries figure: to 31 Mar 2026, 245 days before 1 Dec 2026'."""
        if self.newest_date is None:
            return "no delivery figures in the data"
        days = self.newest_age_days or 0
        months = round(days / 30.44)
        age = f"{months} months" if months >= 2 else f"{days} days"
        return f"{self.newest_label} to {self.newest_date:%-d %b %Y}, {age} before {self.on:%-d %b %Y}"


# --- KPIs ---------------------------------------------------------------------------------------


def _outlook(con: duckdb.DuckDBPyConnection, brand: str, year: int, through_month: int) -> deliveries.Outlook:
    """`deliveries.outlook` exactly as the Deliveries page builds it (default run-rate window)."""
    return deliveries.outlook(
        queries.deliveries_year_to_month(con, brand, year),
        queries.deliveries_rate_months(con, brand, year, through_month),
        queries.deliveries_totals(con, brand, year),
        year,
        through_month,
        WINDOW_MONTHS,
    )


def pace_outlook(con: duckdb.DuckDBPyConnection, brand: str, on: dt.date) -> deliveries.Outlook:
    """The outlook the watch list's pace item reads on `on`: this year, counted to December (the
    Overview's and the pace alert's, evdash.subscriptions)."""
    return _outlook(con, brand, on.year, 12)


def _previous_outlook(
    con: duckdb.DuckDBPyConnection, brand: str, year: int, through_month: int
) -> deliveries.Outlook | None:
    if through_month < 1:
        return None
    return _outlook(con, brand, year, through_month)


def _period(year: int, through_month: int) -> str:
    if through_month == 12:
        return str(year)
    return f"Jan {year}" if through_month == 1 else f"Jan–{MONTH_NAMES[through_month - 1]} {year}"


def deliveries_kpis(o: deliveries.Outlook, previous: deliveries.Outlook | None) -> tuple[Kpi, ...]:
    """The four KPIs of the Deliveries page (`kpis.deliveries_kpis`), the first with its change against
    the same months a year earlier."""
    cards = kpis.deliveries_kpis(o)
    if previous is None or previous.delivered is None:
        return cards
    change = deliveries.change_vs_year_earlier(
        o.delivered,
        o.delivered_is_at_least,
        previous.delivered,
        previous.delivered_is_at_least,
        _period(previous.year, o.elapsed),
    )
    return (dataclasses.replace(cards[0], change=change), *cards[1:])


def overview_kpis(
    years: pd.DataFrame,
    facts: pd.Series,
    this_year: int,
    previous: deliveries.Outlook | None,
    today: dt.date | None = None,
) -> tuple[Kpi, ...]:
    """The Overview's KPIs (`kpis.overview_kpis`), the yearly ones with their change against a year
    earlier (the same months for this year so far, the full year before for a full year)."""
    cards = list(
        kpis.overview_kpis(years, facts, this_year, today)
    )  # this year, [the year before,] cumulative, models
    current = years[(years["year"] == this_year) & years["delivered_units"].notna()]
    if not current.empty:
        row = current.iloc[0]
        through = _date(row["delivered_through"])
        if previous is not None and previous.delivered is not None and through is not None:
            cards[0] = dataclasses.replace(
                cards[0],
                change=deliveries.change_vs_year_earlier(
                    float(row["delivered_units"]),
                    _flag(row["delivered_is_at_least"]),
                    previous.delivered,
                    previous.delivered_is_at_least,
                    _period(previous.year, through.month),
                ),
            )
    past = years[(years["year"] < this_year) & years["delivered_units"].notna()]
    with_target = past[past["final_target_units"].notna()]
    past = with_target if not with_target.empty else past  # the year kpis.overview_kpis shows second
    if not past.empty:
        row = past.iloc[-1]
        before = years[years["year"] == int(row["year"]) - 1]
        if not before.empty and pd.notna(before.iloc[0]["delivered_units"]):
            prior = before.iloc[0]
            # Only a full-year figure compares with a full year.
            if _date(prior["delivered_through"]) == dt.date(int(prior["year"]), 12, 31):
                cards[1] = dataclasses.replace(
                    cards[1],
                    change=deliveries.change_vs_year_earlier(
                        float(row["delivered_units"]),
                        _flag(row["delivered_is_at_least"]),
                        float(prior["delivered_units"]),
                        _flag(prior["delivered_is_at_least"]),
                        str(int(prior["year"])),
                    ),
                )
    return tuple(cards)


def peer_table(peers: pd.DataFrame, year: int) -> pd.DataFrame:
    """`deliveries.peer_attainment` of the year before and of the year, one row per brand (columns of
    the year before suffixed `_prev`), ordered by the year before's attainment (a closed year first)."""
    now = deliveries.peer_attainment(peers, year)
    before = deliveries.peer_attainment(peers, year - 1)
    keys = ["brand_id", "brand_name"]
    merged = before.merge(now, on=keys, how="outer", suffixes=("_prev", ""))
    merged = merged.sort_values(
        ["attainment_pct_prev", "attainment_pct"], ascending=False, na_position="last"
    )
    return merged.reset_index(drop=True)


# --- landed prices in the focus markets ---------------------------------------------------------

LANDED_COLUMNS = [
    "market_code",
    "market_name",
    "status",
    "landed",
    "duty_burden_pct",
    "vat_pct",
    "rival",
    "rival_price",
    "rival_confidence",
    "gap_pct",
    "warnings",
    "incentive",
    "sources",
]


def focus_markets(status: pd.DataFrame, home: str) -> pd.DataFrame:
    """The brand's markets outside home whose status on the date is launched, pilot, announced or
    under evaluation, closest first (then most recent status, then code); at most FOCUS_MARKETS."""
    rows = status[status["category"].isin(FOCUS_STATUSES) & (status["iso3"] != home)].copy()
    rows["_rank"] = rows["category"].map({s: i for i, s in enumerate(FOCUS_STATUSES)})
    rows = rows.sort_values(["_rank", "period", "iso3"], ascending=[True, False, True])
    return rows.head(FOCUS_MARKETS).drop(columns="_rank").reset_index(drop=True)


def focus_model(origins: pd.DataFrame, models: pd.DataFrame, brand: str, on: dt.date) -> pd.Series | None:
    """The brand's entry variant (cheapest at home) of its most recently launched model (launched on or
    before the date) that has a home price; None when no model of the brand has one."""
    entry = pricing.entry_prices(origins[origins["brand_id"] == brand])
    if entry.empty:
        return None
    launched = models[pd.to_datetime(models["launch_date"]) <= pd.Timestamp(on)]  # NaT: not launched
    order = {
        str(m): pd.Timestamp(d) for m, d in zip(launched["model_id"], launched["launch_date"], strict=True)
    }
    candidates = entry[entry["model_id"].isin(list(order))]
    if candidates.empty:
        candidates = entry
    ranked = candidates.assign(_launch=candidates["model_id"].map(order)).sort_values(
        ["_launch", "model_id"], ascending=[False, True], na_position="last"
    )
    return ranked.drop(columns="_launch").iloc[0]


def landed_table(
    con: duckdb.DuckDBPyConnection, origin: pd.Series, markets: pd.DataFrame, on: dt.date
) -> pd.DataFrame:
    """One row per focus market: the landed estimate (pricing.landed_for_markets), the cheapest
    comparable rival priced there (pricing.converted_rivals) and the gap to it."""
    if markets.empty:
        return pd.DataFrame(columns=LANDED_COLUMNS)
    codes = list(markets["iso3"])
    view = pricing_service.pricing_view(
        pricing_service.ConnectionReader(con),
        pricing_service.PricingScenario(
            on=on, variant=str(origin["variant_id"]), markets=tuple(codes), currency=CURRENCY,
            freight_pct=FREIGHT_PCT, detail=False,
        ),
    )  # fmt: skip
    latest, rates, duties, vat, landed = view.latest, view.rates, view.duties, view.vat, view.by_market
    column = f"price_{CURRENCY.lower()}"
    rows: list[dict[str, object]] = []
    for market, rec in zip(markets.to_dict("records"), landed.to_dict("records"), strict=True):
        rivals = pricing.converted_rivals(
            latest,
            str(market["iso3"]),
            str(origin["body_type"]),
            str(origin["model_id"]),
            None,
            rates,
            CURRENCY,
            on,
        )
        rivals = rivals[rivals["brand_id"] != origin["brand_id"]].dropna(subset=[column])
        cheapest = rivals.sort_values(column).iloc[0] if not rivals.empty else None
        estimate = float(rec["landed"]) if pd.notna(rec["landed"]) else None
        rival_price = float(cheapest[column]) if cheapest is not None else None
        gap = (
            pricing.gap_vs(estimate, rival_price)[1]
            if estimate is not None and rival_price is not None and bool(rec.get("tariff_data", False))
            else None
        )
        rows.append(
            {
                "market_code": market["iso3"],
                "market_name": market["country"],
                "status": market["shown_as"],
                "landed": estimate,
                "duty_burden_pct": rec.get("duty_burden_pct"),
                "vat_pct": rec.get("vat_pct"),
                "rival": (
                    f"{cheapest['brand_name']} {cheapest['model_name']} {cheapest['variant_name']}"
                    if cheapest is not None
                    else None
                ),
                "rival_price": rival_price,
                "rival_confidence": str(cheapest["confidence"]) if cheapest is not None else None,
                "gap_pct": gap,
                "warnings": str(rec.get("warnings") or rec.get("error") or ""),
                "incentive": str(rec.get("incentive") or ""),
                "sources": " ; ".join(
                    [
                        str(d.source_url)
                        for d in dict.fromkeys(
                            d
                            for case in pricing.market_duties(duties, str(market["iso3"])).cases
                            for d in case.duties
                        )
                    ]
                    + [str(u) for u in vat[vat["market_code"] == market["iso3"]]["source_url"]]
                    + ([str(cheapest["source_url"])] if cheapest is not None else [])
                    + ([str(rec["incentive_source"])] if isinstance(rec.get("incentive_source"), str) else [])
                ),
            }
        )
    return pd.DataFrame(rows, columns=LANDED_COLUMNS)


# --- the watch list's inputs --------------------------------------------------------------------


def rule_changes(
    con: duckdb.DuckDBPyConnection, origin: pd.Series | None, markets: pd.DataFrame, on: dt.date
) -> list[watch.RuleChange]:
    if markets.empty:
        return []
    names = dict(zip(markets["iso3"], markets["country"], strict=True))
    changes: list[watch.RuleChange] = []
    if origin is not None:
        for code, name in names.items():
            timeline = queries.pricing_duty_changes(
                con,
                str(origin["production_country"]),
                str(origin["tariff_company"]),
                str(origin["powertrain"]),
                str(code),
            )
            changes += watch.duty_changes(str(name), timeline, on)
    later = on + dt.timedelta(days=watch.RULE_WINDOW_DAYS)
    changes += watch.vat_relief_changes(
        {str(k): str(v) for k, v in names.items()},
        queries.pricing_vat_reliefs(con, on),
        queries.pricing_vat_reliefs(con, later),
        later,
    )
    changes += watch.vat_changes(
        {str(k): str(v) for k, v in names.items()},
        queries.pricing_vat(con, on),
        queries.pricing_vat(con, later),
        later,
    )
    return changes


def _headlines(kpis: Sequence[Kpi], this_year: int, origin: pd.Series | None) -> list[watch.Headline]:
    """The figures the watch list checks for age: the Overview's KPIs that can get newer (this year
    so far, the cumulative figure; a closed year's final total cannot) and the focus model's home price."""
    out = [
        watch.Headline(f"{k.label}: {k.value}", k.as_of, k.source)
        for k in kpis
        if k.as_of is not None
        and k.confidence
        and not k.label.startswith(str(this_year - 1))
        and "delivered vs final target" not in k.label
    ]
    if origin is not None:
        as_of = _date(origin["as_of"])
        if as_of is not None:
            out.append(
                watch.Headline(
                    f"Home price of the {origin['model_name']} {origin['variant_name']}: "
                    f"{origin['currency']} {float(origin['price']):,.0f}",
                    as_of,
                    str(origin.get("source_url") or ""),
                )
            )
    return out


# --- everything ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewPart:
    """The part of the briefing the Overview page shows (its watch list) and what it is computed from:
    `overview_part` makes it once per brand, date and data version, the Overview's service
    (evdash.services.overview) caches it, and `collect` builds the rest of the briefing on it, so the
    Overview and its PDF button compute it once. Its frames are shared: read them, never modify them."""

    brand_id: str
    brand_name: str
    home: str  # the brand's home market (ISO 3166 alpha-3)
    on: dt.date
    version: str
    data_as_of: str
    years: pd.DataFrame  # queries.overview_years
    facts: pd.DataFrame  # queries.overview_facts on `on` (one row)
    chart_events: pd.DataFrame  # queries.chart_events
    all_events: pd.DataFrame  # events.markers of every year
    status: pd.DataFrame  # expansion.with_labels(queries.expansion_map_status on `on`)
    now: deliveries.Outlook  # `on`'s year, counted to December
    now_previous: deliveries.Outlook | None  # the same months a year earlier
    overview_kpis: tuple[Kpi, ...]  # with their change against a year earlier
    markets: pd.DataFrame  # focus_markets
    origin: pd.Series | None  # focus_model: the focus variant's home price
    watch: tuple[watch.WatchItem, ...]


def overview_part(con: duckdb.DuckDBPyConnection, brand: str, on: dt.date) -> OverviewPart:
    """The Overview's part of the briefing for `brand` on `on`. Raises ValueError naming the brand when it
    is not in the data."""
    version, data_as_of = db.data_version(con)
    brands = queries.brands(con)
    match = brands[brands["brand_id"] == brand]
    if match.empty:
        known = ", ".join(brands["brand_id"])
        raise ValueError(f"brand '{brand}' is not in the data (known: {known})")
    home = str(match.iloc[0]["home_market"])
    years = queries.overview_years(con, brand)
    facts = queries.overview_facts(con, brand, on)
    # The Overview's cards and the watch list speak of this year, as the Overview page does.
    now = _outlook(con, brand, on.year, 12)
    now_previous = _previous_outlook(con, brand, on.year - 1, now.elapsed)
    overview = overview_kpis(years, facts.iloc[0], on.year, now_previous, on)

    chart_events = queries.chart_events(con, brand)
    all_events = events.markers(chart_events, dt.date(1900, 1, 1), dt.date(2999, 12, 31))
    revisions = [
        watch.Revision(int(r["year"]), r["date"], str(r["what"]), str(r["source_url"]))
        for r in all_events[all_events["kind"] == "target_revision"].to_dict("records")
    ]

    status = expansion.with_labels(queries.expansion_map_status(con, brand, on), expansion.measure("status"))
    markets = focus_markets(status, home)
    prices = queries.pricing_prices(con, on)
    origins = pricing.origin_prices(pricing.latest_prices(prices, on))
    origin = focus_model(origins, queries.deliveries_models(con, brand), brand, on)
    items = watch.watch_list(
        on,
        now,
        _headlines(overview, on.year, origin),
        rule_changes(con, origin, markets, on),
        revisions,
    )
    return OverviewPart(
        brand_id=brand,
        brand_name=str(match.iloc[0]["name"]),
        home=home,
        on=on,
        version=version,
        data_as_of=data_as_of,
        years=years,
        facts=facts,
        chart_events=chart_events,
        all_events=all_events,
        status=status,
        now=now,
        now_previous=now_previous,
        overview_kpis=overview,
        markets=markets,
        origin=origin,
        watch=tuple(items),
    )


def collect(
    con: duckdb.DuckDBPyConnection,
    brand: str,
    on: dt.date,
    part: OverviewPart | None = None,
    since: dt.date | None = None,
) -> Briefing:
    """Gather the briefing for `brand` (a brand_id) with duties, VAT, FX and statuses in force on `on`,
    on the Overview's part of it when it was already made (`part`, of the same brand, date and database),
    and what changed after `since` (default: the week before `on`, `changes.default_since`).
    Raises ValueError naming the brand when it is not in the data."""
    part = part if part is not None else overview_part(con, brand, on)
    if (part.brand_id, part.on) != (brand, on):
        raise ValueError(f"the Overview's part is of {part.brand_id} on {part.on}, not of {brand} on {on}")
    brand_name, years, origin, markets = part.brand_name, part.years, part.origin, part.markets
    year = deliveries.default_year([int(y) for y in years["year"]], on.year)  # as the Deliveries page opens
    ytd = queries.deliveries_year_to_month(con, brand, year)
    targets = queries.deliveries_targets(con, brand, year)
    totals = queries.deliveries_totals(con, brand, year)
    if year == on.year:
        outlook, previous = part.now, part.now_previous
    else:
        outlook = _outlook(con, brand, year, 12)
        previous = _previous_outlook(con, brand, year - 1, outlook.elapsed)
    level, sentence = deliveries.verdict(outlook, on)
    delivery = deliveries_kpis(outlook, previous)
    year_events = events.markers(part.chart_events, dt.date(year, 1, 1), dt.date(year, 12, 31))
    landed = (
        landed_table(con, origin, markets, on) if origin is not None else pd.DataFrame(columns=LANDED_COLUMNS)
    )
    focus = (
        f"{origin['brand_name']} {origin['model_name']} {origin['variant_name']}"
        if origin is not None
        else "none"
    )

    through = [d for d in (_date(v) for v in years["delivered_through"]) if d is not None and d <= on]
    newest = max(through, default=None)
    peers = peer_table(queries.deliveries_peers(con), year)
    filters = {
        "brand": brand_name,
        "in force on": labels.day(on),
        "year": f"{year}{'' if year == on.year else f' (no {on.year} figures or target yet)'},"
        f" months Jan–Dec, run-rate window {WINDOW_MONTHS} months",
        "landed price": f"{focus}, in {CURRENCY}, freight {FREIGHT_PCT:g}% of ex-factory, "
        + (
            f"duty class {labels.label(labels.DUTY_CLASS, origin['tariff_company'])}"
            if origin is not None
            else "no duty class"
        ),
    }
    b = Briefing(
        brand_id=brand,
        brand_name=brand_name,
        on=on,
        year=year,
        version=part.version,
        data_as_of=part.data_as_of,
        filters=filters,
        verdict_level=level,
        verdict=sentence,
        attainment_note=deliveries.attainment_note(outlook),
        overview_kpis=part.overview_kpis,
        deliveries_kpis=delivery,
        newest_label="latest deliveries figure",
        newest_date=newest,
        years=years,
        cumulative=deliveries.cumulative_frame(ytd, targets, totals, outlook),
        year_events=year_events,
        all_events=part.all_events,
        peers=peers,
        status=part.status,
        focus_model=focus,
        landed=landed,
        watch=part.watch,
        overdue_sources=freshness.overdue_words(  # the brand's first; the rest counted (1–3 pages)
            freshness.source_status(queries.source_status(con), on), BRIEFING_OVERDUE_NAMED, first=brand
        ),
        analyst_notes=tuple(notes.briefing_lines(queries.notes_current(con), brand)),
    )
    since = since or changes.default_since(on)
    b = dataclasses.replace(
        b, changed_since=since, changed=changes.collect(con, brand, brand_name, since, on)
    )
    return _with_sources(con, b, origin)


def _with_sources(con: duckdb.DuckDBPyConnection, b: Briefing, origin: pd.Series | None) -> Briefing:
    """The sources used by what the briefing shows, each once, with its publisher."""
    urls: list[str] = []
    urls += [k.source for k in (*b.overview_kpis, *b.deliveries_kpis)]
    for column in ("delivered_source", "target_source"):
        urls += [str(u) for u in b.years[column].dropna()]
    urls += [str(u) for u in b.cumulative["source"].dropna()]
    urls += [str(u) for u in b.all_events["source_url"].dropna()]
    urls += [str(u) for u in b.peers["delivered_source"].dropna()] + [
        str(u) for u in b.peers["target_source"].dropna()
    ]
    urls += [str(u) for u in b.status["source_url"].dropna()]
    urls += [i.source for i in b.watch]
    if origin is not None:
        urls.append(str(origin.get("source_url") or ""))
    split = [part.strip() for url in urls for part in url.split(" ; ")]
    known = queries.data_sources(con)
    publisher = dict(zip(known["url"], known["publisher"], strict=True))
    unique = sorted({u for u in split if u.startswith(("http://", "https://"))})
    sources = tuple(Source(u, str(publisher.get(u, source_label(u)))) for u in unique)
    return dataclasses.replace(b, sources=sources)
