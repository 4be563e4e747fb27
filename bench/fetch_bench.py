"""What `evdash fetch` costs over `evdash import` for the same rows: time and peak RSS, as ratios.

    .venv/bin/python -m bench.fetch_bench [--rows 950000] [--repeats 1]

A SYNTHETIC registrations-like file (~100 MB at the default size; never real data: source
https://evdash.invalid/synthetic-registrations, model names "Synthetic NNN", confidence `estimate`) is written
to bench/out/fetch/. Then, in the same run and against the same freshly built real seeds (a private copy
of one build per run):

- baseline: `importer.import_files([("registrations", file)])`, the CSV import an analyst runs;
- fetch: `fetch.fetch(SOURCE, url=...)` from a local HTTP server (http.server in a thread) through a
  pass-through reader registered for the benchmark only (`parse` = read the CSV into the import frame):
  download to a temp file, sha256, parse, re-serialise, the same import, keep the raw file + manifest.

Each operation runs in its own child process; time is the operation's wall time measured in the child, peak
RSS the child's `ru_maxrss` (os.wait4). Prints a Markdown table with the ratios fetch / import.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from evdash import build, config
from evdash.connectors.base import Parsed

OUT = Path(__file__).resolve().parent / "out" / "fetch"
SOURCE = "bench-registrations"
PARSER_VERSION = "bench-1"
LICENCE = "synthetic (benchmark only)"
URL_OF_ROWS = "https://evdash.invalid/synthetic-registrations"
HEADER = (
    "month",
    "market",
    "brand",
    "model_name",
    "model",
    "powertrain",
    "body_type",
    "units",
    "source_url",
    "as_of",
    "confidence",
)


def parse(data: bytes, name: str) -> Parsed:
    """The benchmark's pass-through reader: the file is already in the registrations import format."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    return Parsed("registrations", frame, "synthetic")


def write_file(rows: int, path: Path, seed: int = 20261207) -> int:
    """Deterministic synthetic registrations in the import format; unique keys. Returns bytes written."""
    rng = np.random.default_rng(seed)
    brands = [
        b
        for b in pd.read_csv(config.seeds_dir() / "brands.csv", dtype=str)["brand_id"].tolist()
        if isinstance(b, str)
    ][:20]
    markets = ["DEU", "FRA", "GBR", "ITA", "ESP", "NLD", "NOR", "SWE", "BEL", "AUT", "CHE", "DNK", "POL"]
    markets += ["PRT", "FIN", "IRL", "CZE", "HUN", "GRC", "ROU", "AUS", "JPN", "KOR", "THA", "BRA", "MEX"]
    markets += ["TUR", "ISR", "ARE", "NZL"]
    months = pd.date_range("2018-01-01", "2025-12-01", freq="MS").strftime("%Y-%m").tolist()
    per_cell = max(1, rows // (len(months) * len(markets)))
    i = np.arange(per_cell)
    bodies = np.array(["sedan", "suv", "hatchback", "wagon", "coupe", "mpv", "pickup"])
    cell = pd.DataFrame(
        {
            "brand": np.array(brands)[i % len(brands)],
            "model_name": [f"Synthetic {n:03d}" for n in i],
            "model": "",
            "powertrain": np.where(i % 2 == 0, "BEV", "PHEV"),
            "body_type": bodies[i % len(bodies)],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for month in months:
            for market in markets:
                part = cell.assign(
                    month=month,
                    market=market,
                    units=rng.integers(0, 5000, len(cell)),
                    source_url=URL_OF_ROWS,
                    as_of="2026-01-15",
                    confidence="estimate",
                )
                part[list(HEADER)].to_csv(fh, header=False, index=False, lineterminator="\n")
    return path.stat().st_size


def child(mode: str, target: str, db: Path) -> None:
    """Run one operation (in a child process) and print its wall time as JSON."""
    from evdash import fetch, importer
    from evdash.connectors import registry

    registry.CONNECTORS[SOURCE] = sys.modules[__name__]
    started = time.perf_counter()
    if mode == "import":
        result = importer.import_files([("registrations", Path(target))], db=db, user="bench")
        rows = result.files[0].rows
    else:
        fetched = fetch.fetch(SOURCE, url=target, db=db, user="bench")
        assert fetched.imported is not None, fetched.message
        rows = fetched.imported.files[0].rows
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))


def run_child(mode: str, target: str, db: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, rows) of one child run."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.fetch_bench", "--child", mode, target, str(db)],
        stdout=subprocess.PIPE,
        env={**os.environ, "EVDASH_IMPORT_MAX_BYTES": str(400 * 1024 * 1024)},
        cwd=config.REPO_ROOT,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} child failed ({status})")
    got = json.loads(out.decode().strip().splitlines()[-1])
    return float(got["seconds"]), usage.ru_maxrss / 1024, int(got["rows"])


def fresh_copy(base: Path, where: Path) -> Path:
    if where.exists():
        shutil.rmtree(where)
    shutil.copytree(base.parent / "versions", where / "versions")
    link = where / "evdash.duckdb"
    link.symlink_to(Path("versions") / base.resolve().name)
    return link


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=float, default=950_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "TARGET", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return 0
    data_file = OUT / "registrations.csv"
    size = write_file(int(args.rows), data_file)
    base = OUT / "base" / "evdash.duckdb"
    build.build(db=base)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(OUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{data_file.name}"
    results: dict[str, list[tuple[float, float, int]]] = {"import": [], "fetch": []}
    try:
        for n in range(args.repeats):
            for mode in ("import", "fetch"):
                db = fresh_copy(base, OUT / f"run-{mode}-{n}")
                results[mode].append(run_child(mode, str(data_file) if mode == "import" else url, db))
    finally:
        server.shutdown()
    load = os.getloadavg()[0]
    print(f"\nfile: {size / 1e6:.1f} MB, {results['import'][0][2]:,} rows; load average {load:.1f}\n")
    print("| run | import s | fetch s | time ratio | import peak RSS MB | fetch peak RSS MB | RSS ratio |")
    print("|---|---|---|---|---|---|---|")
    for n, (imp, fet) in enumerate(zip(results["import"], results["fetch"], strict=True), start=1):
        print(
            f"| {n} | {imp[0]:.1f} | {fet[0]:.1f} | {fet[0] / imp[0]:.2f} | {imp[1]:.0f} | {fet[1]:.0f} "
            f"| {fet[1] / imp[1]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
