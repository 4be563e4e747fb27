"""Every chart of every page, alone, at a phone's and a desktop's chart width, with what reads badly.

    .venv/bin/python -m bench.chart_gallery                          # every page, 343 and 980 px
    .venv/bin/python -m bench.chart_gallery --pages pages/deliveries.py --query brand=tesla
    .venv/bin/python -m bench.chart_gallery --seeds tests/fixtures/seeds --pages pages/market_mix.py

A quick loop for chart work (not a test, not a benchmark): each page runs in Streamlit's AppTest on a
database built from the seeds, and every figure it sends (the exact JSON the browser gets) is drawn by
the plotly.js of the Python package in Debian's Chromium, offline, at the width Streamlit gives a chart
on a 375 px phone (343 px) and on a 1440 px screen (980 px; a map, in its page's 3/5 column: 580).
Writes `bench/out/charts/<page>_<n>_<width>.png` and prints tests/chart_layout.py's problems. The real
pages (Streamlit's own plotly.js and fonts) are `bench/screenshots.py` and
tests/browser/test_chart_layout.py.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "charts"
PAGES = [
    "app.py",
    "pages/deliveries.py",
    "pages/expansion.py",
    "pages/pricing.py",
    "pages/markets.py",
    "pages/market_mix.py",
]
HOST = "http://charts.local"


def _assets() -> dict[str, tuple[bytes, str]]:
    import plotly
    import streamlit

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    font = next(media.glob("SourceSansVF-Upright*.woff2"))
    return {
        "/": (b"<!doctype html><title>charts</title>", "text/html"),
        "/plotly.js": (plotly_js.read_bytes(), "application/javascript"),
        "/font.woff2": (font.read_bytes(), "font/woff2"),
        "/topojson/world_110m.json": (
            (REPO / "static" / "topojson" / "world_110m.json").read_bytes(),
            "application/json",
        ),
    }


PAGE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<style>@font-face { font-family: "Source Sans"; src: url(/font.woff2); font-weight: 200 900; }
body { margin: 0; font-family: "Source Sans"; } #chart { width: %dpx; }</style>
<script src="/plotly.js"></script></head><body><div id="chart"></div></body></html>"""


def specs_of(script: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """The figure JSON of every chart `script` sends, run in AppTest with `query` as URL parameters."""
    from tests.conftest import run_page

    at = run_page(script, **query)
    if at.exception:
        raise RuntimeError(f"{script}: {at.exception[0].message}")
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def draw(page: Any, spec: dict[str, Any], width: int) -> None:
    page.set_content(PAGE_HTML % width)
    page.evaluate(
        """async ([spec, width]) => {
            await document.fonts.load('13px "Source Sans"');
            await Plotly.newPlot('chart', spec.data, {...spec.layout, width},
                {displayModeBar: false, topojsonURL: '/topojson/'});
        }""",
        [spec, width],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--widths", nargs="*", type=int, default=[343, 980])
    parser.add_argument("--query", default="", help="URL parameters for every page, e.g. brand=tesla")
    parser.add_argument("--seeds", type=Path, default=REPO / "data" / "seeds")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from evdash import build
    from tests.chart_layout import chart_problems
    from tests.conftest import CHROMIUM

    OUT.mkdir(parents=True, exist_ok=True)
    assets = _assets()
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / "evdash.duckdb"
        build.build(seeds=args.seeds, db=link)
        os.environ["EVDASH_DB"] = str(link)
        query = dict(parse_qsl(args.query))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu"])
            page = browser.new_page(viewport={"width": max(args.widths) + 40, "height": 1000})

            def serve(route: Any) -> None:
                path = route.request.url.removeprefix(HOST)
                if path in assets:
                    body, kind = assets[path]
                    route.fulfill(body=body, content_type=kind)
                else:
                    route.abort()

            page.route("**/*", serve)
            page.goto(HOST + "/")
            for script in args.pages:
                stem = Path(script).stem if script != "app.py" else "overview"
                for n, spec in enumerate(specs_of(script, query), start=1):
                    for width in args.widths:
                        is_map = any(t.get("type") == "choropleth" for t in spec["data"])
                        shown = 580 if (is_map and width > 600) else width  # maps sit in a 3/5 column
                        draw(page, spec, shown)
                        name = f"{stem}_{n}_{shown}"
                        page.locator("#chart").screenshot(path=str(OUT / f"{name}.png"))
                        problems = chart_problems(page)
                        total += len(problems)
                        title = spec["layout"].get("title", {}).get("text", "")
                        print(f"{name}: {str(title)[:60]}", flush=True)
                        for problem in problems:
                            print(f"  {problem.split(': ', 1)[1]}", flush=True)
            browser.close()
    print(f"{total} problems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
