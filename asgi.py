"""The dashboard as served: `app.py` and its pages (Streamlit's `st.App`), with evdash's sign-in guard in
front of Streamlit's own HTTP routes. Run it as `streamlit run asgi.py` (what `evdash serve`, the
Dockerfile, deploy/cluster.py and the Kubernetes manifests do); with auth off every request passes
through untouched, so it serves exactly what `streamlit run app.py` serves.

With auth on (an `[auth]` secrets section, or EVDASH_AUTH=on):
- `/media/…` (the files download buttons serve) answers only a request carrying a valid session:
  Streamlit's signed auth cookie, its ID token not expired, within the maximum session age and not
  signed out (`evdash.auth.session_problem`); otherwise 403. Streamlit itself serves them to anyone
  who has the URL.
- `/auth/logout` records the sign-out (`evdash.revocations`) before Streamlit clears the cookie, so a
  copy of the cookie is refused afterwards by every server sharing the journal database.
- `/auth/login` remembers the page the visitor was on (the Referer, same origin only) and
  `/oauth2callback` returns there instead of to `/`: signing in from a deep link lands on that page.

With a shared journal (EVDASH_JOURNAL) the server starts following it (`evdash.replica`) as it starts.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.parse
from collections.abc import AsyncIterator

import anyio.to_thread
import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import auth_util
from streamlit import config as st_config
from streamlit.web.server.server_util import get_cookie_secret
from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

from evdash import auth, config, replica, revocations

RETURN_COOKIE = "evdash_return_to"
RETURN_MAX_AGE_S = 600


def _base() -> str:
    path = str(st_config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}" if path else ""


def _claims(request: Request) -> dict[str, object] | None:
    """The ID-token claims in Streamlit's auth cookie, if it carries a valid signature."""
    secret = get_cookie_secret()

    def single(name: str) -> bytes | None:
        value = request.cookies.get(name)
        return None if value is None else decode_signed_value(secret, name, value.encode("latin-1"))

    raw = auth_util.get_cookie_with_chunks(single, USER_COOKIE_NAME)
    if raw is None:
        return None
    try:
        claims = json.loads(raw)
    except ValueError:
        return None
    return claims if isinstance(claims, dict) and claims.get("is_logged_in") else None


def _problem(claims: dict[str, object] | None) -> str | None:
    """Why this request's session may not download, or None."""
    if claims is None:
        return "not signed in"
    session = auth.session_id(claims)
    revoked = session is not None and revocations.for_server().is_revoked(session)
    return auth.session_problem(claims, time.time(), config.max_session_age(), revoked)


def _return_path(request: Request) -> str | None:
    """The page the visitor clicked "Sign in" on (from the Referer), if it is on this site (the origin
    of the configured `redirect_uri`) and not one of Streamlit's own routes."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urllib.parse.urlsplit(referer)
    origin = auth_util.get_origin_from_redirect_uri()  # the site's own address, as the provider knows it
    if origin is None or f"{parts.scheme}://{parts.netloc}" != origin or not parts.path.startswith("/"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    overview = parts.path.rstrip("/") in {_base(), ""} and not parts.query
    if path.startswith("//") or "\\" in path or overview:
        return None  # nothing to return to beyond the Overview itself
    internal = ("auth/", "oauth2callback", "_stcore/", "media/")
    if any(parts.path.startswith(f"{_base()}/{p}") for p in internal):
        return None
    return path


class SignInGuard:
    """Pure ASGI middleware (websocket traffic passes straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not auth.enabled(bool(auth_util.get_secrets_auth_section())):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        base = _base()
        if path.startswith(f"{base}/media/"):
            problem = await anyio.to_thread.run_sync(_problem, _claims(Request(scope)))
            if problem is not None:
                await PlainTextResponse(f"download refused: {problem}", status_code=403)(scope, receive, send)
                return
        elif path == f"{base}/auth/logout":
            claims = _claims(Request(scope))
            session = None if claims is None else auth.session_id(claims)
            if claims is not None and session is not None:
                ends = auth.session_ends_at(claims, config.max_session_age()) or time.time()
                until = max(ends, time.time()) + 60
                await anyio.to_thread.run_sync(revocations.for_server().revoke, session, until)
        elif path == f"{base}/auth/login":
            target = _return_path(Request(scope))
            if target is not None:
                await self.app(scope, receive, _with_cookie(send, RETURN_COOKIE, target, RETURN_MAX_AGE_S))
                return
        elif path == f"{base}/oauth2callback":
            saved = Request(scope).cookies.get(RETURN_COOKIE)
            target = urllib.parse.unquote(saved) if saved else None
            if target is not None and target.startswith("/") and not target.startswith("//"):
                await self.app(scope, receive, _redirect_to(send, base, target))
                return
        await self.app(scope, receive, send)


def _cookie(name: str, value: str, max_age: int) -> str:
    return f"{name}={urllib.parse.quote(value, safe='')}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"


def _with_cookie(send: Send, name: str, value: str, max_age: int) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).append("set-cookie", _cookie(name, value, max_age))
        await send(message)

    return wrapped


def _redirect_to(send: Send, base: str, target: str) -> Send:
    """After a successful sign-in Streamlit redirects to the base URL: send the visitor to `target`."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            signed_in = any(c.startswith(f"{USER_COOKIE_NAME}=") for c in headers.getlist("set-cookie"))
            to_base = message["status"] in {302, 303, 307} and headers.get("location") in {f"{base}/", "/"}
            if to_base and signed_in:
                headers["location"] = target
            headers.append("set-cookie", _cookie(RETURN_COOKIE, "", 0))
        await send(message)

    return wrapped


@contextlib.asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    """With a shared journal, start following it as the server starts (not at its first visitor)."""
    replica.for_server()
    yield


app = st.App("app.py", middleware=[Middleware(SignInGuard)], lifespan=_lifespan)
