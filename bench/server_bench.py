"""Server benchmark: a websocket client speaking Streamlit's protocol against the dashboard and against an
empty app, started side by side in the same run, on 127.0.0.1 only.

    .venv/bin/python -m bench.server_bench --rows 1e6 --users 10,30,60,100 --seconds 40

1. CPU per page run (server process utime+stime from /proc, averaged over `--runs` sequential runs):
   `cold` = first run of a page in a fresh server (empty caches); `first visit` = the first run of each
   other filter value after it (imports and shared queries done, that value's own results not cached yet:
   what a user's first look at another brand costs); `warm` = a new session whose URL filter
   values were already queried; `warm filter change` = one select box changed inside an open session
   (what a user's click costs once caches are warm). Two floors run in the same run: the empty app
   with this repository's `.streamlit/config.toml` (the dashboard's settings) and the same app as
   Streamlit ships it (started from an empty folder). Target: warm filter change ≤ 2× the empty app.
2. Interactive users: N concurrent sessions on the page, each rerunning after 2–4 s of think time for
   `--seconds`; latency = BackMsg(rerun_script) sent → ForwardMsg(script_finished); errors = exceptions,
   timeouts (> 10 s) or an exception element in the page. Target: N = 100 at p95 ≤ 1 s, 0 errors.
3. Memory: server RSS before and after the sessions (per session = difference / N).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.gen_registrations import db_path, stale_reason
from evdash import serving

REPO = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
PAGES = {  # page name in the URL → rotating query strings (filter values)
    "": ["brand=xiaomi", "brand=tesla", "brand=byd"],
    "deliveries": ["brand=xiaomi", "brand=tesla", "brand=nio"],
    "expansion": ["brand=xiaomi", "brand=byd"],
    "pricing": [""],
    "markets": [""],
    "market_mix": ["market=CHN", "market=USA", "market=DEU", "market=FRA&year=2024"],
    "sources": [""],
}
TIMEOUT_S = 10.0


free_port = serving.free_port


def start(
    script: Path, db: Path, port: int, log: Path, options: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """`streamlit run script` with the repo's `.streamlit/config.toml` (cwd = the script's checkout),
    plus `--server.x value` style `options`."""
    env = {**os.environ, "EVDASH_DB": str(db)}
    repo = script.parent.parent if script.parent.name in ("bench", "pages") else script.parent
    cmd = serving.streamlit_command(script, port, *options)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        serving.wait_healthy(f"http://127.0.0.1:{port}", proc)
    except (RuntimeError, TimeoutError) as exc:
        proc.kill()
        raise RuntimeError(f"server on {port} did not start ({exc}): {log.read_text()[-1500:]}") from exc
    return proc


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rerun_msg(page: str, query: str, widget: tuple[str, str] | None = None) -> bytes:
    """BackMsg(rerun_script): a page run, optionally with one selectbox set to a (formatted) option,
    which is what the browser sends when a user changes that filter."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    if widget is not None:
        state = msg.rerun_script.widget_states.widgets.add()
        state.id, state.string_value = widget
    return bytes(msg.SerializeToString())


@dataclass
class Session:
    port: int
    page: str
    ws: websockets.ClientConnection | None = None
    errors: list[str] = field(default_factory=list)
    selectboxes: list[tuple[str, list[str]]] = field(default_factory=list)  # (widget id, options)
    # Source address: nginx's ip_hash keys on the first three octets, so simulated users connect from
    # 127.0.<n>.1 to be spread over the backends like users on different networks.
    source_ip: str | None = None

    async def open(self) -> None:
        extra: dict[str, Any] = {"local_addr": (self.source_ip, 0)} if self.source_ip else {}
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit")],
            max_size=2**26,
            open_timeout=TIMEOUT_S,
            **extra,
        )

    async def run(
        self, query: str, timeout_s: float = TIMEOUT_S, widget: tuple[str, str] | None = None
    ) -> float:
        """One script run; returns seconds from request to script_finished."""
        assert self.ws is not None
        started = time.perf_counter()
        await self.ws.send(rerun_msg(self.page, query, widget))
        failed = False
        self.selectboxes = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout_s)
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            element = fwd.delta.new_element.WhichOneof("type") if kind == "delta" else None
            if element == "exception":
                failed = True
            elif element == "selectbox":
                box = fwd.delta.new_element.selectbox
                self.selectboxes.append((box.id, list(box.options)))
            if kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                break
        if failed:
            self.errors.append("exception element")
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def cpu_per_run(
    port: int, pid: int, page: str, queries: list[str], runs: int, first: list[float] | None = None
) -> tuple[float, float]:
    """(cold CPU-s of the very first run, warm CPU-s per run over new sessions with cached filters).
    `first` receives the CPU-s of each later filter value's first visit (a warm server: imports and
    shared queries done, that value's own results not yet cached)."""
    s = Session(port, page)
    await s.open()
    before = cpu_seconds(pid)
    await s.run(queries[0], timeout_s=120)  # a cold run on a busy machine may take long
    cold = cpu_seconds(pid) - before
    for q in queries[1:]:  # fill the caches for every filter value
        before = cpu_seconds(pid)
        await s.run(q, timeout_s=120)
        if first is not None:
            first.append(cpu_seconds(pid) - before)
    await s.close()
    total = 0.0
    for i in range(runs):
        fresh = Session(port, page)
        await fresh.open()
        before = cpu_seconds(pid)
        await fresh.run(queries[i % len(queries)], timeout_s=120)
        total += cpu_seconds(pid) - before
        await fresh.close()
    return cold, total / runs


