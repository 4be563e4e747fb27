"""The watch list's inputs the briefing gathers: duty, VAT-relief and VAT changes in the focus markets
around the date (`rule_changes`), and the headline figures whose age the list checks (`headlines`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from evdash import queries, watch
from evdash.briefing.cards import cell_date
from evdash.kpis import Kpi


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


def headlines(kpis: Sequence[Kpi], origin: pd.Series | None) -> list[watch.Headline]:
    """The figures the watch list checks for age: the Overview's KPIs that can get newer (this year
    so far, the cumulative figure; a closed year's final total cannot) and the focus model's home price."""
    out = [
        watch.Headline(f"{k.label}: {k.value}", k.as_of, k.source)
        for k in kpis
        if k.as_of is not None and k.confidence and not k.closed
    ]
    if origin is not None:
        as_of = cell_date(origin["as_of"])
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
