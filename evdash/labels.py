"""Words a person reads: the one home of the label every code gets on screen, of counts with their noun
("1 country", "3 countries") and of dates as a person reads them ("3 Jan 2026").

The data and the core speak in codes (`lower_bound`, `other_cooperating`, `full_year`, `ev_share_pct`):
stable, documented, the import format's values. A page never shows one. It shows the code's label from
here, through `label(vocabulary, code)` for one value or `for_people(frame, column=VOCABULARY, …)` for
the columns of a table (a code no vocabulary knows yet is shown with spaces, never with underscores).
Labels that have an older home stay there and are used from it (`theme.CONFIDENCE_LABEL`); the domain's
own labelled lists (the expansion measures, the scoring measures, the regions) build on these.
No Streamlit, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from evdash.theme import CONFIDENCE_LABEL

CONFIDENCE: Mapping[str, str] = CONFIDENCE_LABEL

# Which vehicles a delivery total counts (delivery_totals.scope).
SCOPE: Mapping[str, str] = {
    "all": "All vehicles",
    "BEV": "BEV only",
    "NEV": "NEV only",
    "PHEV": "PHEV only",
    "overseas": "Overseas only",
    "china_retail": "China retail",
    "china_wholesale": "China wholesale",
}

# The period a figure covers: delivery totals' period_kind, market figures' and SUV shares' period_scope.
PERIOD: Mapping[str, str] = {
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
    "ytd": "Year to date",
    "cumulative": "Cumulative",
    "full_year": "Full year",
    "partial_year": "Part of the year",
    "projection": "Projection",
}

PRICE_TYPE: Mapping[str, str] = {
    "launch": "Launch price",
    "list": "List price",
    "presale": "Pre-sale price",
    "preorder": "Pre-order price",
    "expected": "Expected price",
}

# A duty line's legal status (tariffs.status) and kind (tariffs.duty_kind).
DUTY_STATUS: Mapping[str, str] = {
    "in_force": "In force",
    "provisional": "Provisional",
    "proposed": "Proposed",
    "superseded": "Superseded",
    "expired": "Expired",
    "planned": "Planned",
}
DUTY_KIND: Mapping[str, str] = {"base": "Base duty", "additional": "Additional duty"}
# Who may claim a purchase incentive (purchase_incentives.buyer).
BUYER: Mapping[str, str] = {"private": "private buyer", "business": "business buyer", "all": "buyer"}

# The company classes a duty can name (tariffs.applies_to, brands.tariff_company, the page's scenario
# "none"). Company names (BYD, Geely, Tesla …) are shown as they are.
DUTY_CLASS: Mapping[str, str] = {
    "all": "All makers",
    "none": "No company class",
    "other_cooperating": "Other cooperating makers",
    "non_cooperating": "Non-cooperating makers",
    "cooperation_unverified": "Cooperation not established (two cases)",
    "li_ion_ev_batteries": "Li-ion EV batteries",
}

# A market's yearly figures (market_stats columns, v_market_metrics.metric, IEA).
METRIC: Mapping[str, str] = {
    "new_ev_sales": "EV sales (BEV + PHEV)",
    "bev_sales": "BEV sales",
    "total_new_car_sales": "New-car sales",
    "ev_share_pct": "EV share of new cars",
    "bev_share_pct": "BEV share of new cars",
    "suv_share_pct": "SUV share of new cars",
    "ev_stock": "EVs on the road",
    "ev_stock_share_pct": "EV share of cars on the road",
    "ev_growth_pct": "EV sales growth, year on year",
    "bev_growth_pct": "BEV sales growth, year on year",
}

# What an SUV share is a share of (suv_share.measure), and how broad its definition is.
SUV_MEASURE: Mapping[str, str] = {
    "new_cars": "New cars",
    "bev_sales": "BEV sales",
    "phev_sales": "PHEV sales",
    "ev_sales": "EV sales",
    "bev_models_on_offer": "BEV models on offer",
}
BREADTH: Mapping[str, str] = {"broad": "Broad", "narrow": "Narrow", "wider": "Wider"}

# How the source words a figure (suv_share.qualifier, brand_registrations.qualifier).
QUALIFIER: Mapping[str, str] = {"about": "About", "more_than": "More than", "derived": "Derived"}

# What a published registration total counts (brand_registrations.subject_kind).
SUBJECT_KIND: Mapping[str, str] = {
    "market": "Whole market",
    "brand": "Brand",
    "model": "Model",
    "origin_group": "Cars of one origin",
}

# What a national registration office's figure counts (national_registrations.powertrain).
NATIONAL_POWERTRAIN: Mapping[str, str] = {"BEV": "Battery-electric cars", "all": "All new cars"}


# A market's type-approval regime and a model's approvals (market_requirements, model_configurations).
TYPE_APPROVAL: Mapping[str, str] = {
    "eu_wvta": "EU whole-vehicle type approval",
    "gb": "GB type approval",
    "cn": "China (MIIT announcement and CCC)",
    "fmvss": "US federal safety standards (FMVSS)",
    "cmvss": "Canadian safety standards (CMVSS)",
    "adr": "Australian Design Rules",
    "jp": "Japanese type designation",
}
# Which side of the road traffic keeps to (market_requirements.driving_side), and the steering it needs.
DRIVING_SIDE: Mapping[str, str] = {"left": "Drives on the left", "right": "Drives on the right"}
STEERING: Mapping[str, str] = {"LHD": "left-hand drive", "RHD": "right-hand drive"}

# A brand's status in a market (expansion_status.status), in the order of the map legend.
STATUS: Mapping[str, str] = {
    "home": "Home market",
    "launched": "Launched",
    "pilot": "Small-batch pilot",
    "announced": "Announced",
    "evaluating": "Under evaluation",
    "not_targeted": "Not targeted",
}

# A dated fact about a brand in a market (events.event_type).
EVENT: Mapping[str, str] = {
    "debut": "Debut",
    "statement": "Statement",
    "stores": "Stores",
    "capacity": "Capacity",
    "orders": "Orders",
    "launch": "Launch",
    "financial": "Financial",
    "milestone": "Milestone",
}

# Body types as they read inside a sentence or a table ("No comparable SUV", "Xiaomi SU7 (sedan)").
BODY_TYPE: Mapping[str, str] = {
    "sedan": "sedan",
    "suv": "SUV",
    "hatchback": "hatchback",
    "wagon": "estate",
    "coupe": "coupé",
    "mpv": "MPV",
    "pickup": "pickup",
}

RELIABILITY: Mapping[str, str] = {
    "primary": "Primary (company filing or official body)",
    "secondary": "Secondary (media, trade press, trackers)",
    "low": "Low reliability (weak sites)",
}

# The kinds of file an analyst imports (evdash.apply.KINDS: the file name starts with the code).
IMPORT_KIND: Mapping[str, str] = {
    "sources": "Sources",
    "brands": "Brands",
    "models": "Models",
    "variants": "Variants",
    "prices": "Prices",
    "deliveries": "Deliveries",
    "targets": "Targets",
    "markets": "Market figures",
    "tariffs": "Import duties",
    "fx": "FX rates",
    "expansion": "Expansion statuses",
    "registrations": "Registrations",
    "national_registrations": "Registrations published by a national office",
}

# How to read an attainment (delivered ÷ target) of the brand × year mart (attainment_kind); the
# prefixes and tooltips beside the number are theme.ATTAINMENT_PREFIX / ATTAINMENT_HELP.
ATTAINMENT: Mapping[str, str] = {
    "exact": "Exact",
    "estimate": "Estimate",
    "at_least": "At least (delivered is a floor)",
    "at_most": "At most (the target is 'over N')",
    "ratio_of_lower_bounds": "Ratio of two 'over N' figures",
}


def label(vocabulary: Mapping[str, str], code: object) -> str:
    """The label of `code` in `vocabulary`; '' for a missing value; a code the vocabulary does not know
    (an analyst's new value) as itself with spaces for underscores, never as a raw code."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):  # type: ignore[call-overload]
        return ""
    text = str(code)
    return vocabulary.get(text) or text.replace("_", " ")


def for_people(frame: pd.DataFrame, drop: Sequence[str] = (), **columns: Mapping[str, str]) -> pd.DataFrame:
    """A copy of `frame` in which each named column's codes are their labels
    (`for_people(totals, scope=SCOPE, period_kind=PERIOD, reported_confidence=CONFIDENCE)`); missing
    values stay missing, columns the frame lacks are skipped. The table and its CSV both use this.
    `drop`: columns left out of the copy (done here, so a page's `ui.computed` call keys on the cached
    frame itself instead of hashing a new, dropped frame on every run)."""
    out = frame.drop(columns=list(drop)) if drop else frame.copy()
    for column, vocabulary in columns.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, voc=vocabulary: label(voc, v) or None).astype("object")
    return out


