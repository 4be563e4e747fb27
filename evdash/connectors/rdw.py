"""Reader of RDW open data 'Gekentekende voertuigen' (m9d7-ebf2, the Netherlands' registered vehicles,
one row per vehicle; CSV as the Socrata API or the portal's bulk export gives it).

What the file supports, and what it does not: it lists vehicles, not registrations per month, and the
fuel type lives in another dataset (8ys7-d773, joined on `kenteken`), so it **cannot tell battery-electric
cars apart**. What it yields: per month, the number of passenger cars (`voertuigsoort` 'Personenauto')
in this file first registered in the Netherlands as new cars (first admission anywhere on the same day
as the first Dutch registration, so imported used cars are left out), all fuels. An API page holds
1,000 vehicles of millions, so each figure is a floor ("at least N", `lower_bound`), never the market.

Format: every value quoted text; dates `YYYYMMDD` (the `_dt` ISO twins are not needed); the bulk export's
display names ('Datum eerste toelating') and `;` separator are read too. `as_of` = the newest
`datum_tenaamstelling` in the file (the file knows registrations up to that day).
Licence: CC0 1.0 (RDW open data; not stated in the file).
"""

from __future__ import annotations

import io
import re

import pandas as pd

from evdash.connectors import national
from evdash.connectors.base import FormatError, Parsed

SOURCE = "rdw"
PARSER_VERSION = "rdw-m9d7-1"
SOURCE_URL = "https://opendata.rdw.nl/Voertuigen/Open-Data-RDW-Gekentekende_voertuigen/m9d7-ebf2"
LICENCE = "CC0 1.0 (RDW open data)"
MARKET = "NLD"
CARS = "Personenauto"
FIRST_ADMISSION = "datum_eerste_toelating"
FIRST_DUTCH = "datum_eerste_tenaamstelling_in_nederland"
LATEST = "datum_tenaamstelling"
REQUIRED = ("kenteken", "voertuigsoort", FIRST_ADMISSION, FIRST_DUTCH, LATEST)
SCOPE = (
    "RDW m9d7-ebf2: new passenger cars first registered in the Netherlands, all fuels, counted in this "
    "file only (the fuel type is in RDW dataset 8ys7-d773, not read)"
)


def _column(name: str) -> str:
    """'Datum eerste toelating' (bulk export) -> 'datum_eerste_toelating' (API)."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _dates(values: pd.Series, column: str, name: str) -> pd.Series:
    """YYYYMMDD text -> dates; empty stays empty; anything else is a FormatError naming the line."""
    text = values.fillna("").str.strip().str.replace("-", "", regex=False).str[:8]
    parsed = pd.to_datetime(text.where(text != ""), format="%Y%m%d", errors="coerce")
    bad = (text != "") & parsed.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())  # the frame's default index: position = row
        raise FormatError(f"{name}, line {i + 2}, column '{column}': '{values[i]}' is not a date (YYYYMMDD)")
    return parsed


def parse(data: bytes, name: str) -> Parsed:
    """Rows of the `national_registrations` kind: per month, at least how many new passenger cars were first
    registered in the Netherlands (all fuels; `lower_bound`, because the file is a sample of the register)."""
    text = data.decode("utf-8-sig", errors="replace")
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(f"{name}: not RDW CSV ({exc})") from exc
    table.columns = [_column(c) for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise FormatError(
            f"{name}, line 1: no column {', '.join(repr(c) for c in missing)} in the header; the RDW "
            "m9d7-ebf2 format has changed"
        )
    if table.empty:
        raise FormatError(f"{name}: a header but no vehicles (truncated file?)")
    admission = _dates(table[FIRST_ADMISSION], FIRST_ADMISSION, name)
    dutch = _dates(table[FIRST_DUTCH], FIRST_DUTCH, name)
    latest = _dates(table[LATEST], LATEST, name)
    if latest.isna().all():
        raise FormatError(f"{name}, column '{LATEST}': no date in any row")
    as_of = latest.max().date()
    new_cars = (table["voertuigsoort"].str.strip() == CARS) & dutch.notna() & (admission == dutch)
    months = dutch[new_cars].dt.to_period("M").value_counts().sort_index()
    rows = [
        national.row(
            MARKET,
            period.to_timestamp().date(),
            "all",
            "market",
            "All makes",
            int(count),
            SOURCE_URL,
            as_of,
            "lower_bound",
            scope_note=SCOPE,
            note=f"at least: {int(count)} of the {len(table):,} vehicles in this file",
        )
        for period, count in months.items()
    ]
    if not rows:
        raise FormatError(f"{name}: no passenger car first registered new in the Netherlands in this file")
    first, last = months.index.min(), months.index.max()
    return Parsed(
        national.KIND,
        national.frame(rows),
        f"{first:%Y-%m} to {last:%Y-%m}",
        as_of,
        (f"{int(new_cars.sum())} of {len(table):,} vehicles are new passenger cars first registered here",),
    )
