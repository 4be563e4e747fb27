"""The Data page's "Add or correct a figure" form with sign-in on: a viewer never sees it (the page is
refused), an analyst fills it in, sees the outcome in words and the figure in the Browse table, and the
import history records the analyst; a bad source URL is refused naming the field, nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from evdash import byhand
from tests.conftest import open_page, shown
from tests.test_auth_pages import USERS, auth_on
from tests.test_import import snapshot
from tests.test_import_pages import own_db

__all__ = ["auth_on", "own_db"]  # fixtures, used by name

URL = "https://ir.mi.com/by-hand"


@pytest.fixture
def signed_in_db(auth_on: Path, own_db: Path) -> Path:
    """Sign-in on (tests/test_auth_pages.py roles) over a private real-seed database (own_db is set up
    after auth_on, so the app reads this test's database)."""
    return own_db


def fill(at: AppTest, month: str, units: int, url: str) -> AppTest:
    next(w for w in at.selectbox if w.label == "Brand").set_value("xiaomi")
    next(w for w in at.text_input if w.label == "Month").set_value(month)
    next(w for w in at.number_input if w.label == "Units").set_value(units)
    next(w for w in at.text_input if w.label == "Source URL").set_value(url)
    next(b for b in at.button if b.label == "Save figure").click()
    return at.run()


def texts(at: AppTest) -> str:
    return " ".join(shown(e.value) for e in [*at.success, *at.error, *at.code])


def test_a_viewer_does_not_see_the_form(signed_in_db: Path) -> None:
    at = open_page("pages/data.py", user=USERS["viewer"], timeout=90)
    assert not at.exception
    assert not [b for b in at.button if b.label == "Save figure"]
    assert not [w for w in at.text_input if w.label == "Source URL"]


def test_an_analyst_adds_a_figure_and_sees_it(signed_in_db: Path) -> None:
    at = open_page(
        "pages/data.py", {"table": "deliveries", "brand": "xiaomi"}, user=USERS["analyst"], timeout=90
    )
    assert not at.exception
    before = snapshot(signed_in_db)
    at = fill(at, "2031-01", 54321, "ftp://ir.mi.com/x")
    assert not at.exception
    assert "Source URL: 'ftp://ir.mi.com/x' is not an http(s) link" in texts(at)
    assert snapshot(signed_in_db) == before
    at = fill(at, "2031-01", 54321, URL)
    assert not at.exception
    expected = byhand.Outcome("new", "xiaomi · all models · CHN · Jan 2031", None, "54,321 (Reported)", 0, "")
    assert expected.words() in texts(at)
    browse = next(
        df.value for df in at.dataframe if {"units", "month", "source_url"} <= set(df.value.columns)
    )
    assert ("2031-01", 54321, URL) in set(
        zip(browse["month"], browse["units"], browse["source_url"], strict=True)
    )
    con = duckdb.connect(str(signed_in_db.resolve()), read_only=True)
    try:
        who = con.execute("select imported_by from import_history").fetchall()
        as_of = con.execute("select as_of from deliveries_monthly where month = '2031-01-01'").fetchall()
    finally:
        con.close()
    assert who == [("ana@example.com",)]
    assert as_of == [(dt.date.today(),)]  # the form's default as-of: today
