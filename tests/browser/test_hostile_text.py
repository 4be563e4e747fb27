"""Text is text, in the browser (issue #12): over a database whose brand, model and source names, notes
and statements are hostile (Markdown links and images, autolinks, raw and Plotly HTML), and with the
same string in the URL, every page shows the text literally, draws no link or image that points
elsewhere, and the browser asks for nothing outside this machine because of it. One server, one
browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from evdash import ui
from tests.conftest import CHROMIUM, HOSTILE, require_chromium, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = ["/" if path == "app.py" else "/" + Path(path).stem for path, _, _ in ui.NAV]


@pytest.fixture(scope="module")
def server(hostile_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(hostile_db_path, tmp_path_factory.mktemp("hostile") / "streamlit.log")
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = chromium.new_context(viewport={"width": 1440, "height": 1000})
        outside: list[str] = []

        def guard(route: Any) -> None:
            host = urlparse(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        tab = context.new_page()
        tab.outside_requests = outside  # type: ignore[attr-defined]
        yield tab
        chromium.close()


def _drawn(page: Any) -> None:
    page.get_by_role("heading", level=1).first.wait_for(timeout=90_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(
                c => c.querySelector('.main-svg'))""",
        timeout=90_000,
    )


@pytest.mark.parametrize("path", PAGES)
def test_hostile_names_and_url_values_fetch_nothing_and_link_nowhere(
    page: Any, server: str, path: str
) -> None:
    hostile_params = "&".join(f"{key}={quote(HOSTILE)}" for key in ("brand", "market", "year", "variant"))
    page.goto(f"{server}{path}?{hostile_params}", wait_until="domcontentloaded")
    _drawn(page)
    page.wait_for_timeout(1500)  # anything a rendered image or font would fetch has been asked for
    # Any image, and any link that leaves this machine (a link back to this page may carry the value in
    # its query string, escaped, as the address bar does).
    bad = page.evaluate(
        """() => {
            const away = u => { try { return !['127.0.0.1', 'localhost'].includes(new URL(u).hostname); }
                                catch (e) { return false; } };
            return [
                ...[...document.querySelectorAll('img')].filter(e => away(e.src)).map(e => 'img ' + e.src),
                ...[...document.querySelectorAll('a[href]')].filter(e => away(e.href))
                    .map(e => 'link ' + e.href),
                ...[...document.querySelectorAll('svg a')].map(e => 'chart link ' + e.outerHTML.slice(0, 80)),
            ];
        }"""
    )
    assert bad == [], path
    assert page.outside_requests == [], path
    if path in {"/", "/deliveries", "/expansion"}:  # the hostile brand name, shown as text
        assert "[Sign in again](https://evil.example/login)" in page.get_by_role(
            "heading", level=1
        ).first.inner_text().replace("\u2060", "")  # the word joiner text.md puts after a scheme is invisible
