"""Streamlit glue: the page frame, the cached read-only connection, cached queries, URL-bound
widgets and export buttons. The only module in the core that imports Streamlit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import gc
import getpass
import hashlib
import importlib
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from evdash import (
    auth,
    build,
    config,
    db,
    exports,
    filters,
    labels,
    logs,
    queries,
    replica,
    revocations,
    text,
)

# (script path relative to the repo, label, icon). Pages whose file does not exist are skipped.
NAV: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Overview", ":material/dashboard:"),
    ("pages/deliveries.py", "Deliveries vs targets", ":material/local_shipping:"),
    ("pages/expansion.py", "Expansion map", ":material/public:"),
    ("pages/pricing.py", "Pricing", ":material/sell:"),
    ("pages/markets.py", "Market ranking", ":material/leaderboard:"),
    ("pages/market_mix.py", "Market mix (registrations)", ":material/donut_small:"),
    ("pages/data.py", "Data", ":material/database:"),
    ("pages/sources.py", "Sources", ":material/menu_book:"),
)
T = TypeVar("T")
P = ParamSpec("P")
QUERY_CACHE_ENTRIES = 512
# Query results, figures and computed results are also dropped an hour after they were made: the
# 10-minute soak with random filters (docs/performance.md) kept adding entries for filter states
# nobody asked for again, up to the max_entries ceilings; with a TTL the idle ones go.
RESULT_TTL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Context:
    db_file: str  # resolved versioned database file; part of every cache key
    version: str
    as_of: str
    known: dt.date | None = None  # `?known=`: the data as evdash knew it on that day (None: today's)


# The read connections of this process, one per version file, newest last. Not a Streamlit cache: clearing
# the caches (anyone's "Clear cache", a test's cache_resource.clear()) must never close a connection that
# another session is querying ("No open result set", issue 25). A connection lives as long as the process
# and its data version: when a third version is opened, the oldest is dropped from here but never closed
# by us; DuckDB closes it once the last cursor still running on it is gone.
_CONNECTIONS: dict[str, duckdb.DuckDBPyConnection] = {}
_CONNECTIONS_KEPT = 2  # the current version and the previous one (sessions still finishing a run on it)
_CONNECTIONS_LOCK = threading.Lock()


def _connection(db_file: str) -> duckdb.DuckDBPyConnection:
    with _CONNECTIONS_LOCK:
        con = _CONNECTIONS.get(db_file)
        if con is None:
            con = duckdb.connect(db_file, read_only=True)
            # One DuckDB thread per query: the dashboard's queries are small aggregates over
            # pre-aggregates, and its concurrency comes from sessions. At 10M registrations rows each
            # query's p95 was 5–20 % lower with 1 thread than with the default 2 on this 2-core machine,
            # and equal with 4 queries at once (docs/performance.md, `bench.query_bench --threads
            # default,1 --workers 1,4`).
            con.execute("set threads = 1")
            _CONNECTIONS[db_file] = con
            while len(_CONNECTIONS) > _CONNECTIONS_KEPT:
                del _CONNECTIONS[next(iter(_CONNECTIONS))]
        return con


@st.cache_data(max_entries=8, show_spinner=False)
def _data_version(db_file: str) -> tuple[str, str]:
    """(version, as-of) of a resolved, immutable versioned database file: one query per file, not per run."""
    return db.data_version(_connection(db_file))


def current_db_file() -> str:
    return str(build.ensure_built())


KNOWN_FIRST = dt.date(2024, 1, 1)  # the earliest `?known=` date offered


def known_date() -> dt.date | None:
    """The sidebar's "Data as known on" date (`?known=YYYY-MM-DD`, carried by every link like the brand);
    None for today's data (the default)."""
    chosen = url_date(
        "Data as known on",
        "known",
        today(),
        KNOWN_FIRST,
        today(),
        help="Shows the data as evdash knew it at the end of that day: figures and files that arrived "
        "later (fetches, imports, figures entered by hand) are left out.",
    )
    return None if chosen >= today() else chosen


_KNOWN_FILES: dict[tuple[dt.date, str], str] = {}


def _known_db_file(known: dt.date, current: str) -> str:
    """The database file of `build.known_version`, remembered per date and current version in this
    process (finding it hashes the inputs; building it, the first time anyone asks for that date, takes a
    build). A remembered file that is gone (the known-date cap dropped it, here or on another server
    sharing the folder) is found or built again, never handed to DuckDB."""
    path = _KNOWN_FILES.get((known, current))
    if path is None or not os.path.exists(path):
        path = str(build.known_version(known))
        if len(_KNOWN_FILES) >= 32:
            _KNOWN_FILES.pop(next(iter(_KNOWN_FILES)))
        _KNOWN_FILES[(known, current)] = path
    return path


def _data_updates_notice() -> None:
    """'Data updates paused since …' at the top of every page while the shared journal is unreachable.
    With a shared journal (EVDASH_JOURNAL) one background replica per server process keeps the local
    database in step with it (evdash/replica.py); None with the local journal."""
    worker = replica.for_server()
    status = worker.status() if worker is not None else None
    if status is not None and status.paused_since is not None:
        warning(
            "**Data updates paused since {since}**: the shared data journal cannot be reached. This page "
            "shows the data as of the last update; imports are refused until it is back.",
            icon=":material/sync_problem:",
            since=status.paused_since.strftime("%Y-%m-%d %H:%M UTC"),
        )


def _query_function(name: str) -> Callable[..., pd.DataFrame]:
    """`evdash.<module>:<function>` → the function (only functions of evdash modules)."""
    module_name, _, function_name = name.partition(":")
    if not module_name.startswith("evdash."):
        raise ValueError(f"not an evdash query function: {name}")
    function: Callable[..., pd.DataFrame] = getattr(importlib.import_module(module_name), function_name)
    return function


