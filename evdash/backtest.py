"""Back-test of the market ranking: where Chinese brands actually launched first in Europe, against the
ranking computed on the market as it was before each brand's first European launch.

Method (docs/backtest.md says it in words):

1. **Launch facts** (`data/backtest/launches.csv`, checked by `load_launches`): one row per brand and
   European country, the first retail launch (first deliveries or official market entry), its date at the
   precision the source gives (day, month, quarter or year) and the source.
2. **The market before the launch**: for each brand, only the market figures for years *before* the year
   of its first European launch enter (`known_before`). The figures are today's editions (IEA Global EV
   Data Explorer): the market *as it was then*, not as it was published then.
3. **The ranking**: the Market ranking page's chain (`scoring.pick_basis` → `assemble_measures` →
   `proxy_bounded` → `scale_factors` → `score_markets`) over the European markets in the data, with the
   default preset's weights on the measures that have a history (EV market size, EV share, EV growth);
   duty, price, body-type fit and presence have no history in the data and are left out (`WEIGHTS`).
4. **The comparison**: the brand's actual entry order (1 = first; launches whose dates cannot be told
   apart at the precision given share the mid-rank, `entry_order`) against the model's rank, as a
   Spearman rank correlation per brand and pooled, and the share of the brand's first-wave countries
   (launched within `FIRST_WAVE_DAYS` of its first) that the ranking put in its top 5 / top 10.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import numpy as np
import pandas as pd
import pycountry

from evdash import config, queries, scoring

LAUNCHES_CSV = config.REPO_ROOT / "data" / "backtest" / "launches.csv"
COLUMNS = (
    "brand_id",
    "market_code",
    "launch_date",
    "date_precision",
    "what",
    "source_url",
    "publisher",
    "note",
)
REQUIRED = ("brand_id", "market_code", "launch_date", "date_precision", "what", "source_url", "publisher")
PRECISIONS = ("day", "month", "quarter", "year")
# Brands of the back-test that are not in data/seeds/brands.csv (the dashboard does not follow them).
EXTRA_BRANDS = {"polestar": "Polestar"}
REGION = "europe"
# The measures with a history in the data (a figure per year): the only ones a back-test can use.
HISTORY_MEASURES = ("ev_sales", "ev_share_pct", "ev_growth_pct")
# The default preset's weights on those measures; every other measure is left out (weight 0).
WEIGHTS: dict[str, float] = {
    key: float(weight) if key in HISTORY_MEASURES else 0.0 for key, weight in scoring.DEFAULT_WEIGHTS.items()
}
# A naive baseline: the biggest EV markets first (market size alone).
SIZE_ONLY: dict[str, float] = {key: 1.0 if key == "ev_sales" else 0.0 for key in scoring.DEFAULT_WEIGHTS}
MIN_COVERAGE_PCT = 50.0  # the Market ranking page's default minimum data coverage
TOP_K = (5, 10)
FIRST_WAVE_DAYS = 365  # launches within a year of the brand's first European launch are its first wave


class LaunchFileError(ValueError):
    """The launch file was rejected; `errors` lists every problem with its file, row and column."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def period_end(start: dt.date, precision: str) -> dt.date:
    """The last day of the period a launch date stands for (a month, quarter or year starts at `start`)."""
    if precision == "day":
        return start
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "quarter":
        last = start.month + 2
        return dt.date(start.year, last, calendar.monthrange(start.year, last)[1])
    if precision == "year":
        return dt.date(start.year, 12, 31)
    raise ValueError(f"unknown date precision {precision!r}: one of {', '.join(PRECISIONS)}")


