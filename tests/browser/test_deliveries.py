"""Real Chromium against a freshly started server: /deliveries deep link, KPIs, CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_deliveries_xiaomi_2024_kpis_and_csv(live_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(live_server + "/deliveries?brand=xiaomi&year=2024&window=3", wait_until="domcontentloaded")
    page.wait_for_selector("g.barlayer path", timeout=60_000)
    page.wait_for_selector(".scatterlayer path.js-line", timeout=30_000)
    delivered = page.locator('[data-testid="stMetric"]', has_text="Delivered 2024")
    delivered.wait_for(timeout=30_000)
    assert "136,854" in delivered.inner_text() and "105.3%" in delivered.inner_text()
    target = page.locator('[data-testid="stMetric"]', has_text="revision 4 of 4")
    assert "Current target" in target.inner_text() and "130,000" in target.inner_text()
    assert "year=2024" in page.url

    # The first CSV button belongs to the cumulative chart: its rows are what the chart drew.
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download CSV").first.click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # spreadsheet-friendly: BOM, CRLF
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    targets = [r for r in rows if r["series"] == "target"]
    assert [float(r["units"]) for r in targets] == [76000, 100000, 120000, 130000, 130000]
    assert [r["date"] for r in targets[:4]] == ["2024-03-28", "2024-04-23", "2024-05-23", "2024-11-18"]
    # The delivered line is the year so far by the one rule at each month end it reaches: the reported
    # quarters replace their months, "over N" months make a point a floor, the annual total ends the year.
    delivered_rows = [r for r in rows if r["series"] == "delivered"]
    lower = [r["label"] for r in delivered_rows if r["confidence"] == "lower_bound"]
    assert lower == ["to 31 Jul 2024: Q2 + Jul", "to 31 Aug 2024: Q2 + Jul + Aug"]
    year_total = next(r for r in rows if r["series"] == "reported_total" and r["date"] == "2024-12-31")
    assert float(year_total["units"]) == 136854
    # The line ends on the figure the KPI shows (one figure everywhere).
    assert (delivered_rows[-1]["date"], float(delivered_rows[-1]["units"])) == ("2024-12-31", 136854)
    assert page.blocked_requests == []
