"""Deliveries vs targets: SQL on the fixture, the pure arithmetic against hand-computed values,
and the figure builders."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from evdash import deliveries, queries
from evdash.figures import deliveries as figures

Y24 = (dt.date(2024, 1, 1), dt.date(2024, 12, 1))


def _outlook(
    con: duckdb.DuckDBPyConnection, brand: str, year: int, through: int, window: int = 3
) -> tuple[deliveries.Outlook, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The outlook exactly as the Deliveries page builds it, with the frames it reads."""
    ytd = queries.deliveries_year_to_month(con, brand, year)
    targets = queries.deliveries_targets(con, brand, year)
    totals = queries.deliveries_totals(con, brand, year)
    rate_months = queries.deliveries_rate_months(con, brand, year, through)
    return deliveries.outlook(ytd, rate_months, totals, year, through, window), ytd, targets, totals


# ---- SQL on the fixture ------------------------------------------------------------------------


def test_monthly_segments_sum_to_the_brand_month(fixture_con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.deliveries_monthly(fixture_con, "acme", ["acme_s", "acme_x"], *Y24)
    got = {(str(r.month)[5:7], r.series_id): (r.units, r.confidence) for r in frame.itertuples()}
    assert got == {
        ("03", "_unsplit"): (1000, "reported"),
        ("04", "_unsplit"): (2000, "lower_bound"),  # "over 2000"
        ("05", "_unsplit"): (3000, "reported"),  # reported beats the 2,900 estimate
        ("06", "acme_s"): (2500, "estimate"),  # split only, no brand total
        ("07", "acme_s"): (2000, "reported"),
        ("07", "acme_x"): (1500, "reported"),  # X launched mid-July
        ("08", "acme_s"): (2500, "reported"),  # brand total 4,000 = S + X: no remainder segment
        ("08", "acme_x"): (1500, "reported"),
    }
    sums = frame.groupby("month")["units"].sum()
    assert (sums.to_numpy() == frame.drop_duplicates("month")["brand_month_units"].to_numpy()).all()
    assert frame.loc[frame["month"] == pd.Timestamp("2024-04-01"), "brand_month_is_at_least"].item()


def test_models_not_selected_fold_into_other_models(fixture_con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.deliveries_monthly(fixture_con, "acme", ["acme_s"], *Y24)
    july = frame[frame["month"] == pd.Timestamp("2024-07-01")].set_index("series_id")
    assert july.loc["_other", "series_name"] == "Other models"
    assert july.loc["_other", "units"] == 1500
    assert july["units"].sum() == 3500


def test_target_path_has_every_company_revision(fixture_con: duckdb.DuckDBPyConnection) -> None:
    path = queries.deliveries_targets(fixture_con, "acme", 2024)
    assert list(path["target_units"]) == [10000, 15000, 18000]
    assert list(path["revision_no"]) == [1, 2, 3]
    assert list(path["target_is_at_least"]) == [False, True, False]
    assert path["superseded_on"].iloc[-1] is pd.NaT or pd.isna(path["superseded_on"].iloc[-1])
    # A year with a target but no deliveries still has its target.
    assert list(queries.deliveries_targets(fixture_con, "acme", 2025)["target_units"]) == [40000]


def test_totals_beside_sum_of_months(fixture_con: duckdb.DuckDBPyConnection) -> None:
    totals = queries.deliveries_totals(fixture_con, "acme", 2024).set_index("period_kind")
    assert set(totals["scope"]) == {"all"}
    year = totals.loc["year"].to_dict()
    assert (year["reported_units"], year["months_units"], year["gap_units"]) == (20000, 16000, 4000)
    assert year["months_with_data"] == 6 and year["months_expected"] == 12
    assert year["from_year_start"] and year["months_is_at_least"] and year["months_has_estimate"]
    quarter = totals.loc["quarter"].to_dict()  # Apr–Jun: ≥2,000 + 3,000 + 2,500 (estimate)
    assert (quarter["reported_units"], quarter["months_units"], quarter["gap_units"]) == (7400, 7500, -100)
    assert not quarter["from_year_start"]


def test_peers_attainment(fixture_con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.deliveries_peers(fixture_con)
    rows = {(r["brand_id"], r["year"]): r for r in frame.to_dict("records")}
    acme = rows[("acme", 2024)]
    assert acme["delivered_units"] == 20000 and acme["final_target_units"] == 18000
    assert acme["attainment_pct"] == pytest.approx(111.1)
    assert acme["attainment_original_pct"] == pytest.approx(200.0)
    assert pd.isna(rows[("zeta", 2024)]["final_target_units"])
    assert rows[("zeta", 2025)]["attainment_kind"] == "ratio_of_lower_bounds"
    assert rows[("bolt", 2024)]["scope"] == "NEV"  # the wider of its NEV and BEV totals
    assert rows[("bolt", 2025)]["attainment_pct"] == pytest.approx(22.9)  # Q1 NEV 80,000 of 350,000
    ranked = deliveries.peer_attainment(frame, 2024)
    assert list(ranked["brand_id"]) == ["acme"]
    assert list(deliveries.peer_attainment(frame, 2025)["brand_id"]) == [
        "zeta",
        "bolt",
        "acme",
    ]  # 104, 22.9, 22.5


def test_peers_and_overview_rows_are_the_same(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Both read the brand × year mart: the overview rows of a brand are its peers rows."""
    peers = queries.deliveries_peers(fixture_con)
    for brand in ("acme", "zeta", "bolt"):
        mine = peers[peers["brand_id"] == brand].reset_index(drop=True)
        pd.testing.assert_frame_equal(queries.overview_years(fixture_con, brand), mine, check_dtype=False)


# ---- pure arithmetic, hand-computed ---------------------------------------------------------------


def test_arithmetic_hand_computed() -> None:
    assert deliveries.run_rate([10, 20, 30, 40], 3) == 30
    assert deliveries.run_rate([10], 3) == 10
    assert deliveries.run_rate([], 3) is None
    assert deliveries.projection(100, 9, 30) == 190
    assert deliveries.required_monthly_rate(200, 100, 9) == pytest.approx(100 / 3)
    assert deliveries.required_monthly_rate(200, 250, 9) == 0
    assert deliveries.month_reached([(1, 50), (2, 120)], 100, 70, 2) == (2, "reached")
    assert deliveries.month_reached([(3, 60)], 100, 15, 3) == (6, "projected")  # 3 + ceil(40/15)
    assert deliveries.month_reached([(3, 60)], 1000, 15, 3) == (None, "not_projected")


def test_last_month_of_the_year() -> None:
    assert deliveries.projection(90, 12, 5) == 90
    assert deliveries.required_monthly_rate(100, 90, 12) is None  # no month left
    assert deliveries.month_reached([(12, 90)], 100, 5, 12) == (None, "not_projected")
    assert deliveries.projection(90, 11, 5) == 95
    assert deliveries.required_monthly_rate(100, 90, 11) == 10


def test_year_with_no_target() -> None:
    assert deliveries.required_monthly_rate(None, 10, 3) is None
    assert deliveries.month_reached([(1, 10)], None, 5, 1) == (None, "no_target")
    with pytest.raises(ValueError):
        deliveries.projection(1, 13, 1)


def test_outlook_full_year_uses_company_total(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, *_ = _outlook(fixture_con, "acme", 2024, 12)
    assert (o.delivered, o.delivered_basis, o.elapsed) == (20000, "annual_total", 12)
    assert o.months_units == 16000
    assert (o.current_target, o.original_target, o.revisions_so_far) == (18000, 10000, 3)
    assert o.attainment_current_pct == pytest.approx(111.1)
    assert o.attainment_original_pct == pytest.approx(200.0)
    assert o.required_rate is None and o.projection == 20000
    # Counting to August the year so far is 15,900 (< 18,000); the annual total reaches it.
    assert (o.reached_month, o.reached_basis) == (12, "reached")
    assert deliveries.verdict(o)[0] == "met"


def test_outlook_through_august(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """The reported Q2 counts instead of its months (Apr "over 2,000", May, Jun estimate)."""
    o, *_ = _outlook(fixture_con, "acme", 2024, 8)
    assert (o.delivered, o.delivered_basis, o.elapsed) == (15900, "quarters", 8)
    assert o.delivered_detail == "Mar + Q2 + Jul + Aug"
    assert not o.delivered_is_at_least and o.delivered_confidence == "reported"
    assert (o.current_target, o.current_target_is_at_least, o.revisions_so_far) == (15000, True, 2)
    # A reported figure over an "over 15,000" target: attainment is at most 106%.
    assert (o.attainment_current_pct, o.attainment_kind) == (106.0, "at_most")
    # Window of 3: Jun (Q2 at its average, 7,400 / 3), Jul 3,500, Aug 4,000.
    assert o.window_months == (6, 7, 8) and o.window_text == "Jun–Aug, Q2 total at its average"
    assert o.run_rate == pytest.approx((7400 / 3 + 3500 + 4000) / 3)
    assert o.projection == pytest.approx(15900 + 4 * (7400 / 3 + 3500 + 4000) / 3)
    assert o.required_rate == 0
    assert (o.reached_month, o.reached_basis) == (8, "reached")


def test_outlook_through_june_projects_month_reached(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, *_ = _outlook(fixture_con, "acme", 2024, 6, window=2)
    assert (o.delivered, o.elapsed, o.current_target) == (8400, 6, 15000)  # Mar 1,000 + Q2 7,400
    assert o.run_rate == pytest.approx(7400 / 3)  # May and Jun, each Q2's average
    assert o.projection == pytest.approx(8400 + 6 * 7400 / 3)
    assert o.required_rate == pytest.approx(6600 / 6) and o.required_from_month == 7
    assert (o.reached_month, o.reached_basis) == (9, "projected")  # 6 + ceil(6,600 / 2,466.7)


def test_projection_counts_a_quarter_at_its_months_average(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Acme 2025: January 2,500, then Q1 "over 9,000". The projection is built from the quarter (3,000 a
    month, Jan–Mar), not from January plus nine Januaries; the rate needed names its first month."""
    o, *_ = _outlook(fixture_con, "acme", 2025, 12)
    assert (o.delivered, o.delivered_is_at_least, o.elapsed) == (9000, True, 3)
    assert (o.run_rate, o.window_months, o.window_text) == (
        3000,
        (1, 2, 3),
        "Jan–Mar, Q1 total at its average",
    )
    assert o.projection == 9000 + 9 * 3000
    assert o.required_rate == pytest.approx(31000 / 9) and o.required_from_month == 4
    assert (o.reached_month, o.reached_basis) == (None, "not_projected")
    level, sentence = deliveries.verdict(o)
    assert level == "behind" and "a month from Apr" in sentence and "from here" not in sentence
    assert "Jan–Mar, Q1 total at its average" in sentence
    january, *_ = _outlook(fixture_con, "acme", 2025, 2)  # counting to February: January only
    assert (january.delivered, january.window_text, january.run_rate) == (2500, "Jan", 2500)


def test_ratio_of_two_lower_bounds_is_not_an_exact_attainment(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, *_ = _outlook(fixture_con, "zeta", 2025, 12)
    assert (o.attainment_current_pct, o.attainment_kind) == (104.0, "ratio_of_lower_bounds")
    note = deliveries.attainment_note(o)
    assert "104.0% (ratio of two 'over N' figures)" in note and "neither a floor nor a ceiling" in note


def test_outlook_target_but_no_deliveries(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, *_ = _outlook(fixture_con, "bolt", 2025, 2)
    assert o.delivered is None and o.delivered_basis == "no_data" and o.elapsed == 0
    assert (o.current_target, o.scope) == (350000, "NEV")
    assert o.required_rate == pytest.approx(350000 / 12)
    assert o.projection is None and o.attainment_current_pct is None
    assert deliveries.verdict(o)[0] == "none"


def test_outlook_year_without_target(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, *_ = _outlook(fixture_con, "zeta", 2024, 12)
    assert o.delivered == 500000 and o.current_target is None
    assert o.required_rate is None and o.reached_basis == "no_target"
    assert "No company delivery target" in deliveries.verdict(o)[1]


def test_a_partial_figure_projects_nothing(fixture_con: duckdb.DuckDBPyConnection) -> None:
    """Zeta's only monthly figure is Germany's (it sells at home in the US): a floor, never projected."""
    o, *_ = _outlook(fixture_con, "zeta", 2025, 2)
    assert (o.delivered, o.delivered_is_at_least, o.is_partial) == (3000, True, True)
    assert o.projection is None and "DEU only" in o.coverage_note


def test_cumulative_frame(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, ytd, targets, totals = _outlook(fixture_con, "acme", 2024, 6, window=2)
    frame = deliveries.cumulative_frame(ytd, targets, totals, o)
    delivered = frame[frame["series"] == "delivered"]
    assert list(delivered["units"]) == [1000, 3000, 6000, 8400]  # June: Mar + Q2
    assert list(delivered["is_at_least"]) == [False, True, True, False]  # April "over 2,000" until Q2
    assert list(delivered["month_units"]) == [1000, 2000, 3000, 2400]
    target = frame[frame["series"] == "target"]
    assert list(target["units"]) == [10000, 15000, 18000, 18000]  # 3 revisions + closing point
    proj = frame[frame["series"] == "projection"]
    assert list(proj["units"]) == pytest.approx([8400, 8400 + 6 * 7400 / 3])
    assert list(proj["date"].dt.date) == [dt.date(2024, 6, 30), dt.date(2024, 12, 31)]


# ---- figures --------------------------------------------------------------------------------------


def test_monthly_bars_trace_per_model_and_lower_bound_styling(fixture_con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.deliveries_monthly(fixture_con, "acme", ["acme_s", "acme_x"], *Y24)
    fig = figures.monthly_bars(frame, "Acme", "2024")
    bars = [t for t in fig.data if t.type == "bar" and t.legendgroup != "confidence"]
    assert [t.name for t in bars] == ["S", "X", "Not split by model"]
    unsplit = bars[-1]
    assert "/" in list(unsplit.marker.pattern.shape)  # April "over 2000" is hatched
    legend = [t.name for t in fig.data if t.legendgroup == "confidence"]
    assert any("at least" in n for n in legend) and any("estimate" in n for n in legend)
    labels = next(t for t in fig.data if t.name == "Month total").text
    assert "≥2.0k" in labels
    assert fig.layout.yaxis.title.text and fig.layout.xaxis.title.text


def test_cumulative_figure_has_one_step_per_revision(fixture_con: duckdb.DuckDBPyConnection) -> None:
    o, ytd, targets, totals = _outlook(fixture_con, "acme", 2024, 12)
    fig = figures.cumulative_vs_target(deliveries.cumulative_frame(ytd, targets, totals, o), "Acme", 2024)
    revisions = next(t for t in fig.data if t.name == "Target revisions")
    assert len(revisions.x) == 3
    assert list(revisions.text) == ["10,000", "≥ 15,000", "18,000"]
    step = next(t for t in fig.data if t.name.startswith("Target"))
    assert step.line.shape == "hv"
    names = [t.name for t in fig.data]
    assert "Month: at least (lower bound)" in names


def test_empty_figures_say_why() -> None:
    empty = pd.DataFrame(columns=["series"])
    for fig in (
        figures.cumulative_vs_target(empty, "Acme", 2030),
        figures.monthly_bars(pd.DataFrame(columns=["series_id"]), "Acme", "2030"),
        figures.peer_attainment(pd.DataFrame(columns=["attainment_pct"]), 2030, "acme"),
        figures.peer_deliveries(pd.DataFrame(columns=["year"]), "acme"),
    ):
        assert len(fig.data) == 0
        assert "No" in fig.layout.annotations[0].text


def test_the_default_year_is_this_year_or_the_latest_year_with_figures() -> None:
    assert deliveries.default_year([2024, 2025, 2026], 2026) == 2026
    assert deliveries.default_year([2023, 2025], 2026) == 2025  # a peer whose newest figures are last year's
    assert deliveries.default_year([2027], 2026) == 2026  # only a future target: this year
    assert deliveries.default_year([], 2026) == 2026
