"""Command line: `evdash build`, `evdash serve`, `evdash import`, `evdash fetch`, `evdash briefing`,
`evdash status`, `evdash verify`, `evdash subscribe`, `evdash subscriptions`,
`evdash deliver`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from evdash import build as build_mod
from evdash import config, csvread, importer, integrity, iofaults, logs
from evdash.cli_mail import DELIVER_FAILED as DELIVER_FAILED  # the exit code the schedules rely on
from evdash.cli_mail import (
    Subcommands,
    add_briefing,
    add_deliver,
    add_subscribe,
    add_subscriptions,
    date_arg,
)


def _build(seeds: Path | None, db: Path | None, force: bool) -> build_mod.BuildResult | None:
    """Build and say what is served; None (after printing why) when the build failed."""
    try:
        result = build_mod.build(seeds=seeds, db=db, force=force)
    except csvread.SeedError as exc:
        print("build failed; the previous database (if any) is still the current one:", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return None
    state = "unchanged inputs, re-used" if result.reused else f"{sum(result.rows.values())} seed rows"
    print(f"built {result.path} (version {result.version}, {state}) in {result.seconds:.2f} s")
    print(f"current: {db or config.db_path()} -> {result.path.name}")
    return result


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        return 0 if _build(args.seeds, args.db, args.force) else 1
    except importer.ImportRefused as exc:
        print(f"build not done; the previous database (if any) is still current: {exc}", file=sys.stderr)
        return 1
    except iofaults.IOFault as exc:
        return _io_fault("build", exc)


def _io_fault(command: str, exc: iofaults.IOFault) -> int:
    """The machine failed a write or read: say what and where, blame no input file, exit 5."""
    logs.error(f"{command}.io_fault", None, what=exc.what, where=exc.where)
    print(
        f"{command} not done: {exc}. Nothing served was changed; free space (or fix the disk) and run "
        "the same command again.",
        file=sys.stderr,
    )
    return iofaults.EXIT_CODE


def _cmd_verify(args: argparse.Namespace) -> int:
    """Check every kept version file against its recorded sha256, the link, and the journal's files."""
    from evdash import journal as journal_mod

    db = args.db or config.db_path()
    problems: list[str] = []
    kept = integrity.kept_versions(db) if config.versions_dir(db).exists() else []
    if not db.exists():
        problems.append(f"{db}: no current database (run `evdash build`)")
    for path in kept:
        problem = integrity.verify(path)
        if problem:
            problems.append(problem)
        else:
            print(f"ok {path.name}")
    try:
        journal = journal_mod.open_journal(db)
        try:
            files = 0
            for batch in journal.batches():
                for f in batch.files:
                    try:
                        journal.read_file(batch, f)
                        files += 1
                    except (csvread.SeedError, OSError) as exc:
                        problems.append(f"journal {journal.where}, import #{batch.batch_id}: {exc}")
            print(f"ok journal {journal.where}: {files} file(s) match their recorded sha256")
        finally:
            journal.close()
    except importer.ImportRefused as exc:
        problems.append(f"journal: {exc}")
    if problems:
        print("verify failed:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    db = args.db or config.db_path()
    # Always build: unchanged seeds only re-point the link (a hash check), changed seeds rebuild.
    try:
        if _build(None, db, False) is None:
            return 1
    except iofaults.IOFault as exc:
        return _io_fault("serve", exc)
    except importer.JournalUnavailable as exc:
        served = "the last version built here" if db.exists() else "the seeds alone"
        print(f"{exc}\nserving {served} until it is back: {build_mod.ensure_built(db)}", file=sys.stderr)
    os.environ["EVDASH_DB"] = str(db)
    os.chdir(config.REPO_ROOT)
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(config.REPO_ROOT / "asgi.py"),  # app.py behind evdash's sign-in guard (asgi.py)
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    print(f"serving http://{args.address}:{args.port}", flush=True)
    os.execv(sys.executable, argv)


def _not_imported(exc: Exception, rejected: str, what: str) -> int:
    """Say why an import did not happen: 1 = rows rejected (each problem listed), 3 = not started."""
    if isinstance(exc, csvread.SeedError):
        print(rejected, file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"{what} not started: {exc}", file=sys.stderr)
    return 3


def _cmd_import(args: argparse.Namespace) -> int:
    pairs = args.pairs
    if len(pairs) % 2:
        print("usage: evdash import <kind> <file> [<kind> <file> ...]", file=sys.stderr)
        return 2
    files: list[tuple[str, Path | tuple[str, bytes]]] = []
    for kind, name in zip(pairs[::2], pairs[1::2], strict=True):
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            return 1
        files.append((kind, path))
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        result = importer.import_files(
            files, db=args.db, user=args.user, dry_run=args.dry_run, progress=progress
        )
    except (csvread.SeedError, importer.ImportRefused) as exc:
        return _not_imported(
            exc, "import rejected; nothing was changed. Fix these and run the same command again:", "import"
        )
    except iofaults.IOFault as exc:
        return _io_fault("import", exc)
    for stats in result.files:
        for note in stats.notes:
            print(f"note: {note}")
        print(
            f"{stats.kind} {stats.file_name}: {stats.rows:,} rows - {stats.added:,} new, "
            f"{stats.changed:,} changed, {stats.unchanged:,} unchanged"
            + (f", {stats.sources_added} new source(s)" if stats.sources_added else "")
            + f" ({stats.seconds:.2f} s)"
        )
        for change in stats.changes[: args.show]:
            print(f"  changed {change['key']}: {change['column']} {change['old']} -> {change['new']}")
        for row in stats.new_rows[: args.show]:
            print("  new " + ", ".join(f"{k}={v}" for k, v in row.items() if v is not None))
    if result.recovered:
        print(f"note: interrupted import(s) {result.recovered} were accepted earlier and are now served")
    if result.dry_run:
        print(f"dry run: nothing written ({result.seconds:.2f} s)")
    else:
        print(
            f"imported as batch #{result.batch.batch_id}; "
            f"now serving version {result.version} ({result.seconds:.2f} s)"
        )
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from evdash import fetch

    try:
        result = fetch.fetch(
            args.source,
            url=args.url,
            file=args.file,
            db=args.db,
            user=args.user,
            ship=args.ship,
            note=args.note,
            connect_timeout=args.connect_timeout,
            read_timeout=args.read_timeout,
        )
    except fetch.FetchError as exc:
        print(f"fetch {args.source} failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except (csvread.SeedError, importer.ImportRefused) as exc:
        return _not_imported(
            exc, f"fetch {args.source}: rows rejected; nothing was changed:", f"fetch {args.source}: import"
        )
    for note in result.notes:
        print(f"note: {note}")
    print(f"{args.source} {result.name} ({result.size:,} bytes, sha256 {result.sha256}): {result.message}")
    if result.imported is not None:
        for stats in result.imported.files:
            print(
                f"  {stats.rows:,} rows - {stats.added:,} new, {stats.changed:,} changed, "
                f"{stats.unchanged:,} unchanged"
            )
    return 0


STATUS_OVERDUE = 3  # `evdash status` exit code when any recurring source is overdue (cron, a k8s probe)


def _cmd_status(args: argparse.Namespace) -> int:
    """Every recurring source: newest figure held, when the next is due, whether it is overdue."""
    import json

    import duckdb

    from evdash import db, freshness, queries

    today = args.today or dt.date.today()
    try:
        with db.connect_readonly(args.db) as con:
            statuses = freshness.source_status(queries.source_status(con), today)
    except (duckdb.Error, OSError) as exc:  # no database yet, or one built before the source registry
        print(f"status not read: {exc}\nbuild the database first: evdash build", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([s.as_json() for s in statuses], indent=2, ensure_ascii=False))
    else:
        print(f"Recurring sources on {today.isoformat()}:")
        for s in statuses:
            state = "OVERDUE" if s.overdue else "ok"
            print(f"  {state:<8} {s.words}  [{s.cadence}; {s.source}]")
        print(freshness.overdue_words(statuses) or "No source is overdue.")
    return STATUS_OVERDUE if any(s.overdue for s in statuses) else 0


def _add_build(sub: Subcommands) -> None:
    """`evdash build`: the seed folder, the database link and --force."""
    p_build = sub.add_parser("build", help="build the DuckDB database from data/seeds (atomic)")
    p_build.add_argument("--seeds", type=Path, default=None, help="seed CSV folder (default data/seeds)")
    p_build.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_build.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    p_build.set_defaults(func=_cmd_build)


def _add_serve(sub: Subcommands) -> None:
    """`evdash serve`: the port and address the dashboard listens on, and the database link."""
    p_serve = sub.add_parser("serve", help="build the database if needed and run the dashboard")
    # The port is passed to Streamlit as a flag, which outranks its STREAMLIT_SERVER_PORT variable, so the
    # variable is read here (`STREAMLIT_SERVER_PORT=8601 python3 bootstrap.py run`).
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("STREAMLIT_SERVER_PORT", "8501")))
    p_serve.add_argument("--address", default="localhost")
    p_serve.add_argument("--db", type=Path, default=None)
    p_serve.set_defaults(func=_cmd_serve)


