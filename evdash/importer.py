"""Analyst imports: validated, all-or-nothing, audited, replayed by every build.

Contract
- `import_files([(kind, file), ...], user=...)` applies every file together or none of them. It takes
  the journal's lock (one import at a time among every writer of the journal) and this folder's link
  lock, builds a NEW database version from the seeds + every accepted import + these files
  (`evdash.build.build` with `swap=False`), commits the batch to the journal (`Journal.commit`: the
  files and the batch's record, all or nothing — the commit point) and only then re-points the
  `current` link. A rejected import raises `SeedError` and writes nothing: the current database file
  stays byte-identical. An import that cannot be taken on now raises `ImportRefused` (`ImportBusy`:
  another import holds the lock; `JournalUnavailable`: the shared journal cannot be reached).
- Kill safety: the version file is written under a temp name and renamed when complete; the journal
  records a batch whole or not at all. A batch that is committed but whose link swap was interrupted
  is "accepted, not yet served": the next import or build replays it (roll-forward);
  `pending_batches()` reports it.
- `dry_run=True` builds the same thing in memory and returns what would change, writing nothing.
- The build (`evdash build`) replays the journal after the seeds, in order, so an accepted import
  survives rebuilds; `import_history` / `import_changes` tables in the database are filled from it.

What a file of each kind means and how it is applied: `evdash.apply`. Where accepted batches live:
`evdash.journal` (a local folder by default, PostgreSQL with `EVDASH_JOURNAL`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evdash import apply, config, csvread, iofaults, note_rules, versions
from evdash import build as build_mod
from evdash.apply import KIND_HELP, KINDS, FileStats
from evdash.csvread import SeedError
from evdash.journal import open_journal
from evdash.journal.base import (
    Batch,
    ImportBusy,
    ImportFile,
    ImportRefused,
    Journal,
    JournalUnavailable,
    crash_point,
    hold_point,
)

__all__ = [
    "KINDS",
    "KIND_HELP",
    "FileStats",
    "ImportBusy",
    "ImportRefused",
    "ImportResult",
    "JournalUnavailable",
    "default_user",
    "import_files",
    "pending_batches",
]


@dataclass
class ImportResult:
    batch: Batch
    files: list[FileStats]
    version: str
    path: Path | None
    dry_run: bool
    seconds: float
    recovered: list[int] = field(default_factory=list)  # batch ids rolled forward by this import


def pending_batches(db: Path | None = None, accepted: Sequence[Batch] | None = None) -> list[Batch]:
    """Accepted batches the served version does not include yet (an import killed after its batch was
    committed but before the link swap). The next import or build includes them. `accepted`: the
    journal's batches when the caller has read them already."""
    batches = list(accepted) if accepted is not None else open_journal(db).batches()
    served = versions.current_version(db)
    if not batches or served is None:
        return []
    for i in range(len(batches) - 1, -1, -1):
        if batches[i].version == served:
            return batches[i + 1 :]
    if served == build_mod.inputs_version(config.seeds_dir()):
        return batches
    return []


def default_user() -> str:
    return os.environ.get("EVDASH_USER") or getpass.getuser()


def import_files(
    files: Sequence[tuple[str, Path | tuple[str, bytes]]],
    db: Path | None = None,
    seeds: Path | None = None,
    user: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    lock_timeout: float | None = None,
) -> ImportResult:
    """Import `files` ([(kind, path) or (kind, (file name, bytes))]) together, or not at all.
    Raises SeedError (every problem, each naming file, line and column) or ImportRefused."""
    started = time.perf_counter()
    db = db or config.db_path()
    say = progress or (lambda _m: None)
    pending = _checked_files(files, user)
    seeds = seeds or config.seeds_dir()
    journal = open_journal(db)
    wait = config.import_lock_timeout() if lock_timeout is None else lock_timeout
    with journal.lock(wait), versions.link_lock(db, wait):
        accepted = journal.batches()
        recovered = [b.batch_id for b in pending_batches(db, accepted)]
        batch = Batch(
            batch_id=(accepted[-1].batch_id + 1) if accepted else 1,
            imported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            imported_by=user or default_user(),
            version="",
            files=pending,
        )
        batch.version = versions.version_id(build_mod.inputs_version(seeds), [*accepted, batch])
        if dry_run:
            mine = _dry_run(db, seeds, [*accepted, batch], journal, say)[-len(pending) :]
            return ImportResult(
                batch, mine, batch.version, None, True, time.perf_counter() - started, recovered
            )
        result = _build_and_commit(db, seeds, accepted, batch, journal, say)
        mine = result.imports[len(result.imports) - len(pending) :]
        return ImportResult(
            batch, mine, result.version, result.path, False, time.perf_counter() - started, recovered
        )


