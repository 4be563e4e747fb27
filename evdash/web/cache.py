"""The data behind every page: the process's read-only DuckDB connections (one per data version), the
data version of a run, and the shared caches of query results, figures and computed results. Every key
is explicit: the resolved database file (the data version), the query's or builder's qualified name and
the bound arguments (evdash.web.lineage), never the caller's frame."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from evdash import build, db, text
from evdash.web.lineage import HASH_FUNCS, arguments_key, lineage_key, own_copy, tag

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
def data_version(db_file: str) -> tuple[str, str]:
    """(version, as-of) of a resolved, immutable versioned database file: one query per file, not per run."""
    return db.data_version(_connection(db_file))


def current_db_file() -> str:
    return str(build.ensure_built())


_KNOWN_FILES: dict[tuple[dt.date, str], str] = {}


def known_db_file(known: dt.date, current: str) -> str:
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


def known_context(ctx: Context, known: dt.date | None) -> Context:
    """The context of the data as known on `known` (a scenario's own `known` date, e.g. on the Compare
    page); None or the page's own date: the page's context."""
    if known is None or known == ctx.known:
        return ctx
    db_file = known_db_file(known, current_db_file())
    version, as_of = data_version(db_file)
    return Context(db_file, version, as_of, known)


def _query_function(name: str) -> Callable[..., pd.DataFrame]:
    """`evdash.<module>:<function>` → the function (only functions of evdash modules)."""
    module_name, _, function_name = name.partition(":")
    if not module_name.startswith("evdash."):
        raise ValueError(f"not an evdash query function: {name}")
    function: Callable[..., pd.DataFrame] = getattr(importlib.import_module(module_name), function_name)
    return function


# Query results and computations are shared by every session of the process (st.cache_resource: no
# pickling, no unpickling on every call, which was 10-15 % of a warm page run, py-spy) and each caller gets
# its own shallow copy (`own_copy`): with pandas' copy-on-write, a change to the copy copies first, so the
# shared original never changes.
# `key` is the exact lineage key of (database, function, parameters) when they are of kinds it knows
# (strings, numbers, dates, tuples of them), else the parameters themselves: Streamlit's hasher walking
# the parameters on every call was 7 % of a warm /market_mix run (py-spy); a 16-byte key costs nothing.
@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_query(db_file: str, name: str, key: Any, _params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    function = _query_function(name)
    return function(_connection(db_file), **{k: list(v) if isinstance(v, tuple) else v for k, v in _params})


def query(ctx: Context, function: Callable[..., pd.DataFrame], **params: Any) -> pd.DataFrame:
    """Run a query function (a typed function of `evdash.queries`, or a core function that takes the
    connection first and dispatches to them, such as `expansion.map_frame`) through the cache. The key
    holds the resolved database file, so a new data version is never answered from an older one's
    cache."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    name = f"{function.__module__}:{function.__name__}"
    # Keyword arguments: Streamlit names each positional argument through inspect.signature, per call.
    key = lineage_key(("query", ctx.db_file, name, frozen))
    cached = _cached_query(db_file=ctx.db_file, name=name, key=frozen if key is None else key, _params=frozen)
    frame = own_copy(cached)
    if key is not None:
        tag(frame, key, f"ui.query({function.__name__})")
    return frame


FIGURE_CACHE_ENTRIES = 256
ALT_ATTRIBUTE = "_evdash_alt"  # a cached figure's text alternative (evdash.figures.describe)


@st.cache_resource(
    max_entries=FIGURE_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False, hash_funcs=HASH_FUNCS
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
        key=arguments_key(args, frozen),
        _builder=builder,
        _args=args,
        _kwargs=frozen,
    )


@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False, hash_funcs=HASH_FUNCS)
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
    key = arguments_key(args, frozen)
    result: T = own_copy(
        _cached_result(
            db_file=ctx.db_file, function_name=name, key=key, _function=function, _args=args, _kwargs=frozen
        )
    )
    if isinstance(key, bytes):
        lineage = hashlib.blake2b(repr(("computed", ctx.db_file, name, key)).encode(), digest_size=16)
        tag(result, b"L" + lineage.digest(), f"ui.computed({name})")
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


@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_view(
    db_file: str, service_name: str, key: Any, _service: Callable[..., Any], _scenario: Any
) -> Any:
    with _connection(db_file).cursor() as cur:
        return _service(cur, _scenario)


def view(ctx: Context, service: Callable[[duckdb.DuckDBPyConnection, Any], T], scenario: Any) -> T:
    """A service's view model (`evdash.services`): `service(cursor, scenario)` computed once per data
    version and scenario and shared by every session of the process. The key is the resolved database
    file, the service's name and the scenario's values (a frozen dataclass of scalars), never the frames
    the service reads. Each caller gets its own shallow copy of the view model's own frames; frames of a
    part it holds (e.g. `OverviewView.part`) are shared: read them, never modify them."""
    name = f"{service.__module__}.{service.__qualname__}"
    key = lineage_key(("view", scenario))
    result: T = own_copy(
        _cached_view(
            db_file=ctx.db_file,
            service_name=name,
            key=key if key is not None else scenario,
            _service=service,
            _scenario=scenario,
        )
    )
    return _tagged(ctx, "view", name, key, result)


def _tagged(ctx: Context, kind: str, name: str, key: Any, result: T) -> T:
    """A cached view's result whose own frames (fresh shallow copies) carry the call's lineage key."""
    if key is not None:
        lineage = hashlib.blake2b(repr((kind, ctx.db_file, name, key)).encode(), digest_size=16)
        tag(result, b"L" + lineage.digest(), f"ui.{kind}({name})")
    return result


@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_reader_view(
    db_file: str, service_name: str, key: Any, _service: Callable[..., Any], _reader: Any, _scenario: Any
) -> Any:
    return _service(_reader, _scenario)


def reader_view(ctx: Context, service: Callable[[Any, Any], T], scenario: Any) -> T:
    """Like `view`, for a service that reads through a `Reader` (`tariff_watch.watch`): its result is
    computed once per data version and scenario and shared by every session, so a click that returns to
    a scenario costs a lookup; inside, its queries and steps still go through the page's caches
    (`reader`), so its first run shares them with the page."""
    name = f"{service.__module__}.{service.__qualname__}"
    key = lineage_key(("reader_view", scenario))
    result: T = own_copy(
        _cached_reader_view(
            db_file=ctx.db_file,
            service_name=name,
            key=key if key is not None else scenario,
            _service=service,
            _reader=_CachedReader(ctx),
            _scenario=scenario,
        )
    )
    return _tagged(ctx, "reader_view", name, key, result)


@contextlib.contextmanager
def cursor(ctx: Context) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the page's data version for one call that must not be cached: a check against the
    data before something is stored (`subscriptions.alert_subscription` on the Saved views page)."""
    with _connection(ctx.db_file).cursor() as cur:
        yield cur
