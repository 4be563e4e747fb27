"""Accessible (issue #12): axe-core over every page in Chromium, on a desktop and on a phone, with no
serious or critical violation (colour contrast is one of axe's rules); the main controls reachable with
the keyboard (no chart toolbar in the tab order); every chart followed by its text alternative. One
server and one browser for the module, offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM, require_chromium, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = ["/", "/deliveries", "/expansion", "/pricing", "/markets", "/market_mix", "/data", "/sources"]
ALT = re.compile(r"^(Bar chart|Line chart|Map|Waterfall chart|Pie chart|Heat map|Chart|Empty chart): ")


@pytest.fixture(scope="module")
def server(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(seed_db_path, tmp_path_factory.mktemp("a11y") / "streamlit.log")
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


def open_page(browser: Any, url: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    outside: list[str] = []

    def guard(route: Any) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", level=1).first.wait_for(timeout=90_000)
    # Drawn means: the run is over, every chart has its SVG, and every tab strip has its selected tab
    # reachable with Tab. A tab strip mounts with every tab at tabindex -1 for a moment (react-aria gives
    # the selected one 0 once its collection is built); axe run in that moment reported the strip, which
    # scrolls on a phone, as a scroll region with nothing focusable (CI on 53b3b0e, /pricing at 375 px;
    # seen in 1 of 14 page loads here), a state no user can reach with a keyboard.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(
                c => c.querySelector('.main-svg'))
            && [...document.querySelectorAll('[role="tablist"]')].every(
                t => t.querySelector('[role="tab"][tabindex="0"]'))""",
        timeout=90_000,
    )
    return page


@pytest.mark.parametrize("width", [1440, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(server: str, browser: Any, path: str, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(browser, server + path, width)
    # On a phone Streamlit keeps the closed sidebar in the page, off screen, as a scroll region: axe
    # reports that region (scrollable-region-focusable), which no one can see or scroll while it is
    # closed. It is checked open instead, below, as a phone user meets it.
    closed_sidebar = {"exclude": [['[data-testid="stSidebar"]']]} if width < 500 else None
    violations = Axe().run(page, context=closed_sidebar).response["violations"]
    if width < 500:
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().left >= 0"
        )
        violations += Axe().run(page, context='[data-testid="stSidebar"]').response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×) at {v['nodes'][0]['target']}: "
        f"{v['nodes'][0].get('failureSummary', '')[:200]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], f"{path} at {width}px"
    assert page.outside_requests == []
    page.context.close()


@pytest.mark.parametrize("path", PAGES)
def test_charts_have_a_text_alternative_and_no_toolbar(server: str, browser: Any, path: str) -> None:
    page = open_page(browser, server + path, 1440)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    alternatives = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=ALT)
    # Each chart's text alternative is the element after it: under load a chart can be on screen before
    # its caption arrives, so wait for the run to end and for as many captions as charts.
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]\')',
        timeout=60_000,
    )
    page.wait_for_function(
        """(alt) => {
            const re = new RegExp(alt);
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
            const captions = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .filter(c => re.test(c.innerText.trim())).length;
            return captions >= charts;
        }""",
        arg=ALT.pattern,
        timeout=30_000,
    )
    assert alternatives.count() >= charts.count(), f"{path}: {charts.count()} charts"
    assert page.locator(".modebar-container .modebar").count() == 0  # ten tab stops each, nothing to read
    page.context.close()


def test_the_main_controls_are_reachable_with_the_keyboard(server: str, browser: Any) -> None:
    """From the top of the Pricing page, Tab reaches the sidebar's navigation, the car picker and the
    first download button without a mouse, and never stops inside a chart."""
    page = open_page(browser, server + "/pricing", 1440)
    # Under load the first screen can be drawn while the rest of the run is still on its way: wait for the
    # control the walk has to reach, so the test measures the tab order, not the server's speed.
    page.locator('[data-testid="stDownloadButton"]').first.wait_for(state="attached", timeout=90_000)
    reached: set[str] = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e) return '';
                if (e.closest('.js-plotly-plot')) return 'chart';
                if (e.closest('[data-testid="stPageLink-NavLink"]')) return 'nav';
                if (e.closest('[data-testid="stSelectbox"]')) return 'select';
                if (e.closest('[data-testid="stDownloadButton"]')) return 'download';
                return e.tagName;
            }"""
        )
        reached.add(str(focused))
        if {"nav", "select", "download"} <= reached:
            break
    assert {"nav", "select", "download"} <= reached, reached
    assert "chart" not in reached
    page.context.close()
