"""Cost of `?known=` (evdash.build.known_version) against a full build of the same seeds, in one run.

    .venv/bin/python -m bench.known_bench [--runs 3]

A private database is built from the real seeds and shipped raw files in a temporary folder; each run
times `build --force` (the baseline), the first visit to a date before the last arrivals (builds that
database into versions/known/), a second visit to that date (found and verified) and a date after every
arrival (the current version itself). Prints a Markdown table with the ratios against the full build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from evdash import build

EARLIER = dt.date(2026, 12, 6)  # before the IEA 2026 workbook and KBA's files were kept (7 Dec 2026)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "evdash.duckdb"
        build.build(db=db)
        print(
            "| run | full build s | first visit s | ratio | second visit s | ratio "
            "| date after every arrival s |"
        )
        print("|---|---|---|---|---|---|---|")
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            build.build(db=db, force=True)
            full = time.perf_counter() - started
            shutil.rmtree(db.parent / "versions" / "known", ignore_errors=True)
            timings = []
            for known in (EARLIER, EARLIER, dt.date.today()):
                started = time.perf_counter()
                build.known_version(known, db)
                timings.append(time.perf_counter() - started)
            first, again, current = timings
            print(
                f"| {run} | {full:.2f} | {first:.2f} | {first / full:.2f} | {again:.3f} | {again / full:.3f} "
                f"| {current:.3f} |"
            )


if __name__ == "__main__":
    main()
