"""Every query file runs with its declared parameters, and the overview queries give exact results."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb
import pytest

from evdash import config, db, queries
from tests.conftest import build_mutated

# A sample value for every parameter name any query declares. A new parameter must be added here.
SAMPLE_PARAMS: dict[str, Any] = {
    "brand": "xiaomi",
    "today": dt.date(2026, 11, 26),
    "reliability": ["primary", "secondary", "low"],
    "models": ["xiaomi_su7", "xiaomi_yu7"],
    "month_from": dt.date(2025, 1, 1),
    "month_to": dt.date(2025, 12, 1),
    "year": 2024,
    "on": dt.date(2026, 11, 26),
    "markets": ["DEU", "USA", "TUR"],
    "origin": "CHN",
    "on_date": dt.date(2026, 11, 26),
    "metric": "new_ev_sales",
    "powertrain": "BEV",
    "country": "DEU",
    "market": "DEU",
    "top_n": 10,
    "through": 12,
    "year_from": 2014,
    "duty_class": "other_cooperating",
    "model": "xiaomi_yu7",
    "month": dt.date(2025, 1, 1),
    "date_from": dt.date(2024, 1, 1),
    "date_to": dt.date(2028, 12, 31),
    "since": dt.date(2025, 6, 1),
}
QUERY_NAMES = sorted(p.stem for p in config.QUERIES_DIR.glob("*.sql"))
# Queries that give no rows on a plain seed build with the sample values, and why (their rows are tested
# where they exist: tests/test_registrations.py, tests/test_import.py). A query not listed must give rows.
NO_ROWS_ON_SEEDS = {
    "data_import_changes": "a seed build has no imports",
    "data_import_history": "a seed build has no imports",
    "changes_corrections": "a seed build has no imports",
    "data_registrations": "the seeds carry no vendor registrations",
    "registrations_body_mix": "the seeds carry no vendor registrations",
    "registrations_brand_share": "the seeds carry no vendor registrations",
    "registrations_markets": "the seeds carry no vendor registrations",
    "registrations_powertrain_trend": "the seeds carry no vendor registrations",
    "registrations_provenance": "the seeds carry no vendor registrations",
    "registrations_suv_share": "the seeds carry no vendor registrations",
    "registrations_top_models": "the seeds carry no vendor registrations",
    "data_deliveries": "the sample market DEU has no monthly deliveries",
    "byhand_vintages": "the sample market DEU has no monthly deliveries",
    "data_tariffs": "the sample market is filtered by code, tariffs are by group",
    "notes_current": "a seed build has no analyst notes (tests/test_notes.py writes them)",
    "notes_history": "a seed build has no analyst notes (tests/test_notes.py writes them)",
}
# Columns that are null in every row of the sample (any other all-null column is a broken join).
NULL_IN_SAMPLE = {
    "data_markets": {"new_ev_sales", "suv_share_pct"},
    "deliveries_monthly": {"brand_month_coverage_note"},  # Xiaomi's months cover the whole brand
    "deliveries_year_to_month": {"coverage_note"},
    # Xiaomi (the sample brand) is counted in no other brand's total (brands.counted_in).
    "overview_years": {"coverage_note", "counted_in", "counted_in_name"},
    "data_brands": {"counted_in"},
    "overview_facts": {"models_dated_by_evidence"},  # every Xiaomi model has a launch date
    "expansion_country_tariffs": {"min_amount", "min_currency", "effective_to"},
    "brand_registrations_known": {"qualifier", "share_pct"},
    # Since the IEA's 2026 edition (data/raw/iea) every IEA market has a 2024 growth figure; the map's
    # category column stays empty for growth (a number, not a category).
    "expansion_map_growth": {"category"},
    # the IEA's 2026 edition brings figures of many markets at once (market_code names a single one)
    "changes_new_figures": {"market_code"},
    # the seeds' Xiaomi monthly figures have one edition each: only market figures are revised
    "changes_revisions": {"brand_id"},
    "expansion_map_suv": {"category"},
    "expansion_map_metric": {"category"},
    "expansion_map_status": {"value"},
    "expansion_map_stores": {"category"},
    # KBA's figures are reported counts (no qualifier); the sample year 2024 has only the Dec 2024 file
    "national_registrations_by_make": {"qualifier", *(f"m{m:02d}" for m in range(1, 12))},
    "national_registrations_totals": {"qualifier"},
}


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_runs_with_declared_params(name: str, seed_con: duckdb.DuckDBPyConnection) -> None:
    """Each query file, with its declared parameters bound, gives rows on the seed build and every column
    it returns is filled somewhere (an all-null column means a join or a column name went wrong)."""
    spec = db.load_query(name)
    assert spec.grain, f"{name}.sql needs a '-- grain:' header"
    unknown = set(spec.params) - set(SAMPLE_PARAMS)
    assert not unknown, f"add sample values for {unknown} to SAMPLE_PARAMS"
    frame = db.run_query(seed_con, name, **{k: SAMPLE_PARAMS[k] for k in spec.params})
    assert list(frame.columns), f"{name} returns no columns"
    assert len(set(frame.columns)) == len(frame.columns), f"{name} returns a column twice"
    if name in NO_ROWS_ON_SEEDS:
        assert frame.empty, f"{name} now gives rows: remove it from NO_ROWS_ON_SEEDS"
        return
    assert not frame.empty, f"{name} gives no rows with the sample values {SAMPLE_PARAMS}"
    empty = {str(c) for c in frame.columns if frame[c].isna().all()}
    assert empty == NULL_IN_SAMPLE.get(name, set()), f"{name}: columns null in every row: {sorted(empty)}"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_has_a_typed_function(name: str) -> None:
    assert callable(getattr(queries, name, None)), f"evdash.queries needs a function {name}()"


def test_wrong_parameters_are_refused(seed_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(db.QueryError, match="missing parameter"):
        db.run_query(seed_con, "overview_years")
    with pytest.raises(db.QueryError, match="unknown parameter"):
        db.run_query(seed_con, "overview_years", brand="xiaomi", limit=3)
    with pytest.raises(db.QueryError, match="unknown query"):
        db.run_query(seed_con, "../secrets")


def test_user_values_are_bound_not_formatted(seed_con: duckdb.DuckDBPyConnection) -> None:
    hostile = "xiaomi'; drop table brands; --"
    assert queries.overview_years(seed_con, hostile).empty
    assert not queries.brands(seed_con).empty


def test_no_query_formats_values_into_sql() -> None:
    placeholder = re.compile(r"%s(?![a-z])|%\(\w+\)s|\{\w*\}")  # Python formatting, not LIKE patterns
    for path in config.QUERIES_DIR.glob("*.sql"):
        found = placeholder.search(path.read_text())
        assert found is None, f"{path.name}: '{found.group(0) if found else ''}': use $named parameters"


def test_overview_years_on_fixture(fixture_con: duckdb.DuckDBPyConnection) -> None:
    years = queries.overview_years(fixture_con, "acme").set_index("year")
    y24 = years.loc[2024]
    # The reported annual total is the figure, and the sum of the months is shown beside it.
    assert y24["delivered_units"] == 20000
    assert (y24["delivered_basis"], y24["delivered_basis_label"]) == ("annual_total", "company annual total")
    assert y24["delivered_confidence"] == "reported"
    assert not y24["delivered_is_at_least"]
    # Months: 1000 + ≥2000 + 3000 (reported beats the 2900 estimate) + 2500 (model split only)
    #         + 3500 (S 2000 + X 1500, X launched mid-year) + 4000 (brand total beats its splits)
    assert y24["months_units"] == 16000
    assert y24["months_with_data"] == 6
    # Three company revisions; the analyst estimate is not a target; the blog's 17,000 loses the tie.
    assert y24["final_target_units"] == 18000
    assert y24["original_target_units"] == 10000
    assert y24["target_revisions"] == 3
    assert y24["attainment_pct"] == pytest.approx(111.1)
    # A year with a target and only a Q1 "over 9,000" so far: the quarter, a floor, through 31 Mar.
    y25 = years.loc[2025]
    assert (y25["final_target_units"], y25["delivered_units"], y25["delivered_is_at_least"]) == (
        40000,
        9000,
        True,
    )
    assert str(y25["delivered_through"])[:10] == "2025-03-31"


def _acme_2024_without(tmp_path: Any, drop: dict[str, tuple[str, ...]]) -> Any:
    """Overview row for acme 2024 on a copy of the fixture with the lines containing any of
    `drop[file]` removed from each named seed file."""
    con = db.connect_readonly(build_mutated(tmp_path, drop=drop))
    try:
        return queries.overview_years(con, "acme").set_index("year").loc[2024]
    finally:
        con.close()


def test_overview_years_lower_bound_sum_says_at_least(tmp_path: Any) -> None:
    """Without a company total, a sum that contains a lower-bound month is 'at least'."""
    y24 = _acme_2024_without(tmp_path, {"delivery_totals.csv": ("2024-",)})
    assert y24["delivered_units"] == 16000
    assert y24["delivered_basis"] == "months"
    assert y24["delivered_is_at_least"]
    assert y24["delivered_confidence"] == "estimate"  # it also contains an estimate (June)


def test_overview_years_counts_company_totals_for_their_months(tmp_path: Any) -> None:
    """No annual total, months only to May, a reported Q2 to June: March (a month) + Q2 (the company's
    total, replacing April and May) reaches furthest."""
    y24 = _acme_2024_without(
        tmp_path,
        {
            "delivery_totals.csv": (",year,",),
            "deliveries_monthly.csv": ("2024-06-01", "2024-07-01", "2024-08-01"),
        },
    )
    assert y24["months_units"] == 6000  # Mar 1,000 + Apr ≥2,000 + May 3,000
    assert y24["delivered_units"] == 8400  # Mar 1,000 + the reported Q2 7,400
    assert (y24["delivered_basis"], y24["delivered_detail"]) == ("quarters", "Mar + Q2")
    assert str(y24["delivered_through"])[:10] == "2024-06-30"
    assert not y24["delivered_is_at_least"]


def test_overview_facts_on_fixture(fixture_con: duckdb.DuckDBPyConnection) -> None:
    facts = queries.overview_facts(fixture_con, "acme", dt.date(2024, 8, 1)).iloc[0]
    assert (facts["models_in_data"], facts["models_on_sale"], facts["model_names"]) == (2, 2, "S, X")
    assert facts["markets_tracked"] == 2
    # 20,000 (2024) + "over 9,000" (Q1 2025) reaches further than "over 25,000" by 15 Feb 2025.
    assert (facts["cumulative_units"], facts["cumulative_basis"]) == (29000, "sum_of_years")
    assert str(facts["cumulative_through"])[:10] == "2025-03-31" and facts["cumulative_is_at_least"]
    before_x = queries.overview_facts(fixture_con, "acme", dt.date(2024, 7, 1)).iloc[0]
    assert before_x["models_on_sale"] == 1
    bolt = queries.overview_facts(fixture_con, "bolt", dt.date(2025, 6, 1)).iloc[0]
    assert (bolt["models_in_data"], bolt["cumulative_scope"]) == (0, "NEV")
