"""The corrections and newer facts of shared/facts/UPDATE-2026-12.md are in the seeds and the picking rule
uses them (data/README.md, "Known contradictions"). On the real seeds: each case failed before the carry-over."""

from __future__ import annotations

import duckdb
import pytest

# (brand, scope, period_kind, first day, units, confidence) the rule must pick for a period total.
PICKED_TOTALS = [
    ("tesla", "all", "year", "2025-01-01", 1636129, "reported"),
    ("li_auto", "all", "year", "2025-01-01", 406343, "reported"),
    ("leapmotor", "all", "year", "2025-01-01", 596555, "reported"),
    ("byd", "NEV", "year", "2025-01-01", 4602436, "reported"),
    ("byd", "BEV", "year", "2025-01-01", 2254714, "reported"),
    ("zeekr", "all", "year", "2024-01-01", 222123, "reported"),
    # The company's floor stays the FY2025 figure; the circulating 411,625 is derived (an event, not a total).
    ("xiaomi", "all", "year", "2025-01-01", 410000, "lower_bound"),
    # One blog with an approximate date: a weak source, so an estimate ("more than 80,000" in the note).
    ("xiaomi", "all", "quarter", "2026-01-01", 80000, "estimate"),
]


@pytest.mark.parametrize(("brand", "scope", "kind", "start", "units", "confidence"), PICKED_TOTALS)
def test_period_total_picked(
    seed_con: duckdb.DuckDBPyConnection,
    brand: str,
    scope: str,
    kind: str,
    start: str,
    units: int,
    confidence: str,
) -> None:
    rows = seed_con.execute(
        """select units, confidence::varchar from v_delivery_totals
           where brand_id = $b and scope = $s and period_kind = $k and period_start = $p::date and model_id is null""",
        {"b": brand, "s": scope, "k": kind, "p": start},
    ).fetchall()
    assert rows == [(units, confidence)]


@pytest.mark.parametrize(
    ("month", "units", "confidence"),
    [
        ("2025-06-01", 25000, "lower_bound"),  # not the weak site's 25,459 (> 81,302 - 2 x 28,000)
        ("2025-11-01", 46249, "estimate"),  # 12,520 + 33,729 = 361,625 - 315,376, not the 40,000 floor
        ("2026-02-01", 20000, "lower_bound"),  # "over 20,000" (new)
    ],
)
def test_xiaomi_month_picked(
    seed_con: duckdb.DuckDBPyConnection, month: str, units: int, confidence: str
) -> None:
    rows = seed_con.execute(
        """select units, confidence::varchar from v_deliveries_monthly
           where brand_id = 'xiaomi' and model_id is null and month = $m::date""",
        {"m": month},
    ).fetchall()
    assert rows == [(units, confidence)]


def test_byd_overseas_keeps_both_definitions(seed_con: duckdb.DuckDBPyConnection) -> None:
    rows = seed_con.execute(
        """select units, note from delivery_totals
           where brand_id = 'byd' and scope = 'overseas' and year(period_start) = 2025 order by units"""
    ).fetchall()
    assert [r[0] for r in rows] == [1046083, 1049601]
    assert all("passenger cars" in r[1] and "pickups" in r[1] for r in rows)


def test_target_revisions_carried(seed_con: duckdb.DuckDBPyConnection) -> None:
    path = {
        (b, y): [
            u
            for (u,) in seed_con.execute(
                "select target_units from v_target_path where brand_id = $b and year = $y order by announced_on",
                {"b": b, "y": y},
            ).fetchall()
        ]
        for b, y in [("leapmotor", 2025), ("byd", 2025), ("byd", 2024), ("zeekr", 2025), ("lynk_co", 2025)]
    }
    assert path[("leapmotor", 2025)] == [500000, 500000, 580000]
    assert path[("byd", 2025)] == [5500000, 4600000]
    assert path[("byd", 2024)] == [3600000]
    assert path[("zeekr", 2025)] == [320000]
    assert path[("lynk_co", 2025)] == [390000]


def test_newer_xiaomi_facts(seed_con: duckdb.DuckDBPyConnection) -> None:
    launch = seed_con.execute(
        "select launch_date::varchar from models where model_id = 'xiaomi_su7_2026'"
    ).fetchall()
    assert launch == [("2026-03-19",)]
    # Re-dated by UPDATE-2026-12b from "end of Feb" to the page's date, 13 Feb 2026 (test_facts_update_b.py).
    su7 = seed_con.execute(
        """select units, confidence::varchar from v_delivery_totals
           where model_id = 'xiaomi_su7' and period_kind = 'cumulative' and period_end = date '2026-02-13'"""
    ).fetchall()
    assert su7 == [(381000, "lower_bound")]
    derived = seed_con.execute(
        "select confidence::varchar from events where brand_id = 'xiaomi' and value_num = 411625"
    ).fetchall()
    assert derived == [("estimate",)]


def test_suv_shares_keep_their_definitions(seed_con: duckdb.DuckDBPyConnection) -> None:
    """34 published SUV shares; Germany and the UK each carry two definitions that are never merged."""
    assert seed_con.execute("select count(*) from suv_share").fetchall() == [(34,)]
    two = seed_con.execute(
        """select market_code, list(distinct definition order by definition) from v_suv_headline
           where measure = 'new_cars' and market_code in ('DEU', 'GBR') group by 1 order by 1"""
    ).fetchall()
    assert two == [
        ("DEU", ["kba_suv_offroad", "kba_suv_segment"]),
        ("GBR", ["dataforce_broad", "smmt_dual_purpose"]),
    ]
