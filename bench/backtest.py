"""Back-test of the market ranking (issue 24 item 8): writes docs/backtest.md and docs/img/backtest.png.

    .venv/bin/python -m bench.backtest                  # builds the seed database in a temporary folder
    .venv/bin/python -m bench.backtest --db path/to/evdash.duckdb

Runs `evdash.backtest` twice: on today's data (IEA Global EV Data Explorer, 2026 edition) and on the data
as evdash knew it the day before it held that edition (`build.known_version`: the 2024 edition), so the
effect of the IEA's revisions on the ranking is measured, not guessed. Every number in the page comes from
this run; nothing is typed in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from evdash import backtest, build, config, db, raw, scoring, static_charts
from evdash.figures.backtest import rank_vs_entry

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "backtest.md"
IMG = ROOT / "docs" / "img" / "backtest.png"
LATEST_EDITION_FILE = "ev-data-explorer-2026.xlsx"  # data/raw/iea: the IEA edition the ranking uses today


def _edition_before(seeds: Path) -> dt.date:
    """The last day evdash did not yet hold the latest IEA edition (data/raw/iea/MANIFEST.csv)."""
    rows = raw.read_manifest(raw.shipped_dir(seeds) / "iea")
    row = next(r for r in rows if r["file"] == LATEST_EDITION_FILE)
    return raw.held_on(row) - dt.timedelta(days=1)


def _editions(con_path: Path) -> list[str]:
    with db.connect_readonly(con_path) as con:
        rows = con.sql("select distinct source_id from v_iea_car_metric_vintages order by 1").fetchall()
    return [str(r[0]) for r in rows]


def _when(date: Any, precision: Any) -> str:
    if precision == "day":
        return str(date.isoformat())
    if precision == "month":
        return str(date.strftime("%Y-%m"))
    if precision == "quarter":
        return f"{date.year} Q{(date.month - 1) // 3 + 1}"
    return str(date.year)


def _pct(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * float(value):.0f}%"


def _order(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.1f}"


def markdown(
    now: backtest.Backtest,
    then: backtest.Backtest,
    size_only: backtest.Backtest,
    agreement: dict[str, float | None],
    editions: tuple[list[str], list[str], dt.date],
) -> str:
    b = now.brands
    n = len(now.table)
    ranked = int(now.table["model_rank"].notna().sum())
    hits, chance = now.pooled_hits, now.pooled_chance
    then_rho = dict(zip(then.brands["brand_id"], then.brands["rho"], strict=True))
    rho = backtest.fmt_rho
    weights = ", ".join(
        f"{scoring.MEASURE_BY_KEY[k].label} {w:g}" for k, w in backtest.WEIGHTS.items() if w > 0
    )
    names = dict(zip(b["brand_id"], b["brand_name"], strict=True))
    agree = ", ".join(f"{names.get(k, k)} {rho(v)}" for k, v in sorted(agreement.items()))
    rows = []
    for r in b.to_dict("records"):
        rows.append(
            f"| {r['brand_name']} | {r['launches']} ({r['ranked']}) | {r['first_year']} "
            f"| up to {r['data_to']} (size: {int(r['size_year'])}) | {rho(r['rho'])} | {r['first_wave']} "
            f"| {_pct(r['hit5'])} | {_pct(r['hit10'])} | {_pct(r['chance5'])} / {_pct(r['chance10'])} "
            f"| {rho(then_rho.get(r['brand_id']))} |"
        )
    launches = []
    for r in now.table.to_dict("records"):
        rank = (
            f"{int(r['model_rank'])} of {r['ranked_of']}"
            if pd.notna(r["model_rank"])
            else f"not ranked: {r['not_ranked']}"
        )
        launches.append(
            f"| {r['brand_name']} | {r['market_name']} | {_when(r['start'], r['date_precision'])} "
            f"| [{r['publisher']}]({r['source_url']}) | {rank} | {_order(r['entry_order'])} "
            f"| {'yes' if r['first_wave'] else 'no'} |"
        )
    s5, s10 = size_only.pooled_hits[5], size_only.pooled_hits[10]
    pooled = now.pooled_rho if now.pooled_rho is not None else 0.0
    predicts = (
        "does **not** predict" if abs(pooled) < 0.3 else ("partly predicts" if pooled > 0 else "inverts")
    )
    beats = [s5[0] - hits[5][0], s10[0] - hits[10][0]]
    size_does = (
        "as well or better"
        if min(beats) >= 0
        else ("worse" if max(beats) <= 0 else "about as well (better on one k, worse on the other)")
    )
    better = (
        "better than chance"
        if hits[5][0] / hits[5][1] > chance[5] and hits[10][0] / hits[10][1] > chance[10]
        else "no better than chance"
    )
    without = backtest.leave_one_brand_out(now)
    spread = [v for v in without.values() if v is not None]
    adds = "add nothing over size" if min(beats) >= 0 else "add something over size"
    return f"""# Back-test of the market ranking

