"""Browser benchmark: navigation → every chart drawn, in headless Chromium, for every dashboard page,
against a bare page with one trivial Plotly chart (`bench/bare_plotly_app.py`) measured in the same run.

    .venv/bin/python -m bench.browser_bench --runs 5 [--rows 1e6]

* Servers: the dashboard on a seed database built into a temp dir (`evdash build`), and the bare page,
  side by side with production flags (`--server.fileWatcherType none`, headless), on ports 8601–8620.
  `--rows 1e6` adds a second dashboard on `bench/out/rows-1m` for the Market mix page (the seed database
  has no registrations, so there the page shows a notice and no chart).
* "Every chart drawn" (`DRAWN_JS`): Streamlit's script state is `notRunning` (the run finished, its
  running indicator is gone), the page holds at least as many `.js-plotly-plot` elements as it showed in
  an unmeasured warm-up visit (counted from the figures in the websocket messages), and every one of them
  is drawn: Plotly has laid it out (`_fullLayout`, a `.main-svg`), has one `g.trace` group per visible
  trace, at least one mark (`path`/`text`) inside those groups when a trace has points, and every
  choropleth has its country shapes (`path.choroplethlocation`, which needs the topojson served locally).
  A page without charts is done when its script finished and its title (`h1`) is shown. The time is
  `performance.now()` in the page at the first animation frame where this holds, i.e. milliseconds since
  navigation start.
* cold = a fresh browser context (empty HTTP cache); cached = a second navigation to the same URL in the
  same context. Each page is measured `--runs` times, interleaved with the bare page (alternating which
  goes first), after one unmeasured warm-up visit per page (so the server's caches are warm: this
  measures the browser side). Reported: median and p95 in ms, and ratio page / bare (target ≤ 1.2×).
* Where the time goes (medians per page, same clock as the Chrome DevTools protocol): when the last
  script/stylesheet finished loading, when the last websocket message arrived before everything was
  drawn (the end of the script run on the server), when everything was drawn, and the browser main
  thread's busy time until then (CDP `Performance.getMetrics` TaskDuration, and its ScriptDuration).
* What each page ships beyond the floor, from a cold visit: charts, figure JSON bytes (the `spec` of each
  `plotly_chart` in the websocket messages) and how much of it is `layout.template`, websocket bytes
  received, HTTP bytes transferred (encoded body + headers, CDP `Network.loadingFinished`) and requests.
* Offline: every host name except localhost/127.0.0.1 resolves to nothing (`--host-resolver-rules`) and
  every non-loopback connection goes to a closed proxy port, so nothing can leave the machine; requests
  to other hosts are counted and reported. (Playwright's `route()` would block too, but it switches the
  HTTP cache off, which would make the cached column meaningless.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import Browser, Page, WebSocket, sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.gen_registrations import db_path, stale_reason
from bench.server_bench import start

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PORTS = range(8601, 8621)
PAGES = ["/", "/deliveries", "/expansion", "/pricing", "/markets", "/market_mix", "/sources"]
SERVER_OPTIONS = ("--server.fileWatcherType", "none")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TARGET = 1.2
TIMEOUT_MS = 120_000

DRAWN_JS = """
(expected) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  if (plots.length < expected) return false;
  if (expected === 0 && !document.querySelector('[data-testid="stMain"] h1')) return false;
  for (const gd of plots) {
    if (!gd._fullLayout || !gd._fullData || !gd.querySelector('.main-svg')) return false;
    const visible = gd._fullData.filter((t) => t.visible === true);
    const groups = gd.querySelectorAll('g.trace');
    if (groups.length < visible.length) return false;
    const hasPoints = visible.some((t) => (t._length || 0) > 0 || (t.locations || []).length > 0);
    if (hasPoints && !gd.querySelector('g.trace path, g.trace text')) return false;
    if (visible.some((t) => t.type === 'choropleth') && !gd.querySelector('path.choroplethlocation'))
      return false;
  }
  return performance.now();
}
"""


def free_ports(n: int) -> list[int]:
    """`n` ports from 8601–8620 that are free right now (this bench's assigned range)."""
    found: list[int] = []
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError(f"fewer than {n} free ports in 8601-8620")


@dataclass
class Visit:
    """One navigation: time to every chart drawn, and what crossed the wire."""

    ms: float = 0.0
    js_ms: float = 0.0  # last script/stylesheet finished loading
    run_ms: float = 0.0  # last websocket message (the script run's end) before everything was drawn
    busy_ms: float = 0.0  # main-thread task time until drawn (CDP Performance.getMetrics TaskDuration)
    script_ms: float = 0.0  # of which JavaScript (ScriptDuration)
    http_bytes: int = 0
    requests: int = 0
    ws_bytes: int = 0
    frames: list[bytes] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # requests to anything but localhost
    start: float = 0.0  # CDP monotonic seconds of the document request
    ends: dict[str, tuple[str, float]] = field(default_factory=dict)  # request id -> (type, end)
    ws_last: float = 0.0


@dataclass
class Shipped:
    charts: int
    spec_bytes: int
    template_bytes: int


def shipped(frames: list[bytes]) -> Shipped:
    """Charts and figure JSON in the websocket messages of one visit."""
    charts = spec_bytes = template_bytes = 0
    for raw in frames:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") != "delta" or msg.delta.new_element.WhichOneof("type") != "plotly_chart":
            continue
        spec = msg.delta.new_element.plotly_chart.spec
        charts += 1
        spec_bytes += len(spec.encode())
        template = json.loads(spec).get("layout", {}).get("template")
        if template is not None:
            template_bytes += len(json.dumps(template, separators=(",", ":")).encode())
    return Shipped(charts, spec_bytes, template_bytes)


class Tab:
    """A browser tab in its own context (own HTTP cache), recording bytes, requests and frames."""

    def __init__(self, browser: Browser, width: int = 1440) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 1000})
        self.page: Page = self.context.new_page()
        self.visit = Visit()
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        self.cdp = cdp
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame_time)
        self.page.on("websocket", self._websocket)

    def _request(self, event: dict[str, Any]) -> None:
        url = str(event["request"]["url"])
        if url.startswith(("data:", "blob:")):
            return
        self.visit.requests += 1
        if event.get("type") == "Document":
            self.visit.start = float(event["timestamp"])
        self.visit.ends[str(event["requestId"])] = (str(event.get("type")), 0.0)
        self.visit.urls.append(url)
        if url.split("/")[2].split(":")[0] not in LOCAL_HOSTS:
            self.visit.foreign.append(url)

    def _finished(self, event: dict[str, Any]) -> None:
        self.visit.http_bytes += int(event["encodedDataLength"])
        kind = self.visit.ends.get(str(event["requestId"]), ("", 0.0))[0]
        self.visit.ends[str(event["requestId"])] = (kind, float(event["timestamp"]))

    def _frame_time(self, event: dict[str, Any]) -> None:
        self.visit.ws_last = float(event["timestamp"])

    def _websocket(self, ws: WebSocket) -> None:
        visit = self.visit  # frames belong to the visit that opened the socket

        def received(payload: str | bytes) -> None:
            data = payload if isinstance(payload, bytes) else payload.encode()
            visit.ws_bytes += len(data)
            visit.frames.append(data)

        ws.on("framereceived", received)

    def open(self, url: str, expected: int) -> Visit:
        self.visit = Visit()
        self.page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        handle = self.page.wait_for_function(DRAWN_JS, arg=expected, polling="raf", timeout=TIMEOUT_MS)
        visit = self.visit
        visit.ms = float(handle.json_value())
        code = [end for kind, end in visit.ends.values() if kind in ("Script", "Stylesheet")]
        visit.js_ms = (max(code, default=visit.start) - visit.start) * 1000
        visit.run_ms = (visit.ws_last - visit.start) * 1000
        metrics = {m["name"]: float(m["value"]) for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        visit.busy_ms, visit.script_ms = metrics["TaskDuration"] * 1000, metrics["ScriptDuration"] * 1000
        return visit

    def close(self) -> None:
        self.context.close()


def script_finished(frames: list[bytes]) -> bool:
    """True once the websocket messages hold the end of a script run (not one cut short for a rerun)."""
    for raw in frames:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if (
            msg.WhichOneof("type") == "script_finished"
            and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        ):
            return True
    return False


def first_visit(tab: Tab, url: str) -> int:
    """Open `url` until its script run has finished and every chart it sent is drawn; returns the number
    of charts (from the websocket messages: Streamlit draws a chart only after the 4.6 MB Plotly chunk
    has loaded, well after the run finished, so the page alone cannot say how many are coming)."""
    tab.visit = Visit()
    tab.page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    for _ in range(TIMEOUT_MS // 100):
        if script_finished(tab.visit.frames):
            break
        tab.page.wait_for_timeout(100)
    else:
        raise TimeoutError(f"{url}: no script_finished message within {TIMEOUT_MS} ms")
    charts = shipped(tab.visit.frames).charts
    tab.page.wait_for_function(DRAWN_JS, arg=charts, polling="raf", timeout=TIMEOUT_MS)
    return charts


def warm_up(browser: Browser, url: str) -> tuple[int, Visit]:
    """One unmeasured visit: fills the server's caches; returns the chart count the page shows and the
    visit."""
    tab = Tab(browser)
    try:
        return first_visit(tab, url), tab.visit
    finally:
        tab.close()


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


@contextmanager
def servers(rows: int | None, tmp: Path) -> Iterator[dict[str, str]]:
    """The bare page, the dashboard on a fresh seed build and, with `rows`, a dashboard on that synthetic
    database; yields their base URLs by role."""
    seed = tmp / "evdash.duckdb"
    env = {**os.environ, "EVDASH_DB": str(seed)}
    subprocess.run(
        [str(Path(sys.executable).parent / "evdash"), "build"], env=env, check=True, capture_output=True
    )
    roles = {"bare": (REPO / "bench" / "bare_plotly_app.py", seed), "app": (REPO / "app.py", seed)}
    if rows is not None:
        if reason := stale_reason(rows):
            raise SystemExit(f"synthetic database for {rows} rows is stale: {reason}")
        roles["rows"] = (REPO / "app.py", db_path(rows))
    procs: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    try:
        for (role, (script, db)), port in zip(roles.items(), free_ports(len(roles)), strict=True):
            procs.append(start(script, db, port, tmp / f"{role}.log", SERVER_OPTIONS))
            urls[role] = f"http://127.0.0.1:{port}"
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def kb(n: float) -> str:
    return f"{n / 1024:,.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Browser benchmark: navigation → every chart drawn")
    parser.add_argument("--runs", type=int, default=5, help="cold + cached visits per page (and bare)")
    parser.add_argument("--rows", help="also measure /market_mix on this synthetic database, e.g. 1e6")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated paths")
    args = parser.parse_args(argv)
    rows = int(float(args.rows)) if args.rows else None
    started = dt.datetime.now().isoformat(timespec="seconds")
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="browser_bench_") as tmp, servers(rows, Path(tmp)) as urls:
        targets = [(page, urls["app"] + page, page) for page in args.pages.split(",")]
        if rows is not None:
            targets.append((f"/market_mix ({rows:,} rows)", urls["rows"] + "/market_mix", "/market_mix"))
        bare_url = urls["bare"] + "/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                    "--proxy-server=http://127.0.0.1:9",  # a closed port: no non-loopback traffic
                    "--proxy-bypass-list=127.0.0.1;localhost",
                ],
            )
            bare_charts, bare_first = warm_up(browser, bare_url)
            expected: dict[str, int] = {}
            first: dict[str, Visit] = {}
            for label, url, _ in targets:
                expected[label], first[label] = warm_up(browser, url)
            times: dict[str, defaultdict[str, list[float]]] = {}
            foreign: set[str] = set(bare_first.foreign)
            for label in expected:
                times[label] = defaultdict(list)
            cold_visits: dict[str, Visit] = {}
            cached_visits: dict[str, Visit] = {}
            for run in range(args.runs):
                for label, url, _ in targets:
                    order = [("", url, expected[label]), ("bare ", bare_url, bare_charts)]
                    for prefix, target, count in order if run % 2 == 0 else order[::-1]:
                        tab = Tab(browser)
                        try:
                            cold = tab.open(target, count)
                            cached = tab.open(target, count)
                        finally:
                            tab.close()
                        for kind, visit in (("cold", cold), ("cached", cached)):
                            times[label][prefix + kind].append(visit.ms)
                            times[label][prefix + kind + " js"].append(visit.js_ms)
                            times[label][prefix + kind + " run"].append(visit.run_ms)
                            times[label][prefix + kind + " busy"].append(visit.busy_ms)
                            times[label][prefix + kind + " script"].append(visit.script_ms)
                        foreign.update(cold.foreign + cached.foreign)
                        key = label if not prefix else "(bare)"
                        cold_visits[key], cached_visits[key] = cold, cached
            browser.close()
    load_after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# browser_bench {started} · load average {load_before} before, {load_after} after · "
        f"nproc {os.cpu_count()} · Chromium headless 1440×1000 · {args.runs} runs per cell · "
        f"server options {' '.join(SERVER_OPTIONS)}"
    )
    print(
        "\n| page | charts | cold ms p50 | cold ms p95 | cached ms p50 | cached ms p95 | bare cold ms p50 "
        "| bare cached ms p50 | cold / bare | cached / bare | target ≤ 1.2× |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, t in times.items():
        cold_ratio = float(np.median(t["cold"]) / np.median(t["bare cold"]))
        cached_ratio = float(np.median(t["cached"]) / np.median(t["bare cached"]))
        ok = "met" if max(cold_ratio, cached_ratio) <= TARGET else "NOT met"
        print(
            f"| {label} | {expected[label]} | {np.median(t['cold']):.0f} | {p95(t['cold']):.0f} "
            f"| {np.median(t['cached']):.0f} | {p95(t['cached']):.0f} | {np.median(t['bare cold']):.0f} "
            f"| {np.median(t['bare cached']):.0f} | {cold_ratio:.2f}× | {cached_ratio:.2f}× | {ok} |"
        )
    print(
        "\nWhat each page ships (last measured cold and cached visit; KB = 1024 bytes). Figure JSON = the "
        "`spec` of every `plotly_chart` in the websocket messages; template = its `layout.template` part."
    )
    print(
        "\n| page | charts | figure JSON KB | of which template KB | websocket KB received "
        "| HTTP KB cold | requests cold | HTTP KB cached | requests cached |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label in ["(bare)", *times]:
        cold, cached = cold_visits[label], cached_visits[label]
        s = shipped(cold.frames)
        print(
            f"| {label} | {s.charts} | {kb(s.spec_bytes)} | {kb(s.template_bytes)} | {kb(cold.ws_bytes)} "
            f"| {kb(cold.http_bytes)} | {cold.requests} | {kb(cached.http_bytes)} | {cached.requests} |"
        )
    print(
        "\nWhere the time goes (medians, ms since navigation start): JS = the last script or stylesheet "
        "has loaded; run = the last websocket message before everything was drawn (the script run's "
        "end); drawn = every chart drawn; busy (script) = the browser main thread's task time until drawn "
        "(of which JavaScript), CDP Performance.getMetrics. Bare = the bare page's visits interleaved with "
        "that page's."
    )
    print(
        "\n| page | cold JS / run / drawn | cold busy (script) | bare cold JS / run / drawn | bare cold busy "
        "(script) | cached JS / run / drawn | cached busy (script) | bare cached JS / run / drawn "
        "| bare cached busy (script) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, t in times.items():
        med = {k: float(np.median(v)) for k, v in t.items()}
        cells = []
        for kind in ("cold", "cached"):
            for prefix in ("", "bare "):
                k = prefix + kind
                cells.append(f"{med[k + ' js']:.0f} / {med[k + ' run']:.0f} / {med[k]:.0f}")
                cells.append(f"{med[k + ' busy']:.0f} ({med[k + ' script']:.0f})")
        print(f"| {label} | {' | '.join(cells)} |")
    bare_urls = {u.rsplit("/", 1)[-1] for u in cold_visits["(bare)"].urls}
    print("\nFiles a page loads that the bare page does not (cold visit):")
    for label in times:
        extra = sorted({u.rsplit("/", 1)[-1] for u in cold_visits[label].urls} - bare_urls)
        print(f"* {label}: {', '.join(extra) or 'none'}")
    print(
        f"\nRequests to hosts other than localhost (all refused): {len(foreign)}"
        + (f": {sorted(foreign)[:10]}" if foreign else "")
    )


if __name__ == "__main__":
    main()
