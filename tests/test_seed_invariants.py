"""Invariants over the real seed build: each query lists offending rows and must return none. Only what the
schema cannot say itself (keys, CHECKs and foreign keys are the database's; the deliveries marts' own
invariants are in tests/test_marts_deliveries.py, on the fixture and on the seeds)."""

from __future__ import annotations

import duckdb
import pycountry
import pytest

ZERO_ROW_CHECKS = {
    "duplicate monthly delivery versions": """
        select brand_id, coalesce(model_id, '') as m, market_code, month, source_id, as_of, count(*)
        from deliveries_monthly group by all having count(*) > 1""",
    "duplicate period totals": """
        select brand_id, coalesce(model_id, ''), scope, period_kind, period_start, period_end, source_id, as_of,
               count(*)
        from delivery_totals group by all having count(*) > 1""",
    "duplicate target versions": """
        select brand_id, year, announced_on, issuer, source_id, count(*)
        from targets group by all having count(*) > 1""",
    "duplicate market stats versions": """
        select market_code, year, period_scope, source_id, as_of, count(*)
        from market_stats group by all having count(*) > 1""",
    "figures dated in the future of the facts": """
        select 'deliveries' as t, as_of from deliveries_monthly where as_of > date '2026-11-26'
        union all select 'targets', as_of from targets where as_of > date '2026-11-26'""",
    "monthly deliveries before the model launched": """
        select d.model_id, d.month, m.launch_date from deliveries_monthly as d join models as m using (model_id)
        where m.launch_date is not null and d.month < date_trunc('month', m.launch_date)""",
    "preferred rows without a reason": """
        select brand_id, month from deliveries_monthly where preferred and (note is null or note not like '%preferred%')""",
    # Picked monthly figures must never add up to more than a reported quarter (June 2025 picked the weak
    # site's 25,459 although April and May were each over 28,000 and Q2 was 81,302).
    "picked months above a reported quarter": """
        with q as (
            select brand_id, period_start, period_end, units from v_delivery_totals
            where period_kind = 'quarter' and scope = 'all' and model_id is null and confidence = 'reported'
        )
        select q.brand_id, q.period_start, q.units, sum(b.units) as months
        from q join v_brand_month as b on b.brand_id = q.brand_id and b.month between q.period_start and q.period_end
        group by all having sum(b.units) > q.units""",
    # A rounded restatement ("1.64 million") must not be marked reported beside the exact figure.
    "rounded figures marked reported beside an exact one": """
        select a.brand_id, a.scope, a.period_kind, a.period_start, a.units, b.units
        from delivery_totals as a join delivery_totals as b
            on a.brand_id = b.brand_id and coalesce(a.model_id, '') = coalesce(b.model_id, '') and a.scope = b.scope
            and a.period_kind = b.period_kind and a.period_start = b.period_start and a.period_end = b.period_end
        where a.confidence = 'reported' and b.confidence = 'reported' and a.units % 100 = 0 and b.units % 100 <> 0
            and abs(a.units - b.units) < 0.01 * b.units""",
}


@pytest.mark.parametrize("check", sorted(ZERO_ROW_CHECKS))
def test_seed_invariant(check: str, seed_con: duckdb.DuckDBPyConnection) -> None:
    rows = seed_con.execute(ZERO_ROW_CHECKS[check]).fetchall()
    assert rows == [], f"{check}: {rows[:5]}"


def test_every_code_is_iso(seed_con: duckdb.DuckDBPyConnection) -> None:
    iso3 = {c.alpha_3 for c in pycountry.countries}
    groups = {
        r[0] for r in seed_con.execute("select market_code from markets where kind = 'group'").fetchall()
    }
    used = seed_con.execute(
        """select market_code from deliveries_monthly union select market_code from market_stats
           union select market_code from prices union select market_code from tariffs
           union select market_code from expansion_status"""
    ).fetchall()
    assert {r[0] for r in used} <= iso3 | groups
    currencies = {c.alpha_3 for c in pycountry.currencies}
    used_cur = seed_con.execute(
        "select currency from prices union select base from fx_rates union select quote from fx_rates"
    ).fetchall()
    assert {r[0] for r in used_cur} <= currencies


def test_headline_facts_survive_the_build(seed_con: duckdb.DuckDBPyConnection) -> None:
    """The numbers the product is shown with: Xiaomi 2024 delivered 136,854 (reported) vs 130,000."""
    fy = seed_con.execute(
        """select units, confidence from v_delivery_totals
           where brand_id = 'xiaomi' and scope = 'all' and period_kind = 'year' and year(period_start) = 2024"""
    ).fetchall()
    assert fy == [(136854, "reported")]
    path = seed_con.execute(
        "select target_units from v_target_path where brand_id = 'xiaomi' and year = 2024 order by announced_on"
    ).fetchall()
    assert [r[0] for r in path] == [76000, 100000, 120000, 130000]
    launch = seed_con.execute(
        """select p.price, p.currency, p.effective_from from prices as p join variants as v using (variant_id)
           where v.model_id = 'xiaomi_su7' and p.market_code = 'CHN' order by p.price limit 1"""
    ).fetchall()
    assert launch[0][0] == 215900 and launch[0][1] == "CNY" and str(launch[0][2]) == "2024-03-28"