async def cpu_filter_change(port: int, pid: int, page: str, query: str, runs: int) -> tuple[float, str]:
    """Warm CPU-s per filter change inside one open session (what a user's click costs): the page's
    first selectbox cycles over up to 3 options, each visited once before measuring so its queries are
    cache hits. A page without a selectbox gets a plain rerun. Returns (CPU-s per run, what changed)."""
    s = Session(port, page)
    await s.open()
    await s.run(query, timeout_s=120)
    changes: list[tuple[str, str] | None] = [None]
    what = "rerun"
    if s.selectboxes:
        box_id, options = s.selectboxes[0]
        changes = [(box_id, o) for o in options[:3]]
        what = f"{len(changes)} values of the first select"
    # Fill the caches for every value, cycling twice: other widgets may follow the first select (a
    # default that depends on it), so the second cycle reaches the states the measured runs visit.
    for change in changes * 2:
        await s.run(query, timeout_s=120, widget=change)
    total = 0.0
    for i in range(runs):
        before = cpu_seconds(pid)
        await s.run(query, timeout_s=120, widget=changes[i % len(changes)])
        total += cpu_seconds(pid) - before
    await s.close()
    if s.errors:
        what += f" ({len(s.errors)} errors)"
    return total / runs, what


async def users(port: int, page: str, queries: list[str], n: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    rng = random.Random(n)
    deadline = time.monotonic() + seconds

    async def one(i: int) -> None:
        nonlocal errors
        await asyncio.sleep(rng.uniform(0, 3))  # users arrive over 3 s
        s = Session(port, page, source_ip=f"127.0.{i % 250 + 1}.1")
        try:
            await s.open()
            runs = 0
            while time.monotonic() < deadline and runs < 100:
                latencies.append(await s.run(queries[(i + runs) % len(queries)]))
                runs += 1
                await asyncio.sleep(rng.uniform(2, 4))
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            errors += 1
            s.errors.append(type(exc).__name__)
        finally:
            errors += len([e for e in s.errors if e == "exception element"])
            await s.close()

    await asyncio.gather(*(one(i) for i in range(n)))
    arr = np.array(latencies) if latencies else np.array([float("nan")])
    return {
        "runs": len(latencies),
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Streamlit server benchmark (websocket protocol)")
    parser.add_argument("--rows", default="1e6", help="synthetic registrations database to serve")
    parser.add_argument("--runs", type=int, default=10, help="warm runs per page for the CPU measurement")
    parser.add_argument("--users", default="10,30,60,100")
    parser.add_argument("--seconds", type=float, default=40, help="duration of each N-user run")
    parser.add_argument("--user-page", default="market_mix")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the app (e.g. `git archive <commit> | tar -x -C DIR`) measured in the same "
        "run, for before/after numbers",
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        help="extra `streamlit run` option for every server, e.g. "
        "--server-option=--server.fileWatcherType=none",
    )
    parser.add_argument(
        "--pages",
        help="only these pages in the CPU table, comma-separated URL paths (`/` is the Overview), "
        "e.g. /,/pricing",
    )
    parser.add_argument("--skip-users", action="store_true", help="only the CPU-per-run table")
    parser.add_argument("--skip-cpu", action="store_true", help="only the interactive-users tables")
    parser.add_argument(
        "--processes",
        default="1",
        help="interactive users against 1 process and/or N processes behind nginx (deploy/cluster.py's "
        "config, ip_hash), e.g. 1,2",
    )
    parser.add_argument(
        "--users-only-port",
        type=int,
        help="only the interactive-users table, against an already running server or nginx on this port "
        "(e.g. deploy/cluster.py); no CPU/RSS columns",
    )
    args = parser.parse_args(argv)
    if args.users_only_port:
        print(
            f"# server_bench users {dt.datetime.now().isoformat(timespec='seconds')} · port "
            f"{args.users_only_port} · load average {os.getloadavg()[0]:.1f} · nproc {os.cpu_count()}"
        )
        print("\n| users | runs | p50 s | p95 s | errors | load avg after |")
        print("|---|---|---|---|---|---|")
        for n in (int(x) for x in args.users.split(",")):
            r = asyncio.run(
                users(args.users_only_port, args.user_page, PAGES[args.user_page], n, args.seconds)
            )
            print(
                f"| {n} | {r['runs']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['errors']} "
                f"| {os.getloadavg()[0]:.1f} |"
            )
        return
    db = db_path(int(float(args.rows)))
    stale = stale_reason(int(float(args.rows)))
    if stale:  # the pages would fail on views this database does not have
        raise SystemExit(f"server_bench: {stale}")
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    print(
        f"# server_bench {dt.datetime.now().isoformat(timespec='seconds')} · db {db} · "
        f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} · nproc {os.cpu_count()} · "
        f"options {args.server_option or 'none'}"
    )
    opts = args.server_option
    empty_port, stock_port, app_port, base_port = free_port(), free_port(), free_port(), free_port()
    # Two floors: the empty app with this repository's .streamlit/config.toml (same settings as the
    # dashboard, e.g. no forced GC after each run), and the same file as Streamlit ships it: started
    # from an empty folder, so no project config applies.
    empty = start(REPO / "bench" / "empty_app.py", db, empty_port, out / "empty_app.log", opts)
    stock_dir = Path(tempfile.mkdtemp(prefix="evdash-empty-"))
    shutil.copy(REPO / "bench" / "empty_app.py", stock_dir / "empty_app.py")
    stock = start(stock_dir / "empty_app.py", db, stock_port, out / "empty_app_stock.log", opts)
    app = start(REPO / "app.py", db, app_port, out / "app.log", opts)
    # The baseline is served from its own synthetic database (made by its own generator, from its own
    # seeds and models: `cd <baseline> && python -m bench.gen_registrations --rows N`), since an older
    # checkout's pages query models this checkout no longer has.
    base_db = args.baseline / db.relative_to(REPO) if args.baseline else db
    if args.baseline and not base_db.exists():
        raise SystemExit(
            f"server_bench: no {base_db}: run `python -m bench.gen_registrations` in the baseline"
        )
    base = (
        start(args.baseline / "app.py", base_db, base_port, out / "baseline.log", opts)
        if args.baseline
        else None
    )
    # (label, process, port, checkout)
    servers = [("", app, app_port, REPO)]
    if base is not None:
        servers.append(("baseline ", base, base_port, args.baseline))
    try:
        if not args.skip_cpu:
            cpu_table(args, servers, (empty, empty_port), (stock, stock_port), app)
        if args.skip_users:
            return
        for processes in (int(x) for x in args.processes.split(",")):
            users_table(args, db, processes, app, app_port, empty)
    finally:
        stop = _cluster().stop
        for server in (empty, stock, app, base):
            if server is not None:
                stop(server)
        shutil.rmtree(stock_dir, ignore_errors=True)


