"""The briefing's KPI cards: the Overview's and the Deliveries page's (`evdash.kpis`), each yearly one
with its change against a year earlier, the outlooks they are read from (as the Deliveries page builds
them) and the peers' table."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd

from evdash import deliveries, kpis, queries
from evdash.deliveries import MONTH_NAMES
from evdash.kpis import Kpi

WINDOW_MONTHS = 3  # the Deliveries page's default run-rate window


def cell_date(value: object) -> dt.date | None:
    """A cell's date; None for a missing value (None, NaT, NaN)."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def cell_flag(value: object) -> bool:
    """A cell's flag; False for a missing value."""
    return bool(value) if value is not None and not pd.isna(value) else False  # type: ignore[call-overload]


def year_outlook(
    con: duckdb.DuckDBPyConnection, brand: str, year: int, through_month: int
) -> deliveries.Outlook:
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
    return year_outlook(con, brand, on.year, 12)


def previous_outlook(
    con: duckdb.DuckDBPyConnection, brand: str, year: int, through_month: int
) -> deliveries.Outlook | None:
    """The outlook of the same months a year earlier (`year` is that year); None when no month is counted."""
    if through_month < 1:
        return None
    return year_outlook(con, brand, year, through_month)


def period_words(year: int, through_month: int) -> str:
    """'2025', 'Jan 2025' or 'Jan–Mar 2025': the months 1..through_month of `year`."""
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
        period_words(previous.year, o.elapsed),
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
        through = cell_date(row["delivered_through"])
        if previous is not None and previous.delivered is not None and through is not None:
            cards[0] = dataclasses.replace(
                cards[0],
                change=deliveries.change_vs_year_earlier(
                    float(row["delivered_units"]),
                    cell_flag(row["delivered_is_at_least"]),
                    previous.delivered,
                    previous.delivered_is_at_least,
                    period_words(previous.year, through.month),
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
            if cell_date(prior["delivered_through"]) == dt.date(int(prior["year"]), 12, 31):
                cards[1] = dataclasses.replace(
                    cards[1],
                    change=deliveries.change_vs_year_earlier(
                        float(row["delivered_units"]),
                        cell_flag(row["delivered_is_at_least"]),
                        float(prior["delivered_units"]),
                        cell_flag(prior["delivered_is_at_least"]),
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
