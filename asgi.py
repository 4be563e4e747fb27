"""The dashboard as served: `app.py` and its pages (Streamlit's `st.App`), with evdash's sign-in guard in
front of Streamlit's own HTTP routes. Run it as `streamlit run asgi.py` (what `evdash serve`, the
Dockerfile, deploy/cluster.py and the Kubernetes manifests do); with auth off every request passes
through untouched, so it serves exactly what `streamlit run app.py` serves.

Always (docs/security.md, "Routes and messages", lists every route and message):
- download files (`/media/<id>`) get ids that are unguessable and differ per session (an HMAC, with a key
  made at start-up, of the session and the content; Streamlit derives them from the content alone, the
  same for every user), and each remembers the sign-in and the page that made it (`BoundMediaStorage`);
- the websocket (`/_stcore/stream`) passes on only the messages `evdash.auth.message_allowed` allows the
  session's user: page runs for everyone, upload URLs for the role that may import, and server-wide
  control messages (clear_cache, …) only for an administrator; with sign-in off nobody is one;
- uploads (`PUT /_stcore/upload_file/<session>/<id>`) are refused unless the requester may import, and
  are capped in count and bytes per session and per server (`UPLOAD_*`).
- Streamlit's agent API (`/_stcore/agent/…`) is not served: it would drive pages around those rules.

With auth on (an `[auth]` secrets section, or EVDASH_AUTH=on):
- `/media/…` (the files download buttons serve) answers only a request carrying a valid session:
  Streamlit's signed auth cookie, its ID token not expired, within the maximum session age and not
  signed out (`evdash.auth.session_problem`); otherwise 403. Then only to the sign-in that made the file
  (a copied URL is refused to anyone else) and while it has the role the page that made it needs.
- `/_stcore/metrics` (session and cache statistics) answers administrators only.
- `/auth/logout` records the sign-out (`evdash.revocations`) before Streamlit clears the cookie, so a
  copy of the cookie is refused afterwards by every server sharing the journal database.
- `/auth/login` remembers the page the visitor was on (the Referer, same origin only) and
  `/oauth2callback` returns there instead of to `/`: signing in from a deep link lands on that page.

With a shared journal (EVDASH_JOURNAL) the server starts following it (`evdash.replica`) as it starts.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import anyio.to_thread
import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import auth_util
from streamlit import config as st_config
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryFile, MemoryMediaFileStorage
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.web.server.server_util import get_cookie_secret
from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

from evdash import auth, config, logs, replica, revocations, ui

RETURN_COOKIE = "evdash_return_to"
RETURN_MAX_AGE_S = 600


def _base() -> str:
    path = str(st_config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}" if path else ""


def _claims(request: HTTPConnection) -> dict[str, object] | None:
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


def _role(claims: Mapping[str, object] | None) -> auth.Role | None:
    """The role of a request's signed-in user (None: not signed in, session ended, no role, or a roles
    configuration that does not parse). With sign-in off everyone has the role pages give them then."""
    if not auth.enabled(bool(auth_util.get_secrets_auth_section())):
        return "analyst"
    if claims is None or _problem(dict(claims)) is not None:
        return None
    email = claims.get("email")
    try:
        return ui.role_for(str(email) if email else None)
    except auth.RolesError:
        return None


# --- Download files: unguessable ids, bound to the session and page that made them. ----------------------


class Owner(NamedTuple):
    session: str  # Streamlit session id
    sign_in: str | None  # evdash.auth.session_id of the signed-in user, None when not signed in
    needed: auth.Role  # the role the page that made the file needs


_OWNER: contextvars.ContextVar[Owner | None] = contextvars.ContextVar("evdash_media_owner", default=None)
_MEDIA_KEY = secrets.token_bytes(32)  # per process: a file's id says nothing without it


def _page_role(script_path: str | None) -> auth.Role:
    """The role a page needs; a page this repository does not know needs the strictest page role."""
    if script_path:
        with contextlib.suppress(ValueError):
            return auth.min_role(Path(script_path).resolve().relative_to(config.REPO_ROOT).as_posix())
    return max(auth.PAGE_MIN_ROLE.values(), key=auth.ROLES.index, default=auth.DEFAULT_MIN_ROLE)


def _owner_here() -> Owner | None:
    """Who is making a file now: the session whose script is running on this thread, if any."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    claims = dict(ctx.user_info)
    sign_in = auth.session_id(claims) if claims.get("is_logged_in") else None
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash)
    return Owner(ctx.session_id, sign_in, _page_role(info.get("script_path") if info else None))


class BoundMediaStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media storage with ids that are an HMAC of (session, content) under a key
    made at start-up (so the same download in two sessions has two ids, neither guessable), and each
    file's `Owner` remembered for the guard."""

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        self._owners: dict[str, Owner] = {}

    def load_and_get_id(
        self, path_or_data: str | bytes, mimetype: str, kind: MediaFileKind, filename: str | None = None
    ) -> str:
        data = self._read_file(path_or_data) if isinstance(path_or_data, str) else path_or_data
        owner = _OWNER.get() or _owner_here() or Owner("", None, _page_role(None))
        mac = hmac.new(_MEDIA_KEY, f"{owner.session}|{mimetype}|{filename}|".encode(), hashlib.sha256)
        mac.update(data)
        file_id = mac.hexdigest()[:40]
        if file_id not in self._files_by_id:
            self._files_by_id[file_id] = MemoryFile(
                content=data, mimetype=mimetype, kind=kind, filename=filename
            )
        self._owners[file_id] = owner
        return file_id

    def delete_file(self, file_id: str) -> None:
        super().delete_file(file_id)
        self._owners.pop(file_id, None)

    def owner(self, file_id: str) -> Owner | None:
        return self._owners.get(file_id) if file_id in self._files_by_id else None


class BoundMediaFileManager(MediaFileManager):
    """Remembers who registered each deferred download (a button whose file is made when clicked, on a
    thread with no script context) so that the file it makes is bound to them."""

    def __init__(self, storage: BoundMediaStorage) -> None:
        super().__init__(storage)
        self._deferred_owners: dict[str, Owner | None] = {}

    def add_deferred(self, *args: Any, **kwargs: Any) -> str:
        file_id = super().add_deferred(*args, **kwargs)
        self._deferred_owners[file_id] = _owner_here()
        return file_id

    def execute_deferred(self, file_id: str) -> str:
        token = _OWNER.set(self._deferred_owners.get(file_id))
        try:
            return super().execute_deferred(file_id)
        finally:
            _OWNER.reset(token)

    def _drop_deferred_id(self, file_id: str) -> None:
        super()._drop_deferred_id(file_id)
        self._deferred_owners.pop(file_id, None)


MEDIA = BoundMediaStorage("/media")


def _media_problem(file_id: str, claims: Mapping[str, object] | None) -> tuple[int, str] | None:
    """(status, reason) when this request may not have download `file_id`, or None."""
    owner = MEDIA.owner(file_id)
    if owner is None:
        return 404, "no such download"
    if not auth.enabled(bool(auth_util.get_secrets_auth_section())):
        return None
    if claims is None or owner.sign_in is None or auth.session_id(claims) != owner.sign_in:
        return 403, "this download belongs to another session"
    role = _role(claims)
    if not auth.has_role(role, owner.needed):
        return 403, f"this download needs the {owner.needed} role"
    return None


# --- Uploads: only for who may import, bounded per session and per server. --------------------------------

UPLOAD_MAX_FILES_PER_SESSION = int(os.environ.get("EVDASH_UPLOAD_MAX_FILES", 20))
UPLOAD_MAX_BYTES_PER_SESSION = int(float(os.environ.get("EVDASH_UPLOAD_SESSION_MB", 200)) * 1024 * 1024)
UPLOAD_MAX_BYTES_PER_SERVER = int(float(os.environ.get("EVDASH_UPLOAD_SERVER_MB", 400)) * 1024 * 1024)
_uploading: dict[str, int] = {}  # session -> bytes of uploads in flight (not yet in Streamlit's store)
_uploading_lock = threading.Lock()


def _upload_problem(session: str, length: int) -> tuple[int, str] | None:
    """Reserve `length` bytes for an upload to `session`, or say why not. Counts what Streamlit holds
    (its uploaded-file store) plus what is being received."""
    store: Any = Runtime.instance().uploaded_file_mgr
    held: Mapping[str, Mapping[str, Any]] = getattr(store, "file_storage", {})
    with _uploading_lock:
        files = held.get(session, {})
        in_flight = _uploading.get(session, 0)
        session_bytes = sum(len(f.data) for f in files.values()) + in_flight
        server_bytes = sum(len(f.data) for s in held.values() for f in s.values()) + sum(_uploading.values())
        if len(files) + (1 if in_flight else 0) >= UPLOAD_MAX_FILES_PER_SESSION:
            return 429, f"at most {UPLOAD_MAX_FILES_PER_SESSION} files per session"
        if session_bytes + length > UPLOAD_MAX_BYTES_PER_SESSION:
            return 413, f"at most {UPLOAD_MAX_BYTES_PER_SESSION // 2**20} MB of uploads per session"
        if server_bytes + length > UPLOAD_MAX_BYTES_PER_SERVER:
            return 503, "the server holds as many uploads as it may; try again in a few minutes"
        _uploading[session] = in_flight + length
    return None


def _upload_done(session: str, length: int) -> None:
    with _uploading_lock:
        left = _uploading.get(session, 0) - length
        if left > 0:
            _uploading[session] = left
        else:
            _uploading.pop(session, None)


# --- Websocket: who may send which message. ----------------------------------------------------------------