def cpu_table(
    args: argparse.Namespace,
    servers: list[tuple[str, subprocess.Popen[bytes], int, Path]],
    empty_server: tuple[subprocess.Popen[bytes], int],
    stock_server: tuple[subprocess.Popen[bytes], int],
    app: subprocess.Popen[bytes],
) -> None:
    (empty, empty_port), (stock, stock_port) = empty_server, stock_server
    # /proc counts CPU in 10 ms clock ticks, charged to whichever thread runs at the tick: a 2 ms run
    # needs ~100 runs for a mean within a few percent, so the floors always get at least 100.
    floor_runs = max(args.runs, 100)
    stock_cold, stock_new = asyncio.run(cpu_per_run(stock_port, stock.pid, "", [""], floor_runs))
    stock_floor, _ = asyncio.run(cpu_filter_change(stock_port, stock.pid, "", "", floor_runs))
    floor_cold, floor_new = asyncio.run(cpu_per_run(empty_port, empty.pid, "", [""], floor_runs))
    floor, _ = asyncio.run(cpu_filter_change(empty_port, empty.pid, "", "", floor_runs))
    print(
        "\n| page | cold CPU-s (first run) | first visit of another filter value CPU-s "
        "| warm new session (deep link) CPU-s | "
        "warm filter change CPU-s | ÷ empty app as Streamlit ships it | ÷ empty app, same config "
        "| what changed | target ≤ 2× (stock / same config) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| (empty app, Streamlit defaults) | {stock_cold:.3f} | | {stock_new:.3f} | {stock_floor:.3f} "
        f"| 1.0× | {stock_floor / floor:.1f}× | rerun | |"
    )
    print(
        f"| (empty app, this repo's config) | {floor_cold:.3f} | | {floor_new:.3f} | {floor:.3f} "
        f"| {floor / stock_floor:.1f}× | 1.0× | rerun | |"
    )
    chosen = None if not args.pages else {p.strip().strip("/") for p in args.pages.split(",")}
    for page, queries in PAGES.items():
        if chosen is not None and page not in chosen:
            continue
        for label, proc, port, checkout in servers:
            if page and not (checkout / "pages" / f"{page}.py").exists():
                print(f"| {label}/{page} | not measured: page does not exist | | | | | | | |")
                continue
            first: list[float] = []
            cold, warm = asyncio.run(cpu_per_run(port, proc.pid, page, queries, args.runs, first))
            first_visit = f"{sum(first) / len(first):.3f}" if first else "–"
            change, what = asyncio.run(cpu_filter_change(port, proc.pid, page, queries[0], args.runs))
            ok = " / ".join("met" if change <= 2 * f else "NOT met" for f in (stock_floor, floor))
            print(
                f"| {label}/{page} | {cold:.3f} | {first_visit} | {warm:.3f} | {change:.3f} | "
                f"{change / stock_floor:.1f}× | {change / floor:.1f}× | {what} | {ok} |"
            )
    print(
        f"\nServer RSS after the CPU runs: dashboard {rss_mb(app.pid):.0f} MB, "
        f"empty app {rss_mb(empty.pid):.0f} MB (as shipped {rss_mb(stock.pid):.0f} MB) · "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def _cluster() -> Any:
    spec = importlib.util.spec_from_file_location("evdash_deploy_cluster", REPO / "deploy" / "cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def users_table(
    args: argparse.Namespace,
    db: Path,
    processes: int,
    app: subprocess.Popen[bytes],
    app_port: int,
    empty: subprocess.Popen[bytes],
) -> None:
    """N simulated users on one process (the app already started), or on `processes` fresh processes
    behind nginx rendered from deploy/cluster.py (ip_hash; each user connects from its own 127.0.n.1)."""
    procs: list[subprocess.Popen[bytes]] = [app]
    nginx: subprocess.Popen[bytes] | None = None
    port = app_port
    cluster = _cluster() if processes > 1 else None
    try:
        if cluster is not None:
            prefix = Path(tempfile.mkdtemp(prefix="evdash-bench-nginx-"))
            ports = [free_port() for _ in range(processes)]
            env = {**os.environ, "EVDASH_DB": str(db)}
            procs = [cluster.start_streamlit(p, prefix / f"streamlit-{p}.log", env) for p in ports]
            for p, proc in zip(ports, procs, strict=True):
                serving.wait_healthy(f"http://127.0.0.1:{p}", proc)
            port = free_port()
            conf = cluster.write_config(prefix, [f"127.0.0.1:{p}" for p in ports], port)
            nginx = cluster.start_nginx(conf, prefix)
            serving.wait_healthy(f"http://127.0.0.1:{port}", nginx)
        where = "one process" if cluster is None else f"{processes} processes behind nginx"
        rss0 = sum(rss_mb(p.pid) for p in procs)
        print(
            f"\nInteractive users on /{args.user_page} (think time 2–4 s, {args.seconds:.0f} s per N), "
            f"{where}:"
        )
        print(
            "\n| users | runs | p50 s | p95 s | errors | server RSS MB | load avg after "
            "| target (N=100: p95 ≤ 1 s, 0 errors) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        queries = PAGES[args.user_page]
        for n in (int(x) for x in args.users.split(",")):
            r = asyncio.run(users(port, args.user_page, queries, n, args.seconds))
            ok = "met" if r["p95"] <= 1.0 and r["errors"] == 0 else "NOT met"
            print(
                f"| {n} | {r['runs']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['errors']} | "
                f"{sum(rss_mb(p.pid) for p in procs):.0f} | {os.getloadavg()[0]:.1f} | "
                f"{ok if n == 100 else ''} |"
            )
        print(
            f"\nServer RSS ({where}): {rss0:.0f} MB before the user runs, "
            f"{sum(rss_mb(p.pid) for p in procs):.0f} MB after. Empty-app RSS {rss_mb(empty.pid):.0f} MB."
        )
    finally:
        if cluster is not None:
            for proc in ([nginx] if nginx is not None else []) + procs:
                cluster.stop(proc)


if __name__ == "__main__":
    main()
