"""Journeys, not deep links: a user who clicks the sidebar keeps their choices, and no page invents a
scenario value they did not pick (issue #12). AppTest runs one session through every sidebar move
between every pair of pages, following each link exactly as the browser would (its page and its query
string); tests/browser/test_journeys.py does the same in Chromium at 1440 and 375 px."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import ui
from tests.conftest import run_page, shown

REPO = Path(__file__).resolve().parent.parent

# Xiaomi's duty class in the data (brands.csv): `cooperation_unverified`, two EU duty cases since its class
# is not established (it was `other_cooperating`, an assumption).
XIAOMI_CLASS = str(
    pd.read_csv(REPO / "data" / "seeds" / "brands.csv").set_index("brand_id").at["xiaomi", "tariff_company"]
)
PAGES = [path for path, _, _ in ui.NAV]
LABEL = {path: label for path, label, _ in ui.NAV}
BRAND_PAGES = {"app.py", "pages/deliveries.py", "pages/expansion.py"}


def every_move(pages: list[str]) -> list[tuple[str, str]]:
    """An Eulerian circuit of the complete directed graph on `pages`: every ordered pair (a, b), a ≠ b,
    exactly once, as one walk that starts and ends at pages[0] (Hierholzer)."""
    todo = {p: [q for q in pages if q != p] for p in pages}
    stack, walk = [pages[0]], []
    while stack:
        here = stack[-1]
        if todo[here]:
            stack.append(todo[here].pop())
        else:
            walk.append(stack.pop())
    walk.reverse()
    return list(itertools.pairwise(walk))


def test_every_move_covers_every_pair_once() -> None:
    moves = every_move(PAGES)
    assert len(moves) == len(PAGES) * (len(PAGES) - 1) == len(set(moves))
    assert all(a == b_prev for (_, b_prev), (a, _) in itertools.pairwise(moves))


def click_sidebar(at: AppTest, target: str) -> AppTest:
    """Follow the sidebar link to `target` the way the browser does: its page, its query string."""
    links = {link.proto.label: link.proto for link in at.sidebar.get("page_link")}
    link = links[LABEL[target]]
    at.switch_page(target)
    for key in list(at.query_params):
        del at.query_params[key]
    for key, values in parse_qs(link.query_string).items():
        at.query_params[key] = values
    return at.run()


def titles(at: AppTest) -> str:
    return " ".join(shown(t.value) for t in at.title)


@pytest.mark.usefixtures("app_env")
def test_sidebar_keeps_brand_and_never_adds_a_scenario_value() -> None:
    """The table of the issue: from a Tesla Overview, every sidebar move on every page keeps Tesla where
    the page has a brand, and no URL gains a value the user did not choose."""
    at = run_page("app.py", brand="tesla")
    assert "Tesla" in titles(at)
    for source, target in every_move(PAGES):
        at = click_sidebar(at, target)
        assert not at.exception, (source, target, at.exception)
        params = dict(at.query_params)
        assert set(params) <= {"brand"}, f"{source} → {target}: URL gained {params}"
        assert params.get("brand") == "tesla", f"{source} → {target}: brand not carried ({params})"
        if target in BRAND_PAGES:
            assert at.sidebar.selectbox(key="brand").value == "tesla", f"{source} → {target}"
            assert "Tesla" in titles(at) and "BYD" not in titles(at), f"{source} → {target}: {titles(at)}"
        assert not at.warning, f"{source} → {target}: {[w.value for w in at.warning]}"


@pytest.mark.usefixtures("app_env")
def test_scenario_values_belong_to_their_page() -> None:
    """Pricing → Market ranking used to arrive with `duty_class=BYD&freight_pct=0` (the first option and
    the slider's minimum): a Xiaomi YU7 priced with BYD's duty. A page's scenario comes back when the user
    returns to that page, and never travels to another."""
    at = run_page("pages/pricing.py")
    assert at.sidebar.selectbox(key="duty_class").value == XIAOMI_CLASS
    at = click_sidebar(at, "pages/markets.py")
    assert dict(at.query_params) == {}
    assert at.sidebar.selectbox(key="duty_class").value == XIAOMI_CLASS
    assert at.sidebar.slider(key="freight_pct").value == 5
    at = click_sidebar(at, "pages/pricing.py")
    assert dict(at.query_params) == {}
    at.sidebar.slider(key="freight_pct").set_value(12).run()
    assert dict(at.query_params) == {"freight_pct": "12"}
    for target in ("pages/markets.py", "app.py"):
        at = click_sidebar(at, target)
        assert "freight_pct" not in at.query_params, target
    at = click_sidebar(at, "pages/markets.py")
    assert at.sidebar.slider(key="freight_pct").value == 5  # the ranking's own default, untouched
    at = click_sidebar(at, "pages/pricing.py")
    assert at.sidebar.slider(key="freight_pct").value == 12  # the user's pricing scenario came back
    assert dict(at.query_params) == {"freight_pct": "12"}  # …and is in the URL, so a copy shows it


@pytest.mark.usefixtures("app_env")
def test_choice_made_on_a_later_page_travels_on() -> None:
    at = run_page("pages/deliveries.py")
    at.sidebar.selectbox(key="brand").set_value("nio").run()
    at.sidebar.selectbox(key="year").set_value("2025").run()
    at = click_sidebar(at, "pages/expansion.py")
    assert at.sidebar.selectbox(key="brand").value == "nio"
    assert "NIO" in titles(at)
    at = click_sidebar(at, "app.py")
    assert at.sidebar.selectbox(key="brand").value == "nio"
    at = click_sidebar(at, "pages/deliveries.py")
    assert at.sidebar.selectbox(key="year").value == "2025"
    assert "NIO 2025" in titles(at)


@pytest.mark.usefixtures("app_env")
def test_a_carried_value_a_page_cannot_use_falls_back_with_a_notice_in_the_main_area() -> None:
    at = run_page("pages/deliveries.py", year="2026")
    at.sidebar.selectbox(key="year").set_value("2026").run()
    at = click_sidebar(at, "pages/expansion.py")
    years = at.sidebar.selectbox(key="year")
    assert years.value != "2026" and "2026" not in years.options
    notices = [shown(w.value) for w in at.main.warning]
    assert any("'2026' is not a valid" in n for n in notices), notices
    assert not at.sidebar.warning  # the notice is where a phone shows it, not in the collapsed sidebar
    # The user's year is kept for the pages that can use it.
    at = click_sidebar(at, "pages/deliveries.py")
    assert at.sidebar.selectbox(key="year").value == "2026"
