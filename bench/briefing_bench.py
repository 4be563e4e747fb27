"""Briefing benchmark: how long `evdash briefing` takes to build, by phase, next to baselines measured in
the same run (not a timed test).

    .venv/bin/python -m bench.briefing_bench                 # xiaomi and tesla, 3 repeats
    .venv/bin/python -m bench.briefing_bench --brands xiaomi --repeats 5

Phases, in one process per repeat (as the CLI runs): `collect` (every query and core function behind
the briefing), `browser` (Kaleido starts Debian's Chromium), `charts` (the three PNGs), `layout`
(fpdf2 lays out and writes the PDF). Also the whole CLI command's wall time (`evdash briefing`, a fresh
process: imports included). Baselines: `python -c "import plotly, pandas"` (the imports alone) and one
bar chart exported by Kaleido in a fresh process (browser start + one image).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2026, 12, 1)


def _phases(brand: str, out: Path) -> dict[str, float]:
    from evdash import briefing, briefing_pdf, db, static_charts

    times: dict[str, float] = {}
    start = time.perf_counter()
    with db.connect_readonly() as con:
        data = briefing.collect(con, brand, ON)
    times["collect"] = time.perf_counter() - start
    t = time.perf_counter()
    with static_charts.Renderer() as render:
        times["browser"] = time.perf_counter() - t
        spent = {"charts": 0.0}

        def timed(fig: object, w: float, h: float) -> bytes:
            t0 = time.perf_counter()
            png = render(fig, w, h)
            spent["charts"] += time.perf_counter() - t0
            return png

        t = time.perf_counter()
        pdf, _ = briefing_pdf.build_pdf(data, timed)
        times["charts"] = spent["charts"]
        times["layout"] = time.perf_counter() - t - spent["charts"]
    out.write_bytes(pdf)
    times["total"] = time.perf_counter() - start
    return times


def _wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--brands", default="xiaomi,tesla")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from evdash import build

    build.ensure_built()  # a fresh clone has no database yet; the CLI builds it the same way
    py = sys.executable
    folder = Path(tempfile.mkdtemp(prefix="evdash-briefing-bench-"))
    imports = [_wall([py, "-c", "import plotly, pandas"]) for _ in range(args.repeats)]
    one_chart = [
        _wall(
            [
                py,
                "-c",
                "import plotly.graph_objects as go, plotly.io as pio; pio.to_image(go.Figure(go.Bar(y=[1])))",
            ]
        )
        for _ in range(args.repeats)
    ]
    print(f"baseline imports (plotly, pandas): median {statistics.median(imports):.2f} s")
    print(f"baseline one Kaleido chart in a fresh process: median {statistics.median(one_chart):.2f} s")
    for brand in args.brands.split(","):
        runs = [_phases(brand, folder / f"{brand}.pdf") for _ in range(args.repeats)]
        phases = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        cli = [
            _wall(
                [
                    py,
                    "-m",
                    "evdash.cli",
                    "briefing",
                    "--brand",
                    brand,
                    "--on",
                    ON.isoformat(),
                    "--out",
                    str(folder / "c.pdf"),
                ]
            )
            for _ in range(args.repeats)
        ]
        parts = " · ".join(f"{k} {v:.2f} s" for k, v in phases.items())
        ratio = statistics.median(cli) / statistics.median(one_chart)
        print(f"{brand}: {parts}; CLI wall median {statistics.median(cli):.2f} s = {ratio:.1f}× one chart")


if __name__ == "__main__":
    main()
