"""Cache keys without frame introspection: a frame's exact digest, the lineage key of a cached call (data
version + function + bound arguments), the registry tying a handed-out frame to that key, and each
caller's own copy-on-write copy of a shared cached result. Pure pandas: no Streamlit here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import os
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


def own_copy(value: T) -> T:
    """A caller's own handle on a shared cached result: frames and series (also inside tuples, lists and
    dataclasses) as shallow copies; other values are immutable (scalars, strings, frozen dataclasses of
    them). Copy-on-write makes a shallow copy behave as an independent frame at O(columns) cost."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(own_copy(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [own_copy(v) for v in value]  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frames = {
            f.name: own_copy(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), pd.DataFrame | pd.Series | tuple | list)
        }
        return dataclasses.replace(value, **frames) if frames else value
    return value


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
        if content is not None and content_digest(frame) != content:
            raise RuntimeError(
                f"a frame returned by {origin} was modified in place and then passed to a cached "
                "figure or computation: its cache key would name the unmodified frame. Work on a copy "
                "(`.copy()`) or on a derived frame."
            )
        return key
    return content_digest(frame)


def content_digest(frame: pd.DataFrame | pd.Series) -> bytes:
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


HASH_FUNCS: dict[Any, Callable[[Any], Any]] = {pd.DataFrame: frame_digest, pd.Series: frame_digest}

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


def lineage_key(call: tuple[Any, ...]) -> bytes | None:
    parts = _key_parts(call)
    return None if parts is None else b"L" + hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


def tag(result: Any, key: bytes, origin: str) -> None:
    """Register the frames in a cached call's result (the result itself, the items of a tuple or the
    frame fields of a dataclass) under that call's key."""
    if isinstance(result, (pd.DataFrame, pd.Series)):
        ident = id(result)
        _LINEAGE[ident] = (key, content_digest(result) if _check_lineage() else None, origin)
        weakref.finalize(result, _LINEAGE.pop, ident, None)
    elif isinstance(result, tuple):
        for i, item in enumerate(result):
            if isinstance(item, (pd.DataFrame, pd.Series)):
                tag(item, key + b"[%d]" % i, origin)
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            item = getattr(result, f.name)
            if isinstance(item, (pd.DataFrame, pd.Series)):
                tag(item, key + b"." + f.name.encode(), origin)


def arguments_key(args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    """What a cached figure or computation is keyed on besides the data version and function: our own
    exact key bytes when `_key_parts` can describe every argument (frames by lineage or value, scalars,
    containers, dataclasses of those), which spares Streamlit's hasher walking dicts and dataclasses
    element by element (5–15 % of a warm /markets run, profiled); otherwise the arguments themselves,
    hashed by Streamlit with `HASH_FUNCS`."""
    key = lineage_key((args, kwargs))
    return key if key is not None else (args, kwargs)


def has_lineage(frame: pd.DataFrame | pd.Series) -> bool:
    """Whether `frame` was handed out by a cached call (and is keyed by where it came from)."""
    return id(frame) in _LINEAGE