# Query results and computations are shared by every session of the process (st.cache_resource: no
# pickling, no unpickling on every call, which was 10-15 % of a warm page run, py-spy) and each caller gets
# its own shallow copy (`_own_copy`): with pandas' copy-on-write, a change to the copy copies first, so the
# shared original never changes.
# `key` is the exact lineage key of (database, function, parameters) when they are of kinds it knows
# (strings, numbers, dates, tuples of them), else the parameters themselves: Streamlit's hasher walking
# the parameters on every call was 7 % of a warm /market_mix run (py-spy); a 16-byte key costs nothing.
@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_query(db_file: str, name: str, key: Any, _params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    function = _query_function(name)
    return function(_connection(db_file), **{k: list(v) if isinstance(v, tuple) else v for k, v in _params})


def _own_copy(value: T) -> T:
    """A caller's own handle on a shared cached result: frames and series (also inside tuples, lists and
    dataclasses) as shallow copies; other values are immutable (scalars, strings, frozen dataclasses of
    them). Copy-on-write makes a shallow copy behave as an independent frame at O(columns) cost."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_own_copy(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [_own_copy(v) for v in value]  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frames = {
            f.name: _own_copy(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), pd.DataFrame | pd.Series | tuple | list)
        }
        return dataclasses.replace(value, **frames) if frames else value
    return value


def query(ctx: Context, function: Callable[..., pd.DataFrame], **params: Any) -> pd.DataFrame:
    """Run a query function (a typed function of `evdash.queries`, or a core function that takes the
    connection first and dispatches to them, such as `expansion.map_frame`) through the cache. The key
    holds the resolved database file, so a new data version is never answered from an older one's
    cache."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    name = f"{function.__module__}:{function.__name__}"
    # Keyword arguments: Streamlit names each positional argument through inspect.signature, per call.
    key = _lineage_key(("query", ctx.db_file, name, frozen))
    cached = _cached_query(db_file=ctx.db_file, name=name, key=frozen if key is None else key, _params=frozen)
    frame = _own_copy(cached)
    if key is not None:
        _tag(frame, key, f"ui.query({function.__name__})")
    return frame


FIGURE_CACHE_ENTRIES = 256
ALT_ATTRIBUTE = "_evdash_alt"  # a cached figure's text alternative (evdash.figures.describe)


def frame_digest(frame: pd.DataFrame | pd.Series) -> bytes:
    """Exact cache-key bytes of a frame passed to `figure` or `computed`: column names, dtypes, index and
    every value. Streamlit's default hashes each column with `hash_pandas_object` (about 0.4 ms per
    string column with pandas 3: 7 ms for the 24-column price list, a third of a /pricing run with its
    eight cached calls) and hashes only a sample of the rows of a large frame, so two frames that differ
    outside the sample share a key. This reads Arrow-backed columns (pandas 3 strings) as their buffers,
    numeric and datetime columns as their bytes and anything else by repr: 2.4 ms for the 517 × 19
    duty table, against 45 ms for a repr of every cell. Equal values laid out differently (a slice)
    only cost a cache miss; different values never share a key."""
    tagged = _LINEAGE.get(id(frame))
    if tagged is not None:
        key, content, origin = tagged
        if content is not None and _content_digest(frame) != content:
            raise RuntimeError(
                f"a frame returned by {origin} was modified in place and then passed to a cached "
                "figure or computation: its cache key would name the unmodified frame. Work on a copy "
                "(`.copy()`) or on a derived frame."
            )
        return key
    return _content_digest(frame)


def _content_digest(frame: pd.DataFrame | pd.Series) -> bytes:
    whole = frame.to_frame() if isinstance(frame, pd.Series) else frame
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((list(whole.columns), [str(t) for t in whole.dtypes], whole.index.tolist())).encode())
    for _, column in whole.items():
        values = column.array
        if isinstance(values, pd.arrays.ArrowExtensionArray):
            for chunk in values.__arrow_array__().chunks:
                digest.update(f"|{chunk.offset},{len(chunk)}|".encode())
                if str(chunk.type).startswith("dictionary"):  # buffers() leaves out the dictionary
                    digest.update(repr(chunk.to_pylist()).encode())
                    continue
                for buffer in chunk.buffers():
                    digest.update(b"-" if buffer is None else memoryview(buffer))
            continue
        array = column.to_numpy()
        digest.update(b"|")
        digest.update(array.tobytes() if array.dtype.kind in "biufcmM" else repr(array.tolist()).encode())
    return digest.digest()


_HASH_FUNCS: dict[Any, Callable[[Any], Any]] = {pd.DataFrame: frame_digest, pd.Series: frame_digest}

# Lineage keys. A frame handed out by `query` or `computed` is a fresh unpickled copy, and the page
# usually passes it straight on to `computed` or `figure`, which would digest every value of it again
# (14–18 % of a warm /pricing or /markets run, profiled). Each such frame is registered here, by
# object id and for exactly as long as the object lives, with the key of the call that made it
# (data version, function, parameters), so a later cache lookup keys it by where it came from.
# A frame derived from it (filtered, sorted, merged) is a new object and is digested by value. Only a
# frame modified *in place* after it was handed out would carry a key that no longer describes it:
# with EVDASH_CHECK_LINEAGE=1 (set for the whole test suite) every lineage-keyed lookup also digests
# the values and raises if they changed.
_LINEAGE: dict[int, tuple[bytes, bytes | None, str]] = {}  # id → (key, content digest if checked, origin)
_SCALARS = (
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    decimal.Decimal,
)


def _check_lineage() -> bool:
    return os.environ.get("EVDASH_CHECK_LINEAGE") == "1"


