"""`evdash fetch SOURCE [--url URL | --file PATH]`: a publisher's file, kept byte for byte, read by its
connector and imported through the same validated, atomic, journalled path as a CSV upload.

Contract
- The file is downloaded with httpx (connect/read timeouts and a byte cap: `config.fetch_*`; streamed to a
  temporary file; the HTTP status checked; a Content-Length that the bytes do not reach is a truncated
  download) or read from a path.
- A file whose sha256 is already held (shipped in `data/raw/<source>/`, kept by an earlier fetch in
  `var/raw/<source>/`, or in the import journal) changes nothing: `state == "unchanged"`, no new version.
- Otherwise its reader (`evdash.connectors.registry`) turns it into import rows; the rows are imported
  (`evdash.importer.import_files`: a new database version, committed to the journal that every server
  replays) and only then is the raw file kept with its manifest row (`evdash.raw`): URL or `file:` path,
  retrieval time, HTTP status and ETag, licence, reader and its version.
- `ship=True` (the data team's `--ship`) keeps the file in `data/raw/<source>/` instead, to be committed:
  every build replays it, so a fresh clone has it; the database is rebuilt.
- Every failure raises `FetchError` with a message naming what was wrong (the HTTP status, the timeout, the
  missing column and sheet, the truncated file) and an `exit_code` (`EXIT_CODES`), before anything is
  written: the served database stays byte-identical. Rejected rows raise `SeedError`, a busy import
  `ImportRefused`, as `evdash import` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import httpx

from evdash import build as build_mod
from evdash import config, importer, raw
from evdash.connectors.base import FormatError, Parsed
from evdash.connectors.registry import connector
from evdash.journal import open_journal

EXIT_CODES = {
    0: "the file landed as a new vintage, or it was already held (unchanged)",
    1: "the rows were rejected by the import's validation (each problem named); nothing changed",
    2: "usage: unknown source, or neither --url nor --file (and the source has no default URL)",
    3: "import not started (another import holds the lock, or the shared journal is unreachable)",
    4: "download failed: HTTP error status, timeout, truncated transfer or over the size cap",
    5: "the publisher's format changed (a missing or renamed column, a new sheet layout, a broken file)",
}


class FetchError(Exception):
    exit_code = 1


class UsageError(FetchError):
    exit_code = 2


class DownloadError(FetchError):
    exit_code = 4


class FormatChanged(FetchError):
    exit_code = 5


@dataclass
class Download:
    name: str
    data: bytes
    url: str
    retrieved_at: str
    http_status: str = ""
    etag: str = ""


@dataclass
class FetchResult:
    source: str
    name: str
    sha256: str
    size: int
    state: str  # "landed" | "unchanged" | "shipped"
    message: str
    parsed: Parsed | None = None
    imported: importer.ImportResult | None = None
    kept: Path | None = None
    notes: list[str] = field(default_factory=list)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _file_name(url: str, disposition: str | None, source: str) -> str:
    name = ""
    if disposition:
        m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
        name = unquote(m.group(1)) if m else ""
    name = name or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return name or f"{source}-download"


def _body(resp: httpx.Response, url: str, cap: int) -> bytes:
    """The response's bytes, streamed through a temporary file. DownloadError when they pass `cap` (the
    transfer stops) or fall short of an unencoded response's Content-Length (a truncated download)."""
    expected = resp.headers.get("content-length")
    encoded = bool(resp.headers.get("content-encoding"))
    got = 0
    with tempfile.TemporaryFile() as tmp:
        for chunk in resp.iter_bytes():
            got += len(chunk)
            if got > cap:
                raise DownloadError(
                    f"{url}: larger than the {cap:,}-byte cap (EVDASH_FETCH_MAX_BYTES); "
                    "transfer stopped, nothing was changed"
                )
            tmp.write(chunk)
        if expected and not encoded and got != int(expected):
            raise DownloadError(
                f"{url}: truncated download ({got:,} of {int(expected):,} bytes, Content-Length); "
                "nothing was changed"
            )
        tmp.seek(0)
        return tmp.read()


def download(
    url: str,
    source: str = "",
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_bytes: int | None = None,
) -> Download:
    """GET `url` into memory through a temporary file. DownloadError names the status, the timeout, the
    truncation or the cap."""
    if not re.match(r"^https?://", url):
        raise UsageError(f"{url}: only http:// and https:// addresses can be fetched (or use --file)")
    connect = config.fetch_connect_timeout() if connect_timeout is None else connect_timeout
    read = config.fetch_read_timeout() if read_timeout is None else read_timeout
    cap = config.fetch_max_bytes() if max_bytes is None else max_bytes
    timeout = httpx.Timeout(read, connect=connect)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code >= 400:
                raise DownloadError(
                    f"{url}: the publisher answered HTTP {resp.status_code} {resp.reason_phrase}; "
                    "nothing was changed"
                )
            return Download(
                _file_name(url, resp.headers.get("content-disposition"), source),
                _body(resp, url, cap),
                str(resp.url),
                _now(),
                str(resp.status_code),
                resp.headers.get("etag", ""),
            )
    except httpx.TimeoutException as exc:
        phase = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
        limit = connect if isinstance(exc, httpx.ConnectTimeout) else read
        raise DownloadError(
            f"{url}: timed out {phase} (after {limit:g} s; EVDASH_FETCH_*_TIMEOUT); nothing was changed"
        ) from exc
    except httpx.HTTPError as exc:
        raise DownloadError(
            f"{url}: download failed ({type(exc).__name__}: {exc}); nothing was changed"
        ) from exc


