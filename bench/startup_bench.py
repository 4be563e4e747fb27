"""Startup benchmark: fresh clone → serving with the README command, the seed build, and a 1M-row
registrations import, each next to a baseline measured in the same run.

    .venv/bin/python -m bench.startup_bench                      # all three parts, uv/pip cache warm
    .venv/bin/python -m bench.startup_bench --cold               # the fresh clone also with an empty uv cache

(a) Fresh clone: `git clone` of this checkout's HEAD into a temp dir, then `python3 bootstrap.py run` (the
    README's command) with `STREAMLIT_SERVER_PORT` set to a port in `--ports` (default 8621-8640). The
    phases are read off the process: bootstrap's `+ ...` lines, and /proc/<pid>/cmdline, which changes when
    bootstrap execs `evdash serve` (install done) and that execs `streamlit run` (database built). Then
    `/_stcore/health`, then Chromium (Playwright) opens `/` and waits until the first Plotly chart is drawn.
    Baseline: the empty app (`bench/empty_app.py`) started with the clone's environment, start → healthy.
    `--cold` repeats it with `UV_CACHE_DIR` pointing at an empty folder and pip's cache off (downloads
    from PyPI). Target: ≤ 60 s, clone to first chart.
(b) Seed build: `evdash build --force --db <temp>` `--repeats` times: the build's own reported seconds and
    the command's wall time; baselines `python -c pass` and `python -c "import pandas"`. Target ≤ 2 s.
(c) Import: a 1M-row registrations CSV in the analyst format (synthetic brands `syn_…` from
    `bench.gen_registrations`, each row a distinct natural key, plus their brands file) imported with
    `evdash import brands … registrations …` into a temp seed database, then a 1-row correction. Wall
    time and peak RSS (GNU time). Baseline: the seed build command (b).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bench.gen_registrations import SEED, universe
from bench.server_bench import REPO
from bench.soak_bench import free_port_in
from evdash import serving

VENV_BIN = REPO / ".venv" / "bin"
CHROMIUM = "/usr/bin/chromium"
SYN_URL = "https://evdash.invalid/synthetic-import"


@dataclass
class Run:
    """A child process, its output lines stamped with seconds since `t0`, and its cmdline changes."""

    proc: subprocess.Popen[bytes]
    t0: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    cmdlines: list[tuple[float, str]] = field(default_factory=list)

    def first(self, pattern: str) -> float | None:
        return next((t for t, line in self.lines if re.search(pattern, line)), None)

    def first_cmd(self, pattern: str) -> float | None:
        return next((t for t, cmd in self.cmdlines if re.search(pattern, cmd)), None)


def spawn(cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    run = Run(proc, time.monotonic())

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            run.lines.append((time.monotonic() - run.t0, raw.decode(errors="replace").rstrip()))

    def watch() -> None:
        last = ""
        while proc.poll() is None:
            try:
                cmd = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                break
            if cmd != last:
                run.cmdlines.append((time.monotonic() - run.t0, cmd))
                last = cmd
            time.sleep(0.02)

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=watch, daemon=True).start()
    return run


def stop(run: Run) -> None:
    """End the process group this benchmark started (bootstrap → evdash → streamlit is one pid)."""
    if run.proc.poll() is None:
        os.killpg(run.proc.pid, signal.SIGTERM)
        try:
            run.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()


def healthy_at(run: Run, port: int, seconds: float) -> float:
    """Seconds since the run started at which /_stcore/health first answered 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if run.proc.poll() is not None:
            tail = "\n".join(line for _, line in run.lines[-30:])
            raise RuntimeError(f"process exited with {run.proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - run.t0
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"not healthy within {seconds:.0f} s")


