"""Every chart reads on a 375 px phone and on a 1440 px screen (issue #12, phones), measured in Chromium
on the real pages: no text cut off at a chart's edge, no tick label turned on its side, no text under
10 px, the title, legend and plot never over one another, no two labels over each other, and a map that
fills its box (tests/chart_layout.py says what each problem is; `bench/screenshots.py` prints the same
list beside its screenshots). Seen before the fix: the peers chart's labels and values cut, the Overview
legend over its title and its year labels vertical, Pricing waterfall labels ~6 px and overlapping,
maps small between wide blank bands. One server and one browser for the module, offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.chart_layout import chart_problems, wait_drawn
from tests.conftest import CHROMIUM, require_chromium, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHART_PAGES = ["/", "/deliveries", "/expansion", "/pricing", "/markets", "/market_mix"]


@pytest.fixture(scope="module")
def server(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(seed_db_path, tmp_path_factory.mktemp("charts") / "streamlit.log")
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


@pytest.mark.parametrize("width", [1440, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", CHART_PAGES)
def test_every_chart_reads_at_this_width(server: str, browser: Any, path: str, width: int) -> None:
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
    try:
        page = context.new_page()
        page.goto(server + path, wait_until="domcontentloaded")
        wait_drawn(page)
        assert page.locator(".js-plotly-plot").count() > 0, f"{path}: no chart drew"
        assert chart_problems(page) == [], f"{path} at {width} px"
        assert outside == []
    finally:
        context.close()
