"""Purchase incentives as records (`incentives_for`) and why a car is not eligible, in words. Pure."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pycountry

from evdash import labels
from evdash.pricing.duties import opt_float, opt_str


@dataclass(frozen=True)
class Incentive:
    """A purchase incentive in force in a market (a row of `queries.pricing_incentives`). `amount` is what
    an eligible buyer gets at least (None: the market has no purchase grant, status `no_scheme`)."""

    scheme: str
    market_code: str
    amount: float | None
    amount_max: float | None
    currency: str
    price_cap: float | None
    excluded_origins: tuple[str, ...]
    origin_rule: str
    buyer: str
    eligibility: str
    status: str
    source: str
    as_of: str
    confidence: str
    note: str = ""


def incentives_for(frame: pd.DataFrame, market: str, powertrain: str) -> tuple[Incentive, ...]:
    """The incentives of `queries.pricing_incentives` in `market` for the car's powertrain (or all)."""
    rows = frame[(frame["market_code"] == market) & frame["powertrain"].isin([powertrain, "all"])]
    return tuple(
        Incentive(
            str(r["scheme"]),
            market,
            opt_float(r["amount"]),
            opt_float(r["amount_max"]),
            opt_str(r["currency"]),
            opt_float(r["price_cap"]),
            tuple(c for c in opt_str(r["excluded_origins"]).split(";") if c),
            opt_str(r["origin_rule"]),
            str(r["buyer"]),
            str(r["eligibility"]),
            str(r["status"]),
            opt_str(r.get("source_url")),
            labels.day(r["as_of"]),
            opt_str(r.get("confidence")) or "reported",
            opt_str(r.get("note")),
        )
        for r in rows.to_dict("records")
    )


def country_name(iso3: str) -> str:
    """'China' for 'CHN' (pycountry's common name where it has one); the code when unknown."""
    found = pycountry.countries.get(alpha_3=iso3)
    return str(getattr(found, "common_name", None) or getattr(found, "name", iso3)) if found else iso3


def why_not_eligible(incentive: Incentive, production_country: str, price_in_scheme_currency: float) -> str:
    """'' when a car built in `production_country` at this estimated price qualifies; else why not, in
    words ('the car is built in China'). The buyer is assumed eligible (the scheme's own conditions)."""
    if production_country in incentive.excluded_origins:
        return f"the car is built in {country_name(production_country)}"
    if incentive.price_cap is not None and price_in_scheme_currency > incentive.price_cap:
        return (
            f"the estimated price ({incentive.currency} {price_in_scheme_currency:,.0f}) is above its "
            f"{incentive.currency} {incentive.price_cap:,.0f} price cap"
        )
    return ""