def _check_row(row: Mapping[str, str], brands: Mapping[str, str]) -> list[tuple[str, str]]:
    """(column, problem) for each bad cell of one launch row."""
    problems: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            problems.append((column, "is empty"))
    brand = row.get("brand_id") or ""
    if brand and brand not in brands:
        problems.append(
            (
                "brand_id",
                f"'{brand}' is not a brand of data/seeds/brands.csv nor one of {sorted(EXTRA_BRANDS)}",
            )
        )
    code = row.get("market_code") or ""
    if code and (len(code) != 3 or not code.isupper() or pycountry.countries.get(alpha_3=code) is None):
        problems.append(("market_code", f"'{code}' is not an ISO 3166-1 alpha-3 country code (pycountry)"))
    precision = row.get("date_precision") or ""
    if precision and precision not in PRECISIONS:
        problems.append(("date_precision", f"'{precision}' is not one of {', '.join(PRECISIONS)}"))
    raw_date = row.get("launch_date") or ""
    if raw_date:
        try:
            date = dt.date.fromisoformat(raw_date)
            if len(raw_date) != 10:
                raise ValueError(raw_date)
        except ValueError:
            problems.append(("launch_date", f"'{raw_date}' is not a date YYYY-MM-DD"))
        else:
            starts = {
                "month": date.day == 1,
                "quarter": date.day == 1 and date.month in (1, 4, 7, 10),
                "year": (date.month, date.day) == (1, 1),
            }
            if not starts.get(precision, True):
                problems.append(("launch_date", f"{raw_date} is not the first day of its {precision}"))
    url = row.get("source_url") or ""
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in url):
            problems.append(("source_url", f"'{url[:60]}' is not an http(s) address"))
    return problems


def load_launches(path: Path, brands: Mapping[str, str]) -> pd.DataFrame:
    """The launch facts of `path`, checked: columns COLUMNS; brand in `brands` (id → name) or EXTRA_BRANDS;
    ISO 3166 alpha-3 code (pycountry); ISO date, the first day of its period for a month/quarter/year
    precision; http(s) source; one row per brand and country. Any problem: LaunchFileError listing each
    with the file, row (the header is row 1, as a spreadsheet counts) and column; nothing is returned.
    Adds `brand_name`, `start` and `end` (the period the date stands for)."""
    known = {**EXTRA_BRANDS, **brands}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        if header != COLUMNS:
            raise LaunchFileError(
                [f"{path.name} row 1: the columns must be {', '.join(COLUMNS)}, not {', '.join(header)}"]
            )
        rows = list(reader)
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        if None in row:
            errors.append(f"{path.name} row {line}: more cells than the {len(COLUMNS)} columns")
            continue
        for column, problem in _check_row(row, known):
            errors.append(f"{path.name} row {line}, column {column}: {problem}")
        key = (row["brand_id"], row["market_code"])
        if key in seen:
            errors.append(
                f"{path.name} row {line}, column market_code: {key[0]} in {key[1]} is already on row "
                f"{seen[key]} (one first launch per brand and country)"
            )
        seen.setdefault(key, line)
    if errors:
        raise LaunchFileError(errors)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["brand_name"] = frame["brand_id"].map(known)
    frame["start"] = [dt.date.fromisoformat(d) for d in frame["launch_date"]]
    frame["end"] = [period_end(s, p) for s, p in zip(frame["start"], frame["date_precision"], strict=True)]
    return frame


