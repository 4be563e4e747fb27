"""Sign-in end to end in Chromium, against a real OpenID Connect provider (oidc-provider-mock, two
instances: ordinary one-hour tokens and 20-second tokens), two app servers (`streamlit run asgi.py`,
the same cookie_secret, one shared journal on a real PostgreSQL) behind real nginx:

- an anonymous visitor gets only the sign-in screen on every URL, and no download;
- signing in from a deep link returns to that page; a viewer sees the pages but not Data, and is
  refused Data by URL; a user without a role sees "no access"; an analyst's import is recorded under
  their e-mail;
- download URLs (/media/…) are refused without a valid session, through nginx;
- sign-out revokes the session: a copy of the cookie taken before is refused afterwards by both
  servers, page and download;
- an expired ID token ends the session;
- with the server that holds the session killed, the user is still signed in on the other one.

Services are started once for the module; the tests run in order."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from evdash import build, serving
from tests.browser.test_nginx import cluster
from tests.browser.test_shared_journal import import_through
from tests.conftest import REPO, chromium, new_local_page, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"
# The address shows as text: evdash.text.md puts an invisible word joiner after '@' so Streamlit's Markdown
# does not turn it into a mailto link.
SIGNED_IN_EXEC = re.compile("Signed in as exec@\u2060?example\\.com · viewer")
ROLES = '[users]\n"ana@example.com" = "analyst"\n\n[domains]\n"example.com" = "viewer"\n'
SHORT_TOKEN_S = 20


@dataclass
class Site:
    proxy: str  # nginx: the address users (and the provider's redirect_uri) use
    backends: dict[str, subprocess.Popen[bytes]]  # "127.0.0.1:PORT" -> server process
    access_log: Path
    dsn: str
    browser: Any

    def upstream_of_last(self, pattern: str) -> str:
        lines = [ln for ln in self.access_log.read_text().splitlines() if re.search(pattern, ln)]
        match = re.search(r"upstream=(.+?) rt=", lines[-1])
        assert match, lines[-1]
        return match.group(1).split(",")[-1].strip()


@pytest.fixture(scope="module")
def site(postgres_server: serving.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from oidc_provider_mock import run_server_in_thread

    if cluster.nginx_binary() is None:
        pytest.skip("nginx not installed: apt-get install -y nginx")
    if not postgres_server.running():
        postgres_server.start()
    dsn = postgres_server.create_database("journal_sign_in")
    folder = tmp_path_factory.mktemp("sign_in")
    # The proxy's port is in the sign-in redirect, so it is chosen before the servers start; it is held
    # (listening) until nginx takes it, or a server, the OIDC mock or another worker could bind it first
    # (CI on 7491228: nginx "bind() to 127.0.0.1:42137 failed (98: Address already in use)").
    reserved = socket.socket()
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserved.bind(("127.0.0.1", 0))
    reserved.listen(1)
    port = int(reserved.getsockname()[1])
    proxy = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        stack.callback(reserved.close)
        normal = stack.enter_context(run_server_in_thread())
        short = stack.enter_context(
            run_server_in_thread(access_token_max_age=dt.timedelta(seconds=SHORT_TOKEN_S))
        )
        providers = "".join(
            f'[auth.{name}]\nclient_id = "evdash"\nclient_secret = "not-so-secret"\n'
            f'server_metadata_url = "http://localhost:{server.server_port}/.well-known/openid-configuration"\n'
            for name, server in (("mock", normal), ("short", short))
        )
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            f'[auth]\nredirect_uri = "{proxy}/oauth2callback"\ncookie_secret = "{secrets.token_hex(32)}"\n{providers}'
        )
        roles = folder / "roles.toml"
        roles.write_text(ROLES)
        env = {
            "EVDASH_JOURNAL": dsn,
            "EVDASH_ROLES": str(roles),
            "AUTHLIB_INSECURE_TRANSPORT": "1",  # the test provider speaks plain http on loopback
        }
        backends: dict[str, subprocess.Popen[bytes]] = {}
        for name in ("a", "b"):
            link = folder / name / "evdash.duckdb"
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("EVDASH_JOURNAL", dsn)
                build.build(db=link)
            proc, url = start_server(
                link,
                folder / f"streamlit-{name}.log",
                ("--server.fileWatcherType", "none", "--secrets.files", str(secrets_file)),
                env,
                script=REPO / "asgi.py",
            )
            stack.callback(stop_server, proc)
            backends[url.removeprefix("http://")] = proc
        conf = cluster.write_config(folder / "nginx", list(backends), port)
        reserved.close()  # nginx binds it next
        nginx = cluster.start_nginx(conf, folder / "nginx")
        stack.callback(cluster.stop, nginx)
        cluster.wait_healthy(proxy, nginx)
        browser = stack.enter_context(chromium())
        yield Site(proxy, backends, folder / "nginx" / "access.log", dsn, browser)


def visitor(site: Site) -> Any:
    """A new browser context: a different person (no cookies)."""
    return new_local_page(site.browser)


def sign_in_screen(page: Any) -> None:
    page.get_by_role("button", name="Sign in with Mock").wait_for(timeout=60_000)


def sign_in(page: Any, url: str, who: str, provider: str = "Mock") -> None:
    """Open `url`, press the provider's sign-in button, authorise as `who` at the provider."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("button", name=f"Sign in with {provider}").click()
    page.locator('input[name="sub"]').fill(who)
    page.get_by_role("button", name="Authorize").click()
    page.locator('[data-testid="stSidebar"], [data-testid="stMain"]').first.wait_for(timeout=60_000)


