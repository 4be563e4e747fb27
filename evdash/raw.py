"""Publishers' raw files kept byte for byte, with their provenance, and replayed through their readers.

Layout (other tools rely on it): `<raw dir>/<source>/<file name>` plus one `<raw dir>/<source>/MANIFEST.csv`
per source with the columns `MANIFEST_COLUMNS`: the file, its sha256 and size, where it came from (`url`:
http(s) or `file:<path>`), when (`retrieved_at`, UTC ISO), the HTTP status and ETag (empty for a file), the
licence, the reader and its version, a note, and `held_since` (UTC ISO; empty = `retrieved_at`): when evdash
first held these figures, if that was before this copy was retrieved (the IEA's 2024 edition was a seed from
1 Dec 2026 before it was kept here as a raw file). `?known=` (`evdash.build.known_version`) reads it.

- Shipped raw files live in `data/raw/` (beside `data/seeds/`; `EVDASH_RAW` overrides): every build replays
  them after the seeds through the same readers and the same validated apply as an import
  (`replay_shipped`), verifying each sha256 first, so a fresh clone shows what was fetched.
- Raw files of runtime fetches (`evdash fetch` on a server) are kept under the database's folder
  (`var/raw/`, `runtime_dir`) as evidence; their rows travel through the import journal, which every
  server replays.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from evdash import apply, config
from evdash.connectors.base import FormatError, Parsed
from evdash.connectors.registry import CONNECTORS, connector
from evdash.csvread import SeedError

MANIFEST = "MANIFEST.csv"
MANIFEST_COLUMNS = (
    "file",
    "sha256",
    "bytes",
    "url",
    "retrieved_at",
    "http_status",
    "etag",
    "licence",
    "parser",
    "parser_version",
    "note",
    "held_since",
)


@dataclass(frozen=True)
class RawFile:
    source: str
    path: Path
    row: dict[str, str]


def shipped_dir(seeds: Path | None = None) -> Path:
    """`data/raw` beside the seed folder (so a test's fixture seeds have none unless they ship some)."""
    override = os.environ.get("EVDASH_RAW")
    if override:
        return Path(override)
    return (seeds or config.seeds_dir()).parent / "raw"


def runtime_dir(db: Path | None = None) -> Path:
    return (db or config.db_path()).parent / "raw"


def read_manifest(folder: Path) -> list[dict[str, str]]:
    path = folder / MANIFEST
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def append_manifest(folder: Path, row: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow({c: row.get(c, "") for c in MANIFEST_COLUMNS})


def keep(folder: Path, name: str, data: bytes, row: dict[str, str]) -> Path:
    """Write `data` as `folder/name` (a different file of the same name gets the sha256's head in its
    name: files are never overwritten) and add its manifest row. Returns the path."""
    sha = hashlib.sha256(data).hexdigest()
    path = folder / name
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        path = folder / f"{Path(name).stem}-{sha[:12]}{Path(name).suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    append_manifest(folder, {**row, "file": path.name, "sha256": sha, "bytes": str(len(data))})
    return path


def forget(folder: Path, path: Path) -> None:
    """Undo `keep` (a shipped file whose build failed): remove the file and its manifest row."""
    rows = [r for r in read_manifest(folder) if r.get("file") != path.name]
    path.unlink(missing_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    for r in rows:
        append_manifest(folder, r)


def known(folder: Path, sha256: str) -> dict[str, str] | None:
    """The manifest row of a kept file with this sha256, if any."""
    return next((r for r in read_manifest(folder) if r.get("sha256") == sha256), None)


def held_on(row: dict[str, str]) -> dt.date:
    """The day (UTC) evdash first held a raw file's figures: `held_since`, else `retrieved_at`."""
    return dt.date.fromisoformat(((row.get("held_since") or "") or row["retrieved_at"])[:10])


def _known_by(row: dict[str, str], known: dt.date | None) -> bool:
    return known is None or held_on(row) <= known


def shipped_files(raw: Path, known: dt.date | None = None) -> Iterator[RawFile]:
    """Every shipped raw file, source by source (sorted), in manifest order; sha256 verified (SeedError
    naming the file when it is missing or its bytes differ from the manifest). With `known`, only the
    files evdash held by the end of that day."""
    if not raw.is_dir():
        return
    for folder in sorted(p for p in raw.iterdir() if (p / MANIFEST).exists()):
        for row in (r for r in read_manifest(folder) if _known_by(r, known)):
            path = folder / row["file"]
            where = f"{raw.name}/{folder.name}/{row['file']}"
            if not path.exists():
                raise SeedError([f"{where}: listed in {MANIFEST} but missing"])
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != row["sha256"]:
                raise SeedError(
                    [f"{where}: sha256 {digest[:12]}… differs from {MANIFEST}'s {row['sha256'][:12]}…"]
                )
            yield RawFile(folder.name, path, row)


def inputs(raw: Path, known: dt.date | None = None) -> list[Path]:
    """The files a build's version depends on: every manifest and every file it lists (with `known`, the
    files held by then)."""
    if not raw.is_dir():
        return []
    out: list[Path] = []
    for folder in sorted(p for p in raw.iterdir() if (p / MANIFEST).exists()):
        out.append(folder / MANIFEST)
        out.extend(
            folder / r["file"]
            for r in read_manifest(folder)
            if (folder / r["file"]).exists() and _known_by(r, known)
        )
    return out


def parser_versions() -> str:
    """`source=version` of every reader, for the build's version hash (a new reader re-reads raw files)."""
    return ";".join(f"{s}={m.PARSER_VERSION}" for s, m in sorted(CONNECTORS.items()))


def as_import_csv(parsed: Parsed) -> bytes:
    """A reader's rows as the analyst's CSV of their kind: what the import path validates and journals."""
    buffer = io.StringIO()
    parsed.frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def parse(source: str, data: bytes, name: str) -> Parsed:
    """Read `data` with `source`'s reader (FormatError when the format changed; KeyError: no such source)."""
    return connector(source).parse(data, name)  # type: ignore[no-any-return]


def replay_shipped(
    con: duckdb.DuckDBPyConnection,
    raw: Path,
    progress: Callable[[str], None] | None = None,
    known: dt.date | None = None,
) -> list[apply.FileStats]:
    """Apply every shipped raw file (after the seeds, before the journal's imports) through its reader and
    the import's validated apply. Raises SeedError naming the file when one no longer reads.

    A source's files of one kind are applied as one import (its rows in manifest order): an apply costs
    ~0.4 s whatever its size, and 13 KBA monthly files one by one took 6 s of every build."""
    out = []
    groups: dict[tuple[str, str], list[tuple[str, bytes, str]]] = {}
    for f in shipped_files(raw, known):
        label = f"{raw.name}/{f.source}/{f.path.name}"
        data = f.path.read_bytes()
        if progress:
            progress(
                f"replaying {label} ({len(data):,} bytes, reader {f.source} {f.row.get('parser_version')})"
            )
        kind, rows = _rows(f.source, data, label, f.row["sha256"])
        groups.setdefault((f.source, kind), []).append((label, rows, f.row["sha256"]))
    for (source, kind), files in groups.items():
        if len(files) == 1:
            label, rows, sha256 = files[0]
        else:
            header, *_ = files[0][1].split(b"\n", 1)
            rows = header + b"\n" + b"".join(r.split(b"\n", 1)[1] for _, r, _ in files)
            names = ", ".join(Path(label).name for label, _, _ in files)
            label = f"{raw.name}/{source} ({len(files)} files as one {kind} import: {names})"
            sha256 = hashlib.sha256("".join(s for _, _, s in files).encode()).hexdigest()
        out.append(apply.apply_file(con, kind, rows, label, sha256))
    return out


def _rows(source: str, data: bytes, label: str, sha256: str) -> tuple[str, bytes]:
    """(import kind, import CSV) of a shipped raw file: from the cache when this reader version has read
    these bytes before (`config.raw_cache_dir`), else read now and cached (temp file + rename)."""
    try:
        version = connector(source).PARSER_VERSION
    except KeyError as exc:
        raise SeedError([f"{label}: {exc}"]) from exc
    cache = config.raw_cache_dir()
    stem = f"{source}-{sha256}-{version}"
    hit = next(iter(sorted(cache.glob(f"{stem}.*.csv"))), None) if cache.is_dir() else None
    if hit is not None:
        return hit.name[len(stem) + 1 : -len(".csv")], hit.read_bytes()
    try:
        parsed = parse(source, data, label)
    except FormatError as exc:
        raise SeedError([f"{label}: {exc}"]) from exc
    rows = as_import_csv(parsed)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{stem}.{os.getpid()}.part"
        tmp.write_bytes(rows)
        tmp.replace(cache / f"{stem}.{parsed.kind}.csv")
    except OSError:
        pass  # a read-only checkout builds without the cache
    return parsed.kind, rows
