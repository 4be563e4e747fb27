"""Deliveries vs targets: where a brand stands in a year, its run-rate projection, the rate it needs and
the month it reaches its target.

Pure functions, no I/O and no Streamlit. Which figure counts is decided once, in SQL (the brand × year
marts, evdash/models/25_marts_deliveries_years.sql): `outlook` reads it and never re-decides. Conventions:

* `elapsed` = the month the delivered figure reaches (its through date; 0–12).
* `run_rate`: the mean of the `window` most recent months inside the delivered figure — a month's own
  figure, or its quarter's / year-to-date total's average where the company reported only the total.
* `projection` = delivered + run_rate × (12 − elapsed): a straight-line year-end estimate.
* `required_monthly_rate` = (target − delivered) ÷ (12 − elapsed), from the month after `elapsed`; 0
  once the target is met; None when no months are left or there is no target.
* A lower-bound ("over N") figure enters every sum at N, so sums that include one are "at least".

The package follows the jobs, one module each: `pace` (the arithmetic of a year's months), `standing`
(`Outlook` and `outlook`: where a brand stands, read from the mart), `verdicts` (the standing in words),
`cumulative` (the cumulative chart's frame) and `peers` (the peers' selections). Callers use
`from evdash import deliveries; deliveries.X`.
"""

from __future__ import annotations

from evdash.deliveries.cumulative import CUMULATIVE_COLUMNS, cumulative_frame
from evdash.deliveries.pace import (
    MONTH_NAMES,
    MONTHS_IN_YEAR,
    default_year,
    gap_text,
    month_end,
    month_reached,
    month_span,
    months_without_figure,
    path_comparison,
    projection,
    required_monthly_rate,
    run_rate,
    straight_line_path,
)
from evdash.deliveries.peers import peer_attainment, peer_deliveries
from evdash.deliveries.standing import Outlook, outlook, year_start_totals, ytd_row
from evdash.deliveries.verdicts import attainment_note, change_vs_year_earlier, verdict

__all__ = [
    "CUMULATIVE_COLUMNS",
    "MONTHS_IN_YEAR",
    "MONTH_NAMES",
    "Outlook",
    "attainment_note",
    "change_vs_year_earlier",
    "cumulative_frame",
    "default_year",
    "gap_text",
    "month_end",
    "month_reached",
    "month_span",
    "months_without_figure",
    "outlook",
    "path_comparison",
    "peer_attainment",
    "peer_deliveries",
    "projection",
    "required_monthly_rate",
    "run_rate",
    "straight_line_path",
    "verdict",
    "year_start_totals",
    "ytd_row",
]
