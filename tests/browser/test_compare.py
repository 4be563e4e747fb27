"""The Compare page in Chromium: one compare link gives the same CSV bytes on two servers, each with its
own build of the same data (issue 22: "compare permalink identical on two servers"); on a 375 px phone the
two scenarios stack instead of squeezing side by side."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from evdash import compare
from tests.conftest import (
    REAL_SEEDS,
    _build,
    chromium,
    new_local_page,
    require_chromium,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LINK = "/compare?a_market=FRA&b_brand=byd&b_freight_pct=10&b_preset=low_tariff"


def compare_csv(page: Any, url: str) -> bytes:
    page.goto(url + LINK, wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Download CSV")
    button.wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_the_same_compare_link_gives_the_same_bytes_on_two_servers(
    seed_db_path: Path, tmp_path: Path
) -> None:
    require_chromium()
    other_db = _build(REAL_SEEDS, tmp_path / "other")  # the second server's own build of the same data
    servers = [
        start_server(seed_db_path, tmp_path / "one.log"),
        start_server(other_db, tmp_path / "two.log"),
    ]
    try:
        with chromium() as browser:
            files = []
            for _, url in servers:
                page = new_local_page(browser)
                files.append(compare_csv(page, url))
                assert page.blocked_requests == []
                page.context.close()
    finally:
        for proc, _ in servers:
            stop_server(proc)
    first, second = files
    assert first == second
    rows = list(csv.DictReader(io.StringIO(first.decode("utf-8-sig"))))
    assert list(rows[0]) == compare.COLUMNS
    sections = {r["section"] for r in rows}
    assert sections == {compare.SECTION_PRICE, compare.SECTION_RANK, compare.SECTION_ATTAINMENT}
    freight = next(r for r in rows if r["item"].startswith("Freight"))
    ex_factory = next(r for r in rows if r["item"].startswith("Ex-factory"))
    assert float(freight["b"]) == pytest.approx(float(ex_factory["b"]) * 0.10)
    assert float(freight["difference"]) == pytest.approx(float(freight["b"]) - float(freight["a"]))


def test_on_a_phone_the_two_scenarios_stack(live_server: str) -> None:
    require_chromium()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 375, "height": 800})
        page = context.new_page()
        try:
            page.goto(live_server + LINK, wait_until="domcontentloaded")
            page.get_by_role("button", name="Download CSV").wait_for(timeout=120_000)
            expander = page.locator('[data-testid="stExpander"]')
            a = expander.filter(has_text="Scenario A: choices").bounding_box()
            b = expander.filter(has_text="Scenario B: choices").bounding_box()
            assert a is not None and b is not None
            assert b["y"] > a["y"] + a["height"], "B stacks under A"
            assert a["width"] > 250 and b["width"] > 250, "each scenario takes the phone's width"
            cards = page.locator('[data-testid="stMetric"]')
            boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
            assert len(boxes) == 3 and all(box is not None and box["width"] > 250 for box in boxes)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"the page scrolls sideways on a phone ({width} px)"
        finally:
            context.close()
