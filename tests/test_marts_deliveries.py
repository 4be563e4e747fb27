"""The deliveries staging and marts (evdash/models/10_staging_deliveries.sql, 20_marts_deliveries.sql,
25_marts_deliveries_years.sql): each model's stated grain and invariants, checked as queries that must
return no rows on the hand-checked fixture and on the real seeds, and the rule's results on the fixture
against hand-computed values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from evdash import build, confidence, db, importer
from tests.conftest import FIXTURE_SEEDS

CONFIDENCES = ", ".join(f"'{c}'" for c in confidence.ORDER)

# Each query lists the rows that break an invariant written beside the model; it must return none.
INVARIANTS = {
    # staging: one picked figure per key
    "staging monthly key unique": """
        select brand_id, coalesce(model_id, ''), market_code, month from v_deliveries_monthly
        group by all having count(*) > 1""",
    "staging totals key unique": """
        select brand_id, coalesce(model_id, ''), scope, period_kind, period_start, period_end
        from v_delivery_totals group by all having count(*) > 1""",
    "staging targets key unique": """
        select brand_id, year, issuer, announced_on from v_targets group by all having count(*) > 1""",
    "staging keeps every key of its table": """
        select brand_id, coalesce(model_id, ''), market_code, month from deliveries_monthly
        except select brand_id, coalesce(model_id, ''), market_code, month from v_deliveries_monthly""",
    "staging alternatives count the other versions": """
        select v.brand_id, v.month from v_deliveries_monthly as v
        join (select brand_id, coalesce(model_id, '') as m, market_code, month, count(*) as n
              from deliveries_monthly group by all) as d
          on d.brand_id = v.brand_id and d.m = coalesce(v.model_id, '') and d.market_code = v.market_code
             and d.month = v.month
        where v.alternatives <> d.n - 1""",
    # models and targets
    "models on sale: one row per model": """
        select model_id from v_models_on_sale group by all having count(*) > 1
        union all select model_id from models anti join v_models_on_sale using (model_id)""",
    "models on sale: a basis exactly when a date": """
        select model_id from v_models_on_sale where (on_sale_from is null) <> (on_sale_basis is null)""",
    "target path: revision numbers unique": """
        select brand_id, year, revision_no from v_target_path group by all having count(*) > 1""",
    "target path: exactly one final revision per brand and year": """
        select brand_id, year from v_target_path group by all
        having count(*) filter (where superseded_on is null) <> 1""",
    "target path: no revision after its year ends": """
        select brand_id, year, announced_on from v_target_path where announced_on > make_date(year, 12, 31)""",
    "target path: analysts are not targets": "select brand_id from v_target_path where issuer <> 'company'",
    # brand × month
    "brand month: key unique": "select brand_id, month from v_brand_month group by all having count(*) > 1",
    f"brand month: accepted values (confidence in {CONFIDENCES})": f"""
        select brand_id, month from v_brand_month
        where confidence not in ({CONFIDENCES}) or units < 0 or units is null
           or basis not in ('brand_total', 'sum_of_models', 'mixed', 'company_month_total')
           or coverage not in ('complete', 'partial')""",
    "brand month: at least when an over-N or a missing part is in it": """
        select brand_id, month from v_brand_month
        where (has_lower_bound or coverage = 'partial') and not is_at_least
           or (coverage = 'partial') <> (coverage_note is not null)""",
    "brand month: a brand total is never replaced by its splits": """
        select v.brand_id, v.month from v_brand_month as v
        where v.basis = 'brand_total' and v.units <> (
            select sum(d.units) from v_deliveries_monthly as d
            where d.brand_id = v.brand_id and d.month = v.month and d.model_id is null)""",
    "brand month: without a total, the splits add up": """
        select v.brand_id, v.month from v_brand_month as v
        where v.basis = 'sum_of_models' and v.units <> (
            select sum(m.units) from v_model_month as m where m.brand_id = v.brand_id and m.month = v.month)""",
    "brand month: every month with a figure is there": """
        select brand_id, month from v_deliveries_monthly anti join v_brand_month using (brand_id, month)""",
    "model month: key unique": """
        select brand_id, model_id, month from v_model_month group by all having count(*) > 1""",
    # the year-so-far rule
    "blocks: whole months of one year": """
        select * from v_delivery_blocks
        where not (1 <= first_month and first_month <= last_month and last_month <= 12)
           or scope not in ('all', 'NEV', 'BEV') or block_kind not in ('month', 'quarter', 'ytd', 'year')""",
    "ytd: twelve cut-offs per brand, scope and year": """
        select brand_id, scope, year from v_brand_ytd group by all
        having count(*) <> 12 or count(distinct through_month) <> 12""",
    "ytd: one chosen assembly per cut-off": """
        select brand_id, scope, year, through_month from v_brand_ytd_candidates group by all
        having count(*) filter (where is_chosen) <> 1""",
    "ytd: the figure lies inside its cut-off": """
        select brand_id, scope, year, through_month from v_brand_ytd
        where delivered_through > last_day(make_date(year, through_month, 1))
           or months_covered > through_month or delivered_units < 0 or months_missing < 0""",
    "ytd: the through date never moves back as months are added": """
        select brand_id, scope, year, through_month from (
            select *, lag(delivered_through) over (partition by brand_id, scope, year order by through_month) as prev
            from v_brand_ytd)
        where delivered_through < prev or (prev is not null and delivered_through is null)""",
    f"ytd: accepted values (confidence in {CONFIDENCES})": f"""
        select brand_id, scope, year, through_month from v_brand_ytd
        where delivered_units is not null and (
            delivered_confidence not in ({CONFIDENCES})
            or delivered_basis not in ('annual_total', 'year_to_date', 'quarters', 'months')
            or delivered_coverage not in ('complete', 'partial')
            or delivered_basis_label is null or delivered_source is null or delivered_as_of is null)
           or attainment_kind not in ('exact', 'estimate', 'at_least', 'at_most', 'ratio_of_lower_bounds')""",
    "ytd: at least when an over-N, a missing part or a missing month is in it": """
        select brand_id, scope, year, through_month from v_brand_ytd
        where (delivered_coverage = 'partial' or months_missing > 0 or delivered_confidence = 'lower_bound')
          and not delivered_is_at_least""",
    "ytd: a ratio of lower bounds is named so": """
        select brand_id, year from v_brand_ytd
        where delivered_is_at_least and target_is_at_least and attainment_kind <> 'ratio_of_lower_bounds'""",
    "ytd: exactly one headline scope per brand and year": """
        select brand_id, year, through_month from v_brand_ytd group by all
        having count(*) filter (where is_headline) <> 1""",
    "ytd: the target in force on 31 Dec is the final target": """
        select y.brand_id, y.year from v_brand_ytd as y
        join v_target_path as t on t.brand_id = y.brand_id and t.year = y.year and t.superseded_on is null
        where y.through_month = 12 and y.target_units <> t.target_units""",
    "ytd months: the months of a figure add up to it": """
        select y.brand_id, y.scope, y.year, y.through_month from v_brand_ytd as y
        left join (select brand_id, scope, year, through_month, sum(units) as units, count(*) as n
                   from v_brand_ytd_months group by all) as m using (brand_id, scope, year, through_month)
        where y.delivered_units is not null
          and (abs(m.units - y.delivered_units) > 0.5 or m.n <> y.months_covered)""",
    "ytd months: key unique": """
        select brand_id, scope, year, through_month, month_no from v_brand_ytd_months
        group by all having count(*) > 1""",
    # years and cumulative
    "year: key unique and equal to the year-so-far row at 12": """
        select brand_id, scope, year from v_brand_year group by all having count(*) > 1
        union all
        select brand_id, scope, year from v_brand_year as y
        join v_brand_ytd as t using (brand_id, scope, year)
        where t.through_month = 12 and (
            y.delivered_units is distinct from t.delivered_units
            or y.final_target_units is distinct from t.target_units
            or y.attainment_pct is distinct from t.attainment_pct
            or y.delivered_is_at_least is distinct from t.delivered_is_at_least)""",
    "cumulative: one row per brand with a figure": """
        select brand_id from v_brand_cumulative group by all having count(*) > 1
        union all
        select distinct brand_id from v_brand_year where delivered_units is not null
        except select brand_id from v_brand_cumulative""",
    "cumulative: a sum of years adds up the headline years": """
        select c.brand_id from v_brand_cumulative as c
        where c.cumulative_basis = 'sum_of_years' and c.cumulative_units <> (
            select sum(y.delivered_units) from v_brand_year as y
            where y.brand_id = c.brand_id and y.scope = c.scope and y.delivered_units is not null)""",
    "cumulative: no company milestone reaches further than the figure used": """
        select c.brand_id from v_brand_cumulative as c
        join v_delivery_totals as t
          on t.brand_id = c.brand_id and t.model_id is null and t.period_kind = 'cumulative' and t.scope = c.scope
        where t.period_end > c.cumulative_through""",
    "period totals: key unique": """
        select brand_id, scope, period_kind, period_start, period_end from v_brand_period_totals
        group by all having count(*) > 1""",
}


@pytest.fixture(params=["fixture_con", "seed_con"])
def any_con(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    con: duckdb.DuckDBPyConnection = request.getfixturevalue(request.param)
    return con


@pytest.mark.parametrize("check", sorted(INVARIANTS))
def test_mart_invariant(check: str, any_con: duckdb.DuckDBPyConnection) -> None:
    rows = any_con.execute(INVARIANTS[check]).fetchall()
    assert rows == [], f"{check}: {rows[:5]}"


def _ytd(con: duckdb.DuckDBPyConnection, brand: str, year: int) -> dict[int, dict[Any, Any]]:
    frame = con.execute(
        "select * from v_brand_ytd where brand_id = $b and year = $y and is_headline order by through_month",
        {"b": brand, "y": year},
    ).df()
    return {int(r["through_month"]): r for r in frame.to_dict("records")}


def test_year_so_far_counts_company_totals_where_they_exist(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Acme 2024: monthly figures Mar–Aug (an "over 2,000" in April, an estimate in June), a reported Q2
    and a reported annual total. The quarter replaces its months; the annual total ends the year."""
    ytd = _ytd(fixture_con, "acme", 2024)
    assert ytd[2]["delivered_units"] is None or ytd[2]["delivered_units"] != ytd[2]["delivered_units"]
    assert (ytd[3]["delivered_units"], ytd[3]["delivered_basis"], ytd[3]["delivered_is_at_least"]) == (
        1000,
        "months",
        False,  # March is the launch month: nothing before it is missing
    )
    assert (ytd[5]["delivered_units"], ytd[5]["delivered_confidence"]) == (6000, "lower_bound")
    # June: March 1,000 + Q2 7,400 (reported) beats the months to June (8,500 with an estimate in it).
    june = ytd[6]
    assert (june["delivered_units"], june["delivered_basis"], june["delivered_detail"]) == (
        8400,
        "quarters",
        "Mar + Q2",
    )
    assert june["delivered_confidence"] == "reported" and not june["delivered_is_at_least"]
    assert june["months_units"] == 8500 and june["months_covered"] == 4
    # Target "over 15,000" in force: an exact figure against a floor is an attainment of at most 56%.
    assert (june["target_units"], june["attainment_pct"], june["attainment_kind"]) == (15000, 56.0, "at_most")
    aug = ytd[8]
    assert (aug["delivered_units"], aug["delivered_detail"]) == (15900, "Mar + Q2 + Jul + Aug")
    assert str(ytd[11]["delivered_through"])[:10] == "2024-08-31"  # nothing known for Sep–Nov
    year = ytd[12]
    assert (year["delivered_units"], year["delivered_basis"], year["delivered_basis_label"]) == (
        20000,
        "annual_total",
        "company annual total",
    )
    assert (year["target_units"], year["original_target_units"], year["target_revisions"]) == (
        18000,
        10000,
        3,
    )
    assert (year["attainment_pct"], year["attainment_kind"]) == (111.1, "exact")