def first_chart_seconds(port: int) -> float:
    """Chromium opens `/` on a fresh server; seconds from navigation until the first Plotly chart is drawn
    (browser launch not counted)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            started = time.monotonic()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            return time.monotonic() - started
        finally:
            browser.close()


def clean_env() -> dict[str, str]:
    """The caller's environment without this checkout's venv and database settings."""
    drop = {"VIRTUAL_ENV", "EVDASH_DB", "EVDASH_VENV", "EVDASH_IMPORTS", "EVDASH_SEEDS", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if str(REPO) not in p)
    return env


def fresh_clone(port: int, cold: bool, keep: bool) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="evdash-startup-"))
    clone = tmp / "evdash"
    out: dict[str, float] = {}
    try:
        t = time.monotonic()
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        out["clone"] = time.monotonic() - t
        env = clean_env() | {"STREAMLIT_SERVER_PORT": str(port)}
        if cold:
            env |= {"UV_CACHE_DIR": str(tmp / "uv-cache"), "PIP_NO_CACHE_DIR": "1"}
        run = spawn(["python3", "bootstrap.py", "run"], clone, env)
        try:
            health = healthy_at(run, port, 900)
            out["chart"] = first_chart_seconds(port)
        finally:
            stop(run)
        uv = run.first(r"^\+ .*pip install .*uv==") or 0.0
        sync = run.first(r"^\+ .*uv pip sync") or uv
        editable = run.first(r"^\+ .*uv pip install .* -e ") or sync
        serve = run.first_cmd(r"evdash serve") or editable
        streamlit = run.first_cmd(r"-m streamlit run") or serve
        built = re.search(r" in ([0-9.]+) s$", next((x for _, x in run.lines if x.startswith("built ")), ""))
        out |= {
            "venv": uv,
            "uv": sync - uv,
            "sync": editable - sync,
            "editable": serve - editable,
            "build_cmd": streamlit - serve,
            "build_core": float(built.group(1)) if built else float("nan"),
            "healthy": health - streamlit,
            "serving_total": health,
        }
        out["total"] = out["clone"] + health + out["chart"]
        # Baseline: an empty Streamlit app started with the clone's environment, start → healthy.
        empty = spawn(
            [
                str(clone / ".venv/bin/python"),
                *serving.streamlit_command(REPO / "bench/empty_app.py", port)[1:],
            ],
            clone,
            clean_env(),
        )
        try:
            out["empty_healthy"] = healthy_at(empty, port, 120)
        finally:
            stop(empty)
        return out
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall s, peak RSS MB, output) of one command. The peak comes from GNU time (`/usr/bin/time -f %M`):
    a child forked from this process would report this process's RSS as its own maximum."""
    with tempfile.NamedTemporaryFile(prefix="evdash-time-") as rss_file:
        t = time.monotonic()
        proc = subprocess.run(
            ["/usr/bin/time", "-o", rss_file.name, "-f", "%M", *cmd],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        wall = time.monotonic() - t
        output = proc.stdout.decode(errors="replace")
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output[-3000:]}")
        return wall, int(Path(rss_file.name).read_text().split()[-1]) / 1024, output


def seed_build(tmp: Path, repeats: int) -> dict[str, list[float]]:
    evdash = str(VENV_BIN / "evdash")
    py = str(VENV_BIN / "python")
    out: dict[str, list[float]] = {"core": [], "wall": [], "rss": [], "pass": [], "pandas": [], "cli": []}
    db = tmp / "seed" / "evdash.duckdb"
    timed([evdash, "build", "--db", str(db)])  # warm the page cache and the versions folder once
    for _ in range(repeats):
        out["pass"].append(timed([py, "-c", "pass"])[0])
        out["pandas"].append(timed([py, "-c", "import pandas"])[0])
        out["cli"].append(timed([py, "-c", "import evdash.cli"])[0])
        wall, rss, text = timed([evdash, "build", "--force", "--db", str(db)])
        found = re.search(r" in ([0-9.]+) s$", text.splitlines()[0])
        out["core"].append(float(found.group(1)) if found else float("nan"))
        out["wall"].append(wall)
        out["rss"].append(rss)
    return out


