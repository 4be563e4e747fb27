"""Server benchmark: a websocket client speaking Streamlit's protocol against the dashboard and against an
empty app, started side by side in the same run, on 127.0.0.1 only.

    .venv/bin/python -m bench.server_bench --rows 1e6 --users 10,30,60,100 --seconds 40

1. CPU per page run (server process utime+stime from /proc, averaged over `--runs` sequential runs):
   `cold` = first run of a page in a fresh server (empty caches); `warm` = a new session whose URL filter
   values were already queried (what a filter change costs once caches are warm); the empty app is the
   floor. Target: warm ≤ 2× the empty app.
2. Interactive users: N concurrent sessions on the page, each rerunning after 2–4 s of think time for
   `--seconds`; latency = BackMsg(rerun_script) sent → ForwardMsg(script_finished); errors = exceptions,
   timeouts (> 10 s) or an exception element in the page. Target: N = 100 at p95 ≤ 1 s, 0 errors.
3. Memory: server RSS before and after the sessions (per session = difference / N).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.gen_registrations import db_path

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(script: Path, db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EVDASH_DB": str(db)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start: {log.read_text()[-1500:]}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rerun_msg(page: str, query: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    return bytes(msg.SerializeToString())


@dataclass
class Session:
    port: int
    page: str
    ws: websockets.ClientConnection | None = None
    errors: list[str] = field(default_factory=list)

    async def open(self) -> None:
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit")],
            max_size=2**26,
        )

    async def run(self, query: str, timeout_s: float = TIMEOUT_S) -> float:
        """One script run; returns seconds from request to script_finished."""
        assert self.ws is not None
        started = time.perf_counter()
        await self.ws.send(rerun_msg(self.page, query))
        failed = False
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout_s)
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.new_element.WhichOneof("type") == "exception":
                failed = True
            if kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                break
        if failed:
            self.errors.append("exception element")
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def cpu_per_run(port: int, pid: int, page: str, queries: list[str], runs: int) -> tuple[float, float]:
    """(cold CPU-s of the very first run, warm CPU-s per run over new sessions with cached filters)."""
    s = Session(port, page)
    await s.open()
    before = cpu_seconds(pid)
    await s.run(queries[0], timeout_s=120)  # a cold run on a busy machine may take long
    cold = cpu_seconds(pid) - before
    for q in queries[1:]:  # fill the caches for every filter value
        await s.run(q, timeout_s=120)
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


async def users(port: int, page: str, queries: list[str], n: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    rng = random.Random(n)
    deadline = time.monotonic() + seconds

    async def one(i: int) -> None:
        nonlocal errors
        await asyncio.sleep(rng.uniform(0, 3))  # users arrive over 3 s
        s = Session(port, page)
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
    args = parser.parse_args(argv)
    db = db_path(int(float(args.rows)))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    print(
        f"# server_bench {dt.datetime.now().isoformat(timespec='seconds')} · db {db} · "
        f"load average {os.getloadavg()[0]:.1f} · nproc {os.cpu_count()}"
    )
    empty_port, app_port = free_port(), free_port()
    empty = start(REPO / "bench" / "empty_app.py", db, empty_port, out / "empty_app.log")
    app = start(REPO / "app.py", db, app_port, out / "app.log")
    try:
        floor_cold, floor = asyncio.run(cpu_per_run(empty_port, empty.pid, "", [""], args.runs))
        print("\n| page | cold CPU-s (first run) | warm CPU-s per run | warm / empty app | target ≤ 2× |")
        print("|---|---|---|---|---|")
        print(f"| (empty app) | {floor_cold:.3f} | {floor:.3f} | 1.0× | |")
        for page, queries in PAGES.items():
            if page and not (REPO / "pages" / f"{page}.py").exists():
                print(f"| {page} | not measured: page does not exist yet | | | |")
                continue
            cold, warm = asyncio.run(cpu_per_run(app_port, app.pid, page, queries, args.runs))
            ok = "met" if warm <= 2 * floor else "NOT met"
            print(f"| /{page} | {cold:.3f} | {warm:.3f} | {warm / floor:.1f}× | {ok} |")
        rss0 = rss_mb(app.pid)
        print(
            f"\nInteractive users on /{args.user_page} (think time 2–4 s, "
            f"{args.seconds:.0f} s per N), one process:"
        )
        print(
            "\n| users | runs | p50 s | p95 s | errors | server RSS MB "
            "| target (N=100: p95 ≤ 1 s, 0 errors) |"
        )
        print("|---|---|---|---|---|---|---|")
        queries = PAGES[args.user_page]
        for n in (int(x) for x in args.users.split(",")):
            r = asyncio.run(users(app_port, args.user_page, queries, n, args.seconds))
            ok = "met" if r["p95"] <= 1.0 and r["errors"] == 0 else "NOT met"
            print(
                f"| {n} | {r['runs']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['errors']} | "
                f"{rss_mb(app.pid):.0f} | {ok if n == 100 else ''} |"
            )
        print(f"\nServer RSS: {rss0:.0f} MB before the user runs, {rss_mb(app.pid):.0f} MB after.")
        print(f"Empty-app RSS {rss_mb(empty.pid):.0f} MB.")
    finally:
        for proc in (empty, app):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
