"""Command line: `evdash build`, `evdash serve`, `evdash import`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from evdash import build as build_mod
from evdash import config, csvread, importer


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        result = build_mod.build(seeds=args.seeds, db=args.db, force=args.force)
    except csvread.SeedError as exc:
        print("build failed; the previous database (if any) is still the current one:", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    state = "unchanged inputs, re-used" if result.reused else f"{sum(result.rows.values())} seed rows"
    print(f"built {result.path} (version {result.version}, {state}) in {result.seconds:.2f} s")
    print(f"current: {args.db or config.db_path()} -> {result.path.name}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    db = args.db or config.db_path()
    # Always build: unchanged seeds only re-point the link (a hash check), changed seeds rebuild.
    code = _cmd_build(argparse.Namespace(seeds=None, db=db, force=False))
    if code:
        return code
    os.environ["EVDASH_DB"] = str(db)
    os.chdir(config.REPO_ROOT)
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(config.REPO_ROOT / "app.py"),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    print(f"serving http://{args.address}:{args.port}", flush=True)
    os.execv(sys.executable, argv)


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
    except csvread.SeedError as exc:
        print(
            "import rejected; nothing was changed. Fix these and run the same command again:", file=sys.stderr
        )
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    except importer.ImportRefused as exc:
        print(f"import not started: {exc}", file=sys.stderr)
        return 3
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evdash", description="EV expansion dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the DuckDB database from data/seeds (atomic)")
    p_build.add_argument("--seeds", type=Path, default=None, help="seed CSV folder (default data/seeds)")
    p_build.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_build.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    p_build.set_defaults(func=_cmd_build)
    p_serve = sub.add_parser("serve", help="build the database if needed and run the dashboard")
    # The port is passed to Streamlit as a flag, which outranks its STREAMLIT_SERVER_PORT variable, so the
    # variable is read here (`STREAMLIT_SERVER_PORT=8601 python3 bootstrap.py run`).
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("STREAMLIT_SERVER_PORT", "8501")))
    p_serve.add_argument("--address", default="localhost")
    p_serve.add_argument("--db", type=Path, default=None)
    p_serve.set_defaults(func=_cmd_serve)
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
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