def registrations_csv(rows: int, folder: Path, seed: int = SEED) -> tuple[Path, Path, pd.DataFrame]:
    """`rows` synthetic registrations in the importer's format, one row per distinct natural key (month,
    market, brand, model name, powertrain, body type, source), sampled from the generator's universe with
    its skew; plus the brands file for the synthetic brands."""
    rng = np.random.default_rng(seed)
    u = universe(rng)
    models = u.models
    # Candidate keys: market × month × (model, powertrain) with the generator's weights.
    pairs = pd.concat(
        [
            models.assign(powertrain=models["pt_a"], w=models["weight"] * 0.65),
            models[models["pt_b"] != models["pt_a"]].assign(
                powertrain=lambda m: m["pt_b"], w=lambda m: m["weight"] * 0.35
            ),
        ],
        ignore_index=True,
    )
    n_t, n_p = len(u.months), len(pairs)
    weights = np.multiply.outer(np.multiply.outer(u.market_weights, u.month_weights), pairs["w"].to_numpy())
    flat = weights.ravel() / weights.sum()
    if rows > flat.size:
        raise SystemExit(f"only {flat.size:,} distinct keys in the synthetic universe")
    # Weighted sampling without replacement (Efraimidis–Spirakis keys: the largest u^(1/w)).
    keys = np.log(rng.random(flat.size)) / np.maximum(flat, 1e-300)
    pick = np.sort(np.argpartition(keys, -rows)[-rows:])
    market_i, rest = np.divmod(pick, n_t * n_p)
    month_i, pair_i = np.divmod(rest, n_p)
    chosen = pairs.iloc[pair_i]
    scale = 1.0 + 40.0 * u.market_weights[market_i] / u.market_weights.max()
    units = np.floor(rng.lognormal(mean=2.0, sigma=1.3, size=rows) * scale).astype(np.int64) + 1
    months = pd.to_datetime(u.months[month_i])
    as_of = months + pd.DateOffset(months=1, days=13)  # the 14th of the next month, as the generator
    frame = pd.DataFrame(
        {
            "month": months.strftime("%Y-%m"),
            "market": u.markets[market_i],
            "brand": u.brands["brand_id"].to_numpy()[chosen["brand"].to_numpy()],
            "model_name": chosen["model_name"].to_numpy(),
            "model": "",
            "powertrain": chosen["powertrain"].to_numpy(),
            "body_type": chosen["body_type"].to_numpy(),
            "units": units,
            "source_url": SYN_URL,
            "as_of": as_of.strftime("%Y-%m-%d"),
            "confidence": "estimate",
        }
    )
    regs = folder / "registrations-1m.csv"
    frame.to_csv(regs, index=False)
    brands = folder / "brands-synthetic.csv"
    u.brands.assign(parent_group="", tariff_company="none", note="SYNTHETIC benchmark brand")[
        ["brand_id", "name", "parent_group", "home_market", "tariff_company", "note"]
    ].to_csv(brands, index=False)
    return regs, brands, frame


