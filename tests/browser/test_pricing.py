"""Pricing page in real Chromium: a deep link with a duty-class scenario reproduces the estimate."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evdash import labels

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_deep_link_with_duty_class_scenario(live_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(
        live_server
        + "/pricing?variant=xiaomi_yu7_standard_rwd&market=DEU&currency=EUR&duty_class=non_cooperating"
        "&on=2026-05-27&freight_pct=5",
        wait_until="domcontentloaded",
    )
    page.get_by_role("heading", name="What would the Xiaomi YU7 cost in Germany?").wait_for(timeout=60_000)
    page.wait_for_selector("g.waterfalllayer path", state="attached", timeout=60_000)
    # One step a row, its two-line label on the left (upright on a phone); plotly renders each line as a
    # tspan, so textContent joins them.
    ticks = " | ".join(page.eval_on_selector_all("g.ytick text", "els => els.map(e => e.textContent)"))
    assert "Home priceCNY 253,500" in ticks
    assert "Base duty10%" in ticks
    assert "Extra duty 35.3%(Non-cooperating makers)" in ticks  # the scenario, not the data's 20.7%
    assert "VAT19%" in ticks
    # Xiaomi's class in the data (brands.csv: cooperation_unverified, two EU cases), in words
    brands = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "seeds" / "brands.csv")
    data_class = labels.label(labels.DUTY_CLASS, brands.set_index("brand_id").at["xiaomi", "tariff_company"])
    duty_select = page.locator('[data-testid="stSelectbox"]', has_text=f"Duty class (data: {data_class})")
    assert duty_select.count() == 1  # the data's class is named beside the scenario's choice
    estimate = page.locator('[data-testid="stMetric"]', has_text="Estimated sticker price").inner_text()
    assert "EUR" in estimate
    fx = page.locator('[data-testid="stMetric"]', has_text="FX used").inner_text()
    assert re.search(r"CNY→EUR, rate of \d{1,2} \w{3} 20\d\d", fx)
    rivals = page.eval_on_selector_all("g.ytick text", "els => els.map(e => e.textContent)")
    assert "Tesla Model Y Standard" in rivals
    assert "duty_class=non_cooperating" in page.url
    assert page.blocked_requests == []


def test_tariff_watch_reads_on_a_phone(live_server: str, browser_page: Any) -> None:
    """At 375 px the Tariff-change watch's table fits the screen (it scrolls inside itself, the page does
    not scroll sideways) and its download is reachable."""
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    relief = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "seeds" / "vat_reliefs.csv")
    market = str(relief.loc[relief["status"] == "planned", "market_code"].iloc[0])  # has announced changes
    page.goto(live_server + f"/pricing?market={market}&on=2026-12-07", wait_until="domcontentloaded")
    heading = page.get_by_role("heading", name=re.compile("Tariff-change watch"))
    heading.wait_for(timeout=120_000)
    heading.scroll_into_view_if_needed()
    grid = page.locator(
        "xpath=//h3[contains(., 'Tariff-change watch')]/following::*[@data-testid='stDataFrame'][1]"
    )
    grid.wait_for(timeout=60_000)
    box = grid.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    download = page.locator(
        "xpath=//h3[contains(., 'Tariff-change watch')]/following::*[@data-testid='stDownloadButton'][1]"
    )
    download.scroll_into_view_if_needed()
    assert download.is_visible()
    assert page.blocked_requests == []
