"""The briefing assembled: `overview_part` (the watch list and what it is computed from, the part the
Overview shows) and `collect` (the rest built on it: the deliveries year, peers, landed prices, what
changed, the sources), each from the same queries and core functions the pages use."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd

from evdash import (
    changes,
    db,
    deliveries,
    events,
    expansion,
    freshness,
    labels,
    notes,
    pricing,
    queries,
    watch,
)
from evdash.briefing.cards import (
    WINDOW_MONTHS,
    cell_date,
    deliveries_kpis,
    overview_kpis,
    peer_table,
    previous_outlook,
    year_outlook,
)
from evdash.briefing.content import Briefing, OverviewPart, Source
from evdash.briefing.landed import (
    CURRENCY,
    FREIGHT_PCT,
    LANDED_COLUMNS,
    focus_markets,
    focus_model,
    landed_table,
)
from evdash.briefing.watch_inputs import headlines, rule_changes
from evdash.kpis import source_label

BRIEFING_OVERDUE_NAMED = 3  # late sources named in the verdict box; the rest are counted


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
    now = year_outlook(con, brand, on.year, 12)
    now_previous = previous_outlook(con, brand, on.year - 1, now.elapsed)
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
        headlines(overview, origin),
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
    outlook, previous = _year_outlooks(con, part, year)
    level, sentence = deliveries.verdict(outlook, on)
    landed = (
        landed_table(con, origin, markets, on) if origin is not None else pd.DataFrame(columns=LANDED_COLUMNS)
    )
    focus = (
        f"{origin['brand_name']} {origin['model_name']} {origin['variant_name']}"
        if origin is not None
        else "none"
    )
    b = Briefing(
        brand_id=brand,
        brand_name=brand_name,
        on=on,
        year=year,
        version=part.version,
        data_as_of=part.data_as_of,
        filters=_filters(brand_name, on, year, focus, origin),
        verdict_level=level,
        verdict=sentence,
        attainment_note=deliveries.attainment_note(outlook),
        overview_kpis=part.overview_kpis,
        deliveries_kpis=deliveries_kpis(outlook, previous),
        newest_label="latest deliveries figure",
        newest_date=_newest_figure(years, on),
        years=years,
        cumulative=_cumulative(con, brand, outlook),
        year_events=events.markers(part.chart_events, dt.date(year, 1, 1), dt.date(year, 12, 31)),
        all_events=part.all_events,
        peers=peer_table(queries.deliveries_peers(con), year),
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


def _year_outlooks(
    con: duckdb.DuckDBPyConnection, part: OverviewPart, year: int
) -> tuple[deliveries.Outlook, deliveries.Outlook | None]:
    """The briefing year's outlook (counted to December) and that of the same months a year earlier: the
    Overview part's when the year is the date's, else read as the Deliveries page reads them."""
    if year == part.on.year:
        return part.now, part.now_previous
    outlook = year_outlook(con, part.brand_id, year, 12)
    return outlook, previous_outlook(con, part.brand_id, year - 1, outlook.elapsed)


def _cumulative(con: duckdb.DuckDBPyConnection, brand: str, outlook: deliveries.Outlook) -> pd.DataFrame:
    """The Deliveries page's cumulative chart frame of the outlook's year (`deliveries.cumulative_frame`)."""
    year = outlook.year
    ytd = queries.deliveries_year_to_month(con, brand, year)
    targets = queries.deliveries_targets(con, brand, year)
    totals = queries.deliveries_totals(con, brand, year)
    return deliveries.cumulative_frame(ytd, targets, totals, outlook)


def _newest_figure(years: pd.DataFrame, on: dt.date) -> dt.date | None:
    """The latest through date of a yearly delivered figure on or before `on` (None without one)."""
    through = [d for d in (cell_date(v) for v in years["delivered_through"]) if d is not None and d <= on]
    return max(through, default=None)


def _filters(brand_name: str, on: dt.date, year: int, focus: str, origin: pd.Series | None) -> dict[str, str]:
    """The filters every page of the briefing prints: brand, date, the deliveries year and its run-rate
    window, the focus model's landed-price settings."""
    return {
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
