"""Import VAT and its relief as records (`vat_for`), and China's default origin VAT. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from evdash.pricing.duties import opt_date, opt_str

DEFAULT_ORIGIN_VAT_PCT = 13.0


@dataclass(frozen=True)
class VatRelief:
    """VAT only on the part of the taxable value above `exempt_up_to` (in `currency`)."""

    exempt_up_to: float
    currency: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    source: str
    confidence: str = "reported"
    note: str = ""


@dataclass(frozen=True)
class Vat:
    rate_pct: float
    source_id: str
    effective_from: dt.date | None
    note: str = ""
    relief: VatRelief | None = None


def vat_for(
    vat: pd.DataFrame, market: str, reliefs: pd.DataFrame | None = None, powertrain: str = ""
) -> Vat | None:
    """The VAT row of `queries.pricing_vat` for a market (None when the data has none), with the relief of
    `queries.pricing_vat_reliefs` for the car's powertrain in force on the same date, if any."""
    rows = vat[vat["market_code"] == market]
    if rows.empty:
        return None
    row = rows.iloc[0]
    relief = None
    if reliefs is not None and not reliefs.empty:
        hits = reliefs[(reliefs["market_code"] == market) & (reliefs["powertrain"] == powertrain)]
        if not hits.empty:
            r = hits.iloc[0]
            relief = VatRelief(
                float(r["exempt_up_to"]),
                str(r["currency"]),
                opt_date(r["effective_from"]),
                opt_date(r["effective_to"]),
                opt_str(r.get("source_url")),
                opt_str(r.get("confidence")) or "reported",
                opt_str(r.get("note")),
            )
    return Vat(
        float(row["rate_pct"]),
        str(row.get("source_url") or row["source_id"]),
        opt_date(row["effective_from"]),
        opt_str(row.get("note")),
        relief,
    )
