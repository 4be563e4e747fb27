"""Real Chromium: upload a broken file and see every problem; upload a good one, confirm, and see the new
figure on the deliveries page of the same running server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evdash import build
from tests.conftest import start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"


@pytest.fixture
def import_server(tmp_path: Path) -> Iterator[str]:
    """A server on a private real-seed database: this test's import must not leak into other tests."""
    link = tmp_path / "db" / "evdash.duckdb"
    build.build(db=link)
    proc, url = start_server(link, tmp_path / "streamlit.log")
    yield url
    stop_server(proc)


def upload(page: Any, name: str, content: str) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}]
    )
    page.get_by_text(f"What is in {name}?").wait_for(timeout=30_000)
    page.get_by_role("button", name="Check files").click()


def test_upload_errors_then_good_file_then_deliveries_page(import_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(import_server + "/data", wait_until="domcontentloaded")
    page.get_by_text("Data: add, correct and check figures").wait_for(timeout=60_000)

    broken = f"{HEADER}\nxiaomi,,CHX,2030-01,12.5,reported,ftp://x.example,2030-02-01\n"
    upload(page, "deliveries_broken.csv", broken)
    page.get_by_text("Rejected - nothing was changed").wait_for(timeout=90_000)
    problems = page.locator('[data-testid="stCode"]').first
    problems.wait_for(timeout=30_000)
    text = problems.inner_text()
    for place in ("line 2, column 'units'", "line 2, column 'market'", "line 2, column 'source_url'"):
        assert f"deliveries_broken.csv, {place}" in text
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "3 problems" in body

    page.goto(import_server + "/data", wait_until="domcontentloaded")  # a fresh upload
    page.get_by_text("Data: add, correct and check figures").wait_for(timeout=60_000)
    good = f"{HEADER}\nxiaomi,,CHN,2030-01,12345,reported,https://ir.mi.com/2030-01,2030-02-01\n"
    upload(page, "deliveries_2030-01.csv", good)
    apply = page.get_by_role("button", name="Apply import (1 new or changed rows)")
    apply.wait_for(timeout=90_000)
    assert "1 new" in page.locator('[data-testid="stMain"]').inner_text()
    apply.click()
    page.get_by_text("Imported as batch #1").wait_for(timeout=120_000)

    page.goto(import_server + "/deliveries?brand=xiaomi&year=2030", wait_until="domcontentloaded")
    delivered = page.locator('[data-testid="stMetric"]', has_text="Delivered 2030")
    delivered.wait_for(timeout=60_000)
    assert "12,345" in delivered.inner_text()
    assert page.blocked_requests == []
