"""Staleness shown, not hidden: the core computes how old the newest figure of each kind is, every page says
it in its main area, and an import with newer figures moves both that line and the data as-of."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import build, freshness, importer, queries
from tests.conftest import run_page, shown

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 12, 1)


def test_months_between_counts_whole_months_from_the_end_of_the_period() -> None:
    assert freshness.months_between(dt.date(2026, 2, 28), TODAY) == 9
    assert freshness.months_between(dt.date(2026, 11, 30), TODAY) == 0
    assert freshness.months_between(dt.date(2027, 1, 1), TODAY) == 0  # a future date is not negative


def test_period_labels_and_partial_years() -> None:
    assert freshness.period_label("month", dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == "Feb 2026"
    assert freshness.period_label("quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "Q1 2026"
    assert freshness.period_label("ytd", dt.date(2025, 1, 1), dt.date(2025, 11, 30)) == "Jan–Nov 2025"
    assert freshness.period_label("day", dt.date(2026, 3, 19), dt.date(2026, 3, 19)) == "19 Mar 2026"
    assert freshness.partial_year_label(dt.date(2026, 1, 1), dt.date(2026, 3, 1)) == "Q1 only"
    assert freshness.partial_year_label(dt.date(2025, 1, 1), dt.date(2025, 10, 1)) == "Jan–Oct only"
    assert freshness.partial_year_label(dt.date(2025, 1, 1), dt.date(2025, 12, 1)) == ""


def test_xiaomi_on_the_seeds_reads_as_the_issue_asks(seed_con: duckdb.DuckDBPyConnection) -> None:
    items = freshness.freshness(
        queries.freshness(seed_con, "xiaomi"), ["monthly_deliveries", "period_totals"], TODAY
    )
    assert items[0].text == "latest monthly delivery figure: Feb 2026 — 9 months before today (1 Dec 2026)"
    assert items[1].text.startswith("latest reported period: Q1 2026 — 8 months before today")
    assert all(i.stale for i in items)


PAGES = {
    "app.py": "latest monthly delivery figure",
    "pages/deliveries.py": "latest monthly delivery figure",
    "pages/pricing.py": "latest price in the data",
    "pages/markets.py": "latest full-year market figure",
    "pages/expansion.py": "latest full-year market figure",
    "pages/market_mix.py": "latest SUV-share figure",
    "pages/sources.py": "latest full-year market figure",
    "pages/data.py": "latest full-year market figure",
    "pages/compare.py": "latest price in the data",
}


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(("script", "phrase"), PAGES.items())
def test_every_page_says_how_old_its_newest_figure_is(script: str, phrase: str) -> None:
    at = run_page(script)
    assert not at.exception
    main = [shown(e.value) for e in [*at.main.caption, *at.main.info]]
    line = next((t for t in main if phrase in t), None)
    assert line is not None, main[:5]
    assert "before today (1 Dec 2026)" in line or "less than a month old" in line or dt.date.today() != TODAY


def test_an_import_with_newer_figures_moves_the_data_as_of_and_the_freshness(tmp_path: Path) -> None:
    """Registrations' as-of was not in v_figure_as_of: importing newer ones left 'Data as of' where it was."""
    seeds = REPO / "tests" / "fixtures" / "seeds"
    link = tmp_path / "evdash.duckdb"
    build.build(seeds=seeds, db=link)
    with duckdb.connect(str(link.resolve()), read_only=True) as con:
        before = con.execute("select data_as_of from build_info").fetchall()[0][0]
    newer = (
        "month,market,brand,model_name,model,powertrain,body_type,units,source_url,as_of,confidence\n"
        "2026-10,DEU,zeta,One,zeta_one,BEV,suv,1300,https://news.example/acme,2026-11-10,reported\n"
    )
    importer.import_files(
        [("registrations", ("reg.csv", newer.encode()))], db=link, seeds=seeds, user="tester"
    )
    with duckdb.connect(str(link.resolve()), read_only=True) as con:
        after = con.execute("select data_as_of from build_info").fetchall()[0][0]
        fresh = queries.freshness(con, "acme").set_index("kind")
    assert before < dt.date(2026, 11, 10) == after
    assert pd.Timestamp(str(fresh.loc["registrations", "period_start"])).date() == dt.date(2026, 10, 1)
