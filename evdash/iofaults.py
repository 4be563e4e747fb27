"""I/O faults named as such: a full disk, a quota, an I/O error or a read-only file system while writing a
database version, the import journal or a fetched file is the machine's problem, never an input file's.

    with iofaults.named("writing", tmp):
        ...  # an OSError(ENOSPC), or DuckDB's IOException/FatalException, becomes IOFault

`IOFault` says what happened and where ("no space left on device writing var/versions/.building-12.duckdb");
the CLI prints it and exits with `EXIT_CODE` (5), and the served data is unchanged (a version file is
only published when complete; the journal commits a batch whole or not at all).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

EXIT_CODE = 5  # documented in README.md, "Exit codes"

_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "input/output error",
    errno.EROFS: "read-only file system",
    errno.EFBIG: "file too large",
}
# DuckDB reports the operating system's message inside its own exceptions.
_DUCKDB_TEXT = {
    "no space left on device": "no space left on device",
    "disk quota exceeded": "disk quota exceeded",
    "input/output error": "input/output error",
    "read-only file system": "read-only file system",
    "file too large": "file too large",
}


class IOFault(RuntimeError):
    """The machine failed a read or write (disk full, I/O error); nothing served was changed."""

    def __init__(self, what: str, action: str, where: str) -> None:
        self.what, self.action, self.where = what, action, where
        super().__init__(f"{what} {action} {where}")


def fault_of(exc: BaseException) -> str | None:
    """What happened when `exc` is an I/O fault of the machine (not of an input file's content), else None."""
    if isinstance(exc, IOFault):
        return exc.what
    if isinstance(exc, OSError) and exc.errno in _ERRNOS:
        return _ERRNOS[exc.errno]
    if isinstance(exc, duckdb.Error):
        text = str(exc).lower()
        for needle, what in _DUCKDB_TEXT.items():
            if needle in text:
                return what
        if isinstance(exc, duckdb.IOException | duckdb.FatalException):
            return "I/O error (" + str(exc).splitlines()[0][:200] + ")"
    return None


def shown_path(where: Path | str) -> str:
    """`where` relative to the working folder when it is inside it (var/versions/…), else as given."""
    path = Path(where)
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path(os.getcwd()).resolve()))
    return str(path)


@contextlib.contextmanager
def named(action: str, where: Path | str) -> Iterator[None]:
    """Translate an I/O fault raised inside into IOFault("<what> <action> <where>"); other errors pass."""
    try:
        yield
    except IOFault:
        raise
    except BaseException as exc:
        what = fault_of(exc)
        if what is None:
            raise
        raise IOFault(what, action, shown_path(where)) from exc
