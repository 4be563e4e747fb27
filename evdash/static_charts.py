"""Plotly figures as PNG images, offline: Kaleido 1.x drives Debian's Chromium (`/usr/bin/chromium`, or
`BROWSER_PATH`); nothing is downloaded. Maps read the shipped country shapes (`static/topojson/`)
through `pio.defaults.topojson`: without it Kaleido fetches `world_110m.json` from a CDN and the export
fails offline.

    with static_charts.Renderer() as render:
        png = render(fig, width_mm=186, height_mm=90)

One browser serves every image of a `Renderer` (about 2 s to start, then ~0.2–0.6 s per image here).
Every figure's strings are sanitised (`evdash.text.sanitize_figure_dict`) before export, as the pages do.
"""

from __future__ import annotations

import types
import warnings
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from evdash import config, text

TOPOJSON_DIR = config.REPO_ROOT / "static" / "topojson"
# Plotly lays out in CSS pixels. A full-width A4 chart (186 mm) is laid out 1,000 px wide, as on a
# laptop screen, so the app's 13 px fonts print at about 7 pt; scale 2 gives ~270 dpi on paper.
PX_PER_MM = 5.4
PRINT_SCALE = 2.0


class ChartExportError(RuntimeError):
    """A chart could not be rendered (no Chromium, or the browser failed)."""


def topojson_url() -> str:
    if not (TOPOJSON_DIR / "world_110m.json").is_file():
        raise ChartExportError(f"the shipped map shapes are missing: {TOPOJSON_DIR / 'world_110m.json'}")
    return TOPOJSON_DIR.resolve().as_uri() + "/"


def for_print(fig: go.Figure, width_px: int, height_px: int) -> go.Figure:
    """A copy of `fig` laid out for paper: fixed size, room for the axis titles at the left (the app's
    10 px margins clip them in a static image), no hover-only elements, strings sanitised."""
    clean, _ = text.sanitize_figure_dict(fig.to_dict())
    out = go.Figure(clean)
    margin = out.layout.margin
    out.update_layout(
        width=width_px,
        height=height_px,
        margin={
            "l": max(margin.l or 0, 16),
            "r": max(margin.r or 0, 16),
            "t": max(margin.t or 0, 40),
            "b": max(margin.b or 0, 10),
        },
        title={"x": 0.01, "xref": "paper"},
        paper_bgcolor="white",
    )
    return out


class Renderer:
    """Context manager: starts one Kaleido browser, points maps at the shipped shapes, renders PNGs."""

    def __init__(self, scale: float = PRINT_SCALE) -> None:
        self.scale = scale
        self._previous_topojson: Any = None
        self._started = False

    def __enter__(self) -> Renderer:
        import kaleido

        self._previous_topojson = pio.defaults.topojson
        pio.defaults.topojson = topojson_url()
        try:
            kaleido.start_sync_server(silence_warnings=True)
        except Exception as exc:  # no Chromium: say what is missing
            pio.defaults.topojson = self._previous_topojson
            raise ChartExportError(
                f"could not start Chromium for chart images ({type(exc).__name__}: {exc}); "
                "install Debian's chromium (apt-get install chromium) or set BROWSER_PATH"
            ) from exc
        self._started = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        import kaleido

        if self._started:
            kaleido.stop_sync_server(silence_warnings=True)
            self._started = False
        pio.defaults.topojson = self._previous_topojson

    def __call__(self, fig: go.Figure, width_mm: float, height_mm: float) -> bytes:
        width_px, height_px = round(width_mm * PX_PER_MM), round(height_mm * PX_PER_MM)
        printable = for_print(fig, width_px, height_px)
        try:
            with warnings.catch_warnings():  # "kopts ignored when using a server": expected
                warnings.simplefilter("ignore", UserWarning)
                return bytes(
                    pio.to_image(printable, format="png", width=width_px, height=height_px, scale=self.scale)
                )
        except Exception as exc:
            raise ChartExportError(f"chart '{fig.layout.title.text}' could not be rendered: {exc}") from exc