def _add_import(sub: Subcommands) -> None:
    """`evdash import KIND FILE ...`: the analyst files, --dry-run and how much of the diff to show."""
    p_import = sub.add_parser(
        "import",
        help="import analyst CSV files (all together or none)",
        description="Kinds: " + ", ".join(importer.KINDS) + ". Formats: README.md, 'Adding data'.",
    )
    p_import.add_argument("pairs", nargs="+", metavar="KIND FILE", help="kind and file, repeated")
    p_import.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p_import.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_import.add_argument("--user", default=None, help="name for the import history (default $EVDASH_USER)")
    p_import.add_argument("--show", type=int, default=20, help="rows of the diff to print per file")
    p_import.set_defaults(func=_cmd_import)


def _add_fetch(sub: Subcommands) -> None:
    """`evdash fetch SOURCE`: where the file comes from (--url or --file), timeouts, --ship and --note."""
    p_fetch = sub.add_parser(
        "fetch",
        help="fetch a publisher's file, keep it byte for byte and import its rows (a new vintage)",
        description="Exit codes: 0 landed or unchanged (same sha256), 1 rows rejected, 2 usage, 3 import "
        "not started (busy), 4 download failed (HTTP status, timeout, truncated), 5 format changed "
        "(column, sheet). Nothing changes on failure. docs/data-arrival.md.",
    )
    p_fetch.add_argument("source", help="the publisher's reader (evdash.connectors.registry), e.g. iea")
    where = p_fetch.add_mutually_exclusive_group()
    where.add_argument("--url", default=None, help="download from this http(s) address")
    where.add_argument("--file", type=Path, default=None, help="read this file instead of downloading")
    p_fetch.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_fetch.add_argument("--user", default=None, help="name for the import history (default $EVDASH_USER)")
    p_fetch.add_argument("--connect-timeout", type=float, default=None, help="seconds (default 10)")
    p_fetch.add_argument("--read-timeout", type=float, default=None, help="seconds (default 60)")
    p_fetch.add_argument(
        "--ship", action="store_true", help="data team: keep it in data/raw/SOURCE (replayed by every build)"
    )
    p_fetch.add_argument("--note", default="", help="provenance note for the manifest row")
    p_fetch.set_defaults(func=_cmd_fetch)