def status_of(url: str, cookies: dict[str, str] | None = None) -> int:
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def auth_cookies(page: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")}


def download_url(page: Any) -> str:
    button = page.get_by_role("button", name="Download CSV").first
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=30_000) as info:
        button.click()
    return str(info.value.url)


def test_anonymous_visitor_gets_only_the_sign_in_screen_and_no_download(site: Site) -> None:
    page = visitor(site)
    try:
        for path in ("/", "/deliveries?brand=xiaomi", "/data", "/sources"):
            page.goto(site.proxy + path, wait_until="domcontentloaded")
            sign_in_screen(page)
            assert page.get_by_role("button", name="Sign in with Short").count() == 1
            body = page.locator("body").inner_text()
            assert "Data as of" not in body and "136,854" not in body
            assert page.locator('[data-testid="stDownloadButton"], .js-plotly-plot').count() == 0
        assert status_of(site.proxy + "/media/0123456789abcdef0123456789abcdef.csv") == 403
        assert status_of(site.proxy + "/_stcore/health") == 200
    finally:
        page.context.close()


def test_a_viewer_signing_in_from_a_deep_link_returns_there_and_never_reaches_data(site: Site) -> None:
    page = visitor(site)
    try:
        sign_in(page, site.proxy + "/deliveries?brand=byd&year=2025", "exec@example.com")
        page.wait_for_url(re.compile(r"/deliveries\?brand=byd"), timeout=60_000)
        page.locator('[data-testid="stMain"]').get_by_text("BYD 2025").first.wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text(SIGNED_IN_EXEC).wait_for(timeout=30_000)
        assert sidebar.get_by_role("link", name="Data").count() == 0
        assert sidebar.get_by_role("link", name="Sources").count() == 1
        page.goto(site.proxy + "/data", wait_until="domcontentloaded")
        page.get_by_text("This page needs the analyst role").wait_for(timeout=60_000)
        assert page.get_by_role("button", name="Check files").count() == 0
    finally:
        page.context.close()


def test_a_user_without_a_role_sees_no_access(site: Site) -> None:
    page = visitor(site)
    try:
        sign_in(page, site.proxy + "/", "someone@elsewhere.org")
        page.get_by_text("someone@elsewhere.org is signed in but has no access to evdash").wait_for(
            timeout=60_000
        )
        assert "Data as of" not in page.locator("body").inner_text()
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def analyst(site: Site) -> Iterator[Any]:
    page = visitor(site)
    sign_in(page, site.proxy + "/data", "ana@example.com")
    page.wait_for_url(re.compile(r"/data$"), timeout=60_000)
    yield page
    page.context.close()


def test_an_analysts_import_is_recorded_under_their_email(site: Site, analyst: Any) -> None:
    row = "xiaomi,,CHN,2032-01,777,reported,https://ir.mi.com/2032-01,2032-02-01"
    import_through(analyst, site.proxy, "deliveries_2032-01.csv", f"{HEADER}\n{row}\n")
    with psycopg.connect(site.dsn) as con:
        who = con.execute("select record->>'imported_by' from evdash_journal_batches").fetchall()
    assert who == [("ana@example.com",)]


