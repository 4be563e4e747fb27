"""Journeys in Chromium (issue #12): from every page to every other page through the sidebar, starting
from a non-default brand, on a desktop (1440 px) and on a phone (375 px, opening the collapsed sidebar
first). Each step checks the page title, the URL and one number on the page. Then back/forward, reload
and a copied URL opened in a fresh browser. One server and one browser for the module; nothing may leave
the machine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from evdash import ui
from tests.conftest import CHROMIUM, require_chromium, start_server, stop_server
from tests.test_navigation import every_move

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = [path for path, _, _ in ui.NAV]
LABEL = {path: label for path, label, _ in ui.NAV}
TITLE = {path: label for path, label, _ in ui.NAV}  # browser tab: "<frame title> · evdash"
URL_PATH = {path: "/" if path == "app.py" else "/" + Path(path).stem for path in PAGES}
BRAND_PAGES = {"app.py", "pages/deliveries.py", "pages/expansion.py"}
NUMBER = re.compile(r"\d")


@pytest.fixture(scope="module")
def server(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(seed_db_path, tmp_path_factory.mktemp("journeys") / "streamlit.log")
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


def new_page(browser: Any, width: int) -> Any:
    """A page that refuses (and records) every request that would leave the machine."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 800})
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
    return page


def wait_for_page(page: Any, target: str, brand_name: str | None) -> None:
    """The target page finished drawing: its browser title, its heading (with the brand where the page
    has one) and no script still running."""
    page.wait_for_function("t => document.title.startsWith(t)", arg=TITLE[target] + " ·", timeout=60_000)
    heading = page.get_by_role("heading", level=1).first
    heading.wait_for(timeout=60_000)
    if brand_name and target in BRAND_PAGES:
        page.get_by_role("heading", level=1, name=re.compile(re.escape(brand_name))).first.wait_for(
            timeout=60_000
        )
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]\')',
        timeout=60_000,
    )


def h1(page: Any) -> str:
    return str(page.get_by_role("heading", level=1).first.inner_text())


# Where each page shows its first number: a KPI, or (pages without KPIs) a paragraph of the main area.
TEXT_NUMBER_PAGES = {"pages/market_mix.py", "pages/data.py"}
# The user's own page (saved views and alerts) shows no figure of the data: its heading proves it drew.
PERSONAL_PAGES = {"pages/saved_views.py"}


def one_number(page: Any, target: str) -> str:
    """The page's first visible KPI value, or on a page without KPIs its first paragraph with a number."""
    if target in TEXT_NUMBER_PAGES:
        shown = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]:visible')
    else:
        shown = page.locator('[data-testid="stMain"] [data-testid="stMetricValue"]:visible')
    first = shown.filter(has_text=NUMBER).first
    first.wait_for(timeout=60_000)
    return str(first.inner_text())


def _sidebar_open(sidebar: Any) -> bool:
    """On a phone the closed sidebar is still in the page, moved off screen to the left."""
    box = sidebar.bounding_box()
    return box is not None and box["x"] >= 0 and box["width"] > 0