Where Chinese brands actually launched first in Europe, against the ranking computed on the market as
it was *before* each brand's first European launch. Generated by `python -m bench.backtest`
(`evdash/backtest.py`); every number below comes from that run. Figure: `docs/img/backtest.png`.

![Ranking before launch vs actual entry order](img/backtest.png)

## Result

{n} first launches of {b["brand_id"].nunique()} brands in European countries are sourced ({ranked} could
be ranked). Pooled over all of them, Spearman's ρ between the ranking's order and the order in which the
brands actually entered is **{rho(now.pooled_rho)}**: the ranking {predicts} the *order* in which
brands entered their countries. It picks the *set* {better}: of the {hits[5][1]}
first-wave launches (within {backtest.FIRST_WAVE_DAYS} days of the brand's first), {hits[5][0]}
({_pct(hits[5][0] / hits[5][1])}) were in the ranking's top 5 and {hits[10][0]}
({_pct(hits[10][0] / hits[10][1])}) in its top 10, against {_pct(chance[5])} and {_pct(chance[10])} by
chance. A naive ranking by EV market size alone does {size_does} (top 5: {s5[0]} of {s5[1]}, top 10:
{s10[0]} of {s10[1]}; ρ {rho(size_only.pooled_rho)}): on this evidence the weights on EV share and
growth {adds}. The pooled ρ is fragile: without any one brand it ranges from {rho(min(spread))} to
{rho(max(spread))}. Per-brand ρ rests on {b["ranked"].min()} to {b["ranked"].max()} launches, many tied
(same-day or same-year launches), so one brand's ρ says little.

## Per brand

| Brand | Launches (ranked) | First European launch | Figures used (years) | ρ rank vs entry order \
| First wave | In top 5 | In top 10 | By chance (top 5 / top 10) | ρ on the IEA 2024 edition |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
| **Pooled** | {n} ({ranked}) | | | **{rho(now.pooled_rho)}** | {hits[5][1]} \
| {_pct(hits[5][0] / hits[5][1])} | {_pct(hits[10][0] / hits[10][1])} \
| {_pct(chance[5])} / {_pct(chance[10])} \
| {rho(then.pooled_rho)} |

ρ = +1: the ranking's order is exactly the order in which the brand entered; 0: no relation; −1: the
reverse; 'n/a': fewer than three launches or no order to compare. The pooled ρ scales each brand's ranks
to 0–1 before pooling, so a brand with many launches does not set the scale. 'By chance' = k ÷ markets
ranked.

## Method

1. **Launch facts**: `data/backtest/launches.csv`, one row per brand and European country: the first
   retail launch (first deliveries or official market entry), its date at the precision the source
   gives (day, month, quarter, year) and the public source (`data/backtest/README.md`). A launch that
   could not be sourced is not in the file.
2. **The market before the launch**: for each brand, only market figures for years *before* the year of
   its first European launch enter (`backtest.known_before`); a figure for the launch year or later
   never does.
3. **The ranking**: the Market ranking page's own chain (`scoring.pick_basis` → `assemble_measures` →
   `proxy_bounded` → `scale_factors` → `score_markets`; min–max, a market missing a measure scored on
   the rest, at least {backtest.MIN_COVERAGE_PCT:.0f}% of the weight) over the {now.markets} European
   markets in the data, with the default preset's weights on the measures that have a history:
   {weights}.