def _key_parts(value: Any) -> Any:
    """A repr-able, exact stand-in for a call argument, or None when the argument is of a kind this
    does not know how to key exactly (then Streamlit's hasher keys the call, and its result carries no
    lineage key)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return ("frame", frame_digest(value))
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        parts = [_key_parts(v) for v in value]
        return None if any(p is None for p in parts) else (type(value).__name__, tuple(parts))
    if isinstance(value, dict):
        items = [(_key_parts(k), _key_parts(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in items):
            return None
        return ("dict", tuple(sorted(items, key=repr)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [(f.name, _key_parts(getattr(value, f.name))) for f in dataclasses.fields(value)]
        if any(p is None for _, p in fields):
            return None
        return (f"{type(value).__module__}.{type(value).__qualname__}", tuple(fields))
    return None


def _lineage_key(call: tuple[Any, ...]) -> bytes | None:
    parts = _key_parts(call)
    return None if parts is None else b"L" + hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


def _tag(result: Any, key: bytes, origin: str) -> None:
    """Register the frames in a cached call's result (the result itself, the items of a tuple or the
    frame fields of a dataclass) under that call's key."""
    if isinstance(result, (pd.DataFrame, pd.Series)):
        ident = id(result)
        _LINEAGE[ident] = (key, _content_digest(result) if _check_lineage() else None, origin)
        weakref.finalize(result, _LINEAGE.pop, ident, None)
    elif isinstance(result, tuple):
        for i, item in enumerate(result):
            if isinstance(item, (pd.DataFrame, pd.Series)):
                _tag(item, key + b"[%d]" % i, origin)
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            item = getattr(result, f.name)
            if isinstance(item, (pd.DataFrame, pd.Series)):
                _tag(item, key + b"." + f.name.encode(), origin)


@st.cache_resource(
    max_entries=FIGURE_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False, hash_funcs=_HASH_FUNCS
)
def _cached_figure(
    db_file: str,
    builder_name: str,
    key: Any,
    _builder: Callable[..., go.Figure],
    _args: tuple[Any, ...],
    _kwargs: tuple[tuple[str, Any], ...],
) -> go.Figure:
    from evdash.figures.describe import text_alternative

    args = tuple(text.plotly_inputs(a) for a in _args)
    kwargs = {k: text.plotly_inputs(v) for k, v in _kwargs}
    fig = safe_figure(_builder(*args, **kwargs))
    # The text alternative is worked out once here, not on every run; it rides on the Python object
    # (not in the figure JSON the browser gets), and ui.chart reads it.
    object.__setattr__(fig, ALT_ATTRIBUTE, text_alternative(fig))
    # `st.plotly_chart` serialises `fig.to_dict()` on every run, which deep-copies data and layout and
    # base64-encodes the arrays (a third of a chart's cost, py-spy). A cached figure is never modified
    # (see `figure`), so its dict is made once here and handed out as is; Streamlit and plotly.io only
    # read it.
    spec = fig.to_dict()
    object.__setattr__(fig, "to_dict", lambda: spec)
    return fig


def safe_figure(fig: go.Figure) -> go.Figure:
    """`fig` with every string Plotly would read as pseudo-HTML cleaned (`text.sanitize_figure_dict`):
    a data value such as `<a href=…>` in a name, label or hover text shows as text, never as a link.
    Rebuilt only when something had to be escaped."""
    clean, changed = text.sanitize_figure_dict(fig.to_dict())
    return go.Figure(clean) if changed else fig