def click_sidebar(page: Any, target: str, phone: bool) -> None:
    """Click the sidebar link to `target`; on a phone, first open the collapsed sidebar (as a person
    would) unless it is still open."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    link = sidebar.locator('[data-testid="stPageLink-NavLink"]', has_text=LABEL[target]).first
    if phone and not _sidebar_open(sidebar):
        opener = page.locator('[data-testid="stExpandSidebarButton"]')
        opener.wait_for(timeout=30_000)
        opener.click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().left >= 0",
            timeout=30_000,
        )
    link.wait_for(timeout=30_000)
    link.click()


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


@pytest.mark.parametrize("width", [1440, 375], ids=["desktop", "phone"])
def test_every_sidebar_move_keeps_the_brand(server: str, browser: Any, width: int) -> None:
    phone = width < 500
    page = new_page(browser, width)
    page.goto(server + "/?brand=tesla", wait_until="domcontentloaded")
    wait_for_page(page, "app.py", "Tesla")
    for source, target in every_move(PAGES):
        click_sidebar(page, target, phone)
        wait_for_page(page, target, "Tesla")
        where = f"{source} → {target} at {width}px"
        assert urlparse(page.url).path == URL_PATH[target], where
        assert query(page) == {"brand": ["tesla"]}, f"{where}: {page.url}"
        if target in PERSONAL_PAGES:
            assert h1(page) == LABEL[target], where
        else:
            assert NUMBER.search(one_number(page, target)), where
        if target in BRAND_PAGES:
            assert "BYD" not in h1(page), where
    assert page.outside_requests == []
    page.context.close()


def test_back_forward_reload_and_a_copied_url_keep_the_view(server: str, browser: Any) -> None:
    page = new_page(browser, 1440)
    page.goto(server + "/deliveries?brand=nio&year=2025", wait_until="domcontentloaded")
    wait_for_page(page, "pages/deliveries.py", "NIO")
    delivered = one_number(page, "pages/deliveries.py")
    click_sidebar(page, "pages/expansion.py", phone=False)
    wait_for_page(page, "pages/expansion.py", "NIO")
    page.go_back()
    wait_for_page(page, "pages/deliveries.py", "NIO")
    assert "NIO 2025" in h1(page)
    assert one_number(page, "pages/deliveries.py") == delivered
    page.go_forward()
    wait_for_page(page, "pages/expansion.py", "NIO")
    page.reload(wait_until="domcontentloaded")
    wait_for_page(page, "pages/expansion.py", "NIO")
    copied = page.url
    assert query(page).get("brand") == ["nio"]
    fresh = new_page(browser, 375)
    fresh.goto(copied, wait_until="domcontentloaded")
    wait_for_page(fresh, "pages/expansion.py", "NIO")
    assert fresh.locator("h1").first.inner_text() == h1(page)
    assert page.outside_requests == [] and fresh.outside_requests == []
    fresh.context.close()
    page.context.close()


def test_an_unknown_path_says_so_and_links_to_the_pages(server: str, browser: Any) -> None:
    page = new_page(browser, 375)
    page.goto(server + "/nosuchpage", wait_until="domcontentloaded")
    page.get_by_role("heading", level=1, name="This page does not exist").wait_for(timeout=60_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("nosuchpage").first.wait_for(timeout=30_000)  # the paragraph comes after the heading
    assert "nosuchpage" in main.inner_text()
    for label in LABEL.values():
        main.get_by_role("link", name=re.compile(re.escape(label))).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stMetricValue"]').count() == 0  # not the Overview in disguise
    assert page.outside_requests == []
    page.context.close()


@pytest.mark.parametrize("width", [1440, 375], ids=["desktop", "phone"])
def test_the_data_as_known_on_a_date_travels_with_every_sidebar_move(
    server: str, browser: Any, width: int
) -> None:
    """`?known=2026-12-06` (before the IEA's 2026 edition and KBA's files were kept): the page says which
    day's knowledge it shows, and clicking through the sidebar keeps that date, on a phone too."""
    phone = width < 500
    page = new_page(browser, width)
    page.goto(server + "/expansion?known=2026-12-06", wait_until="domcontentloaded")
    wait_for_page(page, "pages/expansion.py", None)
    notice = page.get_by_text("Data as evdash knew it on 6 Dec 2026")
    notice.first.wait_for(timeout=60_000)
    for target in ("pages/markets.py", "app.py"):
        click_sidebar(page, target, phone=phone)
        wait_for_page(page, target, None)
        assert query(page).get("known") == ["2026-12-06"], (target, page.url)
        page.get_by_text("Data as evdash knew it on 6 Dec 2026").first.wait_for(timeout=60_000)
    assert page.outside_requests == []
    page.context.close()


def test_what_changed_sits_under_the_cards_on_a_phone_and_links_to_its_page(
    server: str, browser: Any
) -> None:
    """375 px: the "What changed since" line comes right after the KPI cards (nothing but their captions
    between, no chart), opens to the items, and an item's link opens its page with the item's market and
    the shared choices (brand, since) kept."""
    page = new_page(browser, 375)
    page.goto(server + "/?brand=xiaomi&since=2026-01-01", wait_until="domcontentloaded")
    wait_for_page(page, "app.py", "Xiaomi")
    main = page.locator('[data-testid="stMain"]')
    block = main.locator('[data-testid="stExpander"]', has_text="What changed since 1 Jan 2026").first
    block.wait_for(timeout=60_000)
    cards = main.locator('[data-testid="stMetric"]')
    last_card = cards.nth(cards.count() - 1).bounding_box()
    top = block.bounding_box()
    chart = main.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for(timeout=60_000)
    assert last_card is not None and top is not None
    assert last_card["y"] + last_card["height"] <= top["y"] < chart.bounding_box()["y"]
    assert top["y"] - (last_card["y"] + last_card["height"]) < 120  # the card's own caption at most
    assert top["x"] >= 0 and top["x"] + top["width"] <= 375  # within the phone's width
    block.locator("summary").click()
    link = block.locator('[data-testid="stPageLink-NavLink"]', has_text="Open Pricing").first
    link.wait_for(timeout=30_000)
    link.click()
    wait_for_page(page, "pages/pricing.py", None)
    params = query(page)
    assert params.get("brand") == ["xiaomi"] and params.get("since") == ["2026-01-01"], page.url
    assert params.get("market") and params.get("on"), page.url
    assert page.outside_requests == []
    page.context.close()
