"""Shared fixtures: databases built from the tiny fixture seeds and from the real seeds, the one seed
mutation helper (`mutated_seeds`), the one in-process page runner (`run_page`, with `fixture_app` /
`app_env` pointing the app at the fixture or the real-seed database), Streamlit cache isolation, and a
live Streamlit server for browser tests."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from evdash import build, config, db, notes, serving, text
from evdash.csvread import NAME_COLUMNS

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

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


def mutated_seeds(
    folder: Path,
    drop: Mapping[str, Sequence[str]] | None = None,
    replace: Mapping[str, tuple[str, str]] | None = None,
    append: Mapping[str, Sequence[str]] | None = None,
    base: Path = FIXTURE_SEEDS,
) -> Path:
    """A copy of the `base` seeds in `folder/seeds`, changed per file: lines containing any of `drop[f]`
    removed, the first `replace[f][0]` replaced by `replace[f][1]` (it must occur), `append[f]` rows added."""
    seeds = folder / "seeds"
    shutil.copytree(base, seeds)
    for name, needles in (drop or {}).items():
        path = seeds / name
        kept = [line for line in path.read_text().splitlines() if not any(n in line for n in needles)]
        path.write_text("\n".join(kept) + "\n")
    for name, (old, new) in (replace or {}).items():
        path = seeds / name
        text = path.read_text()
        assert old in text, f"{name} has no {old!r} to replace"
        path.write_text(text.replace(old, new, 1))
    for name, rows in (append or {}).items():
        path = seeds / name
        path.write_text(path.read_text().rstrip("\n") + "\n" + "".join(f"{r}\n" for r in rows))
    return seeds


def build_mutated(folder: Path, **changes: object) -> Path:
    """Build a database from `mutated_seeds(folder, **changes)`; returns its link."""
    seeds = mutated_seeds(folder, **changes)  # type: ignore[arg-type]
    return _build(seeds, folder)


def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(seed_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at the real-seed database and start with empty Streamlit caches (the few headline
    page tests; every other page test runs on `fixture_app`)."""
    monkeypatch.setenv("EVDASH_DB", str(seed_db_path))
    _fresh_caches()
    yield seed_db_path
    _fresh_caches()


@pytest.fixture
def fixture_app(fixture_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at the hand-checked fixture database and start with empty Streamlit caches."""
    monkeypatch.setenv("EVDASH_DB", str(fixture_db_path))
    _fresh_caches()
    yield fixture_db_path
    _fresh_caches()


def open_page(
    script: str,
    params: Mapping[str, str | list[str]] | None = None,
    *,
    timeout: float = 60,
    user: Mapping[str, object] | None = None,
    run: bool = True,
) -> AppTest:
    """Open a page the way the server does: app.py is the entrypoint and other pages are switched to
    (their sidebar links resolve only relative to the entrypoint — what a visitor typing the page's URL
    gets), as `user` (AppTest.user) if given, with URL query parameters set before the first run; run it
    unless `run` is false (the caller changes something first)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    if user is not None:
        at.user = dict(user)
    if script != "app.py":
        at.switch_page(script)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run() if run else at


def run_page(script: str, **params: str | list[str]) -> AppTest:
    """`open_page` with the URL query parameters as keywords: `run_page("pages/deliveries.py", brand="acme")`."""
    return open_page(script, params)


_MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]<>#|~:$@!.&+)-])")


def shown(body: str) -> str:
    """What a reader sees of a Markdown body the ui text helpers wrote: their backslash escapes removed
    (AppTest hands tests the Markdown source, e.g. `exec\\@example.com` for exec@example.com)."""
    return _MD_ESCAPED.sub(r"\1", body).replace("\u2060", "")  # and the word joiners that stop autolinks


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


# --- Hostile text (tests/test_text_is_text.py, tests/browser/test_hostile_text.py) -------------------------

EVIL = "evil.example"
# The pieces an attacker would use: Markdown links and images, autolinks, raw HTML, Plotly's
# pseudo-HTML, Streamlit directives and icons, maths, emphasis, tables, headings, line breaks.
FRAGMENTS = [
    f"[Sign in again](https://{EVIL}/login)",
    f"![x](https://{EVIL}/p.png)",
    f"<https://{EVIL}/a>",
    f"https://{EVIL}/bare",
    f"www.{EVIL}",
    f"user@{EVIL}",
    f"mailto:x@{EVIL}",
    f'<img src="https://{EVIL}/i.png">',
    f'<a href="https://{EVIL}/h">h</a>',
    '<span style="color:red">s</span>',
    "<b>bold</b>",
    ":red[alarm]",
    ":material/warning:",
    ":smile:",
    "$x^2$",
    "**strong** _em_ ~~gone~~",
    "`code`",
    "| a | b |",
    "# heading",
    "\n- item\n> quote\n",
    "&lt;a&gt;",
    "\\",
]
HOSTILE = " ".join(FRAGMENTS)

HOSTILE_COLUMNS = {
    "brands.csv": ["name"],
    "models.csv": ["name", "note"],
    "variants.csv": ["name"],
    "sources.csv": ["publisher", "note"],
    "expansion_status.csv": ["statement", "planned_entry"],
    "events.csv": ["title"],
    "market_groups.csv": ["name"],
    "tariffs.csv": ["measure", "note"],
    "deliveries_monthly.csv": ["note"],
}


def hostile_name(original: str) -> str:
    """`original` with as many hostile fragments appended as a name may hold: a name is one line (no CR/LF)
    of at most EVDASH_IMPORT_MAX_NAME characters, and the build refuses any other, so the fragments that fit
    are appended in FRAGMENTS' order (the Markdown link first)."""
    name = original
    for fragment in (f for f in FRAGMENTS if "\n" not in f):
        if len(f"{name} {fragment}") <= config.import_max_name():
            name = f"{name} {fragment}"
    return name


@pytest.fixture(scope="session")
def hostile_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seeds with every name, note and statement carrying the hostile string (names stay
    unique: the hostile text is appended)."""
    folder = tmp_path_factory.mktemp("hostile")
    seeds = folder / "seeds"
    shutil.copytree(REAL_SEEDS, seeds)
    for file_name, columns in HOSTILE_COLUMNS.items():
        path = seeds / file_name
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0])
        for row in rows:
            for column in columns:
                original = row[column] or ""
                row[column] = (
                    hostile_name(original) if column in NAME_COLUMNS else f"{original} {HOSTILE}"
                ).strip()
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
    link = folder / "db" / "evdash.duckdb"
    build.build(seeds=seeds, db=link)
    # An analyst note carrying it (one line: a note refuses line breaks), on every chart of Xiaomi's
    # years and on Germany from a date (evdash.notes: drawn on Germany's charts on the Expansion page), so
    # the Sources page's list and the charts show it as text.
    note = text.one_line(HOSTILE)
    for attached in (
        notes.Note(
            "period", note, link=f"https://{EVIL}/n", period_from="2020-01-01", period_to="2030-12-31"
        ),
        notes.Note("market", note, market="DEU", period_from="2024-06-01"),
    ):
        notes.add(attached, user="ana@example.com", role="analyst", db=link, seeds=seeds)
    return link
