"""Memory soak: the dashboard and the empty app side by side, with simulated users arriving and leaving
for `--minutes`, server memory sampled every `--sample-seconds`.

    .venv/bin/python -m bench.soak_bench --rows 1e6 --users 20 --minutes 10

* Both servers run with production flags (`--server.fileWatcherType none`, as the Dockerfile and
  `deploy/cluster.py`) on ports from `--ports` (default 8621-8640), the dashboard on the synthetic
  `rows-<N>` database, the empty app (`bench/empty_app.py`) as the floor.
* Each server gets `--users` concurrent simulated users (the empty app the same churn on its one page).
  A user opens a websocket session (server_bench's client), visits 3-10 pages picked at random from
  server_bench's `PAGES` with their filter values in the URL, changes the page's first select box to a
  random option half of the time (what a click sends; `--fixed-filters` turns this off), thinks 3-8 s
  between runs, then closes the session. A new user takes the place of one who left after 0-5 s, so
  sessions keep being created and dropped (Streamlit frees a closed session after
  `server.disconnectedSessionTTL`, 120 s here).
* Sampled: VmRSS and VmHWM from /proc/<pid>/status for both servers, open sessions, runs, errors.
  After the soak all users leave, and RSS is sampled again after the disconnected-session TTL.
* Reported: a per-minute table, memory per session ((RSS at steady state - RSS before users) / mean open
  sessions), peak (VmHWM), and the RSS slope over the last half of the soak (least squares, MB/min), with
  the verdict "bounded" when that slope is ≤ `--bounded-mb-per-min` (default 1).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import random
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import websockets

from bench.gen_registrations import db_path
from bench.server_bench import PAGES, REPO, Session, start

PRODUCTION = ("--server.fileWatcherType", "none")


def free_port_in(lo: int, hi: int, avoid: set[int] | None = None) -> int:
    """A TCP port in [lo, hi] on 127.0.0.1 that is free right now (the benchmarks' assigned range)."""
    for port in range(lo, hi + 1):
        if avoid and port in avoid:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of `pid` in MB, from /proc/<pid>/status."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1]) / 1024
    return out


@dataclass
class Load:
    """Counters of one server's simulated users."""

    port: int
    pages: dict[str, list[str]]
    open_sessions: int = 0
    sessions_started: int = 0
    runs: int = 0
    errors: int = 0
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (minute of the soak, seconds)
    t0: float = 0.0  # monotonic time the soak started
    random_filters: bool = True  # half of the runs set the first select box to a random option
    states: set[tuple[str, str, str]] = field(default_factory=set)  # distinct (page, query, option) asked


async def one_user(load: Load, rng: random.Random, stop_at: float) -> None:
    page = rng.choice(list(load.pages))
    s = Session(load.port, page)
    try:
        await s.open()
    except (TimeoutError, OSError, websockets.WebSocketException):
        load.errors += 1
        return
    load.open_sessions += 1
    load.sessions_started += 1
    try:
        for _ in range(rng.randint(3, 10)):
            if time.monotonic() >= stop_at:
                break
            s.page = page = rng.choice(list(load.pages))
            query = rng.choice(load.pages[page])
            widget = None
            if load.random_filters and s.selectboxes and rng.random() < 0.5:
                box_id, options = s.selectboxes[0]
                widget = (box_id, rng.choice(options))
            load.states.add((page, query, widget[1] if widget else ""))
            seconds = await s.run(query, timeout_s=30, widget=widget)
            load.latencies.append(((time.monotonic() - load.t0) / 60, seconds))
            load.runs += 1
            await asyncio.sleep(rng.uniform(3, 8))
    except (TimeoutError, OSError, websockets.WebSocketException):
        load.errors += 1
    finally:
        load.errors += len([e for e in s.errors if e == "exception element"])
        load.open_sessions -= 1
        await s.close()


async def user_slot(load: Load, slot: int, stop_at: float) -> None:
    """One of N concurrent user places: users come and go until `stop_at`."""
    rng = random.Random(slot * 7919 + load.port)
    await asyncio.sleep(rng.uniform(0, 20))  # the first users arrive over 20 s
    while time.monotonic() < stop_at:
        await one_user(load, rng, stop_at)
        await asyncio.sleep(rng.uniform(0, 5))


@dataclass
class Sample:
    t_min: float
    sessions: int
    runs: int
    errors: int
    rss: float
    hwm: float
    empty_sessions: int
    empty_rss: float
    empty_hwm: float


async def soak(
    app_pid: int, empty_pid: int, app: Load, empty: Load, users: int, minutes: float, every: float
) -> list[Sample]:
    started = app.t0 = empty.t0 = time.monotonic()
    stop_at = started + minutes * 60
    tasks = [asyncio.create_task(user_slot(load, i, stop_at)) for load in (app, empty) for i in range(users)]
    samples: list[Sample] = []
    while time.monotonic() < stop_at:
        await asyncio.sleep(every)
        a, e = status_mb(app_pid), status_mb(empty_pid)
        samples.append(
            Sample(
                (time.monotonic() - started) / 60,
                app.open_sessions,
                app.runs,
                app.errors,
                a["VmRSS"],
                a["VmHWM"],
                empty.open_sessions,
                e["VmRSS"],
                e["VmHWM"],
            )
        )
    await asyncio.gather(*tasks)
    return samples


def slope_mb_per_min(samples: list[Sample], attr: str) -> float:
    half = [s for s in samples if s.t_min >= samples[-1].t_min / 2]
    x = np.array([s.t_min for s in half])
    y = np.array([getattr(s, attr) for s in half])
    return float(np.polyfit(x, y, 1)[0]) if len(half) >= 2 else float("nan")


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="memory soak: dashboard and empty app under user churn")
    parser.add_argument("--rows", default="1e6", help="synthetic registrations database to serve")
    parser.add_argument("--users", type=int, default=20, help="concurrent simulated users per server")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--ports", default="8621-8640", help="port range for the two servers")
    parser.add_argument("--bounded-mb-per-min", type=float, default=1.0)
    parser.add_argument(
        "--fixed-filters",
        action="store_true",
        help="only the filter values in PAGES (no random select box options): separates cache growth from "
        "per-session memory",
    )
    parser.add_argument("--ttl-wait", type=float, default=130, help="seconds to wait after users leave")
    args = parser.parse_args(argv)
    lo, hi = (int(p) for p in args.ports.split("-"))
    db = db_path(int(float(args.rows)))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    load0 = os.getloadavg()
    print(
        f"# soak_bench {dt.datetime.now().isoformat(timespec='seconds')} · db {db} · "
        f"{args.users} users per server for {args.minutes:g} min · "
        f"load average {' / '.join(f'{x:.1f}' for x in load0)} · nproc {os.cpu_count()}"
    )
    empty_port = free_port_in(lo, hi)
    app_port = free_port_in(lo, hi, {empty_port})
    empty_proc = start(REPO / "bench" / "empty_app.py", db, empty_port, out / "soak_empty.log", PRODUCTION)
    app_proc = start(REPO / "app.py", db, app_port, out / "soak_app.log", PRODUCTION)
    try:
        start_rss = status_mb(app_proc.pid)["VmRSS"], status_mb(empty_proc.pid)["VmRSS"]

        async def warm() -> None:  # one run of every page and filter value: caches filled once
            for page, queries in PAGES.items():
                s = Session(app_port, page)
                await s.open()
                for q in queries:
                    await s.run(q, timeout_s=120)
                await s.close()
            s = Session(empty_port, "")
            await s.open()
            await s.run("", timeout_s=60)
            await s.close()

        asyncio.run(warm())
        time.sleep(2)
        before = status_mb(app_proc.pid)["VmRSS"], status_mb(empty_proc.pid)["VmRSS"]
        app = Load(app_port, PAGES, random_filters=not args.fixed_filters)
        empty = Load(empty_port, {"": [""]})
        samples = asyncio.run(
            soak(app_proc.pid, empty_proc.pid, app, empty, args.users, args.minutes, args.sample_seconds)
        )
        after_users = status_mb(app_proc.pid)["VmRSS"], status_mb(empty_proc.pid)["VmRSS"]
        time.sleep(args.ttl_wait)
        after_ttl = status_mb(app_proc.pid)["VmRSS"], status_mb(empty_proc.pid)["VmRSS"]
        final_app, final_empty = status_mb(app_proc.pid), status_mb(empty_proc.pid)
    finally:
        for proc in (empty_proc, app_proc):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    with open(out / "soak_samples.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(Sample.__dataclass_fields__))
        writer.writerows([list(vars(s).values()) for s in samples])

    print(
        f"\nRSS MB: dashboard {start_rss[0]:.0f} at start, {before[0]:.0f} after one run of every page "
        f"(before users); empty app {start_rss[1]:.0f} / {before[1]:.0f}."
    )
    print(
        "\n| minute | sessions open (dashboard / empty) | runs in the minute | run p95 s | errors (cum.) "
        "| dashboard RSS MB | dashboard VmHWM MB | empty-app RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    prev_runs = 0
    eps = args.sample_seconds / 120  # half a sample interval, in minutes: a late last sample still counts
    for minute in range(1, round(samples[-1].t_min) + 1):
        in_minute = [s for s in samples if minute - 1 + eps < s.t_min <= minute + eps]
        if not in_minute:
            continue
        last = in_minute[-1]
        in_runs = [x for t, x in app.latencies if minute - 1 <= t < minute]
        print(
            f"| {minute} | {last.sessions} / {last.empty_sessions} | {last.runs - prev_runs} | "
            f"{p95(in_runs):.2f} | {last.errors} | {last.rss:.0f} | {last.hwm:.0f} | {last.empty_rss:.0f} |"
        )
        prev_runs = last.runs

    second_half = [s for s in samples if s.t_min >= samples[-1].t_min / 2]
    mean_sessions = float(np.mean([s.sessions for s in second_half]))
    mean_empty_sessions = float(np.mean([s.empty_sessions for s in second_half]))
    rss_half = float(np.mean([s.rss for s in second_half]))
    empty_half = float(np.mean([s.empty_rss for s in second_half]))
    slope, empty_slope = slope_mb_per_min(samples, "rss"), slope_mb_per_min(samples, "empty_rss")
    verdict = "bounded" if slope <= args.bounded_mb_per_min else "GROWING"
    print(
        f"\n* Sessions: dashboard {app.sessions_started} created, {app.runs} runs, {app.errors} errors, "
        f"run p95 {p95([x for _, x in app.latencies]):.2f} s; empty app {empty.sessions_started} "
        f"created, {empty.runs} runs, {empty.errors} errors. Distinct (page, URL filters, select option) "
        f"states asked of the dashboard: {len(app.states)} "
        f"({'fixed PAGES filters' if args.fixed_filters else 'random select options half of the time'})."
    )
    print(
        f"* Memory per open session, an upper bound that includes cache entries for the filter values the "
        f"users picked (second half: mean RSS - RSS before users, / mean open sessions): "
        f"dashboard ({rss_half:.0f} - {before[0]:.0f}) / {mean_sessions:.1f} = "
        f"{(rss_half - before[0]) / max(mean_sessions, 1):.1f} MB; empty app "
        f"({empty_half:.0f} - {before[1]:.0f}) / {mean_empty_sessions:.1f} = "
        f"{(empty_half - before[1]) / max(mean_empty_sessions, 1):.1f} MB."
    )
    print(
        f"* Peak RSS (VmHWM): dashboard {final_app['VmHWM']:.0f} MB, empty app {final_empty['VmHWM']:.0f} MB."
    )
    print(
        f"* RSS slope over the last half: dashboard {slope:+.2f} MB/min, empty app {empty_slope:+.2f} MB/min "
        f"-> **{verdict}** (threshold {args.bounded_mb_per_min:g} MB/min; "
        f"{slope * 60 * 24:+.0f} MB/day if it went on)."
    )
    print(
        f"* After the users left: dashboard {after_users[0]:.0f} MB, {after_ttl[0]:.0f} MB "
        f"{args.ttl_wait:.0f} s later (disconnected-session TTL); empty app {after_users[1]:.0f} / "
        f"{after_ttl[1]:.0f} MB."
    )
    load1 = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"* Load average at the end {load1}. Samples: {out / 'soak_samples.csv'}")


if __name__ == "__main__":
    main()
