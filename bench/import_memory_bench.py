"""Peak memory of `evdash import` and `evdash import --dry-run` against the size of the file, for 1, 10,
100 and 200 MB valid registrations files (issue #25, case 11; target: within 3× the file size).

    .venv/bin/python -m bench.import_memory_bench [--sizes 1,10,100,200] [--keep]

Each size gets a deterministic SYNTHETIC registrations CSV (brands and markets of the real seeds,
vendor model names "Synthetic model <n>", source https://evdash.invalid/synthetic) in bench/out/import-mem/.
Each run is a child process (`python -m evdash.cli import [--dry-run] registrations <file>` on a database
built from the real seeds: the dry run on one database, each real import on a fresh one); its peak
resident memory is read from os.wait4's ru_maxrss. The same run measures a one-row file first, both ways:
the baseline (Python, DuckDB, pandas and the copy of the seeds the import checks against), so the table
shows what the file itself costs — peak minus baseline — beside the file size. Results go in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "import-mem"
HEADER = "month,market,brand,model_name,model,powertrain,body_type,units,source_url,as_of,confidence\n"
BRANDS = ("xiaomi", "tesla", "byd", "nio", "xpeng", "li_auto", "leapmotor", "zeekr")
MARKETS = ("DEU", "FRA", "ITA", "ESP", "NLD", "BEL", "SWE", "NOR", "POL", "AUT", "CHE", "GBR")
BODIES = ("suv", "sedan", "hatchback", "wagon")
POWERTRAINS = ("BEV", "PHEV")
MB = 1024 * 1024


def write_file(path: Path, size_mb: float) -> int:
    """A valid registrations file of about `size_mb` MB (no duplicate keys); returns its data rows."""
    target = int(size_mb * MB)
    rows = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        written = len(HEADER)
        while written < target:
            n = rows
            month = f"{2019 + (n // 12) % 7}-{n % 12 + 1:02d}"
            line = (
                f"{month},{MARKETS[(n // 84) % len(MARKETS)]},{BRANDS[(n // 1008) % len(BRANDS)]},"
                f"Synthetic model {n // 8064},,{POWERTRAINS[n % 2]},{BODIES[(n // 2) % 4]},"
                f"{(n * 7919) % 5000 + 1},"
                "https://evdash.invalid/synthetic,2026-11-10,estimate\n"
            )
            fh.write(line)
            written += len(line)
            rows += 1
    return rows


MODES = ("dry run", "import")


# A child's ru_maxrss starts from the resident size of the process that forked it (Linux keeps the
# high-water mark across exec), so the import is spawned by a small launcher, never by this process
# (which would add its own size to every figure); the databases are built in child processes too.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)
"""


def built_db(folder: Path) -> Path:
    """A database built from the real seeds in `folder` (emptied first), by `evdash build` in a child."""
    shutil.rmtree(folder, ignore_errors=True)
    db = folder / "evdash.duckdb"
    env = {**os.environ, "EVDASH_DB": str(db)}
    subprocess.run([sys.executable, "-m", "evdash.cli", "build"], env=env, check=True, capture_output=True)
    return db


def fresh_db(mode: str, dry_db: Path, out: Path) -> Path:
    """The database a run imports into: the shared one for a dry run (nothing is written), a new one
    built from the real seeds for a real import (so every size starts from the same data)."""
    return dry_db if mode == "dry run" else built_db(out / "import-db")


def measure(db: Path, file: Path, mode: str = "dry run") -> tuple[int, float, int, str]:
    """(peak RSS in bytes, seconds, exit code, last stderr line) of an import of `file`."""
    env = {**os.environ, "EVDASH_DB": str(db), "EVDASH_USER": "bench"}
    started = time.perf_counter()
    dry = ["--dry-run", "--show", "0"] if mode == "dry run" else []
    cli = [sys.executable, "-m", "evdash.cli", "import", *dry, "registrations", str(file)]
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *cli], capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - started
    err = done.stderr.decode(errors="replace").strip().splitlines()
    code, peak = (int(v) for v in done.stdout.split())
    return peak, seconds, code, (err[-1] if err else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,200", help="file sizes in MB")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the files and databases")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    db = built_db(out / "dry-run-db")
    tiny = out / "registrations-baseline.csv"
    write_file(tiny, 0.0001)
    bases = {}
    for mode in MODES:
        base, base_s, code, last = measure(fresh_db(mode, db, out), tiny, mode)
        assert code == 0, last
        bases[mode] = base
        print(f"baseline, {mode} (one-row file): peak {base / MB:,.0f} MB in {base_s:.1f} s")
    print("| file | rows | run | peak RSS | peak − baseline | (peak − baseline) / file | seconds |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for size in (float(s) for s in args.sizes.split(",")):
        path = out / f"registrations-{size:g}mb.csv"
        rows = write_file(path, size)
        file_bytes = path.stat().st_size
        # 200 MB exactly would be over the limit by the header's bytes: the limit is what is measured.
        env_limit = max(int(os.environ.get("EVDASH_IMPORT_MAX_BYTES", 200 * MB)), file_bytes)
        os.environ["EVDASH_IMPORT_MAX_BYTES"] = str(env_limit)
        for mode in MODES:
            peak, seconds, code, last = measure(fresh_db(mode, db, out), path, mode)
            cells = f"| {file_bytes / MB:,.0f} MB | {rows:,} | {mode} |"
            if code != 0:
                print(f"{cells} failed (exit {code}): {last} | | | |")
                continue
            extra = peak - bases[mode]
            print(
                f"{cells} {peak / MB:,.0f} MB | {extra / MB:,.0f} MB | {extra / file_bytes:.2f}× | "
                f"{seconds:.1f} |",
                flush=True,
            )
        if not args.keep:
            path.unlink()
    shutil.rmtree(out / "import-db", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
