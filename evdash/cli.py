"""Command line: `evdash build`, `evdash serve`, `evdash query`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evdash import build as build_mod
from evdash import config


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        result = build_mod.build(seeds=args.seeds, db=args.db, force=args.force)
    except build_mod.SeedError as exc:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evdash", description="EV expansion dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the DuckDB database from data/seeds (atomic)")
    p_build.add_argument("--seeds", type=Path, default=None, help="seed CSV folder (default data/seeds)")
    p_build.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_build.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    p_build.set_defaults(func=_cmd_build)
    p_serve = sub.add_parser("serve", help="build the database if needed and run the dashboard")
    p_serve.add_argument("--port", type=int, default=8501)
    p_serve.add_argument("--address", default="localhost")
    p_serve.add_argument("--db", type=Path, default=None)
    p_serve.set_defaults(func=_cmd_serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
