"""One basis year per measure (issue #24): the year most compared markets hold, the markets flagged
for an older one, and the basis columns shown with the ranking. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evdash.scoring.measures import MEASURE_BY_KEY

# The basis year of a measure is the latest year at least this share of the compared markets with any
# figure for it hold (so one straggler cannot hold everyone back to an old year); the rest are flagged.
BASIS_MIN_SHARE = 0.75


@dataclass(frozen=True)
class BasisMeasure:
    key: str  # the scoring measure
    metric: str  # its figure in queries.markets_measures_years
    floor: str | None  # a same-year stand-in where the figure is missing (a floor, marked)
    definition: str


BASIS_MEASURES: tuple[BasisMeasure, ...] = (
    BasisMeasure(
        "ev_sales",
        "ev_sales",
        "bev_sales",
        "BEV + PHEV new-car sales in the year (BEV sales alone where that is missing: a floor)",
    ),
    BasisMeasure("ev_share_pct", "ev_share_pct", None, "BEV + PHEV share of new cars in the year"),
    BasisMeasure(
        "ev_growth_pct",
        "ev_growth_pct",
        None,
        "growth of EV (else BEV) sales from the year before, both years from one source family",
    ),
    BasisMeasure("bev_share_pct", "bev_share_pct", None, "battery-electric share of new cars in the year"),
    BasisMeasure(
        "body_fit_pct",
        "suv_share_pct",
        None,
        "SUV share of new cars, broad definitions; the Europe-wide figure where a market has none (a proxy)",
    ),
)


def basis_year(years_by_market: Mapping[str, set[int]], min_share: float = BASIS_MIN_SHARE) -> int | None:
    """The latest year that at least `min_share` of the markets with any figure hold; if no year reaches
    it, the year most of them hold (the later on a tie). None when no market has a figure."""
    have = [years for years in years_by_market.values() if years]
    if not have:
        return None
    years = sorted(set().union(*have), reverse=True)
    counts = {y: sum(y in held for held in have) for y in years}
    for year in years:
        if counts[year] >= min_share * len(have):
            return year
    return max(years, key=lambda y: (counts[y], y))


@dataclass(frozen=True)
class Basis:
    measures: (
        pd.DataFrame
    )  # the basis-year rows, in the shape of queries.markets_measures (assemble_measures)
    table: (
        pd.DataFrame
    )  # per measure: key, measure, year, span, definition, markets_with, without, source_url
    flags: pd.DataFrame  # market_code, key, note ("no 2023 figure", "BEV sales only (a floor)")


def pick_basis(years_long: pd.DataFrame, markets: Sequence[str], min_share: float = BASIS_MIN_SHARE) -> Basis:
    """One basis year per measure for all `markets` (queries.markets_measures_years): see `basis_year`.
    A market without a figure for that year is flagged ("no 2023 figure") and left without the measure,
    never filled from another year; market size may take the same year's BEV sales (a floor, flagged)."""
    compared = years_long[years_long["market_code"].isin(list(markets))]
    picked: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    flags: list[tuple[str, str, str]] = []
    for spec in BASIS_MEASURES:
        main = compared[compared["measure"] == spec.metric]
        years = {
            str(c): {int(y) for y in part["year"]} for c, part in main.groupby("market_code", sort=False)
        }
        year = basis_year(years, min_share)
        label = MEASURE_BY_KEY[spec.key].label
        if year is None:
            rows.append(
                {"key": spec.key, "measure": label, "year": None, "span": "no figure", "markets_with": 0}
            )
            continue
        taken = main[main["year"] == year]
        have = set(taken["market_code"])
        if spec.floor:
            floor = compared[
                (compared["measure"] == spec.floor)
                & (compared["year"] == year)
                & ~compared["market_code"].isin(have)
            ]
            for code in floor["market_code"]:
                flags.append((str(code), spec.key, f"{label}: BEV sales only in {year} (a floor)"))
            taken = pd.concat([taken, floor], ignore_index=True)
            have |= set(floor["market_code"])
        without = [c for c in markets if c not in have]
        for code in without:
            flags.append((code, spec.key, f"{label}: no {year} figure"))
        picked.append(taken)
        urls = taken["source_url"].dropna().astype(str)
        rows.append(
            {
                "key": spec.key,
                "measure": label,
                "year": year,
                "span": f"{year - 1} → {year}" if spec.key == "ev_growth_pct" else str(year),
                "definition": spec.definition,
                "markets_with": len(have),
                "without": ", ".join(without),
                "source_url": urls.mode().iloc[0] if not urls.empty else None,
                "sources": int(urls.nunique()),
            }
        )
    measures = (pd.concat(picked, ignore_index=True) if picked else years_long.iloc[0:0].copy()).reset_index(
        drop=True
    )
    return Basis(
        measures,
        pd.DataFrame(rows),
        pd.DataFrame(flags, columns=["market_code", "key", "note"]),
    )


def basis_for_people(basis: Basis, names: Mapping[str, str]) -> pd.DataFrame:
    """The basis table beside the ranking: each measure's year (or span), definition, how many of the
    compared markets have it, which do not (by name), and its main source."""
    table = basis.table.copy()
    if "without" in table.columns:
        table["without"] = [
            ", ".join(names.get(c, c) for c in str(w).split(", ")) if isinstance(w, str) and w else ""
            for w in table["without"]
        ]
    return table.drop(columns=["key"])


def basis_columns(
    export: pd.DataFrame, basis: Basis, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The ranking's download with each measure's basis: `<key>_basis_year` (the one year all markets are
    compared on), `<key>_year` and `<key>_source` (the market's own figure: its year, empty when it has
    none for that year, and its source), and `basis_flags` (what is flagged for the market, in words; only
    the measures with a weight when `weights` is given)."""
    out = export.copy()
    codes = list(out["market_code"])
    picked = basis.measures
    for spec in BASIS_MEASURES:
        year = basis.table.set_index("key")["year"].get(spec.key) if not basis.table.empty else None
        out[f"{spec.key}_basis_year"] = year
        rows = picked[picked["measure"].isin([spec.metric, spec.floor])].drop_duplicates("market_code")
        by_code = rows.set_index("market_code")
        out[f"{spec.key}_year"] = [by_code["year"].get(c) if c in by_code.index else None for c in codes]
        out[f"{spec.key}_source"] = [
            by_code["source_url"].get(c) if c in by_code.index else None for c in codes
        ]
    flags = basis.flags
    if weights is not None:
        flags = flags[flags["key"].map(lambda k: weights.get(k, 0) > 0)]
    notes: dict[str, str] = (
        {str(k): str(v) for k, v in flags.groupby("market_code")["note"].agg("; ".join).items()}
        if not flags.empty
        else {}
    )
    out["basis_flags"] = [notes.get(str(c), "") for c in codes]
    return out
