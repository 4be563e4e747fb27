"""Version files that prove themselves: the sha256 of each database version is recorded beside it when it
is built (`evdash-<version>.duckdb.sha256`), and checked before the file is served, re-used by a build or
reported by `evdash verify`. A damaged file is never opened for serving: `servable` picks the newest kept
version that verifies. Checking is cached per process and file, so a server hashes each version once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from evdash import config

CHECKSUM_SUFFIX = ".sha256"
_verified: dict[tuple[str, int, int, int], str | None] = {}


def checksum_file(version_path: Path) -> Path:
    """Where the sha256 of a version file is recorded when it is built: `evdash-<v>.duckdb.sha256`."""
    return version_path.with_name(version_path.name + CHECKSUM_SUFFIX)


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in 1 MB blocks (memory stays flat whatever the size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def record_checksum(tmp: Path, final: Path) -> None:
    """Record the sha256 of the completely written `tmp` for its future name `final` (before the rename,
    so a published version file always has its record)."""
    record = checksum_file(final)
    part = record.with_name(f".{record.name}.{os.getpid()}")
    part.write_text(f"{file_sha256(tmp)}  {final.name}\n")
    os.replace(part, record)


def verify(path: Path) -> str | None:
    """None when the version file `path` is whole (its sha256 is the one recorded when it was built; a
    file built before checksums were recorded must open and hold its build_info row), else what is wrong.
    The result is cached per process for that exact file (name, size, mtime, inode), so a server hashes
    each version once, when it first opens it, not on every page run."""
    try:
        st = path.stat()
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _verified:
        _verified[key] = _check(path)
    return _verified[key]


def _check(path: Path) -> str | None:
    record = checksum_file(path)
    try:
        if record.exists():
            expected = (record.read_text().split() or [""])[0]
            actual = file_sha256(path)
            if actual != expected:
                return (
                    f"{path}: damaged (sha256 {actual[:12]}… is not the {expected[:12] or '(empty)'}… "
                    f"recorded when it was built; {path.stat().st_size:,} bytes)"
                )
            return None
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("select version from build_info").fetchall()
    except duckdb.Error as exc:
        return f"{path}: damaged (no checksum recorded, and it does not open: {str(exc).splitlines()[0]})"
    return None


def kept_versions(db: Path) -> list[Path]:
    """Every version file in this folder, newest first."""
    found = list(config.versions_dir(db).glob("evdash-*.duckdb"))
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def servable(db: Path | None = None) -> tuple[Path, str | None]:
    """(file to serve, problem). The file the link points at when it verifies; else the newest kept
    version that does (problem names the damaged one, and the caller logs and repairs it). Raises
    FileNotFoundError when no kept version verifies."""
    link = db or config.db_path()
    current = link.resolve()
    problem = verify(current)
    if problem is None:
        return current, None
    for candidate in kept_versions(link):
        if candidate != current and verify(candidate) is None:
            return candidate, problem
    raise FileNotFoundError(f"{problem}; no other kept version verifies either: run `evdash build`")
