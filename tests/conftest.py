"""Shared fixtures: databases built from the tiny fixture seeds and from the real seeds, Streamlit
cache isolation, and a live Streamlit server for browser tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from evdash import build, db, serving

REPO = Path(__file__).resolve().parent.parent
# Every page run in the suite (in-process and in browser-test servers) checks that no frame handed out
# by ui.query/ui.computed is modified in place and then keyed by its lineage (evdash/ui.py).
os.environ["EVDASH_CHECK_LINEAGE"] = "1"
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
REAL_SEEDS = REPO / "data" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")


def _build(seeds: Path, folder: Path) -> Path:
    link = folder / "evdash.duckdb"
    build.build(seeds=seeds, db=link)
    return link


@pytest.fixture(scope="session")
def fixture_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(FIXTURE_SEEDS, tmp_path_factory.mktemp("fixture_db"))


@pytest.fixture(scope="session")
def seed_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(REAL_SEEDS, tmp_path_factory.mktemp("seed_db"))


@pytest.fixture
def fixture_con(fixture_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = db.connect_readonly(fixture_db_path)
    yield con
    con.close()


@pytest.fixture
def seed_con(seed_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = db.connect_readonly(seed_db_path)
    yield con
    con.close()


@pytest.fixture
def app_env(seed_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at the real-seed database and start with empty Streamlit caches."""
    import streamlit as st

    monkeypatch.setenv("EVDASH_DB", str(seed_db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield seed_db_path
    st.cache_data.clear()
    st.cache_resource.clear()


_MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]<>#|~:$@!.])")


def shown(body: str) -> str:
    """What a reader sees of a Markdown body the ui text helpers wrote: their backslash escapes removed
    (AppTest hands tests the Markdown source, e.g. `exec\\@example.com` for exec@example.com)."""
    return _MD_ESCAPED.sub(r"\1", body)


_free_port = serving.free_port


def start_server(
    db_link: Path,
    log: Path,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    script: Path = REPO / "app.py",
) -> tuple[subprocess.Popen[bytes], str]:
    """`streamlit run app.py` (or `script`, e.g. asgi.py) on a free port, reading `db_link`, with `env`
    added to this environment."""
    port = _free_port()
    env = {**os.environ, **(env or {}), "EVDASH_DB": str(db_link)}
    cmd = serving.streamlit_command(script, port, *extra_args)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        serving.wait_healthy(url, proc)
    except (RuntimeError, TimeoutError) as exc:
        proc.kill()
        raise RuntimeError(f"streamlit did not become healthy ({exc}): {log.read_text()[-2000:]}") from exc
    return proc, url


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def live_server(seed_db_path: Path, tmp_path: Path) -> Iterator[str]:
    """A freshly started Streamlit server (no session has opened `/` yet)."""
    proc, url = start_server(seed_db_path, tmp_path / "streamlit.log")
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[serving.Postgres]:
    """A real PostgreSQL 15 (Debian's package) on loopback in a temp folder, once per test process.
    Tests that stop it (an outage) start it again before they end."""
    if not serving.Postgres.available():
        if os.environ.get("CI"):
            pytest.fail("this test needs PostgreSQL 15 (apt-get install postgresql); .ci/run installs it")
        pytest.skip("PostgreSQL 15 not installed: apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="evdash-pg-"))  # not under pytest's root-only temp folder
    pg = serving.Postgres(folder).init()
    yield pg
    if pg.running():
        pg.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def journal_dsn(postgres_server: serving.Postgres) -> str:
    """A fresh, empty database for one test's shared journal."""
    if not postgres_server.running():
        postgres_server.start()
    return postgres_server.create_database(f"journal_{uuid.uuid4().hex[:12]}")


def require_chromium() -> None:
    if CHROMIUM.exists() and shutil.which(str(CHROMIUM)):
        return
    if os.environ.get("CI"):
        pytest.fail("browser tests need /usr/bin/chromium (apt-get install chromium); .ci/run installs it")
    pytest.skip("browser tests need /usr/bin/chromium: apt-get install -y chromium")


def new_local_page(browser: Any) -> Any:
    """A page in a fresh context of `browser` (a Playwright Browser) that refuses every non-local
    request; `page.blocked_requests` lists the refused URLs. Close it with `page.context.close()`."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    blocked: list[str] = []

    def guard(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.blocked_requests = blocked
    return page


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (a Browser), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    """A Playwright page in Debian's Chromium that refuses every non-local request."""
    with chromium() as browser:
        page = new_local_page(browser)
        yield page
        page.context.close()


def plotly_values(value: object) -> list[object]:
    """Decode a Plotly JSON array: a plain list, or Plotly's typed-array form {'dtype', 'bdata'}."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return list(array.tolist())
    return list(value) if isinstance(value, list | tuple) else [value]
