"""The import journal in a local folder (the default): `<db folder>/imports/`, or `EVDASH_IMPORTS`.

    imports/<kind>-<sha256>.csv     every accepted file, content-addressed
    imports/manifest.jsonl          one JSON line per accepted batch, in order
    imports/.lock                   held (flock) by the import in progress; holds its pid

Commit: the files are written under temp names, fsynced and renamed; then the batch's manifest line is
appended and fsynced (the commit point). A torn last line (an import killed while appending) is ignored
and cut off before the next append, so a batch is either wholly in the manifest or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from evdash import locks
from evdash.csvread import SeedError
from evdash.journal.base import Batch, ImportFile, busy, crash_point

MANIFEST = "manifest.jsonl"
LOCK = ".lock"


def stored_path(folder: Path, kind: str, sha256: str) -> Path:
    return folder / f"{kind}-{sha256}.csv"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalJournal:
    """Accepted batches in `folder` (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def where(self) -> str:
        return str(self.folder)

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        try:
            with locks.exclusive(self.folder / LOCK, timeout):
                yield
        except locks.LockTimeout as exc:
            raise busy(exc.holder, timeout) from None

    def batches(self) -> list[Batch]:
        if not self.manifest.exists():
            return []
        out = []
        for line in self.manifest.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            try:
                body = json.loads(line)
            except json.JSONDecodeError:
                continue  # only possible for the torn last line
            out.append(Batch.from_record(body))
        return out

    def latest_batch_id(self) -> int:
        accepted = self.batches()
        return accepted[-1].batch_id if accepted else 0

    def read_file(self, batch: Batch, file: ImportFile) -> tuple[str, bytes]:
        path = stored_path(self.folder, file.kind, file.sha256)
        label = f"{file.file_name} (import #{batch.batch_id}, {path.name})"
        if not path.exists():
            raise SeedError([f"{label}: accepted import file is missing from {self.folder}"])
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != file.sha256:
            raise SeedError([f"{label}: file content does not match its recorded sha256"])
        return label, data

    def commit(self, batch: Batch) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for f in batch.files:
            self._store(f)
        _fsync_dir(self.folder)
        crash_point("stored")
        self._append_manifest(batch.line())

    def wait_for_batch(self, timeout: float) -> bool:
        time.sleep(timeout)  # no notifications from a folder: the caller polls
        return False

    def close(self) -> None:
        pass

    def _store(self, f: ImportFile) -> None:
        """Content-addressed copy written to a temp name and renamed: a killed import leaves no partial
        file."""
        target = stored_path(self.folder, f.kind, f.sha256)
        if target.exists() or (f.data is None and f.path is None):
            return
        tmp = self.folder / f".{target.name}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                f.copy_to(fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, target)

    def _append_manifest(self, line: str) -> None:
        with open(self.manifest, "ab+") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size:
                fh.seek(max(0, size - 1))
                if fh.read(1) != b"\n":  # torn line from a killed import: cut it off
                    fh.seek(0)
                    content = fh.read()
                    fh.truncate(content.rfind(b"\n") + 1)
            fh.seek(0, os.SEEK_END)
            payload = line.encode("utf-8") + b"\n"
            if os.environ.get("EVDASH_IMPORT_CRASH_AT") == "manifest_torn":
                fh.write(payload[: len(payload) // 2])
                fh.flush()
                crash_point("manifest_torn")
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(self.folder)
