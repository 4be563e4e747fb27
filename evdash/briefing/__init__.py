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

The package follows the jobs, one module each: `content` (what the briefing holds), `cards` (the KPI
cards and the outlooks they read), `landed` (landed prices in the focus markets), `watch_inputs` (rule
changes and headline figures for the watch list) and `assemble` (`overview_part` and `collect`). Callers
use `from evdash import briefing; briefing.X`.
"""

from __future__ import annotations

from evdash.briefing.assemble import BRIEFING_OVERDUE_NAMED, collect, overview_part
from evdash.briefing.cards import WINDOW_MONTHS, deliveries_kpis, overview_kpis, pace_outlook, peer_table
from evdash.briefing.content import Briefing, OverviewPart, Source
from evdash.briefing.landed import (
    CURRENCY,
    FOCUS_MARKETS,
    FOCUS_STATUSES,
    FREIGHT_PCT,
    LANDED_COLUMNS,
    focus_markets,
    focus_model,
    landed_table,
)
from evdash.briefing.watch_inputs import rule_changes

__all__ = [
    "BRIEFING_OVERDUE_NAMED",
    "CURRENCY",
    "FOCUS_MARKETS",
    "FOCUS_STATUSES",
    "FREIGHT_PCT",
    "LANDED_COLUMNS",
    "WINDOW_MONTHS",
    "Briefing",
    "OverviewPart",
    "Source",
    "collect",
    "deliveries_kpis",
    "focus_markets",
    "focus_model",
    "landed_table",
    "overview_kpis",
    "overview_part",
    "pace_outlook",
    "peer_table",
    "rule_changes",
]
