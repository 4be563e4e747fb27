"""What the import journal holds and what every journal offers.

The database is *seeds + accepted import batches, replayed in order*. A batch is one accepted import:
its files (content-addressed by sha256) and what applying them did. The journal is where accepted
batches live: a local folder (`evdash.journal.local`, the default) or a PostgreSQL database shared by
several app servers (`evdash.journal.postgres`, `EVDASH_JOURNAL`). Both offer the same `Journal`
interface, so the importer and the build do not know which one they write to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypedDict, cast

from evdash.csvread import SeedError


class ImportRefused(RuntimeError):
    """An import could not be taken on now; nothing was changed. Try again later."""


class ImportBusy(ImportRefused):
    """Another import holds the journal's lock longer than the timeout."""


def busy(holder: str, timeout: float) -> ImportBusy:
    """The refusal when another writer of this folder or journal held the lock for `timeout` seconds."""
    return ImportBusy(
        f"another import or build is running (process {holder}); waited {timeout:g} s - "
        "nothing was changed, try again when it has finished"
    )


class JournalUnavailable(ImportRefused):
    """The journal (the shared PostgreSQL database) cannot be reached."""


class Change(TypedDict):
    """One changed value of an existing row: old → new, as text."""

    key: str
    column: str
    old: str | None
    new: str | None


class FileRecord(TypedDict, total=False):
    """What the journal keeps about an applied file (the counts as they were when it was accepted)."""

    kind: str
    file_name: str
    sha256: str
    rows: int
    added: int
    changed: int
    unchanged: int
    sources_added: int
    changes: list[Change]
    notes: list[str]


@dataclass
class ImportFile:
    kind: str
    file_name: str
    sha256: str
    size: int
    data: bytes | None = None  # in memory until the batch is accepted
    stats: FileRecord | None = None  # as recorded in the journal
    path: Path | None = None  # or on disk (an import of a file): read as a stream, never held whole

    def content(self) -> bytes | None:
        """The file's bytes (read from `path` and checked against the sha256 when it is on disk)."""
        if self.data is not None or self.path is None:
            return self.data
        data = self.path.read_bytes()
        self._check(hashlib.sha256(data).hexdigest())
        return data

    def copy_to(self, out: BinaryIO) -> None:
        """Write the file's bytes to `out` (from `path` block by block, checked against the sha256)."""
        if self.path is None:
            out.write(self.data or b"")
            return
        digest = hashlib.sha256()
        with open(self.path, "rb") as source:
            while block := source.read(1 << 20):
                digest.update(block)
                out.write(block)
        self._check(digest.hexdigest())

    def _check(self, sha256: str) -> None:
        if sha256 != self.sha256:
            raise SeedError(
                [
                    f"{self.file_name}: the file changed while it was being imported (its content no "
                    "longer matches what was checked); nothing was changed, import it again"
                ]
            )


_FILE_IDENTITY = frozenset({"kind", "file_name", "sha256", "size"})


@dataclass
class Batch:
    batch_id: int
    imported_at: str
    imported_by: str
    version: str
    files: list[ImportFile]

    def record(self) -> dict[str, object]:
        """The batch as one JSON object (a manifest line; a row of the shared journal)."""
        files = [
            {"kind": f.kind, "file_name": f.file_name, "sha256": f.sha256, "size": f.size, **(f.stats or {})}
            for f in self.files
        ]
        return {
            "batch_id": self.batch_id,
            "imported_at": self.imported_at,
            "imported_by": self.imported_by,
            "version": self.version,
            "files": files,
        }

    def line(self) -> str:
        return json.dumps(self.record(), ensure_ascii=False, sort_keys=True, default=str)

    @classmethod
    def from_record(cls, body: dict[str, object]) -> Batch:
        files_raw = cast(list[dict[str, object]], body["files"])
        files = [
            ImportFile(
                str(f["kind"]),
                str(f["file_name"]),
                str(f["sha256"]),
                int(cast(int, f.get("size", 0))),
                stats=cast(FileRecord, {k: v for k, v in f.items() if k not in _FILE_IDENTITY}),
            )
            for f in files_raw
        ]
        return cls(
            int(cast(int, body["batch_id"])),
            str(body["imported_at"]),
            str(body["imported_by"]),
            str(body["version"]),
            files,
        )


class Journal(Protocol):
    """The accepted import batches, wherever they are kept."""

    @property
    def where(self) -> str:
        """Where the journal is, for messages (a folder, or a DSN without its password)."""
        ...

    def lock(self, timeout: float) -> contextlib.AbstractContextManager[None]:
        """Exclusive for one import at a time among every writer of this journal (every app server
        sharing it). Raises ImportBusy after `timeout` seconds, JournalUnavailable if unreachable."""
        ...

    def batches(self) -> list[Batch]:
        """Accepted batches in order. Raises JournalUnavailable."""
        ...

    def latest_batch_id(self) -> int:
        """Id of the last accepted batch (0 when none): the cheap "anything new?" check."""
        ...

    def read_file(self, batch: Batch, file: ImportFile) -> tuple[str, bytes]:
        """(label for messages, bytes) of an accepted file, checked against its sha256 (SeedError
        when missing or altered)."""
        ...

    def commit(self, batch: Batch) -> None:
        """Store the batch's files and record the batch, all or nothing: the commit point of an
        import. Called while holding `lock`."""
        ...

    def wait_for_batch(self, timeout: float) -> bool:
        """Return when a batch was committed (True) or after `timeout` seconds (False).
        Raises JournalUnavailable."""
        ...

    def close(self) -> None:
        """Release what `wait_for_batch` keeps open."""
        ...


# --- test hooks --------------------------------------------------------------------------------------


def crash_point(stage: str) -> None:
    """Test hook: EVDASH_IMPORT_CRASH_AT=<stage> kills this process right there (like kill -9), so the
    tests can prove that an interruption at every step leaves the previous version serving."""
    if os.environ.get("EVDASH_IMPORT_CRASH_AT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def hold_point(stage: str) -> None:
    """Test hook: with EVDASH_IMPORT_HOLD_AT=<stage> and EVDASH_IMPORT_HOLD_FILE=<path>, an import
    reaching `stage` creates `<path>.reached` and waits (up to 5 minutes) while `<path>` exists, so a
    test can stop PostgreSQL at that exact moment."""
    hold = os.environ.get("EVDASH_IMPORT_HOLD_FILE")
    if not hold or os.environ.get("EVDASH_IMPORT_HOLD_AT") != stage:
        return
    Path(hold + ".reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + 300
    while Path(hold).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