# --- Counts ----------------------------------------------------------------------------------------

_IRREGULAR = {"country": "countries", "query": "queries", "entry": "entries", "was": "were", "is": "are"}


def plural(singular: str) -> str:
    """'country' → 'countries', 'market' → 'markets', 'price' → 'prices', 'box' → 'boxes'."""
    last = singular.rsplit(" ", 1)[-1]
    head = singular[: len(singular) - len(last)]
    if last in _IRREGULAR:
        return head + _IRREGULAR[last]
    if last.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    if last.endswith("y") and last[-2:-1] not in set("aeiou"):
        return singular[:-1] + "ies"
    return singular + "s"


def noun(n: float, singular: str, plural_form: str | None = None) -> str:
    """The noun for a count of `n`: singular for exactly 1, plural otherwise (0 countries, 1.5 months)."""
    return singular if n == 1 else (plural_form or plural(singular))


def count(n: float, singular: str, plural_form: str | None = None) -> str:
    """'1 country', '3 countries', '1,234 rows', '0 markets' (the number with thousands separators)."""
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{number} {noun(n, singular, plural_form)}"


# --- Dates -----------------------------------------------------------------------------------------


def _as_date(value: object) -> dt.date | None:
    if value is None or (not isinstance(value, str | dt.date) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(str(value)).date()
    except ValueError:
        return None


def day(value: object, missing: str = "unknown date") -> str:
    """A day as a person reads it in a sentence: '3 Jan 2026' (from a date, a datetime, a Timestamp or an
    ISO text such as '2026-01-03' or '2026-01-03T00:00:00'); `missing` for no date."""
    date = _as_date(value)
    return f"{date.day} {date:%b %Y}" if date is not None else missing


def month(value: object, missing: str = "unknown month") -> str:
    """A month as a person reads it: 'Jan 2026' (from a date or an ISO text such as '2026-01')."""
    text = str(value) if isinstance(value, str) else None
    if text is not None and len(text) == 7 and text[4] == "-":
        text += "-01"
    date = _as_date(text if text is not None else value)
    return f"{date:%b %Y}" if date is not None else missing


def span(first: object, last: object) -> str:
    """A span of months as a person reads it: 'Jan 2026' (one month), '2025' (a calendar year),
    'Jan–Nov 2025' (within a year), 'Nov 2024–Feb 2025'; from dates or ISO texts of the first days."""
    a, b = _as_date(first), _as_date(last)
    if a is None or b is None:
        return month(first if a is not None else last, missing="")
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%b %Y}"
    if a.year == b.year:
        return str(a.year) if (a.month, b.month) == (1, 12) else f"{a:%b}–{b:%b %Y}"
    return f"{a:%b %Y}–{b:%b %Y}"


def part_of_year(through: object) -> str:
    """What part of its calendar year a yearly figure counted up to `through` covers, for a chart's year
    label: 'Jan–Mar only' (to 31 Mar), 'Jan only'; '' for a whole year (to 31 Dec) or no date."""
    end = None if pd.isna(through) else _as_date(through)  # type: ignore[call-overload]
    if end is None or (end.month, end.day) == (12, 31):
        return ""
    last = end.month if end.day >= 28 else end.month - 1  # a figure to mid-month counts the months before
    if last < 1:
        return f"to {end.day} {end:%b}"
    first = dt.date(end.year, 1, 1)
    return ("Jan" if last == 1 else f"{first:%b}–{dt.date(end.year, last, 1):%b}") + " only"