def entry_order(start: Sequence[dt.date], end: Sequence[dt.date]) -> list[float]:
    """The actual entry order, 1 = first. A launch is after another only when its period starts after the
    other's ends; launches that cannot be told apart at the precision given share the mid-rank (for plain
    dates this is the average rank of ties)."""
    n = len(start)
    out = []
    for s, e in zip(start, end, strict=True):
        before = sum(other_end < s for other_end in end)
        after = sum(other_start > e for other_start in start)
        out.append((before + 1 + n - after) / 2)
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties; Pearson's r of the ranks). None when fewer than
    three pairs or either side does not vary (no order to compare)."""
    a = pd.Series(list(x), dtype=float).rank(method="average")
    b = pd.Series(list(y), dtype=float).rank(method="average")
    if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2:
        return None
    return float(np.corrcoef(a.to_numpy(), b.to_numpy())[0, 1])


def known_before(years_long: pd.DataFrame, year: int) -> pd.DataFrame:
    """The market figures for years before `year` only (a figure for `year` or later never enters). A
    growth figure for year Y compares Y − 1 with Y, so both years are before `year` too."""
    return years_long[years_long["year"] < year].reset_index(drop=True)


def rank_markets(
    years_long: pd.DataFrame, markets: Sequence[str], weights: Mapping[str, float] = WEIGHTS
) -> tuple[scoring.ScoreResult, scoring.Basis]:
    """The Market ranking page's chain on `years_long` (queries.markets_measures_years) for `markets`: one
    basis year per measure, proxies inside the own figures' range, shares scaled by market size, min–max
    normalisation, a market missing a measure scored on the rest. No presence, duty or price (no history)."""
    basis = scoring.pick_basis(years_long, markets)
    no_presence = pd.DataFrame(columns=["market_code", "status", "stores"])
    no_landed = pd.DataFrame(columns=["market_code"])
    raw, _ = scoring.assemble_measures(basis.measures, no_presence, no_landed, "suv", markets)
    scored = scoring.proxy_bounded(raw, scoring.proxied_markets(basis.measures))
    result = scoring.score_markets(
        scored,
        weights,
        "minmax",
        "rescale",
        min_coverage_pct=MIN_COVERAGE_PCT,
        scale=scoring.scale_factors(raw, weights),
    )
    return result, basis


@dataclass(frozen=True)
class Backtest:
    table: pd.DataFrame  # one row per launch: brand, country, dates, source, model rank, entry order, hits
    brands: pd.DataFrame  # per brand: launches, first launch, data basis, rho, first wave, hit rates
    pooled_rho: float | None  # over all launches, each brand's ranks scaled to 0–1
    pooled_hits: dict[int, tuple[int, int]]  # k → (first-wave countries in the top k, first-wave countries)
    pooled_chance: dict[
        int, float
    ]  # k → the share of first-wave countries a random ranking puts in its top k
    markets: int  # European markets compared
    rankings: dict[str, pd.DataFrame]  # brand → its whole ranking (market_code, score, rank, …)


def _scaled_ranks(values: pd.Series) -> pd.Series:
    ranks = values.rank(method="average")
    return (ranks - 1) / (len(ranks) - 1) if len(ranks) > 1 else ranks * 0.0


def pooled_rho(table: pd.DataFrame) -> float | None:
    """Spearman's ρ over the launches of every brand in `table` (`Backtest.table`), each brand's model ranks
    and entry orders scaled to 0–1 among its ranked launches first, so no brand sets the scale."""
    x: list[float] = []
    y: list[float] = []
    if table.empty:
        return None
    for _, part in table[table["model_rank"].notna()].groupby("brand_id", sort=True):
        if len(part) > 1:
            x += list(_scaled_ranks(part["model_rank"].astype(float)))
            y += list(_scaled_ranks(part["entry_order"].astype(float)))
    return spearman(x, y) if x else None


def leave_one_brand_out(result: Backtest) -> dict[str, float | None]:
    """The pooled ρ without each brand in turn (its rankings do not depend on the other brands): how much
    one brand's launches move the pooled figure."""
    table = result.table
    return {str(b): pooled_rho(table[table["brand_id"] != b]) for b in sorted(set(table["brand_id"]))}