def _checked_files(
    files: Sequence[tuple[str, Path | tuple[str, bytes]]], user: str | None
) -> list[ImportFile]:
    """The files to import, each checked before it is parsed (kind, size, bytes, shape, a note's
    author; a file on disk read as a stream, never held whole: issue 25, case 11) and the rows of all of
    them against the limit. Raises SeedError with every problem found."""
    errors: list[str] = []
    pending: list[ImportFile] = []
    rows = 0
    for kind, source in files:
        name = source.name if isinstance(source, Path) else source[0]
        if kind not in KINDS:
            errors.append(f"{name}: unknown kind '{kind}' (one of {', '.join(KINDS)})")
            continue
        try:
            if isinstance(source, Path):
                file, file_rows, problems = _checked_path(kind, source, name, user)
            else:
                file, file_rows, problems = _checked_upload(kind, source[1], name, user)
        except SeedError as exc:
            errors.extend(exc.errors)
            continue
        errors.extend(problems)
        rows += file_rows
        pending.append(file)
    if rows > config.import_max_rows():
        errors.append(
            f"{rows:,} rows in this import, over the limit of {config.import_max_rows():,} "
            "(EVDASH_IMPORT_MAX_ROWS); import them in parts"
        )
    if not files:
        errors.append("nothing to import: give at least one <kind> <file> pair")
    if errors:
        raise SeedError(errors)
    return pending


def _checked_path(kind: str, source: Path, name: str, user: str | None) -> tuple[ImportFile, int, list[str]]:
    """(the file to import, its data rows, a note's author problems) of a file on disk, scanned once in
    blocks (read as a stream, never held whole: issue 25, case 11). Raises SeedError."""
    problems: list[str] = []
    with iofaults.named("reading", source):
        sha256, size, file_rows, _ = apply.scan_file(source, name)
        if kind == "notes" and user:  # nobody files a note in someone else's name
            problems = note_rules.author_problems(source, name, user)
    return ImportFile(kind, name, sha256, size, path=source), file_rows, problems


def _checked_upload(kind: str, data: bytes, name: str, user: str | None) -> tuple[ImportFile, int, list[str]]:
    """(the file to import, its data rows, a note's author problems) of an upload held as bytes.
    Raises SeedError."""
    apply.check_bytes(data, name)
    file_rows = csvread.check_shape(data, name, apply.sniff_separator(data))
    problems: list[str] = []
    if kind == "notes" and user:  # nobody files a note in someone else's name (evdash.note_rules)
        problems = note_rules.author_problems(data, name, user)
    return ImportFile(kind, name, hashlib.sha256(data).hexdigest(), len(data), data), file_rows, problems


def _dry_run(
    db: Path, seeds: Path, batches: list[Batch], journal: Journal, say: Callable[[str], None]
) -> list[FileStats]:
    """What applying `batches` would do, checked against a temporary copy that is removed afterwards:
    every file's counts, in apply order."""
    say("checking against a temporary copy (nothing is kept)")
    folder = config.versions_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    # on disk, with the build's memory limit: DuckDB spills instead of holding the file's rows
    with tempfile.TemporaryDirectory(prefix=".dry-run-", dir=folder) as tmp:
        con = build_mod.writing_connection(Path(tmp) / "dry-run.duckdb")
        try:
            build_mod.populate(con, seeds, config.REPO_ROOT)
            return apply.replay(con, batches, journal, say)
        finally:
            con.close()


def _build_and_commit(
    db: Path,
    seeds: Path,
    accepted: list[Batch],
    batch: Batch,
    journal: Journal,
    say: Callable[[str], None],
) -> build_mod.BuildResult:
    """Build the new version (seeds + accepted imports + `batch`), commit `batch` to the journal (the
    commit point) and only then serve the new version. Called holding the journal's and link's locks."""
    pending = batch.files
    say("building a new database version (seeds + accepted imports + this import)")
    result = build_mod.build(
        seeds=seeds, db=db, batches=[*accepted, batch], swap=False, progress=say, journal=journal
    )
    mine = result.imports[len(result.imports) - len(pending) :]
    for (_, f), s in zip(apply.ordered(pending), mine, strict=True):
        f.stats = s.record()
    crash_point("built")
    hold_point("built")
    with iofaults.named("writing the import journal at", journal.where):
        journal.commit(batch)  # commit point
    crash_point("committed")
    with iofaults.named("writing", db):
        versions.swap_link(db, result.path)
    versions.prune(db, result.path)
    for f in pending:
        f.data, f.path = None, None
    say(f"now serving version {result.version}")
    return result
