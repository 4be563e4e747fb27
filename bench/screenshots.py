"""Screenshots of every page, for people to look at (not a benchmark, and not a test).

    .venv/bin/python -m bench.screenshots                    # every page at 1440 and 375 px
    .venv/bin/python -m bench.screenshots --pages /pricing /markets --widths 375 --query brand=tesla

Starts a server on a database built from data/seeds in a temporary folder, opens each page in Debian's
Chromium (offline: every non-local request is refused and listed), waits until every chart has drawn,
and writes `bench/out/screens/<page>_<width>_<n>.png`: the whole page cut into slices a file viewer shows
at full size (a tall viewport, because Streamlit scrolls inside its own container and a "full page"
screenshot would only hold the first screen).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from evdash import build
from tests.chart_layout import chart_problems, wait_drawn
from tests.conftest import CHROMIUM, start_server, stop_server

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "screens"
PAGES = ["/", "/deliveries", "/expansion", "/pricing", "/markets", "/market_mix", "/data", "/sources"]
TALL = {1440: 4800, 375: 12000}
SLICE = {1440: 1400, 375: 1600}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--widths", nargs="*", type=int, default=[1440, 375])
    parser.add_argument("--query", default="", help="query string added to every page, e.g. brand=tesla")
    parser.add_argument(
        "--seeds", type=Path, default=REPO / "data" / "seeds", help="e.g. tests/fixtures/seeds (vendor data)"
    )
    args = parser.parse_args(argv)
    from PIL import Image
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / "evdash.duckdb"
        build.build(seeds=args.seeds, db=link)
        proc, url = start_server(link, Path(tmp) / "streamlit.log")
        outside: list[str] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=str(CHROMIUM),
                    args=["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
                )
                for width in args.widths:
                    context = browser.new_context(viewport={"width": width, "height": TALL.get(width, 6000)})

                    def guard(route: object) -> None:
                        request_url = route.request.url  # type: ignore[attr-defined]
                        host = urlparse(request_url).hostname or ""
                        if request_url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
                            route.continue_()  # type: ignore[attr-defined]
                        else:
                            outside.append(request_url)
                            route.abort()  # type: ignore[attr-defined]

                    context.route("**/*", guard)
                    page = context.new_page()
                    for path in args.pages:
                        page.goto(url + path + (f"?{args.query}" if args.query else ""))
                        wait_drawn(page)
                        name = (path.strip("/") or "overview") + f"_{width}"
                        whole = OUT / f"{name}.png"
                        page.screenshot(path=str(whole))
                        image = Image.open(whole)
                        step = SLICE.get(width, 1400)
                        for stale in OUT.glob(f"{name}_*.png"):
                            stale.unlink()
                        for n, top in enumerate(range(0, image.size[1], step)):
                            part = image.crop((0, top, image.size[0], min(top + step, image.size[1])))
                            main = part.crop(
                                (part.size[0] // 4, 0, part.size[0], part.size[1])
                            )  # not the sidebar
                            darkest = main.convert("L").getextrema()[0]
                            if isinstance(darkest, int | float) and darkest < 250:  # not a blank slice
                                part.save(OUT / f"{name}_{n}.png")
                        whole.unlink()
                        print(f"{name}: {sorted(p.name for p in OUT.glob(f'{name}_*.png'))}", flush=True)
                        for problem in chart_problems(page):  # tests/chart_layout.py: what reads badly
                            print(f"  {problem}", flush=True)
                    context.close()
                browser.close()
        finally:
            stop_server(proc)
    print("requests refused (should be none):", outside or "none")
    return 0 if not outside else 1


if __name__ == "__main__":
    raise SystemExit(main())
