"""Two app servers on one shared import journal (a real PostgreSQL 15), each with its own local folder
and database, behind real nginx, driven in Chromium: an import through server A's Data page is served
by server B within seconds (same version id); with PostgreSQL stopped both servers keep serving with
"Data updates paused since …" and the Data page refuses the import with a clear message; with it back,
the next import goes through and reaches the other server. (Concurrent imports, PostgreSQL stopped
inside the commit, and roll-forward after a kill: tests/test_journal_postgres.py, same journal code.)

Services are started once for the module; the tests run in order and build on each other."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from evdash import build, serving
from tests.browser.test_nginx import cluster
from tests.conftest import chromium, new_local_page, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"


@dataclass
class Site:
    a: str  # server A's own URL
    b: str  # server B's own URL
    proxy: str  # nginx in front of both
    pg: serving.Postgres
    browser: Any


@pytest.fixture(scope="module")
def site(
    postgres_server: serving.Postgres,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> Iterator[Site]:
    if cluster.nginx_binary() is None:
        pytest.skip("nginx not installed: apt-get install -y nginx")
    if not postgres_server.running():
        postgres_server.start()
    dsn = postgres_server.create_database("journal_browser")
    folder = tmp_path_factory.mktemp("shared_journal")
    env = {"EVDASH_JOURNAL": dsn, "EVDASH_JOURNAL_POLL_SECONDS": "1"}
    monkeypatch_module.setenv("EVDASH_JOURNAL", dsn)
    procs: list[subprocess.Popen[bytes]] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        urls = []
        for name in ("a", "b"):
            link = folder / name / "evdash.duckdb"
            build.build(db=link)
            proc, url = start_server(
                link, folder / f"streamlit-{name}.log", ("--server.fileWatcherType", "none"), env
            )
            procs.append(proc)
            urls.append(url)
        port = serving.free_port()
        conf = cluster.write_config(folder / "nginx", [u.removeprefix("http://") for u in urls], port)
        nginx = cluster.start_nginx(conf, folder / "nginx")
        proxy = f"http://127.0.0.1:{port}"
        cluster.wait_healthy(proxy, nginx)
        with chromium() as browser:
            yield Site(urls[0], urls[1], proxy, postgres_server, browser)
    finally:
        if nginx is not None:
            cluster.stop(nginx)
        for proc in procs:
            stop_server(proc)
        if not postgres_server.running():
            postgres_server.start()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def page_a(site: Site) -> Iterator[Any]:
    page = new_local_page(site.browser)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def page_b(site: Site) -> Iterator[Any]:
    page = new_local_page(site.browser)
    yield page
    page.context.close()


def served_version(page: Any, url: str) -> str:
    page.goto(url, wait_until="domcontentloaded")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Data as of").wait_for(timeout=60_000)
    match = re.search(r"version\s+(\w+)", sidebar.inner_text())
    assert match, sidebar.inner_text()
    return match.group(1)


def reload_until(page: Any, url: str, check: Any, what: str, seconds: float = 30) -> None:
    """Reload `url` until `check(page)` holds (a user pressing F5 every half second)."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url, wait_until="domcontentloaded")
        page.locator('[data-testid="stSidebar"]').get_by_text("Data as of").wait_for(timeout=60_000)
        if check(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {seconds:.0f} s")
        time.sleep(0.5)


def upload(page: Any, url: str, name: str, content: str) -> None:
    page.goto(url + "/data", wait_until="domcontentloaded")
    page.get_by_text("Data: add, correct and check figures").wait_for(timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}]
    )
    page.get_by_text(f"What is in {name}?").wait_for(timeout=30_000)
    page.get_by_role("button", name="Check files").click()


def import_through(page: Any, url: str, name: str, content: str) -> str:
    """Upload, check and apply on the Data page; returns the version the page says is now served."""
    upload(page, url, name, content)
    apply = page.get_by_role("button", name=re.compile(r"Apply import \(1 new or changed rows\)"))
    apply.wait_for(timeout=90_000)
    apply.click()
    done = page.get_by_text(re.compile(r"Imported as batch #\d+"))
    done.wait_for(timeout=120_000)
    match = re.search(r"data version (\w+)", done.inner_text())
    assert match, done.inner_text()
    return match.group(1)


def paused(page: Any) -> bool:
    return bool(page.get_by_text("Data updates paused since").count() > 0)


ROW_1 = "xiaomi,,CHN,2031-01,4321,reported,https://ir.mi.com/2031-01,2031-02-01"
ROW_2 = "xiaomi,,CHN,2031-02,5432,reported,https://ir.mi.com/2031-02,2031-03-01"


def test_an_import_on_server_a_is_served_by_server_b(site: Site, page_a: Any, page_b: Any) -> None:
    before = served_version(page_b, site.b)
    assert served_version(page_a, site.a) == before
    version = import_through(page_a, site.a, "deliveries_2031-01.csv", f"{HEADER}\n{ROW_1}\n")
    assert version != before
    reload_until(
        page_b, site.b, lambda p: served_version(p, site.b) == version, "server B serving the import"
    )
    # B serves it as data, not only as a version id.
    page_b.goto(site.b + "/deliveries?brand=xiaomi&year=2031", wait_until="domcontentloaded")
    delivered = page_b.locator('[data-testid="stMetric"]', has_text="Delivered 2031")
    delivered.wait_for(timeout=60_000)
    assert "4,321" in delivered.inner_text()
    assert served_version(page_b, site.proxy) == version  # and so does whichever nginx picks
    assert page_a.blocked_requests == [] and page_b.blocked_requests == []


def test_postgres_stopped_both_servers_serve_with_the_notice_and_imports_are_refused(
    site: Site, page_a: Any, page_b: Any
) -> None:
    served = served_version(page_a, site.a)
    site.pg.stop("fast")
    try:
        for page, url in ((page_a, site.a), (page_b, site.b)):
            reload_until(page, url, paused, "the 'data updates paused' notice")
            assert served_version(page, url) == served  # still serving the last version
            page.get_by_text("Data updates paused since").wait_for(timeout=30_000)
            page.locator("g.barlayer path, .scatterlayer path.js-line").first.wait_for(timeout=60_000)
        upload(page_a, site.a, "deliveries_2031-02.csv", f"{HEADER}\n{ROW_2}\n")
        refusal = page_a.get_by_text("Rejected - nothing was changed")
        refusal.wait_for(timeout=60_000)
        message = page_a.locator('[data-testid="stCode"]').first.inner_text()
        assert "shared import journal" in message and "cannot be reached" in message
        assert page_a.get_by_role("button", name=re.compile("Apply import")).count() == 0
    finally:
        site.pg.start()
    for page, url in ((page_a, site.a), (page_b, site.b)):
        reload_until(page, url, lambda p: not paused(p), "the notice to go")
    version = import_through(page_a, site.a, "deliveries_2031-02.csv", f"{HEADER}\n{ROW_2}\n")
    reload_until(page_b, site.b, lambda p: served_version(p, site.b) == version, "server B serving batch 2")
