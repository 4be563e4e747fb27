"""The IEA Global EV Data Explorer as a seed (`data/seeds/iea_ev_data.csv`), generated from the file in the
facts folder, unchanged except for the market code, source, as-of and confidence it gains:

    .venv/bin/python -m evdash.iea ../shared/facts/iea_global_ev_data_2024.csv data/seeds/iea_ev_data.csv

Source: IEA (2024), *Global EV Data Explorer*,
https://www.iea.org/data-and-statistics/data-tools/global-ev-data-explorer, licence CC BY 4.0 (credit the IEA
wherever its figures are shown: `IEA_CREDIT`). As-of: 2024-04-23, the day the IEA published the 2024 edition
(Global EV Outlook 2024). Confidence: `Historical` rows are the IEA's own figures (`reported` by an official
body, rounded as the IEA publishes them); `Projection-STEPS` / `Projection-APS` rows are scenarios, not
forecasts of record (`estimate`), and must look like projections wherever shown.

Country names map to ISO 3166-1 alpha-3 through pycountry (`pycountry.countries.lookup`: name, official or
common name, alpha-2/3). The names it does not resolve are in `NAME_TO_ISO3`, one line each with why; the
IEA's aggregates are market groups (`GROUPS`, rows of data/seeds/market_groups.csv). A name in neither is an
error naming the line, never a silent skip.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pycountry

SOURCE_ID = "iea_gevd_2024"
AS_OF = "2024-04-23"
IEA_CREDIT = "Source: IEA (2024), Global EV Data Explorer, licence CC BY 4.0"

# IEA region names pycountry does not resolve (checked: lookup raises LookupError for each).
NAME_TO_ISO3: dict[str, str] = {
    "Korea": "KOR",  # the IEA means the Republic of Korea (pycountry: "Korea, Republic of")
    "Turkiye": "TUR",  # pycountry spells it "Türkiye"
}
# The IEA's aggregates: market groups, not countries (data/seeds/market_groups.csv).
GROUPS: dict[str, str] = {
    "EU27": "EU27",
    "Europe": "EUR_IEA",  # the IEA's Europe, not the ACEA area EUR (EU27 + EFTA + UK)
    "World": "WLD",
    "Rest of the world": "ROW",
}
SCENARIO = {"Historical": None, "Projection-STEPS": "STEPS", "Projection-APS": "APS"}
SEED_COLUMNS = (
    "market_code",
    "region",
    "category",
    "parameter",
    "mode",
    "powertrain",
    "year",
    "unit",
    "value",
    "source_id",
    "as_of",
    "confidence",
)


def market_code(region: str) -> str:
    """ISO 3166 alpha-3 (or a market group code) for an IEA region name; LookupError if unknown."""
    if region in GROUPS:
        return GROUPS[region]
    if region in NAME_TO_ISO3:
        return NAME_TO_ISO3[region]
    return str(pycountry.countries.lookup(region).alpha_3)


def confidence(category: str) -> str:
    if category not in SCENARIO:
        raise ValueError(f"unknown IEA category {category!r}")
    return "reported" if category == "Historical" else "estimate"


def convert(rows: Iterable[dict[str, str]], where: str = "IEA file") -> Iterator[list[str]]:
    """IEA rows (the explorer's CSV columns) -> seed rows (`SEED_COLUMNS`). Raises ValueError naming the line
    of the first region name that maps to nothing."""
    for line, row in enumerate(rows, start=2):
        try:
            code = market_code(row["region"])
        except LookupError:
            raise ValueError(
                f"{where}, line {line}, column 'region': '{row['region']}' is neither an ISO 3166 country "
                "(pycountry) nor in evdash.iea.NAME_TO_ISO3 / GROUPS"
            ) from None
        yield [
            code,
            row["region"],
            row["category"],
            row["parameter"],
            row["mode"],
            row["powertrain"],
            row["year"],
            row["unit"],
            row["value"],
            SOURCE_ID,
            AS_OF,
            confidence(row["category"]),
        ]


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(
            "usage: python -m evdash.iea <IEA Global EV Data CSV> <data/seeds/iea_ev_data.csv>",
            file=sys.stderr,
        )
        return 2
    src, out = Path(argv[0]), Path(argv[1])
    with src.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(convert(csv.DictReader(fh), str(src)))
    rows.sort(key=lambda r: (r[0], r[2], r[3], r[4], r[5], int(r[6])))
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SEED_COLUMNS)
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
