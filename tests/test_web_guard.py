"""Every route checks who is asking (issue 25, cases 1-3), at the protocol level: a websocket client on
`/_stcore/stream` speaking Streamlit's BackMsg/ForwardMsg protobufs (as bench/server_bench.py does) and
plain HTTP, against `streamlit run asgi.py` started by the suite's own `start_server`. With sign-in on,
users are Streamlit's signed auth cookie made with the test server's own cookie_secret (what a real sign-in
sets; tests/browser/test_sign_in.py goes through a real provider).

- a client sending clear_cache over and over while another session runs pages: refused (the caches stay,
  the page runs never fail with "No open result set"); only an administrator may;
- uploads: refused to whoever may not import; capped in count and bytes per session and per server;
- downloads: a copied URL is refused to another user and to a user with no role; the same file has a
  different, unguessable id in every session.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import re
import secrets
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value, generate_xsrf_token_string

from evdash.web import cache
from tests.conftest import REPO, start_server, stop_server

ROLES = '[users]\n"ana@example.com" = "analyst"\n"root@example.com" = "admin"\n\n[domains]\n"example.com" = "viewer"\n'
COOKIE_SECRET = secrets.token_hex(32)
TIMEOUT_S = 120.0


@dataclass
class Server:
    url: str
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _serve(
    seed_db_path: Path, folder: Path, env: dict[str, str], extra: tuple[str, ...] = ()
) -> Iterator[Server]:
    log = folder / "streamlit.log"
    proc, url = start_server(
        seed_db_path, log, ("--server.fileWatcherType", "none", *extra), env, script=REPO / "asgi.py"
    )
    try:
        yield Server(url, log)
    finally:
        stop_server(proc)


UPLOAD_LIMITS = {
    "EVDASH_UPLOAD_MAX_FILES": "3",
    "EVDASH_UPLOAD_SESSION_MB": "1",
    "EVDASH_UPLOAD_SERVER_MB": "1.5",
}


@pytest.fixture(scope="module")
def open_server(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Sign-in off (a laptop, or a server without an [auth] section)."""
    yield from _serve(seed_db_path, tmp_path_factory.mktemp("guard_open"), UPLOAD_LIMITS)


