"""Real nginx (Debian's package) in front of two Streamlit processes on 127.0.0.1, configured from
deploy/nginx-evdash.conf via deploy/cluster.py: pages and a CSV download go through the proxy, and
when the process serving a visitor is killed, a new visitor is served by the other one."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO, _free_port, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _load_cluster() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evdash_deploy_cluster", REPO / "deploy" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cluster = _load_cluster()


@dataclass
class Cluster:
    url: str
    backends: dict[str, subprocess.Popen[bytes]]  # "127.0.0.1:PORT" → process
    access_log: Path

    def upstreams(self, pattern: str) -> list[str]:
        """Upstream addresses nginx used for requests whose line matches `pattern`, in order."""
        found = []
        for line in self.access_log.read_text().splitlines():
            if re.search(pattern, line):
                match = re.search(r"upstream=(.+?) rt=", line)  # "A, B" when nginx retried
                if match:
                    found.append(match.group(1).split(",")[-1].strip())
        return found


@pytest.fixture
def nginx_cluster(seed_db_path: Path, tmp_path: Path) -> Iterator[Cluster]:
    if cluster.nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("this test needs nginx (apt-get install nginx); .ci/run installs it")
        pytest.skip("nginx not installed: apt-get install -y nginx")
    procs: list[subprocess.Popen[bytes]] = []
    backends: dict[str, subprocess.Popen[bytes]] = {}
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for i in range(2):
            proc, url = start_server(
                seed_db_path, tmp_path / f"streamlit-{i}.log", ("--server.fileWatcherType", "none")
            )
            procs.append(proc)
            backends[url.removeprefix("http://")] = proc
        prefix = tmp_path / "nginx"
        port = _free_port()
        conf = cluster.write_config(prefix, list(backends), port)
        text = conf.read_text()
        assert "ip_hash;" in text and "proxy_set_header Upgrade $http_upgrade;" in text
        nginx = cluster.start_nginx(conf, prefix)
        url = f"http://127.0.0.1:{port}"
        cluster.wait_healthy(url, nginx)
        yield Cluster(url, backends, prefix / "access.log")
    finally:
        if nginx is not None:
            cluster.stop(nginx)
        for proc in procs:
            stop_server(proc)


def _download_csv(page: Any) -> tuple[str, str]:
    page.wait_for_selector("g.barlayer path", timeout=60_000)
    button = page.get_by_role("button", name="Download CSV")
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        button.click()
    download = info.value
    return download.url, Path(download.path()).read_text(encoding="utf-8-sig")  # the CSV has a BOM for Excel


def test_two_processes_behind_nginx_serve_and_survive_a_kill(
    nginx_cluster: Cluster, browser_page: Any
) -> None:
    c = nginx_cluster
    with urllib.request.urlopen(c.url + "/_stcore/health", timeout=10) as resp:
        assert resp.read() == b"ok"
    # Streamlit's JavaScript goes out compressed through nginx (it is served uncompressed by Streamlit).
    with urllib.request.urlopen(c.url + "/", timeout=10) as resp:
        html = resp.read().decode()
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html)
    assert script, html[:500]
    request = urllib.request.Request(f"{c.url}/{script.group(1)}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.headers.get("Content-Encoding") == "gzip"
        compressed = len(resp.read())
    address = next(iter(c.backends))
    with urllib.request.urlopen(f"http://{address}/{script.group(1)}", timeout=10) as resp:
        assert compressed < len(resp.read()) / 2
    # Both processes serve the same data version (read-only on the same database).
    for address in c.backends:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=10) as resp:
            assert resp.status == 200

    page = browser_page
    page.goto(c.url + "/", wait_until="domcontentloaded")
    media_url, csv_text = _download_csv(page)
    assert media_url.startswith(c.url + "/media/")
    assert csv_text.splitlines()[0].startswith("year,scope,delivered_units")
    assert "136854" in csv_text
    version_text = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Data as of" in version_text
    assert page.blocked_requests == []

    # Sticky: the page and its download went to the same process. (nginx logs the websocket
    # request only when it closes, so the page's own requests stand in for it.)
    pages = c.upstreams(r'"GET / HTTP')
    media = c.upstreams(r"GET /media/")
    assert pages and media and media[-1] == pages[-1]
    served = pages[-1]
    survivor = next(a for a in c.backends if a != served)

    c.backends[served].kill()
    c.backends[served].wait(timeout=10)

    # A new visitor (fresh browser context) is served by the surviving process, download included.
    context = page.context.browser.new_context(accept_downloads=True)
    try:
        fresh = context.new_page()
        fresh.goto(c.url + "/", wait_until="domcontentloaded")
        media_url2, csv_text2 = _download_csv(fresh)
        assert csv_text2 == csv_text  # same data from the other process
        assert (
            fresh.locator('[data-testid="stSidebar"]').inner_text().split("version")[-1]
            == (version_text.split("version")[-1])
        )
        fresh.goto(c.url + "/sources", wait_until="domcontentloaded")
        fresh.get_by_role("heading", name="Where the numbers come from").wait_for(timeout=60_000)
    finally:
        context.close()
    assert c.upstreams(r"GET /media/")[-1] == survivor
    assert c.upstreams(r'"GET / HTTP')[-1] == survivor
    # The killed process's websocket is logged now that it closed: it had been on `served`.
    assert served in c.upstreams(r"GET /_stcore/stream")
    assert media_url2 != media_url or survivor != served


def test_anonymous_visitor_gets_sign_in_only_and_no_media(
    seed_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser_page: Any
) -> None:
    """Auth on (EVDASH_AUTH=on, as with an [auth] secrets section): a visitor who has not signed in
    sees the sign-in screen on every page URL, and no data reaches the browser, not even as a
    download file. A media URL asked for directly answers 404."""
    roles = tmp_path / "roles.toml"
    roles.write_text('[domains]\n"example.com" = "viewer"\n')
    monkeypatch.setenv("EVDASH_AUTH", "on")
    monkeypatch.setenv("EVDASH_ROLES", str(roles))
    proc, url = start_server(seed_db_path, tmp_path / "streamlit-auth.log")
    try:
        page = browser_page
        media: list[str] = []
        page.on("request", lambda r: media.append(r.url) if r.url.startswith(url + "/media/") else None)
        for path in ("/", "/deliveries", "/sources?reliability=primary"):
            page.goto(url + path, wait_until="domcontentloaded")
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            body = page.locator("body").inner_text()
            assert "Data as of" not in body and "136,854" not in body
            assert page.locator('[data-testid="stDownloadButton"]').count() == 0
            assert page.locator(".js-plotly-plot").count() == 0
            assert page.locator('[data-testid="stSidebarNav"], [data-testid="stPageLink"]').count() == 0
        # Only the favicon comes from /media; no CSV/ZIP was ever registered for this session.
        assert all(u.split("?")[0].endswith(".png") for u in media), media
        for guess in ("/media/0123456789abcdef0123456789abcdef.csv", "/media/overview.csv"):
            try:
                with urllib.request.urlopen(url + guess, timeout=10) as resp:
                    status = resp.status
            except urllib.error.HTTPError as err:
                status = err.code
            assert status == 404
    finally:
        stop_server(proc)