4. **Entry order**: 1 = the brand's first country. A launch comes after another only when its period
   starts after the other's ends, so launches that cannot be told apart at the precision given (same
   day, or a year-only date overlapping a month) share the mid-rank.
5. **Scores**: Spearman's ρ between model rank and entry order, per brand and pooled; the top-k hit rate
   = share of the brand's first-wave countries that the ranking put in its top 5 / top 10.

## Data basis and limits

* **Today's editions, not what was published then.** The figures are the IEA Global EV Data Explorer as
  held now ({", ".join(editions[0])}); the 2024 and 2026 editions were both published *after* most of
  these launches. So this is the market *as it was then*, not *as a planner could read it then*.
* **Revisions matter little here.** Run again on the data as evdash knew it on {editions[2]}
  ({", ".join(editions[1])}), each brand's whole ranking keeps its order (ρ between the two rankings:
  {agree}); pooled ρ against entry order {rho(then.pooled_rho)}, top 5: {then.pooled_hits[5][0]} of
  {then.pooled_hits[5][1]}, top 10: {then.pooled_hits[10][0]} of {then.pooled_hits[10][1]}.
* **Measures left out**: duty, landed price against rivals, body-type fit (SUV shares start in 2023 in
  the data) and presence have no history in the data, so the back-test ranks on market size, EV share
  and EV growth only. The live ranking's default also weighs duty and body-type fit: this measures the
  market half of the score, not the whole of it.
* **Brands decide on more than the market**: distributors (BYD with RSA, Hedin and Louwman; Leapmotor
  through Stellantis' dealers), MG's Dutch headquarters, battery swapping (NIO), subsidies. A low ρ says
  the market measures alone do not explain the order, which a reader of the ranking should know.
* **Dates are coarse**: many sources give only a month or a year (MG's 2020 and 2021 waves), so many
  launches tie. Some dates are the announced month of a launch that then happened (noted per row).
* **Brands**: Polestar is headquartered in Sweden (Geely/Volvo Cars) with China-built cars; Leapmotor's
  rows are the Stellantis launch (an earlier importer's French sales are not sourced: France is left
  out); MG's UK presence predates the back-test and is left out.

## Launches

| Brand | Country | Launch | Source | Model rank | Entry order | First wave |
|---|---|---|---|---|---|---|
{chr(10).join(launches)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="a built database (default: build the seeds in a temp folder)"
    )
    args = parser.parse_args()
    seeds = config.seeds_dir()
    with tempfile.TemporaryDirectory() as tmp:
        link = args.db or Path(tmp) / "evdash.duckdb"
        if args.db is None:
            build.build(seeds=seeds, db=link)
        before = _edition_before(seeds)
        earlier = build.known_version(before, db=link, seeds=seeds)
        with db.connect_readonly(link) as con:
            now = backtest.backtest(con)
            size_only = backtest.backtest(con, weights=backtest.SIZE_ONLY)
        with db.connect_readonly(earlier) as con:
            then = backtest.backtest(con)
        editions = (_editions(link), _editions(earlier), before)
    agreement = backtest.ranking_agreement(now, then)
    DOC.write_text(markdown(now, then, size_only, agreement, editions), encoding="utf-8")
    rho = dict(zip(now.brands["brand_id"], now.brands["rho"], strict=True))
    fig = rank_vs_entry(now.table, rho, now.pooled_rho, now.markets)
    with static_charts.Renderer() as render:
        IMG.write_bytes(render(fig, width_mm=230, height_mm=130))
    print(f"wrote {DOC.relative_to(ROOT)} and {IMG.relative_to(ROOT)}; pooled rho {now.pooled_rho}")


if __name__ == "__main__":
    main()
