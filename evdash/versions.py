"""Versioned database files and the `current` link readers open.

Layout, beside the link `EVDASH_DB` (default `var/evdash.duckdb`):

    versions/evdash-<version>.duckdb     complete, immutable database files
    versions/.building-<pid>.duckdb      one being written (a temp name until it is complete)
    evdash.duckdb -> versions/evdash-<version>.duckdb

A version file is written under its temp name, fsynced and renamed into place (`publish`); the link is
then re-pointed atomically (`swap_link`). A reader that opened the previous file keeps reading it; the
next connection sees the new one. `version_id` is a content hash of the inputs, so the same seeds and the
same accepted imports give the same version id on every machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from evdash import config, locks
from evdash.integrity import checksum_file, record_checksum
from evdash.journal.base import Batch, busy

KEEP_OLD_VERSIONS = 3
LINK_LOCK = ".lock"
_VERSION_FILE = re.compile(r"evdash-([0-9a-f]+)\.duckdb")


@contextlib.contextmanager
def link_lock(db: Path, timeout: float) -> Iterator[None]:
    """One writer of this folder's version files and link at a time (a build, an import, a replica
    catching up with the shared journal). Raises ImportBusy after `timeout` seconds."""
    try:
        with locks.exclusive(config.versions_dir(db) / LINK_LOCK, timeout):
            yield
    except locks.LockTimeout as exc:
        raise busy(exc.holder, timeout) from None


def version_file(db: Path, version: str) -> Path:
    return config.versions_dir(db) / f"evdash-{version}.duckdb"


def building_file(db: Path) -> Path:
    """Temp name of a version this process is writing (named by pid, so strays can be recognised)."""
    return config.versions_dir(db) / f".building-{os.getpid()}.duckdb"


def version_id(seeds_version: str, batches: Sequence[Batch]) -> str:
    """Version id of seeds + imports: the seed hash extended with every import file's sha256 (verified
    against the stored file at replay), kind, order and who/when. No imports: the seed hash itself."""
    if not batches:
        return seeds_version
    digest = hashlib.sha256(seeds_version.encode())
    for b in batches:
        digest.update(f"{b.batch_id}|{b.imported_at}|{b.imported_by}".encode())
        for f in b.files:
            digest.update(f"{f.kind}|{f.sha256}|{f.file_name}".encode())
    return digest.hexdigest()[:16]


def current_version(db: Path | None = None) -> str | None:
    """Version id the link points at, or None when there is no database yet."""
    link = db or config.db_path()
    if not link.exists():
        return None
    match = _VERSION_FILE.fullmatch(link.resolve().name)
    return match.group(1) if match else None


def discard(tmp: Path) -> None:
    """Remove a half-written version file (and its WAL)."""
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def publish(tmp: Path, final: Path) -> None:
    """Make a completely written temp file the version file `final` (fsync, record its sha256, then
    rename)."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    record_checksum(tmp, final)
    os.replace(tmp, final)


def swap_link(db: Path, target: Path) -> None:
    """Atomically point `db` at `target` (relative link, so the folder can move)."""
    tmp = db.with_name(f".{db.name}.link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(target, db.parent), tmp)
    os.replace(tmp, db)


def drop(version_path: Path) -> None:
    """Delete a version file and its recorded checksum (whatever of them is still there)."""
    with contextlib.suppress(OSError):
        version_path.unlink()
    with contextlib.suppress(OSError):
        checksum_file(version_path).unlink()


def prune(db: Path, keep: Path) -> None:
    """Delete all but the newest KEEP_OLD_VERSIONS older version files, and temp files of dead builds."""
    versions = config.versions_dir(db)
    old = sorted((p for p in versions.glob("evdash-*.duckdb") if p != keep), key=lambda p: p.stat().st_mtime)
    for p in old[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else old:
        drop(p)
    for stray in _strays(versions):
        with contextlib.suppress(OSError):
            stray.unlink()


def _strays(versions: Path) -> Iterator[Path]:
    for stray in versions.glob(".building-*.duckdb*"):
        pid = stray.name.split("-")[1].split(".")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            yield stray


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