def _launch_rows(
    part: pd.DataFrame, result: scoring.ScoreResult, names: Mapping[str, str], years: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every launch of one brand, its ranked launches): each launch with the market's name, the model's
    rank (or why it was not ranked), whether it is in the first wave and in the top k, and the actual entry
    order among the ranked launches. `part` is sorted by launch; `years` is the basis year per measure."""
    first = min(part["start"])
    rank = dict(zip(result.table["market_code"], result.table["rank"], strict=True))
    why = dict(zip(result.excluded["market_code"], result.excluded["reason"], strict=True))
    out = part.assign(
        market_name=[names.get(c, c) for c in part["market_code"]],
        model_rank=pd.Series([rank.get(c) for c in part["market_code"]], index=part.index, dtype=float),
        not_ranked=[
            "" if c in rank else why.get(c, "no market figures in the data") for c in part["market_code"]
        ],
        ranked_of=len(result.table),
        size_year=years.get("ev_sales"),
        first_wave=[(s - first).days <= FIRST_WAVE_DAYS for s in part["start"]],
    )
    ranked = out[out["model_rank"].notna()].copy()
    ranked["entry_order"] = entry_order(list(ranked["start"]), list(ranked["end"]))
    out = out.merge(ranked[["market_code", "entry_order"]], on="market_code", how="left")
    for k in TOP_K:
        out[f"top{k}"] = out["model_rank"].le(k) & out["model_rank"].notna()
    return out, ranked


def _brand_stats(
    brand: object,
    part: pd.DataFrame,
    out: pd.DataFrame,
    ranked: pd.DataFrame,
    markets_ranked: int,
    years: pd.Series,
    pooled_hits: dict[int, list[int]],
    chance: dict[int, float],
) -> dict[str, object]:
    """One brand's summary row from its launches `part` and their rows `out`, `ranked` (`_launch_rows`):
    launches, data basis, ρ, first wave and its top-k hit rates against what chance gives. Adds the brand's
    first-wave hits to `pooled_hits` (k → [hits, first-wave countries]) and its expected chance hits to
    `chance`."""
    first = min(part["start"])
    wave = out[out["first_wave"] & out["model_rank"].notna()]
    stats: dict[str, object] = {
        "brand_id": brand,
        "brand_name": str(part["brand_name"].iloc[0]),
        "launches": len(part),
        "ranked": len(ranked),
        "first_year": first.year,
        "data_to": first.year - 1,
        "size_year": years.get("ev_sales"),
        "rho": spearman(list(ranked["model_rank"]), list(ranked["entry_order"])),
        "first_wave": len(wave),
    }
    for k in TOP_K:
        hits = int(wave[f"top{k}"].sum())
        stats[f"hit{k}"] = hits / len(wave) if len(wave) else None
        by_chance = min(k, markets_ranked) / markets_ranked if markets_ranked else 0.0
        stats[f"chance{k}"] = by_chance
        pooled_hits[k][0] += hits
        pooled_hits[k][1] += len(wave)
        chance[k] += len(wave) * by_chance
    return stats


def run(years_long: pd.DataFrame, launches: pd.DataFrame, weights: Mapping[str, float] = WEIGHTS) -> Backtest:
    """The back-test on the market figures `years_long` (every year, queries.markets_measures_years) and
    the checked launch facts `launches` (`load_launches`), ranking with `weights`."""
    europe = sorted(set(years_long.loc[years_long["evdash_region"] == REGION, "market_code"]))
    names = dict(zip(years_long["market_code"], years_long["market_name"], strict=False))
    rows: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []
    pooled_hits = {k: [0, 0] for k in TOP_K}
    chance = {k: 0.0 for k in TOP_K}
    rankings: dict[str, pd.DataFrame] = {}
    for brand, part in launches.groupby("brand_id", sort=True):
        part = part.sort_values(["start", "market_code"]).reset_index(drop=True)
        first = min(part["start"])
        result, basis = rank_markets(known_before(years_long, first.year), europe, weights)
        rankings[str(brand)] = result.table
        years = basis.table.set_index("key")["year"]
        out, ranked = _launch_rows(part, result, names, years)
        summary.append(_brand_stats(brand, part, out, ranked, len(result.table), years, pooled_hits, chance))
        rows.append(out)
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    pooled = pooled_rho(table)
    return Backtest(
        table,
        pd.DataFrame(summary),
        pooled,
        {k: (v[0], v[1]) for k, v in pooled_hits.items()},
        {k: chance[k] / pooled_hits[k][1] if pooled_hits[k][1] else 0.0 for k in TOP_K},
        len(europe),
        rankings,
    )


def ranking_agreement(a: Backtest, b: Backtest) -> dict[str, float | None]:
    """Per brand, Spearman's ρ between two back-tests' whole rankings (e.g. on two editions of the same
    figures) over the markets both ranked: 1 = the same order."""
    out: dict[str, float | None] = {}
    for brand, table in a.rankings.items():
        other = b.rankings.get(brand)
        if other is None:
            out[brand] = None
            continue
        both = table.merge(other, on="market_code", suffixes=("_a", "_b"))
        out[brand] = spearman(list(both["rank_a"]), list(both["rank_b"]))
    return out


def backtest(
    con: duckdb.DuckDBPyConnection, path: Path = LAUNCHES_CSV, weights: Mapping[str, float] = WEIGHTS
) -> Backtest:
    """The back-test on the database `con` (read-only) and the launch file `path`."""
    brands = queries.brands(con)
    launches = load_launches(path, dict(zip(brands["brand_id"], brands["name"], strict=True)))
    return run(queries.markets_measures_years(con), launches, weights)


def fmt_rho(value: float | None) -> str:
    """ρ in words for a table: '+0.42', or 'n/a' when there is no order to compare."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:+.2f}"