def _message_kind(data: bytes) -> tuple[str | None, str | None]:
    msg = BackMsg()
    msg.ParseFromString(data)
    kind = msg.WhichOneof("type")
    operation = (
        msg.backend_operation_request.WhichOneof("payload") if kind == "backend_operation_request" else None
    )
    return kind, operation


def _guarded_receive(receive: Receive, role: auth.Role | None, who: str) -> Receive:
    """`receive` with the messages this user may not send dropped (and logged once per kind)."""
    refused: set[str] = set()

    async def wrapped() -> Message:
        while True:
            message = await receive()
            data = message.get("bytes") if message["type"] == "websocket.receive" else None
            if data is None:
                return message
            try:
                kind, operation = _message_kind(data)
            except Exception:  # not a BackMsg: Streamlit closes the connection (1002)
                return message
            if auth.message_allowed(kind, operation, role):
                return message
            name = f"{kind}:{operation}" if operation else str(kind)
            if name not in refused:
                refused.add(name)
                logs.event("security.message_refused", message=name, user=who, role=role)

    return wrapped


def _stream_user(scope: Scope) -> tuple[auth.Role | None, str]:
    claims = _claims(HTTPConnection(scope))
    email = claims.get("email") if claims else None
    return _role(claims), str(email) if email else "anonymous"


class SignInGuard:
    """Pure ASGI middleware (websocket traffic passes straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        base = _base()
        if scope["type"] == "websocket" and path == f"{base}/_stcore/stream":
            role, who = await anyio.to_thread.run_sync(_stream_user, scope)
            await self.app(scope, _guarded_receive(receive, role, who), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if path.startswith(f"{base}/_stcore/upload_file/") and scope["method"] not in {
            "GET",
            "HEAD",
            "OPTIONS",
        }:
            await self._upload(scope, receive, send, path.removeprefix(f"{base}/_stcore/upload_file/"))
            return
        auth_on = auth.enabled(bool(auth_util.get_secrets_auth_section()))
        if path.startswith(f"{base}/_stcore/agent/"):
            # Streamlit's agent API drives pages over HTTP, around the websocket's message rules; evdash
            # does not use it, so it is refused even when `server.enableAgentApi` is turned on.
            await PlainTextResponse("not served by evdash", status_code=404)(scope, receive, send)
            return
        if auth_on and path == f"{base}/_stcore/metrics":
            role = await anyio.to_thread.run_sync(_role, _claims(Request(scope)))
            if not auth.has_role(role, auth.ADMIN_ROLE):
                await PlainTextResponse("metrics are for administrators", status_code=403)(
                    scope, receive, send
                )
                return
        if path.startswith(f"{base}/media/"):
            claims = _claims(Request(scope))
            problem = await anyio.to_thread.run_sync(_problem, claims) if auth_on else None
            refusal = (403, problem) if problem is not None else None
            if refusal is None:
                file_id = path.removeprefix(f"{base}/media/").rsplit(".", 1)[0]
                refusal = await anyio.to_thread.run_sync(_media_problem, file_id, claims)
            if refusal is not None:
                status, reason = refusal
                await PlainTextResponse(f"download refused: {reason}", status_code=status)(
                    scope, receive, send
                )
                return
        elif not auth_on:
            pass
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

    async def _upload(self, scope: Scope, receive: Receive, send: Send, rest: str) -> None:
        """PUT/DELETE of an upload: the requester must be allowed to import; a PUT declares its length and
        fits the per-session and per-server caps (reserved while it is received)."""
        role = await anyio.to_thread.run_sync(_role, _claims(Request(scope)))
        if not auth.may_import(role):
            logs.event("security.upload_refused", reason="role", role=role)
            await PlainTextResponse("upload refused: importing data needs the analyst role", 403)(
                scope, receive, send
            )
            return
        if scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        session = rest.split("/", 1)[0]
        try:
            length = int(Request(scope).headers["content-length"])
        except (KeyError, ValueError):
            await PlainTextResponse("upload refused: Content-Length required", 411)(scope, receive, send)
            return
        refusal = _upload_problem(session, length)
        if refusal is not None:
            logs.event("security.upload_refused", reason=refusal[1], bytes=length)
            await PlainTextResponse(f"upload refused: {refusal[1]}", refusal[0])(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            _upload_done(session, length)


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


def _with_bound_media(create: Callable[[], Runtime]) -> Callable[[], Runtime]:
    """Streamlit's runtime with its download files going through `BoundMediaStorage` (the route that serves
    them and every element that makes one use the runtime's media manager, replaced here before either is
    built)."""

    def created() -> Runtime:
        runtime = create()
        runtime._media_file_mgr = BoundMediaFileManager(MEDIA)
        return runtime

    return created


# `streamlit run asgi.py` finds the app by this very line (an `st.App(...)` call), so it stays one.
app = st.App("app.py", middleware=[Middleware(SignInGuard)], lifespan=_lifespan)
app._create_runtime = _with_bound_media(app._create_runtime)  # type: ignore[method-assign]