def test_an_expired_id_token_ends_the_session(site: Site) -> None:
    page = visitor(site)
    try:
        sign_in(page, site.proxy + "/sources", "exec@example.com", provider="Short")
        page.get_by_text(SIGNED_IN_EXEC).wait_for(timeout=60_000)
        signed_in_at = time.monotonic()
        media = download_url(page)
        cookies = auth_cookies(page)
        assert status_of(media, cookies) == 200
        time.sleep(max(0.0, SHORT_TOKEN_S + 2 - (time.monotonic() - signed_in_at)))
        assert status_of(media, cookies) == 403
        page.goto(site.proxy + "/sources", wait_until="domcontentloaded")
        sign_in_screen(page)
        page.get_by_text("Your session has ended").wait_for(timeout=30_000)
    finally:
        page.context.close()


def test_sign_out_revokes_the_session_on_every_server_and_a_killed_servers_users_stay_signed_in(
    site: Site, analyst: Any
) -> None:
    analyst.goto(site.proxy + "/", wait_until="domcontentloaded")
    media = download_url(analyst)
    assert media.startswith(site.proxy + "/media/")
    served = site.upstream_of_last(r"GET /media/")
    other = next(b for b in site.backends if b != served)
    copied = auth_cookies(analyst)
    assert "_streamlit_user" in copied
    assert status_of(media) == 403  # no cookie: refused by the guard in front of Streamlit
    assert status_of(media, {"_streamlit_user": "forged"}) == 403
    assert status_of(media, copied) == 200  # the session's own cookie: served
    missing = f"http://{other}/media/0123456789abcdef0123456789abcdef.csv"
    assert status_of(missing, copied) == 404  # a valid session on the other server: let through

    viewer = visitor(site)  # someone else, signed in on the same server
    thief = visitor(site)  # someone who copied the analyst's cookie while they were signed in
    try:
        sign_in(viewer, site.proxy + "/sources", "exec@example.com")
        viewer.get_by_text(SIGNED_IN_EXEC).wait_for(timeout=60_000)
        thief.context.add_cookies([{"name": k, "value": v, "url": site.proxy} for k, v in copied.items()])
        thief.goto(site.proxy + "/data", wait_until="domcontentloaded")
        thief.get_by_text("Data: add, correct and check figures").wait_for(timeout=60_000)

        analyst.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        with contextlib.suppress(Exception):  # the provider's end-session page asks to confirm
            analyst.get_by_role("button").first.click(timeout=15_000)
        # The provider's redirect back may still be under way: a goto that it interrupts is aborted
        # (net::ERR_ABORTED, seen once in CI), so go again once that navigation has ended.
        for attempt in range(3):
            try:
                analyst.goto(site.proxy + "/", wait_until="domcontentloaded")
                break
            except Exception as exc:
                if "ERR_ABORTED" not in str(exc) or attempt == 2:
                    raise
                analyst.wait_for_timeout(1_000)
        sign_in_screen(analyst)

        # The copy is refused: its page and its download, on this server ...
        assert status_of(media, copied) == 403
        thief.goto(site.proxy + "/data", wait_until="domcontentloaded")
        thief.get_by_text("This session was signed out").wait_for(timeout=60_000)
        assert thief.get_by_role("button", name="Check files").count() == 0
        assert site.upstream_of_last(r'"GET /data') == served
        assert status_of(missing, copied) == 403  # ... and on the other one

        site.backends[served].kill()  # the server holding these sessions dies
        site.backends[served].wait(timeout=10)
        thief.goto(site.proxy + "/data", wait_until="domcontentloaded")
        thief.get_by_text("This session was signed out").wait_for(timeout=60_000)
        viewer.goto(site.proxy + "/sources", wait_until="domcontentloaded")
        viewer.get_by_text(SIGNED_IN_EXEC).wait_for(timeout=60_000)
        assert site.upstream_of_last(r'"GET /sources') == other  # the same cookie, the other server
    finally:
        thief.context.close()
        viewer.context.close()
