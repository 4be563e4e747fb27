"""The Market mix service: what the Market mix page shows (the published SUV shares and the answer to the
product's SUV claim, the published brand registrations, a national registration office's year, and a
vendor's registrations of a market and year) as plain view models. No Streamlit, no Plotly: frames, texts
and the core's decisions (evdash.suv, evdash.expansion, evdash.confidence, evdash.labels).

Every query and computation goes through a `Reader` (evdash.pricing_service): the page passes
`ui.reader(ctx)`, which caches each step per data version and parameters, so another office year re-runs
only the office's steps and another vendor market only the vendor's; other callers pass
`ConnectionReader(con)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from evdash import confidence as conf
from evdash import expansion, labels, queries, suv
from evdash.pricing_service import Reader
from evdash.regions import REGION_LABELS
from evdash.suv import ClaimAnswer

EXTRA_PUBLISHED_MARKETS = {"NOR"}  # published registrations shown beside the SUV shares' markets
NATIONAL_POWERTRAIN = "BEV"  # the offices' per-make figures shown: battery-electric cars
TOP_MODELS = 10
SYNTHETIC_SOURCE = "evdash.invalid/synthetic"  # the benchmark's synthetic registrations' source


@dataclass(frozen=True)
class SuvView:
    known: pd.DataFrame  # every published SUV share (the chart)
    answer: ClaimAnswer  # the answer to the product's SUV claim (suv.claim_answer)
    known_shown: pd.DataFrame  # the shares with labels (the table and its download)
    sources: list[str]  # the shares' sources
    published: pd.DataFrame  # published brand registrations as a table shows them (empty when none)


@dataclass(frozen=True)
class Months:
    """Markets with monthly figures: code → name, and code → (first, last) month as the data has them."""

    names: dict[str, str]
    months: dict[str, tuple[object, object]]

    def span(self, market: str) -> tuple[dt.date, dt.date]:
        """The market's first and last month (converted for the one market asked about)."""
        first, last = self.months[market]
        return pd.Timestamp(str(first)).date(), pd.Timestamp(str(last)).date()

    def years(self, market: str) -> dict[str, str]:
        """The market's years, newest first."""
        first, last = self.span(market)
        return {str(y): str(y) for y in range(last.year, first.year - 1, -1)}


@dataclass(frozen=True)
class OfficeTable:
    kind: Literal["makes", "totals"]  # per make and month, or the whole market per month
    shown: pd.DataFrame  # the frame with labels (the table and its download)
    sources: list[str]


@dataclass(frozen=True)
class OfficeView:
    makes: pd.DataFrame  # battery-electric registrations per make and month (the charts)
    confidence: str  # the makes' weakest confidence ('' when there are none)
    provenance: str  # what the figures count, their confidence, newest publication and sources
    tables: tuple[OfficeTable, ...]  # the makes (when there are any), then the totals


@dataclass(frozen=True)
class VendorView:
    period: str  # "2025", "Mar 2025" or "Jan–Jun 2025"
    window: dict[str, object]  # the query window (market, month_from, month_to): the downloads' filters
    year_window: dict[str, object]  # the year's months (month_from, month_to): the SUV share's filters
    confidence: str  # the period's weakest confidence ('estimate' when there are no registrations)
    sources: list[str]
    provenance: str  # confidence, as-of and sources, or 'No registrations in this period.'
    synthetic: bool  # the registrations are the benchmark's synthetic ones
    brand: pd.DataFrame  # brand share
    body: pd.DataFrame  # body-type mix per month
    models: pd.DataFrame  # top models
    powertrain: pd.DataFrame  # powertrain mix per month
    suv_by_market: pd.DataFrame  # SUV share of every market in the year


def suv_view(reader: Reader) -> SuvView:
    """The published SUV shares, the answer to the claim, and the published brand registrations."""
    known = reader.query(queries.market_mix_suv_known)
    published = reader.query(
        queries.brand_registrations_known, markets=sorted(set(known["market_code"]) | EXTRA_PUBLISHED_MARKETS)
    )
    return SuvView(
        known=known,
        answer=reader.computed(suv.claim_answer, known),
        # The table and its download show labels; the definition's code gives way to its name.
        known_shown=reader.computed(
            labels.for_people,
            known,
            drop=("market_kind", "is_headline", "definition"),
            evdash_region=REGION_LABELS,
            period_scope=labels.PERIOD,
            measure=labels.SUV_MEASURE,
            breadth=labels.BREADTH,
            qualifier=labels.QUALIFIER,
            confidence=labels.CONFIDENCE,
        ),
        sources=sorted(set(known["source_url"])),
        published=published
        if published.empty
        else reader.computed(expansion.registrations_for_people, published),
    )