def read_path(path: Path) -> Download:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return Download(path.name, path.read_bytes(), f"file:{path}", _now())


def _held(source: str, sha: str, db: Path | None, seeds: Path | None) -> str | None:
    """Where a file with this sha256 is already held, in words; None when it is new."""
    shipped = raw.shipped_dir(seeds) / source
    if row := raw.known(shipped, sha):
        return f"already shipped as data/raw/{source}/{row['file']} (every build replays it)"
    if row := raw.known(raw.runtime_dir(db) / source, sha):
        return f"already fetched on {row['retrieved_at']} from {row['url']}"
    name = import_name(source, sha)
    for batch in open_journal(db).batches():
        if any(f.file_name == name for f in batch.files):
            return f"already imported as {name} in batch #{batch.batch_id} ({batch.imported_at})"
    return None


def import_name(source: str, sha256: str) -> str:
    """The name of a fetched file's rows in the import journal (content-addressed)."""
    return f"{source}-{sha256[:16]}.csv"


def _reader(source: str, url: str | None, file: Path | None) -> tuple[ModuleType, str | None]:
    """The connector of `source` and the address to download (None when reading `file`): `url`, else the
    connector's `URL`. UsageError for an unknown source, both --url and --file, or neither and no `URL`."""
    try:
        module: ModuleType = connector(source)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if url and file:
        raise UsageError("give --url or --file, not both")
    url = url or (None if file else getattr(module, "URL", None))
    if file is None and not url:
        raise UsageError(f"{source}: no default address; give --url URL or --file PATH")
    return module, url


def _parse(module: ModuleType, got: Download) -> Parsed:
    """The connector's reading of the file; FormatChanged (saying nothing changed) when it refuses it."""
    try:
        parsed: Parsed = module.parse(got.data, got.name)
    except FormatError as exc:
        raise FormatChanged(f"{exc}; nothing was changed") from exc
    return parsed


def _manifest_row(module: ModuleType, got: Download, parsed: Parsed, note: str) -> dict[str, str]:
    """The raw file's provenance for its MANIFEST.csv row: where and when it was got, licence, reader."""
    return {
        "url": got.url,
        "retrieved_at": got.retrieved_at,
        "http_status": got.http_status,
        "etag": got.etag,
        "licence": str(getattr(module, "LICENCE", "")),
        "parser": module.__name__,
        "parser_version": str(module.PARSER_VERSION),
        "note": "; ".join(x for x in (parsed.period, note) if x),
    }


def _ship(source: str, got: Download, row: dict[str, str], db: Path | None, seeds: Path | None) -> Path:
    """Keep the file in data/raw/SOURCE and rebuild the database with it; a file the build cannot replay
    is removed again. Where the file was kept."""
    folder = raw.shipped_dir(seeds) / source
    kept = raw.keep(folder, got.name, got.data, row)
    try:
        build_mod.build(seeds=seeds, db=db)
    except BaseException:
        raw.forget(folder, kept)  # a file the build cannot replay is not shipped
        raise
    return kept


def _land(
    source: str,
    got: Download,
    sha: str,
    parsed: Parsed,
    row: dict[str, str],
    db: Path | None,
    seeds: Path | None,
    user: str | None,
) -> tuple[importer.ImportResult, Path]:
    """Import the rows as a new database version, then keep the raw file in var/raw/SOURCE. The import's
    result and where the file was kept."""
    result = importer.import_files(
        [(parsed.kind, (import_name(source, sha), raw.as_import_csv(parsed)))],
        db=db,
        seeds=seeds,
        user=user,
    )
    kept = raw.keep(raw.runtime_dir(db) / source, got.name, got.data, row)
    return result, kept


def fetch(
    source: str,
    url: str | None = None,
    file: Path | None = None,
    db: Path | None = None,
    seeds: Path | None = None,
    user: str | None = None,
    ship: bool = False,
    note: str = "",
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    """Fetch `source` from `url` (else its connector's `URL`) or read `file`; see the module docstring."""
    module, url = _reader(source, url, file)
    got = (
        read_path(file)
        if file is not None
        else download(str(url), source, connect_timeout, read_timeout, max_bytes)
    )
    sha = hashlib.sha256(got.data).hexdigest()
    held = _held(source, sha, db, seeds)
    if held:
        return FetchResult(source, got.name, sha, len(got.data), "unchanged", f"unchanged: {held}")
    parsed = _parse(module, got)
    row = _manifest_row(module, got, parsed, note)
    imported: importer.ImportResult | None = None
    if ship:
        kept = _ship(source, got, row, db, seeds)
        state = "shipped"
        message = (
            f"shipped as {kept}; the database was rebuilt with it (commit the file and its MANIFEST.csv)"
        )
    else:
        imported, kept = _land(source, got, sha, parsed, row, db, seeds, user)
        state = "landed"
        message = f"landed as batch #{imported.batch.batch_id}; now serving version {imported.version}"
    return FetchResult(
        source, got.name, sha, len(got.data), state, message, parsed, imported, kept, list(parsed.notes)
    )