@pytest.fixture(scope="module")
def signed_server(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Sign-in on: an [auth] section with a known cookie_secret, and roles."""
    folder = tmp_path_factory.mktemp("guard_signed")
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "{COOKIE_SECRET}"\n'
        '[auth.mock]\nclient_id = "evdash"\nclient_secret = "not-so-secret"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
    )
    roles = folder / "roles.toml"
    roles.write_text(ROLES)
    yield from _serve(
        seed_db_path,
        folder,
        {**UPLOAD_LIMITS, "EVDASH_ROLES": str(roles)},
        ("--secrets.files", str(secrets_file)),
    )


# --- A client speaking Streamlit's protocol. -----------------------------------------------------------------


def user_cookie(server: Server, email: str) -> str:
    """Streamlit's signed auth cookie for `email`, as its /oauth2callback sets it."""
    now = int(time.time())
    claims = {
        "origin": server.url,
        "is_logged_in": True,
        "email": email,
        "sub": email,
        "iss": "http://provider.test",
        "iat": now,
        "exp": now + 3600,
        "nonce": secrets.token_hex(8),
    }
    return create_signed_value(COOKIE_SECRET, "_streamlit_user", json.dumps(claims)).decode()


@dataclass
class Client:
    server: Server
    email: str | None = None
    xsrf: str = field(default_factory=generate_xsrf_token_string)
    auth: str | None = None
    ws: Any = None
    session_id: str = ""
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # the page's download buttons (placeholder ids)

    def __post_init__(self) -> None:
        if self.email is not None:
            self.auth = user_cookie(self.server, self.email)

    def cookies(self) -> dict[str, str]:
        jar = {"_streamlit_xsrf": self.xsrf}
        if self.auth is not None:
            jar["_streamlit_user"] = self.auth
        return jar

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies().items())

    async def open(self) -> Client:
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.server.port}/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit"), websockets.Subprotocol(self.xsrf)],
            additional_headers={"Cookie": self.cookie_header(), "Origin": self.server.url},
            max_size=2**26,
            open_timeout=TIMEOUT_S,
        )
        return self

    async def send(self, msg: BackMsg) -> None:
        await self.ws.send(msg.SerializeToString())

    async def run(self, page: str = "", query: str = "") -> None:
        """One page run, to its end; collects exceptions, texts and download buttons."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        await self.send(msg)
        self.texts, self.deferred = [], []
        while True:
            fwd = await self.receive()
            kind = fwd.WhichOneof("type")
            if kind == "new_session" and fwd.new_session.initialize.session_id:
                self.session_id = fwd.new_session.initialize.session_id
            element = fwd.delta.new_element if kind == "delta" else None
            if element is not None:
                what = element.WhichOneof("type")
                if what == "exception":
                    self.errors.append(f"{element.exception.type}: {element.exception.message}")
                elif what == "markdown":
                    self.texts.append(element.markdown.body)
                elif what == "alert":
                    self.texts.append(element.alert.body)
                elif what == "download_button" and element.download_button.deferred_file_id:
                    self.deferred.append(element.download_button.deferred_file_id)
            if kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return

    async def receive(self) -> ForwardMsg:
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), TIMEOUT_S)
            if isinstance(raw, bytes):
                fwd = ForwardMsg()
                fwd.ParseFromString(raw)
                return fwd

    async def download(self, deferred_id: str) -> str:
        """Click a download button: the URL the server made for this session."""
        msg = BackMsg()
        msg.backend_operation_request.request_id = secrets.token_hex(4)
        msg.backend_operation_request.session_id = self.session_id
        msg.backend_operation_request.deferred_file.file_id = deferred_id
        await self.send(msg)
        while True:
            fwd = await self.receive()
            if fwd.WhichOneof("type") == "backend_operation_response":
                response = fwd.backend_operation_response
                assert not response.error_msg, response.error_msg
                return str(response.deferred_file.url)

    async def heartbeat(self) -> None:
        """Send a heartbeat and wait for its answer: every message sent before it has been handled."""
        msg = BackMsg()
        msg.app_heartbeat = True
        await self.send(msg)
        while (await self.receive()).WhichOneof("type") != "heartbeat_ack":
            pass

    async def close(self) -> None:
        await self.ws.close()


def clear_cache() -> BackMsg:
    msg = BackMsg()
    msg.clear_cache = True
    return msg


def status(
    server: Server, path: str, client: Client | None = None, method: str = "GET", body: bytes | None = None
) -> int:
    """The status of one request (`body`: a file sent as Streamlit's uploader sends it). A refused upload is
    answered before its body is read: the status is read even when sending the rest then fails."""
    headers = {"Cookie": client.cookie_header(), "X-Xsrftoken": client.xsrf} if client else {}
    payload = None
    if body is not None:
        boundary = "evdashboundary"
        payload = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="nov.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + body
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(method, path, body=payload, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def cached_bytes(server: Server, client: Client | None = None) -> int:
    """Bytes held by the dashboard's shared result caches (Streamlit's /_stcore/metrics). Streamlit keeps
    that figure for 5 s between computations: wait that out, so that it is computed now."""
    time.sleep(5.5)
    headers = {"Cookie": client.cookie_header()} if client else {}
    request = urllib.request.Request(server.url + "/_stcore/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as resp:
        text = resp.read().decode()
    pattern = r'^cache_memory_bytes\{cache_type="st_cache_resource",[^}]*\} (\d+)$'
    return sum(int(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE))


# --- Websocket: clear_cache and the other control messages. -----------------------------------------------


def test_the_read_connection_outlives_a_cleared_cache(seed_db_path: Path) -> None:
    """The connection a query runs on is the process's, not a cache entry: clearing every Streamlit cache
    (what clear_cache did under four viewers) leaves it open."""
    import streamlit as st

    db_file = str(seed_db_path.resolve())
    con = cache._connection(db_file)
    cursor = con.cursor()
    st.cache_resource.clear()
    st.cache_data.clear()
    assert cache._connection(db_file) is con
    assert cursor.execute("select count(*) from build_info").fetchone() == (1,)


def test_clear_cache_flood_from_an_anonymous_client_is_refused_while_others_run_pages(
    open_server: Server,
) -> None:
    pages = [
        ("", "brand=xiaomi"),
        ("deliveries", "brand=tesla"),
        ("market_mix", "market=DEU"),
        ("", "brand=byd"),
    ]

    async def scenario() -> tuple[Client, int, int]:
        viewer = await Client(open_server).open()
        for page, query in pages:
            await viewer.run(page, query)
        warm = cached_bytes(open_server)
        attacker = await Client(open_server).open()
        stop = asyncio.Event()

        async def flood() -> None:
            while not stop.is_set():
                await attacker.send(clear_cache())
                await asyncio.sleep(0.05)

        task = asyncio.create_task(flood())
        for _ in range(3):
            for page, query in pages:
                await viewer.run(page, query)
        stop.set()
        await task
        after = cached_bytes(open_server)
        await attacker.close()
        await viewer.close()
        return viewer, warm, after

    viewer, warm, after = asyncio.run(scenario())
    assert viewer.errors == []
    assert warm > 0 and after >= warm  # nothing was cleared
    log = open_server.log_text()
    assert "No open result set" not in log
    assert '"event": "security.message_refused"' in log and '"message": "clear_cache"' in log


def test_only_an_administrator_may_clear_the_caches(signed_server: Server) -> None:
    admin = Client(signed_server, "root@example.com")

    async def scenario() -> tuple[int, int, int]:
        viewer = await Client(signed_server, "exec@example.com").open()
        await viewer.run("", "brand=xiaomi")
        assert viewer.errors == [] and any("Signed in as" in t for t in viewer.texts), viewer.texts
        warm = cached_bytes(signed_server, admin)
        await viewer.send(clear_cache())
        await viewer.run("sources")  # the refused message changed nothing; the session goes on
        kept = cached_bytes(signed_server, admin)
        await admin.open()
        await admin.send(clear_cache())
        await admin.heartbeat()  # answered after the clear was handled
        cleared = cached_bytes(signed_server, admin)
        await admin.close()
        await viewer.close()
        return warm, kept, cleared

    warm, kept, cleared = asyncio.run(scenario())
    assert kept >= warm > 0
    assert cleared == 0
    assert (
        '"message": "clear_cache", "user": "exec@example.com", "role": "viewer"' in signed_server.log_text()
    )


# --- Uploads. --------------------------------------------------------------------------------------------------


def _session(server: Server, email: str | None = None, page: str = "") -> Client:
    async def opened() -> Client:
        client = await Client(server, email).open()
        await client.run(page)
        return client

    return asyncio.run(opened())


def test_uploads_are_capped_per_session_and_per_server(open_server: Server) -> None:
    """Sign-in off: everyone may import (the Data page is open), within the caps (3 files, 1 MB per
    session, 1.5 MB per server in this server's environment)."""
    first, second = _session(open_server, page="data"), _session(open_server, page="data")
    url = f"/_stcore/upload_file/{first.session_id}/"
    small = b"brand,units\nxiaomi,1\n"
    assert [status(open_server, url + f"f{i}", first, "PUT", small) for i in range(3)] == [204, 204, 204]
    assert status(open_server, url + "f3", first, "PUT", small) == 429  # a fourth file
    assert status(open_server, url + "f0", first, "DELETE") == 204
    assert (
        status(open_server, url + "big", first, "PUT", b"x" * (1024 * 1024)) == 413
    )  # over 1 MB per session
    other = f"/_stcore/upload_file/{second.session_id}/"
    assert status(open_server, other + "a", second, "PUT", b"x" * (900 * 1024)) == 204
    assert (
        status(open_server, url + "b", first, "PUT", b"x" * (700 * 1024)) == 503
    )  # over 1.5 MB on the server
    assert "upload refused" in open_server.log_text() or "security.upload_refused" in open_server.log_text()


def test_uploads_need_the_role_that_may_import(signed_server: Server) -> None:
    analyst = _session(signed_server, "ana@example.com", "data")
    viewer = _session(signed_server, "exec@example.com")
    url = f"/_stcore/upload_file/{analyst.session_id}/"
    stranger = Client(signed_server)  # not signed in: an XSRF cookie of its own, no auth cookie
    assert status(signed_server, url + "x", stranger, "PUT", b"a,b\n") == 403
    assert (
        status(signed_server, f"/_stcore/upload_file/{viewer.session_id}/x", viewer, "PUT", b"a,b\n") == 403
    )
    assert (
        status(signed_server, url + "x", Client(signed_server, "someone@elsewhere.org"), "PUT", b"a,b\n")
        == 403
    )
    assert status(signed_server, url + "x", analyst, "PUT", b"a,b\n") == 204


# --- Downloads. ------------------------------------------------------------------------------------------------


def test_a_copied_download_url_works_only_for_the_session_that_made_it(signed_server: Server) -> None:
    async def scenario() -> tuple[str, str]:
        urls = []
        for email in ("exec@example.com", "cfo@example.com"):
            client = await Client(signed_server, email).open()
            await client.run("sources")
            assert client.deferred, "the Sources page has download buttons"
            urls.append(await client.download(client.deferred[0]))
            await client.close()
        return urls[0], urls[1]

    mine, theirs = asyncio.run(scenario())
    assert mine.startswith("/media/") and mine != theirs  # the same CSV, a different id in every session
    assert re.fullmatch(r"/media/[0-9a-f]{40}\.csv", mine)
    assert status(signed_server, mine) == 403  # anonymous
    assert status(signed_server, mine, Client(signed_server, "someone@elsewhere.org")) == 403  # no role
    assert status(signed_server, mine, Client(signed_server, "cfo@example.com")) == 403  # another viewer
    assert status(signed_server, mine, Client(signed_server, "root@example.com")) == 403  # even an admin


def test_the_signed_in_owner_gets_their_download(signed_server: Server) -> None:
    client = Client(signed_server, "exec@example.com")

    async def scenario() -> str:
        await client.open()
        await client.run("sources")
        url = await client.download(client.deferred[0])
        await client.close()
        return url

    url = asyncio.run(scenario())
    assert status(signed_server, url, client) == 200
    assert status(signed_server, "/media/" + "0" * 40 + ".csv", client) == 404


def test_without_sign_in_download_ids_are_per_session_and_unguessable(open_server: Server) -> None:
    async def scenario() -> list[str]:
        urls = []
        for _ in range(2):
            client = await Client(open_server).open()
            await client.run("sources")
            urls.append(await client.download(client.deferred[0]))
            await client.close()
        return urls

    first, second = asyncio.run(scenario())
    assert first != second
    assert status(open_server, first) == 200
    assert status(open_server, "/media/" + "0" * 40 + ".csv") == 404


def test_metrics_are_for_administrators_and_the_agent_api_is_not_served(signed_server: Server) -> None:
    viewer = Client(signed_server, "exec@example.com")
    assert status(signed_server, "/_stcore/metrics") == 403
    assert status(signed_server, "/_stcore/metrics", viewer) == 403
    assert status(signed_server, "/_stcore/metrics", Client(signed_server, "root@example.com")) == 200
    for client in (None, viewer, Client(signed_server, "root@example.com")):
        assert status(signed_server, "/_stcore/agent/openapi.json", client) == 404
        assert status(signed_server, "/_stcore/agent/interact", client, "POST", b"{}") == 404
    assert status(signed_server, "/_stcore/health") == 200


def test_a_download_needs_the_role_of_the_page_that_made_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In process: a file made on the Data page (analyst) by a sign-in that is now only a viewer is refused
    to it; the same bytes made on a viewer's page by another session get another id, and are served."""
    from streamlit.runtime.media_file_storage import MediaFileKind

    import asgi
    from evdash import auth

    roles = tmp_path / "roles.toml"
    roles.write_text('[users]\n"ana@example.com" = "viewer"\n')
    monkeypatch.setenv("EVDASH_AUTH", "on")
    monkeypatch.setenv("EVDASH_ROLES", str(roles))
    monkeypatch.setenv("EVDASH_DB", str(tmp_path / "evdash.duckdb"))
    now = int(time.time())
    claims = {"is_logged_in": True, "email": "ana@example.com", "sub": "ana", "iat": now, "exp": now + 600}
    sign_in = auth.session_id(claims)

    def made(session: str, needed: auth.Role) -> str:
        token = asgi._OWNER.set(asgi.Owner(session, sign_in, needed))
        try:
            return asgi.MEDIA.load_and_get_id(
                b"brand,units\n", "text/csv", MediaFileKind.DOWNLOADABLE, "x.csv"
            )
        finally:
            asgi._OWNER.reset(token)

    on_data, on_overview = made("session-1", "analyst"), made("session-2", "viewer")
    assert on_data != on_overview
    assert asgi._media_problem(on_data, claims) == (403, "this download needs the analyst role")
    assert asgi._media_problem(on_overview, claims) is None
    assert asgi._media_problem(on_overview, {**claims, "iat": now - 1}) == (
        403,
        "this download belongs to another session",
    )
    assert asgi._page_role(str(REPO / "pages" / "data.py")) == "analyst"
    assert asgi._page_role(str(REPO / "pages" / "sources.py")) == "viewer"
    assert asgi._page_role(None) == "analyst"  # a page evdash does not know: the strictest
