"""The cumulative chart's frame (`cumulative_frame`): the delivered figure by month end, the target and
its revisions, the company's reported totals and the run-rate projection, one row per point in long form
(the chart's CSV)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evdash import labels
from evdash.deliveries.pace import MONTHS_IN_YEAR
from evdash.deliveries.standing import Outlook, as_date, as_float, as_timestamp, year_start_totals
from evdash.theme import flag

CUMULATIVE_COLUMNS = [
    "series",
    "date",
    "units",
    "month_units",
    "confidence",
    "is_at_least",
    "label",
    "source",
    "as_of",
    "note",
]


def cumulative_frame(
    ytd: pd.DataFrame, targets: pd.DataFrame, totals: pd.DataFrame, o: Outlook
) -> pd.DataFrame:
    """Everything the cumulative chart draws, one row per point, in long form (this is its CSV):

    * series 'delivered': the year so far by the one rule at each month end it reaches (a quarter's total
      at the quarter's end; month_units = the step since the previous point);
    * 'target': each company revision at its announcement date (clipped to 1 Jan for targets
      announced the year before), plus the final target repeated at 31 Dec to close the step line;
    * 'reported_total': company totals of the year so far (Q1, H1, 9M, full year, "100,000 delivered
      by 13 Nov") at their period end;
    * 'projection': the delivered figure at its through date and the run-rate projection at 31 Dec.
    """
    rows = [
        *_delivered_points(ytd, o),
        *_target_points(targets, o.year),
        *_reported_total_points(totals, o),
        *_projection_points(o),
    ]
    frame = pd.DataFrame(rows, columns=CUMULATIVE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


Row = dict[str, object]  # one point of the cumulative chart (CUMULATIVE_COLUMNS)


def _delivered_points(ytd: pd.DataFrame, o: Outlook) -> list[Row]:
    """Series 'delivered': the year so far at each through date the mart's rows reach, up to the outlook's
    cut-off; month_units is the step since the previous point."""
    rows: list[Row] = []
    previous_units, previous_through = 0.0, None
    counted = (
        ytd[ytd["through_month"] <= o.through_month].sort_values("through_month") if not ytd.empty else ytd
    )
    for rec in counted.itertuples(index=False):
        units, through = as_float(rec.delivered_units), as_date(rec.delivered_through)
        if units is None or through is None or through == previous_through:
            continue
        rows.append(
            {
                "series": "delivered",
                "date": through,
                "units": units,
                "month_units": units - previous_units,
                "confidence": rec.delivered_confidence,
                "is_at_least": flag(rec.delivered_is_at_least),
                "label": f"to {through:%-d %b %Y}: {rec.delivered_detail}",
                "source": rec.delivered_source,
                "as_of": rec.delivered_as_of,
                "note": rec.delivered_basis_label,
            }
        )
        previous_units, previous_through = units, through
    return rows


def _target_points(targets: pd.DataFrame, year: int) -> list[Row]:
    """Series 'target': each revision at its announcement (not before 1 Jan), then the final target held
    to 31 Dec to close the step line; none without a target."""
    rows: list[Row] = []
    if targets.empty:
        return rows
    ordered = targets.sort_values("revision_no")
    for rec in ordered.itertuples(index=False):
        announced = as_timestamp(rec.announced_on).date()
        rows.append(
            {
                "series": "target",
                "date": max(announced, dt.date(year, 1, 1)),
                "units": as_float(rec.target_units),
                "month_units": None,
                "confidence": rec.confidence,
                "is_at_least": bool(rec.target_is_at_least),
                "label": f"revision {rec.revision_no}: announced {labels.day(announced)}",
                "source": rec.source_url,
                "as_of": rec.as_of,
                "note": rec.note,
            }
        )
    last = ordered.iloc[-1]
    rows.append(
        {
            "series": "target",
            "date": dt.date(year, 12, 31),
            "units": float(last["target_units"]),
            "month_units": None,
            "confidence": last["confidence"],
            "is_at_least": bool(last["target_is_at_least"]),
            "label": "final target, held to year end",
            "source": last["source_url"],
            "as_of": last["as_of"],
            "note": "end of step line",
        }
    )
    return rows


def _reported_total_points(totals: pd.DataFrame, o: Outlook) -> list[Row]:
    """Series 'reported_total': the company's totals from 1 Jan, in the figure's scope, at their period
    end."""
    rows: list[Row] = []
    for rec in year_start_totals(totals, o.year, o.through_month, o.scope).itertuples(index=False):
        rows.append(
            {
                "series": "reported_total",
                "date": as_timestamp(rec.period_end).date(),
                "units": as_float(rec.reported_units),
                "month_units": None,
                "confidence": rec.reported_confidence,
                "is_at_least": bool(rec.reported_is_at_least),
                "label": (
                    f"{labels.label(labels.PERIOD, rec.period_kind)} total to {labels.day(rec.period_end)}"
                ),
                "source": rec.source_url,
                "as_of": rec.as_of,
                "note": rec.note,
            }
        )
    return rows


def _projection_points(o: Outlook) -> list[Row]:
    """Series 'projection': the delivered figure at its through date and the run-rate projection at
    31 Dec; none when nothing is projected or the year is complete."""
    rows: list[Row] = []
    if o.projection is not None and o.delivered is not None and o.elapsed < MONTHS_IN_YEAR:
        start = o.delivered_through or dt.date(o.year, 1, 1)
        for date, units, label in (
            (start, o.delivered, "delivered so far"),
            (dt.date(o.year, 12, 31), o.projection, f"run rate of {o.window_text}"),
        ):
            rows.append(
                {
                    "series": "projection",
                    "date": date,
                    "units": units,
                    "month_units": o.run_rate,
                    "confidence": "estimate",
                    "is_at_least": False,
                    "label": label,
                    "source": "evdash projection",
                    "as_of": None,
                    "note": "straight line at the mean of the most recent months",
                }
            )
    return rows
