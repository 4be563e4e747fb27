"""A December headline that does not mislead: when this year's newest delivered figure stops months before
today, the Overview's card says which months have no figure, compares with the target path at the figure's
date (not at today), and the verdict names the gap in data before the gap in pace — the same words on the
Overview, the Deliveries page and the briefing. Pages get "today" from `evdash.ui.today` (evdash.web.clock), injected here."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from evdash import briefing, deliveries, queries
from evdash.deliveries import MONTH_NAMES
from evdash.theme import fmt_figure
from evdash.web import clock
from tests.conftest import run_page, shown
from tests.test_source_status import DECEMBER, december  # noqa: F401  (the fixture: pages' today is 6 Dec 2026)


def test_months_without_a_figure_run_from_after_the_figure_to_the_month_before_today() -> None:
    q1 = dt.date(2026, 3, 31)
    assert deliveries.months_without_figure(2026, q1, DECEMBER) == (4, 11)
    assert deliveries.months_without_figure(2026, q1, dt.date(2026, 4, 30)) is None  # March is last month
    assert deliveries.months_without_figure(2026, q1, dt.date(2026, 5, 1)) == (4, 4)
    assert deliveries.months_without_figure(2026, None, DECEMBER) == (1, 11)  # nothing this year
    assert deliveries.months_without_figure(2025, dt.date(2025, 9, 30), DECEMBER) == (10, 12)  # a past year
    assert deliveries.months_without_figure(2025, dt.date(2025, 12, 31), DECEMBER) is None
    assert deliveries.months_without_figure(2026, q1, DECEMBER, until_month=6) == (4, 6)  # the page's cut-off
    assert deliveries.months_without_figure(2027, None, DECEMBER) is None  # not begun
    assert deliveries.gap_text(2026, (4, 11)) == "no figure for Apr–Nov 2026"
    assert deliveries.gap_text(2026, (11, 11)) == "no figure for Nov 2026"


def test_the_path_is_taken_at_the_figures_date_and_keeps_its_qualifier() -> None:
    # 550,000 × 3/12 = 137,500 by 31 Mar; 80,000 is 58.2% of it — an estimate stays "≈", a floor "≥".
    q1 = dt.date(2026, 3, 31)
    assert (
        deliveries.path_comparison(80_000, 550_000, False, q1, "estimate")
        == "≈ 58.2% of the target path by 31 Mar (137,500)"
    )
    assert deliveries.path_comparison(80_000, 550_000, False, q1, "at_least").startswith("≥ 58.2%")
    assert deliveries.path_comparison(80_000, 550_000, True, q1, "at_most").endswith("(≥ 137,500)")


def _current_row(con: duckdb.DuckDBPyConnection, year: int) -> pd.Series:
    years = queries.overview_years(con, "xiaomi")
    return years[years["year"] == year].iloc[0]


def _expected(row: pd.Series, today: dt.date) -> tuple[str, str, str]:
    """From the data: the months without a figure, the path at the figure's date, the card's value."""
    through = pd.Timestamp(row["delivered_through"]).date()
    first, last = through.month + 1, today.month - 1
    months = MONTH_NAMES[first - 1] if first == last else f"{MONTH_NAMES[first - 1]}–{MONTH_NAMES[last - 1]}"
    path = float(row["final_target_units"]) * through.month / 12
    value = fmt_figure(
        row["delivered_units"], bool(row["delivered_is_at_least"]), row["delivered_confidence"]
    )
    return (
        f"no figure for {months} {today.year}",
        f"of the target path by {through.day} {through:%b} ({path:,.0f})",
        value,
    )


@pytest.fixture
def expected(seed_con: duckdb.DuckDBPyConnection) -> tuple[pd.Series, str, str, str]:
    """This year's row of the mart on 6 Dec 2026 and what the pages must say of it (`_expected`)."""
    row = _current_row(seed_con, DECEMBER.year)
    return (row, *_expected(row, DECEMBER))


@pytest.mark.usefixtures("app_env", "december")
def test_the_overview_in_december_names_the_missing_months_and_the_path_at_the_data_date(
    seed_con: duckdb.DuckDBPyConnection, expected: tuple[pd.Series, str, str, str]
) -> None:
    row, gap, path, value = expected
    assert pd.Timestamp(row["delivered_through"]).month < DECEMBER.month - 1  # the case of the issue
    at = run_page("app.py")
    assert not at.exception
    card = next(m for m in at.metric if shown(m.label).startswith(f"{DECEMBER.year} deliveries so far"))
    assert shown(card.value) == value
    if row["delivered_confidence"] != "reported":  # an estimate or a floor is never shown as exact
        assert shown(card.value)[0] in "≈≥"
    assert path in shown(card.delta)
    # The path comes before the full-year attainment, and the missing months lead the line under the card.
    parts = shown(card.delta).split(" · ")
    assert path in parts[0] and parts[-1].endswith(" target")  # the path first, then the whole year's
    captions = [shown(c.value) for c in at.main.caption]
    assert any(c.startswith(gap) or f"· {gap} ·" in c for c in captions), captions[:6]
    # The briefing for the same day says the same of the card.
    b = briefing.collect(seed_con, "xiaomi", DECEMBER)
    assert (b.overview_kpis[0].value, b.overview_kpis[0].delta) == (shown(card.value), shown(card.delta))


@pytest.mark.usefixtures("app_env")
def test_the_overview_the_month_after_the_figure_has_no_gap(
    seed_con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _current_row(seed_con, DECEMBER.year)
    through = pd.Timestamp(row["delivered_through"]).date()
    soon = through + dt.timedelta(days=2)  # early in the month after the figure's last month
    monkeypatch.setattr(clock, "today", lambda: soon)
    at = run_page("app.py")
    assert not at.exception
    card = next(m for m in at.metric if shown(m.label).startswith(f"{soon.year} deliveries so far"))
    assert "target path" not in shown(card.delta)
    assert not any("no figure for" in shown(c.value) for c in at.main.caption)


@pytest.mark.usefixtures("app_env", "december")
def test_the_verdict_names_the_gap_in_data_before_the_gap_in_pace(
    seed_con: duckdb.DuckDBPyConnection, expected: tuple[pd.Series, str, str, str]
) -> None:
    _, gap, path, value = expected
    at = run_page("pages/deliveries.py")
    assert not at.exception
    verdict = shown([*at.warning, *at.info, *at.success][0].value)
    assert verdict.startswith(gap[0].upper() + gap[1:] + f": the newest figure is {value} to ")
    assert path in verdict
    pace = ("Behind target", "On track", "Target met", "No company delivery target")
    assert all(verdict.index(gap[1:]) < verdict.index(p) for p in pace if p in verdict)
    assert briefing.collect(seed_con, "xiaomi", DECEMBER).verdict == verdict
