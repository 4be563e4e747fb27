"""Real Chromium against a freshly started server: Overview numbers, deep links inside the frame."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_overview_renders_xiaomi_numbers(live_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(live_server + "/", wait_until="domcontentloaded")
    page.wait_for_selector("g.barlayer path", timeout=60_000)
    metric = page.locator('[data-testid="stMetric"]', has_text="2024 delivered vs final target")
    metric.wait_for(timeout=30_000)
    text = metric.inner_text()
    assert "136,854" in text and "130,000" in text and "105.3%" in text
    assert "Data as of" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert page.blocked_requests == []  # nothing tried to leave localhost


def test_deep_link_on_fresh_server_renders_inside_frame(live_server: str, browser_page: Any) -> None:
    page = browser_page
    # The very first request to this server is the deep link (no session has opened "/").
    page.goto(live_server + "/sources?reliability=primary", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Where the numbers come from").wait_for(timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Data as of" in sidebar.inner_text()  # the shared frame ran
    assert "Overview" in sidebar.inner_text()  # navigation built by the frame
    assert page.title().startswith("Sources")
    assert "reliability=primary" in page.url