def test_a_quarter_counts_as_its_months_at_their_average(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Acme 2025: January 2,500 (reported), then Q1 "over 9,000": from March on the year so far is the
    quarter, and each of its three months counts at 3,000."""
    ytd = _ytd(fixture_con, "acme", 2025)
    assert (ytd[2]["delivered_units"], ytd[2]["delivered_detail"]) == (2500, "Jan")
    q1 = ytd[12]
    assert (q1["delivered_units"], q1["delivered_basis"], str(q1["delivered_through"])[:10]) == (
        9000,
        "quarters",
        "2025-03-31",
    )
    assert q1["delivered_is_at_least"] and q1["attainment_kind"] == "at_least"
    months = fixture_con.execute(
        """select month_no, units, is_average from v_brand_ytd_months
           where brand_id = 'acme' and year = 2025 and through_month = 12 order by month_no"""
    ).fetchall()
    assert months == [(1, 3000.0, True), (2, 3000.0, True), (3, 3000.0, True)]


def test_scopes_and_headline(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Bolt reports NEV and BEV totals, no monthly figures: NEV (the wider) is its headline scope."""
    rows = fixture_con.execute(
        """select year, scope, delivered_units, is_headline, final_target_units, attainment_pct
           from v_brand_year where brand_id = 'bolt' order by year, scope"""
    ).fetchall()
    assert rows == [
        (2024, "BEV", 120000, False, None, None),
        (2024, "NEV", 300000, True, None, None),
        (2025, "NEV", 80000, True, 350000, 22.9),
    ]


def test_lower_bound_year_and_partial_month(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Zeta 2025: "over 520,000" against a target "over 500,000" is a ratio of two lower bounds; its only
    monthly figure is Germany's, while Zeta sells at home in the US: a partial figure, at least."""
    ytd = _ytd(fixture_con, "zeta", 2025)
    year = ytd[12]
    assert (year["delivered_units"], year["attainment_pct"], year["attainment_kind"]) == (
        520000,
        104.0,
        "ratio_of_lower_bounds",
    )
    feb = ytd[2]
    assert (feb["delivered_units"], feb["delivered_coverage"]) == (3000, "partial")
    assert feb["delivered_is_at_least"] and "DEU only (no figure for USA)" in str(feb["coverage_note"])
    month = fixture_con.execute(
        "select coverage, is_at_least from v_brand_month where brand_id = 'zeta'"
    ).fetchall()
    assert month == [("partial", True)]


def test_cumulative_is_the_best_informed_figure(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Acme: 20,000 (2024) + over 9,000 (Q1 2025) reaches 31 Mar 2025, later than the company's "over
    25,000 since launch" of 15 Feb 2025, so the sum of the years is used."""
    row = fixture_con.execute(
        """select cumulative_units, cumulative_since, cumulative_through, cumulative_is_at_least,
                  cumulative_basis from v_brand_cumulative where brand_id = 'acme'"""
    ).fetchone()
    assert row == (29000, dt.date(2024, 3, 1), dt.date(2025, 3, 31), True, "sum_of_years")


def test_models_on_sale_from_evidence(fixture_con: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_con.execute(
        "select model_id, on_sale_from, on_sale_basis from v_models_on_sale order by model_id"
    ).fetchall()
    assert rows == [
        ("acme_s", dt.date(2024, 3, 1), "launch date"),
        ("acme_x", dt.date(2024, 7, 15), "launch date"),
        ("zeta_one", dt.date(2020, 1, 1), "launch date"),
    ]


# ---- headline figures on the real seeds (the few that a seed correction may legitimately change) ----


def test_headline_years_on_the_seeds(seed_con: duckdb.DuckDBPyConnection) -> None:
    years = {
        r[0]: r[1:]
        for r in seed_con.execute(
            """select year, delivered_units, delivered_is_at_least, final_target_units, attainment_kind
               from v_brand_year where brand_id = 'xiaomi' and is_headline"""
        ).fetchall()
    }
    assert years[2024] == (136854, False, 130000, "exact")
    assert years[2025] == (410000, True, 400000, "ratio_of_lower_bounds")
    # 2026: the Q1 figure, not the sum of the months (it reaches further).
    q1 = seed_con.execute(
        """select delivered_basis, delivered_through from v_brand_year
           where brand_id = 'xiaomi' and year = 2026 and is_headline"""
    ).fetchone()
    assert q1 == ("quarters", dt.date(2026, 3, 31))
    byd = seed_con.execute(
        "select scope from v_brand_year where brand_id = 'byd' and year = 2025 and is_headline"
    ).fetchone()
    assert byd == ("NEV",)


def test_headline_cumulative_on_the_seeds(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Xiaomi: the sum of the yearly figures reaches 31 Mar 2026, past the "over 600,000" of 16 Feb 2026."""
    row = seed_con.execute(
        """select cumulative_basis, cumulative_through, cumulative_is_at_least from v_brand_cumulative
           where brand_id = 'xiaomi'"""
    ).fetchone()
    assert row == ("sum_of_years", dt.date(2026, 3, 31), True)


def test_an_imported_month_reaches_the_year_marts(tmp_path: Path) -> None:
    """The marts are tables made at build time: an accepted import must rebuild them too."""
    link = tmp_path / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    rows = "brand,model,market,month,units,confidence,source_url,as_of\n" + (
        "acme,,CHN,2025-06,1234,reported,https://ir.acme.example/results,2025-07-01\n"
    )
    importer.import_files(
        [("deliveries", ("june.csv", rows.encode()))], db=link, seeds=FIXTURE_SEEDS, user="tester"
    )
    con = db.connect_readonly(link)
    try:
        row = con.execute(
            """select delivered_units, delivered_detail, months_missing, delivered_is_at_least
               from v_brand_year where brand_id = 'acme' and year = 2025"""
        ).fetchone()
    finally:
        con.close()
    assert row == (10234, "Q1 + Jun", 2, True)  # April and May have no figure