def registrations_import(tmp: Path, rows: int) -> dict[str, float]:
    evdash = str(VENV_BIN / "evdash")
    folder = tmp / "import"
    folder.mkdir()
    t = time.monotonic()
    regs, brands, frame = registrations_csv(rows, folder)
    out = {"generate": time.monotonic() - t, "csv_mb": regs.stat().st_size / 1e6}
    db = folder / "evdash.duckdb"
    out["seed_wall"], out["seed_rss"], _ = timed([evdash, "build", "--db", str(db)])
    cmd = [evdash, "import", "--db", str(db), "--user", "bench", "--show", "0"]
    out["import_wall"], out["import_rss"], text = timed(
        [*cmd, "brands", str(brands), "registrations", str(regs)]
    )
    found = re.search(r"registrations \S+: ([0-9,]+) rows - ([0-9,]+) new", text)
    out["imported_rows"] = float(found.group(2).replace(",", "")) if found else float("nan")
    fix = folder / "correction.csv"
    frame.iloc[[len(frame) // 2]].assign(units=lambda f: f["units"] + 1).to_csv(fix, index=False)
    out["fix_wall"], out["fix_rss"], text = timed([*cmd, "registrations", str(fix)])
    out["fix_changed"] = float(" 1 changed" in text)
    return out


def status(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="startup benchmark: fresh clone, seed build, 1M-row import")
    parser.add_argument("--parts", default="clone,build,import", help="comma-separated: clone,build,import")
    parser.add_argument("--cold", action="store_true", help="also a fresh clone with an empty uv cache")
    parser.add_argument("--ports", default="8621-8640")
    parser.add_argument("--repeats", type=int, default=3, help="seed build repeats")
    parser.add_argument("--rows", type=float, default=1e6, help="registrations rows to import")
    parser.add_argument("--keep", action="store_true", help="keep the temp clone (to inspect it)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    lo, hi = (int(p) for p in args.ports.split("-"))
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    print(
        f"# startup_bench {dt.datetime.now().isoformat(timespec='seconds')} · HEAD {head.stdout.strip()} · "
        f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} · nproc {os.cpu_count()} · "
        f"python3 {sys.version.split()[0]}"
    )
    rows: list[str] = []
    clones: list[tuple[str, dict[str, float]]] = []
    if "clone" in parts:
        for cold in [False, True] if args.cold else [False]:
            label = "cold uv cache (empty UV_CACHE_DIR, PyPI)" if cold else "warm uv cache"
            result = fresh_clone(free_port_in(lo, hi), cold, args.keep)
            clones.append((label, result))
            print(f"* fresh clone, {label}: done · load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="evdash-startup-") as name:
        tmp = Path(name)
        build = seed_build(tmp, args.repeats) if "build" in parts else None
        if build:
            print(f"* seed build: done · load average {os.getloadavg()[0]:.1f}", flush=True)
        imp = registrations_import(tmp, int(args.rows)) if "import" in parts else None
        if imp:
            print(f"* import: done · load average {os.getloadavg()[0]:.1f}", flush=True)

    for label, r in clones:
        install = f"{r['uv']:.1f} / {r['sync']:.1f} / {r['editable']:.1f} s"
        empty = f"empty app {r['empty_healthy']:.1f} s ({r['healthy'] / r['empty_healthy']:.1f}×)"
        rows += [
            f"| **fresh clone → first chart**, {label} | **{r['total']:.1f} s** | | ≤ 60 s "
            f"| {status(r['total'], 60)} |",
            f"| … `git clone` | {r['clone']:.1f} s | | | |",
            f"| … venv creation (`venv` with pip) | {r['venv']:.1f} s | | | |",
            f"| … install: pip install uv / uv pip sync (lock) / editable | {install} | | | |",
            f"| … database build (`evdash serve`'s build: command / build itself) "
            f"| {r['build_cmd']:.1f} / {r['build_core']:.2f} s | | | |",
            f"| … server start → healthy | {r['healthy']:.1f} s | {empty} | | |",
            f"| … healthy → first chart drawn (Chromium, cold page run) | {r['chart']:.1f} s | | | |",
        ]
    if build:
        med = {k: statistics.median(v) for k, v in build.items()}
        runs = " / ".join(f"{x:.2f}" for x in build["wall"])
        base = (
            f"`python -c pass` {med['pass']:.2f} s, `import pandas` {med['pandas']:.2f} s, "
            f"`import evdash.cli` {med['cli']:.2f} s"
        )
        rows += [
            f"| seed build, the build itself (median of {args.repeats}) | {med['core']:.2f} s | | ≤ 2 s "
            f"| {status(med['core'], 2)} |",
            f"| seed build, `evdash build --force` wall ({runs}) | {med['wall']:.2f} s | {base} | ≤ 2 s "
            f"| {status(med['wall'], 2)} |",
        ]
    if imp:
        ratio = imp["import_wall"] / imp["seed_wall"]
        seed = f"seed build {imp['seed_wall']:.1f} s / {imp['seed_rss']:.0f} MB ({ratio:.0f}×)"
        fixed = "1 changed" if imp["fix_changed"] else "CHECK OUTPUT"
        rows += [
            f"| import {imp['imported_rows']:,.0f} registrations rows ({imp['csv_mb']:.0f} MB CSV) "
            f"+ 150 brands, wall / peak RSS | {imp['import_wall']:.1f} s / {imp['import_rss']:.0f} MB "
            f"| {seed} | none set | |",
            f"| 1-row correction after it (the rebuild replays the 1M rows), wall / peak RSS "
            f"| {imp['fix_wall']:.1f} s / {imp['fix_rss']:.0f} MB | | none set | {fixed} |",
        ]
    print("\n| step | measured | baseline (same run) | target | status |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nload average at the end {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
