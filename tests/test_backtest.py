"""Back-test of the market ranking (evdash.backtest, docs/backtest.md): the launch file's checks name the
file, row and column; Spearman's ρ and the entry order on hand-checkable cases; a figure for the launch
year or later never enters; and the back-test on the real seed database has a row per launch."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import backtest, queries
from evdash.figures.backtest import rank_vs_entry

REPO = Path(__file__).resolve().parent.parent
BRANDS = {"nio": "NIO", "byd": "BYD"}
GOOD = "nio,NOR,2021-09-01,month,first deliveries,https://example.org/nio,Example,\n"


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "launches.csv"
    path.write_text(",".join(backtest.COLUMNS) + "\n" + "".join(rows), encoding="utf-8")
    return path


def test_the_shipped_launch_file_loads_and_every_row_is_sourced() -> None:
    with backtest.LAUNCHES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (REPO / "data" / "seeds" / "brands.csv").open(newline="", encoding="utf-8") as handle:
        brands = {r["brand_id"]: r["name"] for r in csv.DictReader(handle)}
    launches = backtest.load_launches(backtest.LAUNCHES_CSV, brands)
    assert len(launches) == len(rows)
    assert launches["source_url"].str.match(r"https?://").all()
    assert (launches["end"] >= launches["start"]).all()


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        (
            "nio,NOX,2021-09-01,month,x,https://example.org/a,Example,\n",
            "market_code",
            "'NOX' is not an ISO 3166",
        ),
        (
            "nio,NOR,2021-13-01,month,x,https://example.org/a,Example,\n",
            "launch_date",
            "'2021-13-01' is not a date",
        ),
        (
            "nio,NOR,2021-09-15,month,x,https://example.org/a,Example,\n",
            "launch_date",
            "not the first day of its month",
        ),
        (
            "nio,NOR,2021-09-01,month,x,ftp://example.org/a,Example,\n",
            "source_url",
            "is not an http(s) address",
        ),
        (
            "nio,NOR,2021-09-01,week,x,https://example.org/a,Example,\n",
            "date_precision",
            "'week' is not one of",
        ),
        (
            "tesla,NOR,2021-09-01,month,x,https://example.org/a,Example,\n",
            "brand_id",
            "'tesla' is not a brand",
        ),
        ("nio,NOR,2021-09-01,month,x,https://example.org/a,,\n", "publisher", "is empty"),
    ],
)
def test_a_bad_cell_is_named_with_file_row_and_column(
    tmp_path: Path, row: str, column: str, says: str
) -> None:
    path = _file(tmp_path, GOOD.replace("nio,NOR", "byd,NOR"), row)
    with pytest.raises(backtest.LaunchFileError) as err:
        backtest.load_launches(path, BRANDS)
    assert len(err.value.errors) == 1
    assert err.value.errors[0].startswith(f"launches.csv row 3, column {column}: ")
    assert says in err.value.errors[0]


def test_a_second_first_launch_of_a_brand_in_a_country_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        backtest.LaunchFileError, match=r"row 3, column market_code: nio in NOR is already on row 2"
    ):
        backtest.load_launches(_file(tmp_path, GOOD, GOOD), BRANDS)


def test_wrong_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "launches.csv"
    path.write_text("brand_id,market_code\nnio,NOR\n", encoding="utf-8")
    with pytest.raises(backtest.LaunchFileError, match=r"launches\.csv row 1: the columns must be brand_id"):
        backtest.load_launches(path, BRANDS)


def test_spearman_on_a_hand_checked_case() -> None:
    # ranks x: 1 2 3 4 5, y: 2 1 4 3 5 -> d² = 1+1+1+1+0 = 4, rho = 1 - 6*4 / (5*24) = 0.8
    assert backtest.spearman([10, 20, 30, 40, 50], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert backtest.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # ties take the average rank: y ranks 1.5 1.5 3 -> Pearson of (1,2,3) and (1.5,1.5,3) = sqrt(3)/2
    assert backtest.spearman([1, 2, 3], [7, 7, 9]) == pytest.approx(math.sqrt(3) / 2)
    assert backtest.spearman([1, 2, 3], [4, 4, 4]) is None  # no order to compare
    assert backtest.spearman([1, 2], [1, 2]) is None


def test_entry_order_ties_launches_that_cannot_be_told_apart() -> None:
    day = dt.date
    start = [day(2021, 9, 1), day(2022, 10, 7), day(2022, 10, 7), day(2022, 1, 1)]
    end = [day(2021, 9, 30), day(2022, 10, 7), day(2022, 10, 7), day(2022, 12, 31)]
    # the year-only 2022 launch overlaps both same-day October launches: the three share ranks 2–4
    assert backtest.entry_order(start, end) == [1.0, 3.0, 3.0, 3.0]
    assert backtest.period_end(day(2023, 1, 1), "quarter") == day(2023, 3, 31)
    assert backtest.period_end(day(2024, 2, 1), "month") == day(2024, 2, 29)


def _years(values: Mapping[tuple[str, int], float]) -> pd.DataFrame:
    rows = [
        {
            "market_code": code,
            "market_name": code,
            "evdash_region": "europe",
            "measure": "ev_sales",
            "value": value,
            "year": year,
            "source_url": "https://example.org/iea",
            "is_proxy": False,
        }
        for (code, year), value in values.items()
    ]
    return pd.DataFrame(rows)


def test_a_figure_for_the_launch_year_or_later_never_enters() -> None:
    # Before 2021 NOR is the bigger market; from 2021 on DEU is, by far: a ranking that saw 2021 would put
    # DEU first.
    years = _years(
        {("NOR", 2020): 80_000, ("DEU", 2020): 40_000, ("NOR", 2021): 90_000, ("DEU", 2021): 900_000}
        | {("NOR", 2022): 90_000, ("DEU", 2022): 900_000}
    )
    assert set(backtest.known_before(years, 2021)["year"]) == {2020}
    launches = pd.DataFrame(
        {
            "brand_id": ["nio", "nio"],
            "brand_name": ["NIO", "NIO"],
            "market_code": ["NOR", "DEU"],
            "launch_date": ["2021-09-01", "2022-10-07"],
            "date_precision": ["month", "day"],
            "source_url": ["https://example.org/a", "https://example.org/b"],
            "publisher": ["Example", "Example"],
            "start": [dt.date(2021, 9, 1), dt.date(2022, 10, 7)],
            "end": [dt.date(2021, 9, 30), dt.date(2022, 10, 7)],
        }
    )
    result = backtest.run(years, launches, backtest.SIZE_ONLY)
    rank = dict(zip(result.table["market_code"], result.table["model_rank"], strict=True))
    assert rank == {"NOR": 1, "DEU": 2}
    assert result.brands.loc[0, "size_year"] == 2020
    # the same launches a year later see 2021: DEU leads
    later = launches.assign(start=[dt.date(2022, 9, 1), dt.date(2023, 10, 7)])
    rank_later = dict(
        zip(
            *backtest.run(years, later, backtest.SIZE_ONLY).table[["market_code", "model_rank"]].T.values,
            strict=True,
        )
    )
    assert rank_later == {"NOR": 2, "DEU": 1}


def test_the_backtest_on_the_seed_database_has_a_row_per_launch(seed_con: duckdb.DuckDBPyConnection) -> None:
    result = backtest.backtest(seed_con)
    with backtest.LAUNCHES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(result.table) == len(rows)
    assert set(zip(result.table["brand_id"], result.table["market_code"], strict=True)) == {
        (r["brand_id"], r["market_code"]) for r in rows
    }
    assert set(result.brands["brand_id"]) == {r["brand_id"] for r in rows}
    assert result.pooled_rho is not None and -1.0 <= result.pooled_rho <= 1.0
    for rho in result.brands["rho"].dropna():
        assert -1.0 <= rho <= 1.0
    # every brand's ranking saw only years before its first European launch, derived from the file
    first_year = {b: min(int(r["launch_date"][:4]) for r in rows if r["brand_id"] == b) for b in BRANDS}
    years = queries.markets_measures_years(seed_con)
    for brand, year in first_year.items():
        row = result.brands.set_index("brand_id").loc[brand]
        assert row["size_year"] < year
        assert (
            row["size_year"] == years[(years["measure"] == "ev_sales") & (years["year"] < year)]["year"].max()
        )
    europe = set(years.loc[years["evdash_region"] == backtest.REGION, "market_code"])
    assert result.markets == len(europe)
    ranked = result.table.dropna(subset=["model_rank"])
    assert (ranked["model_rank"] <= ranked["ranked_of"]).all()
    assert backtest.pooled_rho(result.table) == result.pooled_rho
    without = backtest.leave_one_brand_out(result)
    assert set(without) == set(result.brands["brand_id"])
    only_nio = result.table[result.table["brand_id"] == "nio"]
    assert backtest.pooled_rho(only_nio) == pytest.approx(
        result.brands.set_index("brand_id").at["nio", "rho"]
    )
    k, (hits, wave) = 5, result.pooled_hits[5]
    assert hits == int((result.table["first_wave"] & result.table[f"top{k}"]).sum())
    assert wave == int((result.table["first_wave"] & result.table["model_rank"].notna()).sum())


def test_the_figure_and_the_doc_show_the_numbers_of_this_data(seed_con: duckdb.DuckDBPyConnection) -> None:
    result = backtest.backtest(seed_con)
    rho = dict(zip(result.brands["brand_id"], result.brands["rho"], strict=True))
    fig = rank_vs_entry(result.table, rho, result.pooled_rho, result.markets)
    assert len(fig.data) == result.brands["brand_id"].nunique()  # one panel (trace) per brand
    assert {len(t.x) for t in fig.data} <= set(result.brands["ranked"])
    assert f"brands: {backtest.fmt_rho(result.pooled_rho)}" in fig.layout.title.text
    titles = [a.text for a in fig.layout.annotations]
    for brand in result.brands.to_dict("records"):
        assert f"{brand['brand_name']}: ρ {backtest.fmt_rho(brand['rho'])}, n = {brand['ranked']}" in titles
    # docs/backtest.md was generated from this data (python -m bench.backtest after any change to it)
    doc = (REPO / "docs" / "backtest.md").read_text(encoding="utf-8")
    assert f"is **{backtest.fmt_rho(result.pooled_rho)}**" in doc
    assert f"{len(result.table)} first launches of {result.brands['brand_id'].nunique()} brands" in doc
    hits, wave = result.pooled_hits[10]
    assert f"{hits} ({100 * hits / wave:.0f}%) in its top 10" in " ".join(doc.split())