def _arguments_key(args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    """What a cached figure or computation is keyed on besides the data version and function: our own
    exact key bytes when `_key_parts` can describe every argument (frames by lineage or value, scalars,
    containers, dataclasses of those), which spares Streamlit's hasher walking dicts and dataclasses
    element by element (5–15 % of a warm /markets run, profiled); otherwise the arguments themselves,
    hashed by Streamlit with `_HASH_FUNCS`."""
    key = _lineage_key((args, kwargs))
    return key if key is not None else (args, kwargs)


def figure(ctx: Context, builder: Callable[P, go.Figure], *args: P.args, **kwargs: P.kwargs) -> go.Figure:
    """`builder(*args, **kwargs)` (a pure figure builder from `evdash.figures`), built once per data
    version and argument values and then shared by every session of the process. Building a Plotly
    figure costs 5–25 ms of CPU (most of it validating and deep-copying the layout template); serving a
    built one costs about 1 ms. The key holds the resolved database file, the builder's qualified name
    and the arguments (frames are hashed by value), so a new data version or any change of input
    builds a new figure. The returned figure is shared: pass it to `st.plotly_chart` and never modify
    it (put every variation into the builder's arguments)."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    frozen = tuple(sorted(kwargs.items()))
    return _cached_figure(
        db_file=ctx.db_file,
        builder_name=name,
        key=_arguments_key(args, frozen),
        _builder=builder,
        _args=args,
        _kwargs=frozen,
    )


@st.cache_resource(
    max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False, hash_funcs=_HASH_FUNCS
)
def _cached_result(
    db_file: str,
    function_name: str,
    key: Any,
    _function: Callable[..., Any],
    _args: tuple[Any, ...],
    _kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    return _function(*_args, **dict(_kwargs))


def computed(ctx: Context, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` (a pure computation from the core, e.g. landed prices for every
    market) computed once per data version and argument values. Like `query`, each caller gets its
    own (shallow, copy-on-write) copy of the result, so it may be modified."""
    name = f"{function.__module__}.{function.__qualname__}"
    frozen = tuple(sorted(kwargs.items()))
    key = _arguments_key(args, frozen)
    result: T = _own_copy(
        _cached_result(
            db_file=ctx.db_file, function_name=name, key=key, _function=function, _args=args, _kwargs=frozen
        )
    )
    if isinstance(key, bytes):
        lineage = hashlib.blake2b(repr(("computed", ctx.db_file, name, key)).encode(), digest_size=16)
        _tag(result, b"L" + lineage.digest(), f"ui.computed({name})")
    return result


@dataclass(frozen=True)
class _CachedReader:
    """A service's `Reader` (evdash.pricing_service.Reader) that runs queries and computations through
    this module's caches (`query`, `computed`), so a service's steps are cached like a page's own."""

    ctx: Context

    def query(self, function: Callable[..., pd.DataFrame], /, **params: Any) -> pd.DataFrame:
        return query(self.ctx, function, **params)

    def computed(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return computed(self.ctx, function, *args, **kwargs)


def reader(ctx: Context) -> _CachedReader:
    """The reader a page passes to a service (e.g. `pricing_service.pricing_view`)."""
    return _CachedReader(ctx)


_startup_objects_frozen = False


def _freeze_startup_objects() -> None:
    """A full garbage collection (Python's own gen-2 pass, or Streamlit's `gc.collect(2)` after every
    script run where `runner.postScriptGC` is left on; this repo's config turns it off) walks every
    tracked object. With pandas, Plotly, DuckDB and pycountry loaded, that is ~120k long-lived
    import-time objects (50–90 ms of CPU measured here, more than an empty app's whole run).
    `gc.freeze()` moves the objects that exist at the first page run (modules, Plotly validators, ...)
    to the permanent generation once per process, so each later collection scans only what the runs
    create. Reference counting still frees everything as before; only cycles among these startup
    objects would never be collected."""
    global _startup_objects_frozen
    if not _startup_objects_frozen:
        _startup_objects_frozen = True
        gc.collect()
        gc.freeze()


FAVICON = config.REPO_ROOT / "static" / "favicon.png"


def _secrets_section(*keys: str) -> Mapping[str, Any]:
    """A section of `.streamlit/secrets.toml`, or {} when there is no secrets file or no section."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        node: Any = st.secrets
        for key in keys:
            node = node.get(key) if hasattr(node, "get") else None
            if node is None:
                return {}
        return node if isinstance(node, Mapping) else {}
    except Exception:  # a malformed secrets file must not take the whole app down
        return {}


def auth_enabled() -> bool:
    """Auth is on when Streamlit's `[auth]` secrets section exists, or env EVDASH_AUTH=on (tests)."""
    return auth.enabled(bool(_secrets_section("auth")))


def _logged_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def current_user() -> str:
    """Who is acting: the signed-in e-mail when auth is on, else the OS user (for import history)."""
    if auth_enabled():
        email = st.user.get("email") if _logged_in() else None
        return str(email) if email else "anonymous"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def current_role() -> auth.Role | None:
    """Role of the visitor: `analyst` for everyone when auth is off; from the roles config when on."""
    if not auth_enabled():
        return "analyst"
    if not _logged_in():
        return None
    email = st.user.get("email")
    return role_for(str(email) if email else None)


def role_for(email: str | None) -> auth.Role | None:
    """Role of a signed-in address from the roles config (EVDASH_ROLES over `[evdash.roles]` in the
    secrets); also asked by the HTTP and websocket guard in asgi.py. Raises auth.RolesError."""
    return auth.load_roles(section=_secrets_section("evdash", "roles")).role_for(email)


def _caller_page() -> str:
    """Script path (relative to the repo) of the page that called `frame`, for `auth.min_role`."""
    caller = Path(sys._getframe(2).f_code.co_filename).resolve()
    try:
        return caller.relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return caller.name


def _login_buttons() -> None:
    section = _secrets_section("auth")
    providers = [k for k, v in section.items() if isinstance(v, Mapping)]
    if "client_id" in section or not providers:
        st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)
    else:
        for name in providers:
            st.button(
                f"Sign in with {name.title()}",
                icon=":material/login:",
                type="primary",
                key=f"login-{name}",
                on_click=st.login,
                args=(name,),
            )


def _session_problem() -> auth.SessionProblem | None:
    """Why the signed-in session may not be used any more (its ID token expired, it is older than the
    maximum session age, or it was signed out on any server), or None (evdash/auth.py decides)."""
    claims = st.user.to_dict()
    session = auth.session_id(claims)
    revoked = session is not None and revocations.for_server().is_revoked(session)
    return auth.session_problem(claims, time.time(), config.max_session_age(), revoked)


def _sign_out() -> None:
    """Record the sign-out where every server sees it (so a copy of this cookie is refused afterwards),
    then Streamlit's own sign-out (clears the cookie, ends the provider session)."""
    claims = st.user.to_dict()
    session = auth.session_id(claims)
    if session is not None:
        ends = auth.session_ends_at(claims, config.max_session_age()) or time.time()
        revocations.for_server().revoke(session, max(ends, time.time()) + 60)
    st.logout()


def _sign_in_screen(problem: auth.SessionProblem | None) -> None:
    st.title("evdash")
    st.subheader("Sign in to see the EV expansion dashboards")
    if problem == "expired":
        st.caption("Your session has ended (sign-ins last until the identity provider's token expires).")
    elif problem == "signed out":
        st.caption("This session was signed out.")
    st.caption("This dashboard is private. Use your organisation account.")
    _login_buttons()
    st.stop()


def _gate(required_role: str, page: str) -> auth.Role | None:
    """Sign-in screen or refusal, then `st.stop()`, before any data is read. Returns the role."""
    if not auth_enabled():
        return "analyst"
    if not _logged_in():
        _sign_in_screen(None)
    problem = _session_problem()
    if problem is not None:
        logs.event("auth.session_ended", user=current_user(), reason=problem, page=page)
        _sign_in_screen(problem)
    try:
        role = current_role()
    except auth.RolesError as exc:
        logs.error("auth.roles_invalid", exc)
        st.error(f"The roles configuration is invalid: {exc}", icon=":material/error:")
        st.stop()
    needed = auth.stricter(required_role, auth.min_role(page))
    if not auth.has_role(role, needed):
        logs.event("auth.refused", user=current_user(), role=role, page=page, needed=needed)
        with st.sidebar:
            st.button("Sign out", icon=":material/logout:", on_click=_sign_out, key="logout-refused")
        if role is None:
            st.error(
                f"{current_user()} is signed in but has no access to evdash. "
                "Ask an administrator to add you to the roles file.",
                icon=":material/block:",
            )
        else:
            st.error(
                f"This page needs the {needed} role; you are signed in as {current_user()} ({role}).",
                icon=":material/block:",
            )
            for path, label, page_icon in NAV[:1]:
                st.page_link(path, label=f"Back to the {label.lower()}", icon=page_icon)
        st.stop()
    return role


# --- Navigation: the user's choices, page to page. -------------------------------------------------------
# Why choices used to flip (issue #12): Streamlit gives a widget on each page its own identity (the page's
# script hash is part of every widget id), but `st.session_state["brand"]` still answered with the *previous*
# page's widget value until that widget was cleaned up at the end of the run. The URL widgets asked "is
# the key already in session_state?", saw the stale value, skipped seeding it, and the new page's widget
# started from its own default: the first option (BYD, the first brand by name) or a slider's minimum
# (0% freight). `_sync_url` then wrote that accidental value into the URL (`?brand=byd`).
#
# The mechanism now: a page's first run after arriving (`_Nav.fresh`) resolves every URL widget from
# (1) the URL, (2) the session's memory of what the user chose, (3) the page's default — and writes the
# value into the widget's key *before* the widget exists, so the widget's own default never shows.
# Memory holds only explicit choices: a valid value in the URL the user opened, or a widget the user
# changed (its on_change). Cross-page choices (`SHARED_PARAMS`) are one memory for the session and ride
# on every sidebar and in-page link; every other parameter is the page's own scenario, remembered per
# page and never put into another page's URL.

SHARED_PARAMS = ("brand", "year", "market", "model", "on", "known")
_NAV_STATE = "_evdash_nav"
_NOTICE_AREA = "_evdash_notice_area"
_NAV_SLOT = "_evdash_nav_slot"


@dataclass
class _Nav:
    page: str = ""
    fresh: bool = True  # this run is the first on `page` since the user arrived there
    shared: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    pages: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    role: str | None = None

    def memory(self, key: str) -> dict[str, list[str]]:
        return self.shared if key in SHARED_PARAMS else self.pages.setdefault(self.page, {})


def _nav() -> _Nav:
    nav = st.session_state.get(_NAV_STATE)
    if not isinstance(nav, _Nav):
        nav = _Nav()
        st.session_state[_NAV_STATE] = nav
    return nav


def _arrive(page: str, role: str | None) -> _Nav:
    nav = _nav()
    nav.fresh = nav.page != page
    nav.page = page
    nav.role = role
    return nav


def link_params() -> dict[str, list[str]]:
    """The query parameters every link carries: the user's cross-page choices, nothing else."""
    return {k: list(v) for k, v in _nav().shared.items() if v}


def _draw_nav() -> None:
    slot = st.session_state.get(_NAV_SLOT)
    if slot is None:
        return
    nav = _nav()
    with slot.container():
        for path, label, page_icon in NAV:
            if (config.REPO_ROOT / path).exists() and auth.can_open(nav.role, path):
                st.page_link(path, label=label, icon=page_icon, query_params=link_params())


def page_link(path: str, label: str, icon: str | None = None, container: Any = st) -> None:
    """An in-page link to another page that keeps the user's cross-page choices (brand, year, …)."""
    container.page_link(path, label=label, icon=icon, query_params=link_params())


def _remember(key: str, raw: list[str]) -> None:
    nav = _nav()
    nav.memory(key)[key] = raw
    if key in SHARED_PARAMS:
        _draw_nav()  # the links drawn above this widget must carry the new choice


def _unknown_page() -> str | None:
    """The page name the browser asked for when no page has it (`/nosuchpage`), else None. Streamlit
    then runs the main script (the Overview) behind a small "page not found" dialog and rewrites the
    address to `/`; the frame shows a proper not-found page with links instead of the Overview."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    asked = run.pages_manager.intended_page_name if run is not None else None
    known = {Path(path).stem for path, _, _ in NAV if path != "app.py"}
    return asked if asked and asked not in known else None


def _not_found(asked: str) -> None:
    title("This page does not exist")
    markdown("There is no page called **{asked}**. These are the pages of evdash:", asked=text.cut(asked))
    nav = _nav()
    for path, label, page_icon in NAV:
        if (config.REPO_ROOT / path).exists() and auth.can_open(nav.role, path):
            page_link(path, label=label, icon=page_icon)
    st.stop()


def frame(title: str, *, required_role: str = "viewer") -> Context:
    """Call first on every page: page config, access check, shared sidebar (navigation, data as-of), the
    main-area slot where URL notices appear (visible on a phone, where the sidebar is collapsed).
    With auth on, an anonymous visitor sees a sign-in screen and a visitor without `required_role`
    (or the role `auth.PAGE_MIN_ROLE` gives this page) a refusal; both stop before any data is read.
    The favicon is a local file: a Material icon here would make the browser fetch it from a CDN."""
    st.set_page_config(page_title=f"{title} · evdash", page_icon=str(FAVICON), layout="wide")
    page = _caller_page()
    role = _gate(required_role, page)
    _arrive(page, role)
    _freeze_startup_objects()
    _data_updates_notice()
    st.session_state[_NOTICE_AREA] = st.container()
    with st.sidebar:
        # Each pair is one element (the name over its tagline, the rule over the as-of line): every
        # element is built and sent on every run of every page (server_bench, issue 13 item 7).
        st.markdown("### evdash\n:gray[:small[EV expansion dashboard]]")
        st.session_state[_NAV_SLOT] = st.empty()
        _draw_nav()
        as_of_slot = st.empty()
        known = known_date()
    db_file = current_db_file() if known is None else _known_db_file(known, current_db_file())
    version, as_of = _data_version(db_file)
    ctx = Context(db_file, version, as_of, known)
    caption(
        "---\n\nData as of **{as_of}** · version {version}",
        container=as_of_slot,
        as_of=labels.day(as_of),
        version=version,
    )
    if known is not None:
        info(
            "**Data as evdash knew it on {known}** (version {version}): figures and files that arrived later "
            "are left out. Set *Data as known on* in the sidebar back to today for the current data.",
            icon=":material/history:",
            container=st.session_state[_NOTICE_AREA],
            known=labels.day(known),
            version=version,
        )
    with st.sidebar:
        if auth_enabled():
            caption("Signed in as {user} · {role}", user=current_user(), role=role or "no role")
            st.button("Sign out", icon=":material/logout:", on_click=_sign_out, key="logout")
    asked = _unknown_page() if page == "app.py" else None
    if asked:
        _not_found(asked)
    return ctx


def _notice(message: str | None) -> None:
    """A URL notice in the main area (top of the page), whatever container the widget is drawn in."""
    if message:
        area = st.session_state.get(_NOTICE_AREA)
        warning("{message}", icon=":material/link_off:", container=area or st, message=message)


def _sync_url(key: str, raw: list[str], default_raw: list[str]) -> None:
    """The URL holds the user's choice; a default is left out, except where the address the user opened
    already says it. Dropping it there would make Streamlit push a second history entry for the same
    view, and the browser's Back button would land on that entry, where the same page dropped it again,
    so Back never left the page (a sidebar link carrying `year=2025` into a page whose default is 2025)."""
    if raw == default_raw:
        if key in st.query_params and list(st.query_params.get_all(key)) != raw:
            del st.query_params[key]
    elif len(raw) == 1:
        st.query_params[key] = raw[0]
    else:
        st.query_params[key] = raw


def forget(*keys: str) -> None:
    """Drop URL-bound filters (their widget state, URL parameter and remembered choice) so they return
    to their defaults on this run. Use as a widget's `on_change` when another filter's default depends
    on that widget: e.g. the duty class defaults to the chosen car's class in the data, so picking
    another car must not carry the previous car's class over."""
    nav = _nav()
    for key in keys:
        st.session_state.pop(key, None)
        nav.memory(key).pop(key, None)
        if key in st.query_params:
            del st.query_params[key]


def set_choice(key: str, value: object) -> None:
    """Set a URL widget's value from code (a preset button, a click on the map) as if the user had
    chosen it: usable in a callback or before the widget is drawn in this run."""
    st.session_state[key] = value
    _remember(key, _to_raw(value))


def _to_raw(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, dt.date):
        return [value.isoformat()]
    return [str(value)]


def _changed(key: str, user_callback: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    """on_change of every URL widget: the user chose this value, so remember it. Callbacks run before
    the page script, so the previous run's navigation slot is dropped first (frame() draws a new one)."""
    st.session_state.pop(_NAV_SLOT, None)
    _remember(key, _to_raw(st.session_state.get(key)))
    if user_callback is not None:
        user_callback(*args)


def _url_widget(
    key: str,
    parse: Callable[[list[str]], tuple[T, str | None]],
    valid: Callable[[Any], bool],
    default: T,
    draw: Callable[..., Any],
    kwargs: dict[str, Any],
) -> Any:
    """The one path every URL widget takes (see the section comment above)."""
    nav = _nav()
    if nav.fresh or key not in st.session_state or not valid(st.session_state[key]):
        from_url = list(st.query_params.get_all(key))
        remembered = nav.memory(key).get(key, [])
        value, notice = parse(from_url or remembered)
        if notice:
            _notice(notice)
        elif from_url and from_url != remembered:
            _remember(key, from_url)  # an explicit choice: a link or a URL the user opened
        st.session_state[key] = value
    user_callback = kwargs.pop("on_change", None)
    user_args = tuple(kwargs.pop("args", ()))
    value = draw(key=key, on_change=_changed, args=(key, user_callback, user_args), **kwargs)
    _sync_url(key, _to_raw(value), _to_raw(default))
    return value


def url_select(
    label: str, key: str, options: Mapping[str, str], default: str, container: Any = st, **kwargs: Any
) -> str:
    """A selectbox whose value lives in the URL as a stable code (`?key=CODE`). A bad or inapplicable
    code falls back to the default with a notice in the main area."""
    codes = list(options)
    if default not in options:
        default = codes[0]
    value = _url_widget(
        key,
        lambda raw: filters.parse_choice(raw, options, default, label.lower()),
        lambda v: v in options,
        default,
        lambda **kw: container.selectbox(text.md(label), codes, format_func=lambda c: options[c], **kw),
        kwargs,
    )
    return str(value)


def url_multiselect(
    label: str,
    key: str,
    options: Mapping[str, str],
    default: Sequence[str],
    container: Any = st,
    **kwargs: Any,
) -> list[str]:
    codes = list(options)
    chosen_default = [d for d in default if d in options]
    value = _url_widget(
        key,
        lambda raw: filters.parse_multi(raw, options, chosen_default, label.lower()),
        lambda v: all(c in options for c in v),
        chosen_default,
        lambda **kw: container.multiselect(text.md(label), codes, format_func=lambda c: options[c], **kw),
        kwargs,
    )
    return list(value)


def url_int(
    label: str, key: str, default: int, minimum: int, maximum: int, container: Any = st, **kwargs: Any
) -> int:
    value = _url_widget(
        key,
        lambda raw: filters.parse_int(raw, default, label.lower(), minimum, maximum),
        lambda v: isinstance(v, int) and minimum <= v <= maximum,
        default,
        lambda **kw: container.slider(text.md(label), min_value=minimum, max_value=maximum, **kw),
        kwargs,
    )
    return int(value)


def url_date(
    label: str,
    key: str,
    default: dt.date,
    minimum: dt.date,
    maximum: dt.date,
    container: Any = st,
    **kwargs: Any,
) -> dt.date:
    """A date input whose value lives in the URL as `?key=YYYY-MM-DD` (same pattern as url_int)."""
    value = _url_widget(
        key,
        lambda raw: filters.parse_date(raw, default, label.lower(), minimum, maximum),
        lambda v: isinstance(v, dt.date) and minimum <= v <= maximum,
        default,
        lambda **kw: container.date_input(text.md(label), min_value=minimum, max_value=maximum, **kw),
        kwargs,
    )
    assert isinstance(value, dt.date)
    return value


# --- Text reaches Streamlit here. ----------------------------------------------------------------------
# Pages never hand a value from the URL or the data to st.title/st.caption/st.markdown/notices/metrics
# themselves: they call these, with a developer-written template and the values as keyword arguments
# (`ui.title("What would the {car} cost in {market}?", car=..., market=...)`). The template may use
# Markdown; every value is escaped (`evdash.text.md`), so it shows literally and fetches nothing.


def _md(template: str, values: Mapping[str, Any]) -> str:
    return text.md_format(template, values) if values else template


def title(template: str, **values: Any) -> None:
    st.title(_md(template, values), anchor=False)


def header(template: str, **values: Any) -> None:
    st.header(_md(template, values), anchor=False)


def subheader(template: str, container: Any = st, **values: Any) -> None:
    container.subheader(_md(template, values), anchor=False)


def caption(template: str, container: Any = st, **values: Any) -> None:
    container.caption(_md(template, values))


def markdown(template: str, container: Any = st, **values: Any) -> None:
    container.markdown(_md(template, values))


def success(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.success(_md(template, values), icon=icon)


def info(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.info(_md(template, values), icon=icon)


def warning(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.warning(_md(template, values), icon=icon)


def error(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.error(_md(template, values), icon=icon)


def metric(
    container: Any,
    label: object,
    value: object,
    delta: object = None,
    help: object = None,
    **kwargs: Any,
) -> None:
    """`st.metric` with label, value, delta and tooltip all shown as plain text (each is data)."""
    container.metric(
        text.md(label),
        text.md(value),
        None if delta is None else text.md(delta),
        help=None if help is None else text.md(help),
        **kwargs,
    )


def kpis(items: Sequence[Any], captions: bool = False) -> None:
    """A row of KPI cards exactly as the core decided them (`evdash.kpis.Kpi`: label, value, delta,
    tooltip, tone), each shown as plain text; with `captions`, the provenance line under each card."""
    colour = {"off": "off", "good": "normal", "bad": "inverse"}
    for col, kpi in zip(st.columns(len(items)), items, strict=True):
        metric(
            col,
            kpi.label,
            kpi.value,
            kpi.delta,
            help=kpi.help,
            delta_color=colour[kpi.tone],
            delta_arrow="off",
        )
        if captions and kpi.caption:
            caption("{text}", container=col, text=kpi.caption)


IN_FORCE_PARAM = "on"
IN_FORCE_RANGE = (dt.date(2020, 1, 1), dt.date(2035, 12, 31))


def in_force_date(container: Any = None) -> dt.date:
    """The one date every page prices on (duties, VAT, FX, the brand's status): today by default, or
    the user's choice, carried from page to page as `?on=YYYY-MM-DD`. Pages that price call this once
    and pass the date to the core; the page states it in its main area."""
    return url_date(
        "Duties, VAT and FX in force on",
        IN_FORCE_PARAM,
        today(),
        *IN_FORCE_RANGE,
        container=container if container is not None else st.sidebar,
        help="Every duty, VAT rate and exchange rate on this page is the one in force on this date.",
    )


def freshness(ctx: Context, kinds: Sequence[str], brand: str = "", container: Any = st) -> None:
    """The page's staleness line, in its main area: how old the newest figure of each kind the page uses is
    ("latest monthly delivery figure: Feb 2026 — 9 months before today (1 Dec 2026)"), computed by the core
    (evdash.freshness); a notice instead of a caption when any of them is older than six months."""
    from evdash import freshness as fresh

    frame = query(ctx, queries.freshness, brand=brand)
    items = computed(ctx, fresh.freshness, frame, list(kinds), today())
    if not items:
        caption("No dated figures of this kind in the data.", container=container)
        return
    line = " · ".join(i.text for i in items)
    if any(i.stale for i in items):
        info("{line}", icon=":material/history:", container=container, line=line)
    else:
        caption(":material/schedule: {line}", container=container, line=line)


def overdue_sources(ctx: Context, limit: int | None = None, first: str = "", container: Any = st) -> Any:
    """Which recurring sources are overdue and since when, in the words of `evdash.freshness.overdue_words`
    (the same sentence as `evdash status` and the briefing), judged on `today()`; at most `limit` of them
    named (the sources of subject `first` first). Nothing is shown when every source is on time. Returns
    the sources' statuses (for a table)."""
    from evdash import freshness as fresh

    statuses = computed(ctx, fresh.source_status, query(ctx, queries.source_status), today())
    words = fresh.overdue_words(statuses, limit, first)
    if words:
        caption(":material/event_busy: {words}", container=container, words=words)
    return statuses


def tabs(labels: Sequence[object]) -> Sequence[Any]:
    """`st.tabs` with every label shown as plain text (a tab label is Markdown)."""
    return st.tabs([text.md(label) for label in labels])


def expander(label: object, expanded: bool = False, container: Any = st) -> Any:
    """`st.expander` with its label shown as plain text."""
    return container.expander(text.md(label), expanded=expanded)


def chart(
    fig: go.Figure,
    *,
    geo: bool = False,
    container: Any = st,
    **kwargs: Any,
) -> Any:
    """Every chart goes through here: full width, drawn with evdash's theme (not Streamlit's), the
    Plotly toolbar hidden (ten tab stops a keyboard user must pass, nothing a reader needs), a map with
    the shipped topology (never a CDN), and a one-line text alternative under it saying what it shows
    and its headline value (a screen reader gets nothing from the SVG). Extra keyword arguments go to
    `st.plotly_chart` (key, on_select, …)."""
    from evdash.figures.describe import text_alternative
    from evdash.figures.maps import map_config

    config: dict[str, Any] = {"displayModeBar": False}
    if geo:
        config = map_config(str(st.get_option("server.baseUrlPath") or ""))
    # theme=None: the chart is drawn as evdash.theme built it. Streamlit's own chart theme repainted tick
    # labels and axis titles #808495 (3.7:1 on white, below WCAG AA for small text) and fonts.
    event = container.plotly_chart(fig, width="stretch", config=config, theme=None, **kwargs)
    caption("{alt}", container=container, alt=getattr(fig, ALT_ATTRIBUTE, None) or text_alternative(fig))
    return event


MISSING_CELL = "—"
# A table of at most this many rows whose frame came from `query`/`computed` (it has a lineage key) is
# converted to Arrow once per data version and inputs: the conversion `st.dataframe` did on every run
# was 60–70 % of `table`'s time (py-spy, /markets and /expansion). Streamlit sends a pyarrow.Table as
# the same bytes it makes of the frame (it converts with this same function); larger frames, which
# Streamlit may page lazily, keep its own path.
TABLE_CACHE_MAX_ROWS = 10_000


def _whole_day_columns(frame_: pd.DataFrame) -> tuple[str, ...]:
    """The datetime columns holding whole days only (shown as dates, not '2025-09-04 00:00:00').
    By dtype first: selecting every column of every table (a new Series each) was a third of
    `table`'s time on /expansion (py-spy)."""
    found = []
    for name, dtype in zip(frame_.columns.tolist(), frame_.dtypes.tolist(), strict=True):
        if pd.api.types.is_datetime64_any_dtype(dtype):
            days = frame_[name].dropna()
            if (days == days.dt.normalize()).all():
                found.append(name)
    return tuple(found)


@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_table(key: bytes, _frame: pd.DataFrame) -> tuple[Any, tuple[str, ...]]:
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(_frame), _whole_day_columns(_frame)


# The description (for screen readers) of a table that shows an import format: the file's own column
# names and codes, on purpose (Data → Browse tables; tests/test_words.py lets these keep their codes).
IMPORT_FORMAT_ALT = "Import format"


def table(
    frame_: pd.DataFrame,
    columns: Mapping[str, Any] | None = None,
    *,
    import_format: str | None = None,
    container: Any = st,
    **kwargs: Any,
) -> Any:
    """Every table goes through here: full width, no index, a missing value shown as "—" (Streamlit
    writes "None" into an empty cell unless told otherwise) and a column of whole days shown as dates
    (not "2025-09-04 00:00:00"). `columns` is the `column_config` (headers a person reads, number
    formats, links; None hides a column). Show codes as their labels first (`evdash.labels.for_people`);
    the download beside a table is the same frame. A table of an import format (`import_format`: what
    it is, e.g. "deliveries") keeps the file's column names and codes and says so."""
    config: dict[str, Any] = dict(columns or {})
    data: Any = frame_
    if id(frame_) in _LINEAGE and len(frame_) <= TABLE_CACHE_MAX_ROWS and "on_select" not in kwargs:
        data, days = _cached_table(frame_digest(frame_), frame_)
    else:
        days = _whole_day_columns(frame_)
    for name in days:
        if name not in config:
            config[name] = st.column_config.DateColumn(str(name))
    if import_format is not None:
        kwargs["alt"] = f"{IMPORT_FORMAT_ALT} of {import_format}: the file's columns and codes"
    return container.dataframe(
        data,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=MISSING_CELL,
        **kwargs,
    )


# Tables shown on more than one page, with the same headers everywhere.
DUTY_CHANGE_COLUMNS: Mapping[str, Any] = {
    "on_date": st.column_config.DateColumn("From"),
    "duty_before": "Duty before",
    "duty_after": "Duty from then",
    "what_changed": "What changed",
    "when": "When",
}
REGISTRATION_COLUMNS: Mapping[str, Any] = {
    "market_code": None,
    "market_name": "Market",
    "period_label": "Period",
    "month_from": None,
    "month_to": None,
    "subject_kind": "Counts",
    "subject": "Brand, model or group",
    "brand_id": None,
    "units": st.column_config.NumberColumn("Registrations", format="localized"),
    "qualifier": "As the source words it",
    "share_pct": st.column_config.NumberColumn("Share of market %", format="%.1f"),
    "scope_note": "What it counts",
    "confidence": "Confidence",
    "as_of": st.column_config.DateColumn("As of"),
    "source_url": st.column_config.LinkColumn("Source"),
}


def download_buttons(
    ctx: Context,
    frame_: pd.DataFrame,
    view: str,
    filters_: Mapping[str, object],
    key: str,
    sources: Sequence[str] = (),
    container: Any = st,
) -> None:
    """CSV of exactly `frame_`, a ZIP with the same CSV plus a README of filters and provenance, and an
    Excel workbook of the same rows (typed columns, an "About this export" sheet: `exports.xlsx_bytes`)."""
    if ctx.known is not None:  # the vintage: the file says which day's knowledge it holds
        filters_ = {**filters_, "known": ctx.known.isoformat()}
    csv_name = exports.export_filename(view, filters_, ctx.as_of)
    # What the downloads are made of, as of this run; the README, the source list and every file are
    # built only when a button is clicked (the source scan alone was a fifth of a page's downloads).
    snapshot = frame_.copy(deep=False)  # copy-on-write: the page's later changes never reach it
    filters_, sources = dict(filters_), tuple(sources)

    def readme() -> str:
        return exports.readme_text(view, filters_, ctx.version, ctx.as_of, list(snapshot.columns), sources)

    on = filters_.get("on")
    in_force = str(on) if on is not None else f"not used by this view (exported {today():%Y-%m-%d})"

    def all_sources() -> list[str]:
        return list(dict.fromkeys([*sources, *exports.frame_sources(snapshot)]))

    # One horizontal flex row, not st.columns(3): a columns row is four blocks Streamlit builds and sends
    # (the row and a block per column) against one here, on every run, for every table; the buttons
    # share the row's width and wrap under each other on a narrow screen, as the columns stacked.
    row = container.container(horizontal=True, gap="small")
    row.download_button(
        "Download CSV",
        data=_csv_callable(snapshot),
        file_name=csv_name,
        mime="text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    row.download_button(
        "CSV + notes (.zip)",
        data=lambda: exports.zip_bytes(snapshot, readme()),
        file_name=csv_name.removesuffix(".csv") + ".zip",
        mime="application/zip",
        key=f"{key}-zip",
        on_click="ignore",
        icon=":material/folder_zip:",
        width="stretch",
    )
    row.download_button(
        "Excel (.xlsx)",
        data=lambda: exports.xlsx_bytes(
            snapshot, view, filters_, ctx.version, ctx.as_of, in_force, all_sources()
        ),
        file_name=csv_name.removesuffix(".csv") + ".xlsx",
        mime=exports.XLSX_MIME,
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        width="stretch",
    )


def _csv_callable(snapshot: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: exports.csv_bytes(snapshot)


def today() -> dt.date:
    return dt.date.today()


def repo_path(relative: str) -> Path:
    return config.REPO_ROOT / relative


def analyst_notes(
    ctx: Context, marks: pd.DataFrame, view: str, filters_: Mapping[str, object], key: str
) -> None:
    """Analyst notes on what this view shows (rows of `evdash.notes.for_markets` / `chart_marks`): a
    table of the whole note, what it is attached to and its link, with its download; nothing when there
    are none. Notes are written on the Sources page."""
    if marks.empty:
        return
    subheader("Analyst notes")
    table(
        marks,
        {
            "note_id": None,
            "attached_to": None,
            "date": None,
            "end": None,
            "attached": "Attached to",
            "what": None,
            "detail": "Note",
            "link": st.column_config.LinkColumn("Link"),
            "author": None,
        },
    )
    download_buttons(ctx, marks, view, filters_, key=key)
