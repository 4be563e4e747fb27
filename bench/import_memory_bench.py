"""Peak memory of `evdash import --dry-run` against the size of the file, for 1, 10, 100 and 200 MB
valid registrations files (issue #25, case 11; target: within 3× the file size).

    .venv/bin/python -m bench.import_memory_bench [--sizes 1,10,100,200] [--keep]

Each size gets a deterministic SYNTHETIC registrations CSV (brands and markets of the real seeds,
vendor model names "Synthetic model <n>", source https://evdash.invalid/synthetic) in bench/out/import-mem/.
Each run is a child process (`python -m evdash.cli import --dry-run registrations <file>` on a database built
from the real seeds); its peak resident memory is read from os.wait4's ru_maxrss. The same run measures a
one-row file first: the baseline (Python, DuckDB, pandas and the in-memory copy of the seeds the dry run
checks against), so the table shows what the file itself costs — peak minus baseline — beside the file
size. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from evdash import build

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


def measure(db: Path, file: Path) -> tuple[int, float, int, str]:
    """(peak RSS in bytes, seconds, exit code, last stderr line) of a dry-run import of `file`."""
    env = {**os.environ, "EVDASH_DB": str(db)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evdash.cli",
            "import",
            "--dry-run",
            "--show",
            "0",
            "registrations",
            str(file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace").strip().splitlines()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    return usage.ru_maxrss * 1024, seconds, os.waitstatus_to_exitcode(status), (err[-1] if err else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,200", help="file sizes in MB")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "evdash.duckdb"
    build.build(db=db)
    tiny = OUT / "registrations-baseline.csv"
    write_file(tiny, 0.0001)
    base, base_s, code, last = measure(db, tiny)
    assert code == 0, last
    print(f"baseline (one-row file): peak {base / MB:,.0f} MB in {base_s:.1f} s")
    print("| file | rows | peak RSS | peak − baseline | (peak − baseline) / file | seconds |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (float(s) for s in args.sizes.split(",")):
        path = OUT / f"registrations-{size:g}mb.csv"
        rows = write_file(path, size)
        file_bytes = path.stat().st_size
        # 200 MB exactly would be over the limit by the header's bytes: the limit is what is measured.
        env_limit = max(int(os.environ.get("EVDASH_IMPORT_MAX_BYTES", 200 * MB)), file_bytes)
        os.environ["EVDASH_IMPORT_MAX_BYTES"] = str(env_limit)
        peak, seconds, code, last = measure(db, path)
        if code != 0:
            print(f"| {file_bytes / MB:,.0f} MB | {rows:,} | failed (exit {code}): {last} | | | |")
            continue
        extra = peak - base
        print(
            f"| {file_bytes / MB:,.0f} MB | {rows:,} | {peak / MB:,.0f} MB | {extra / MB:,.0f} MB | "
            f"{extra / file_bytes:.2f}× | {seconds:.1f} |",
            flush=True,
        )
        if not args.keep:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