def _months(frame: pd.DataFrame) -> Months:
    # A dict lookup, not a boolean-mask selection of the frame (4 % of a warm run, py-spy).
    return Months(
        names=dict(zip(frame["market_code"], frame["market_name"], strict=True)),
        months=dict(
            zip(
                frame["market_code"], zip(frame["first_month"], frame["last_month"], strict=True), strict=True
            )
        ),
    )


def offices(reader: Reader) -> Months:
    """The markets whose national registration office's figures are in the data (none: empty names)."""
    return _months(reader.query(queries.national_registrations_markets))


def office_view(reader: Reader, market: str, year: int) -> OfficeView:
    """A registration office's year as it publishes it: per make (battery-electric) and the totals."""
    makes = reader.query(
        queries.national_registrations_by_make, powertrain=NATIONAL_POWERTRAIN, market=market, year=year
    )
    totals = reader.query(queries.national_registrations_totals, market=market, year=year)
    frames: list[tuple[Literal["makes", "totals"], pd.DataFrame]] = [("totals", totals)]
    if not makes.empty:
        frames.insert(0, ("makes", makes))
    return OfficeView(
        makes=makes,
        confidence=conf.worst(makes["confidence"]) if not makes.empty else "",
        provenance=reader.computed(expansion.national_provenance, totals),
        tables=tuple(
            OfficeTable(
                kind, reader.computed(expansion.national_for_people, frame), sorted(set(frame["source_url"]))
            )
            for kind, frame in frames
        ),
    )


def vendor_markets(reader: Reader) -> Months:
    """The markets of the imported vendor registrations (none imported: empty names)."""
    return _months(reader.query(queries.registrations_markets))


def period(month_from: dt.date, month_to: dt.date) -> str:
    """The months counted as a title says them: '2025', 'Mar 2025' or 'Jan–Jun 2025'."""
    if (month_from.month, month_to.month) == (1, 12):
        return str(month_from.year)
    if month_from == month_to:
        return f"{month_from:%b %Y}"
    return f"{month_from:%b}–{month_to:%b %Y}"


def vendor_view(reader: Reader, markets: Months, market: str, year: int) -> VendorView:
    """A vendor's registrations in `market` in `year` (cut to the months imported)."""
    first, last = markets.span(market)
    month_from, month_to = max(dt.date(year, 1, 1), first), min(dt.date(year, 12, 1), last)
    window: dict[str, object] = {"market": market, "month_from": month_from, "month_to": month_to}
    year_window: dict[str, object] = {"month_from": dt.date(year, 1, 1), "month_to": dt.date(year, 12, 1)}
    provenance = reader.query(queries.registrations_provenance, **window)
    confidence = conf.worst(provenance["confidence"]) if len(provenance) else "estimate"
    sources = sorted(set(provenance["source_url"]))
    return VendorView(
        period=period(month_from, month_to),
        window=window,
        year_window=year_window,
        confidence=confidence,
        sources=sources,
        provenance=_provenance_text(provenance, confidence),
        synthetic=SYNTHETIC_SOURCE in " ".join(sources),
        brand=reader.query(queries.registrations_brand_share, **window),
        body=reader.query(queries.registrations_body_mix, **window),
        models=reader.query(queries.registrations_top_models, top_n=TOP_MODELS, **window),
        powertrain=reader.query(queries.registrations_powertrain_trend, **window),
        suv_by_market=reader.query(queries.registrations_suv_share, **year_window),
    )


def _provenance_text(provenance: pd.DataFrame, confidence: str) -> str:
    """'Reported · as of 8 Jan 2026 · source: Vendor (https://…)', or that the period has none."""
    if not len(provenance):
        return "No registrations in this period."
    as_of = pd.Timestamp(provenance["as_of"].max()).date()
    return (
        f"{labels.label(labels.CONFIDENCE, confidence)} · as of {labels.day(as_of)} · source: "
        + "; ".join(
            f"{p} ({u})" for p, u in zip(provenance["publisher"], provenance["source_url"], strict=True)
        )
    )