def _add_verify(sub: Subcommands) -> None:
    """`evdash verify`: the database link whose kept versions and journal are checked."""
    p_verify = sub.add_parser(
        "verify",
        help="check every kept database version (sha256) and the import journal; exit 1 if anything is wrong",
    )
    p_verify.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_verify.set_defaults(func=_cmd_verify)


def _add_status(sub: Subcommands) -> None:
    """`evdash status`: the day judged on and --json."""
    p_status = sub.add_parser(
        "status",
        help="list every recurring source: newest figure held, next due, overdue (exit 3 when any is)",
        description="Exit codes: 0 every source on time, 3 at least one overdue, 1 the database could "
        "not be read. Registry: "
        "data/seeds/source_feeds.csv; docs/freshness.md.",
    )
    p_status.add_argument("--json", action="store_true", help="one JSON object per source")
    p_status.add_argument("--today", type=date_arg, default=None, help="judge on YYYY-MM-DD instead of today")
    p_status.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_status.set_defaults(func=_cmd_status)


# Every subcommand's parser, in the order `evdash --help` lists them; each sets its handler (`func`).
SUBCOMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    _add_build,
    _add_serve,
    _add_import,
    _add_fetch,
    _add_verify,
    add_briefing,
    _add_status,
    add_subscribe,
    add_subscriptions,
    add_deliver,
)


def parser() -> argparse.ArgumentParser:
    """The `evdash` command line: one subparser per entry of `SUBCOMMANDS`."""
    top = argparse.ArgumentParser(prog="evdash", description="EV expansion dashboard")
    sub = top.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand `argv` names (default the process's arguments); its exit code."""
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
