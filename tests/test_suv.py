"""The SUV claim answered from the data, and body-type fit for the ranking (broad definitions only, the
Europe-wide figure as a labelled regional proxy, nothing for markets without a figure)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from evdash import queries, suv


def _known(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    """(market, region, definition, breadth, share %) -> rows shaped like market_mix_suv_known."""
    return pd.DataFrame(
        [
            {
                "market_code": code,
                "market_name": code,
                "evdash_region": region,
                "year": 2024,
                "period_scope": "full_year",
                "period_label": "2024",
                "measure": "new_cars",
                "definition": definition,
                "definition_label": definition,
                "breadth": breadth,
                "value_pct": value,
                "qualifier": None,
                "is_headline": True,
            }
            for code, region, definition, breadth, value in rows
        ]
    )


def test_a_clear_gap_supports_the_claim() -> None:
    known = _known(
        [
            ("ESP", "europe", "anfac", "broad", 60),
            ("USA", "americas", "jato", "broad", 62),
            ("CHN", "asia_pacific", "jato", "broad", 40),
        ]
    )
    assert suv.claim_answer(known).verdict == "supports"


def test_no_gap_does_not_support_it_and_narrow_definitions_are_named() -> None:
    known = _known(
        [
            ("DEU", "europe", "kba_offroad", "broad", 44),
            ("DEU", "europe", "kba_seg", "narrow", 33),
            ("CHN", "asia_pacific", "jato", "broad", 50),
        ]
    )
    answer = suv.claim_answer(known)
    assert answer.verdict == "does_not"
    assert "does not support" in answer.summary and "kba_seg" in answer.summary


def test_without_china_the_data_cannot_say() -> None:
    known = _known([("ESP", "europe", "anfac", "broad", 60)])
    assert suv.claim_answer(known).verdict == "unknown"


def test_seed_answer_is_weak_support(seed_con: duckdb.DuckDBPyConnection) -> None:
    answer = suv.claim_answer(queries.market_mix_suv_known(seed_con))
    assert answer.verdict == "weakly"
    assert answer.china_value == 50 and answer.west_median is not None and 50 < answer.west_median < 60
    assert any(line.startswith("United Kingdom: 60%") and "SMMT" in line for line in answer.western)


def test_body_fit_uses_broad_definitions_and_says_when_it_is_regional(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    fit = dict(
        seed_con.execute("select market_code, value || ' ' || basis from v_market_body_fit").fetchall()
    )
    assert fit["DEU"] == "44.2 national"  # KBA SUV + Geländewagen, not the narrow 33.3% segment
    assert fit["GBR"] == "60.0 national"  # Dataforce broad, not SMMT 'dual purpose' 33%
    assert fit["NLD"] == "54.0 regional"  # no Dutch figure: Europe-28 (JATO), labelled regional
    assert "JPN" not in fit and "AUS" not in fit  # no figure (Australia has single months only): missing


def test_body_fit_in_the_fixture_skips_narrow_and_monthly(fixture_con: duckdb.DuckDBPyConnection) -> None:
    fit = fixture_con.execute("select market_code, value, year from v_market_body_fit").fetchall()
    assert fit == [("DEU", 41.0, 2024)]  # FRA has one month only


def test_published_registrations_read_as_one_line(seed_con: duckdb.DuckDBPyConnection) -> None:
    from evdash import expansion

    line = expansion.registrations_line(queries.brand_registrations_known(seed_con, ["NOR"]))
    assert "Tesla 34,285 (2025, 19.1% of the market)" in line
    assert "Tesla Model Y > 21,500" in line
    assert expansion.registrations_line(queries.brand_registrations_known(seed_con, ["JPN"])) == ""


@pytest.mark.usefixtures("app_env")
def test_pricing_in_norway_names_the_registered_competitors() -> None:
    from tests.conftest import run_page, shown

    at = run_page("pages/pricing.py", variant="xiaomi_yu7_standard_rwd", market="NOR")
    assert not at.exception
    captions = [shown(c.value) for c in at.main.caption]
    assert any(
        c.startswith("Registered in Norway (published totals): ") and "Tesla 34,285" in c for c in captions
    )
