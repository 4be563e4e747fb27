"""Propagation benchmark: from an import accepted on server A to server B serving it, on one shared
import journal (PostgreSQL), each server with its own local folder and database.

    .venv/bin/python -m bench.journal_bench                  # 10 imports, the real seeds
    .venv/bin/python -m bench.journal_bench --imports 20 --seeds tests/fixtures/seeds

Starts a throwaway PostgreSQL 15 (Debian's package, loopback), builds both folders, starts server B as
`streamlit run asgi.py` with EVDASH_JOURNAL (its replica follows the journal from the start, woken by
LISTEN/NOTIFY, polling every EVDASH_JOURNAL_POLL_SECONDS as the fallback), and makes `--imports`
one-row imports as server A would (`importer.import_files` in this process, A's folder). Per import:
- A: the import itself (validate, build the new version, commit the batch, swap A's link);
- propagation: from A's commit returning to B's link pointing at the same version id, which is when
  B serves it (its next page run opens the new file); polled every 10 ms;
- B's rebuild, from B's `journal.synced` log line.
Baseline in the same run: B's folder rebuilt from scratch (`build --force`, the same inputs), the floor
of any propagation that rebuilds. Results: bench/out/journal_bench.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--imports", type=int, default=10)
    parser.add_argument("--seeds", type=Path, default=REPO / "data" / "seeds")
    parser.add_argument("--poll", type=float, default=2.0, help="EVDASH_JOURNAL_POLL_SECONDS for server B")
    args = parser.parse_args(argv)

    from evdash import build, importer, serving, versions

    scratch = Path(tempfile.mkdtemp(prefix="evdash-journal-bench-"))
    pg = serving.Postgres(Path(tempfile.mkdtemp(prefix="evdash-journal-bench-pg-"))).init()
    server: subprocess.Popen[bytes] | None = None
    try:
        os.environ.update(EVDASH_JOURNAL=pg.dsn, EVDASH_SEEDS=str(args.seeds.resolve()))
        a, b = scratch / "a" / "evdash.duckdb", scratch / "b" / "evdash.duckdb"
        build.build(db=a)
        build.build(db=b)
        port = serving.free_port()
        log = scratch / "server-b.log"
        env = {**os.environ, "EVDASH_DB": str(b), "EVDASH_JOURNAL_POLL_SECONDS": str(args.poll)}
        cmd = serving.streamlit_command(REPO / "asgi.py", port, "--server.fileWatcherType", "none")
        with open(log, "wb") as fh:
            server = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
        serving.wait_healthy(f"http://127.0.0.1:{port}", server)
        time.sleep(2)  # the replica's first check (nothing new) is done

        imports, propagation = [], []
        for n in range(args.imports):
            row = f"xiaomi,,CHN,2040-{n % 12 + 1:02d},{1000 + n},reported,https://ir.mi.com/bench-{n},2041-01-01"
            data = f"{HEADER}\n{row.replace('2040-', f'{2040 + n // 12}-')}\n".encode()
            started = time.perf_counter()
            result = importer.import_files([("deliveries", (f"bench_{n}.csv", data))], db=a, user="bench")
            committed = time.perf_counter()
            imports.append(committed - started)
            deadline = committed + 120
            while versions.current_version(b) != result.version:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"server B did not serve batch {result.batch.batch_id} within 120 s")
                time.sleep(0.01)
            propagation.append(time.perf_counter() - committed)
        synced = [
            float(json.loads(line)["seconds"])
            for line in log.read_text().splitlines()
            if line.startswith("{") and '"journal.synced"' in line
        ]
        floor = []
        for _ in range(3):
            floor.append(build.build(db=b, force=True).seconds)
        out = {
            "imports": args.imports,
            "seeds": str(args.seeds),
            "poll_seconds": args.poll,
            "import_on_a_s": summary(imports),
            "propagation_to_b_s": summary(propagation),
            "rebuild_on_b_s": summary(synced) if synced else None,
            "baseline_full_build_s": summary(floor),
        }
        (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
        (REPO / "bench" / "out" / "journal_bench.json").write_text(json.dumps(out, indent=2))
        print(f"{'measure':<34} {'median':>8} {'p95':>8} {'max':>8}")
        for key in ("import_on_a_s", "propagation_to_b_s", "rebuild_on_b_s", "baseline_full_build_s"):
            s = out[key]
            if isinstance(s, dict):
                print(f"{key:<34} {s['median']:8.2f} {s['p95']:8.2f} {s['max']:8.2f}")
        ratio = out["propagation_to_b_s"]["median"] / out["baseline_full_build_s"]["median"]
        print(f"propagation / full build (median): {ratio:.2f}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if pg.running():
            pg.stop("fast")
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(pg.folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
