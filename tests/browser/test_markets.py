"""Market ranking in real Chromium: weights from a deep link, and a weight changed in the UI
changes the URL and the ranking."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TOP_LABEL = """() => {
    const labels = [...document.querySelectorAll('g.ytick text')].map(t => t.textContent);
    return labels.find(l => l.startsWith('1. ')) || null;
}"""


def test_weights_from_url_and_slider_changes_url_and_ranking(live_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(
        live_server + "/markets?model=xiaomi_yu7&w_ev_sales=60&w_tariff_burden_pct=0&norm=percentile"
        # four markets chosen in the URL (the default is the brand's plan region): size puts the US first,
        # a heavy duty weight puts duty-free Norway first
        "&markets=USA&markets=DEU&markets=FRA&markets=NOR",
        wait_until="domcontentloaded",
    )
    page.get_by_role("heading", name="Which market first for the Xiaomi YU7?").wait_for(timeout=60_000)
    page.wait_for_selector("g.barlayer path", state="attached", timeout=60_000)
    size = page.locator('[data-testid="stSlider"]', has_text="EV market size")
    assert "60" in size.inner_text()
    before = page.evaluate(TOP_LABEL)
    assert before is not None
    ranked = page.locator('[data-testid="stMetric"]', has_text="Markets ranked").inner_text()
    assert re.search(r"\b4 of 4\b", ranked)
    # Move the tariff weight to its maximum with the keyboard, as a user would.
    thumb = page.locator('[data-testid="stSlider"]', has_text="Low tariff").get_by_role("slider")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_url("**w_tariff_burden_pct=100**", timeout=30_000)
    page.wait_for_function(f"() => ({TOP_LABEL})() !== {before!r}", timeout=30_000)
    assert "w_ev_sales=60" in page.url and "norm=percentile" in page.url
    page.wait_for_selector("path.choroplethlocation", state="attached", timeout=60_000)
    assert page.blocked_requests == []
