"""What the pages ship to the browser, guarded without timings: every chart's JSON on the seed database
stays under a byte budget and carries the lean `evdash` template, not plotly_white (6.5 KB in every
figure; `bench/browser_bench.py` measures the bytes and the time, docs/performance.md has the numbers).
The Market mix figures at vendor scale are guarded in tests/test_performance_guards.py."""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from evdash import theme
from evdash.figures import style
from tests.conftest import run_page

# Bytes of `plotly_chart.spec` as Streamlit sends it, measured on the seed database (2026-11-26):
# the largest figure is the market score breakdown (26 KB: ~60 markets × 6 measures), the largest page
# /markets (35 KB). Budgets leave ~20 % for data growth; a template regression (+5.4 KB per chart) or a
# figure that starts shipping whole tables trips them.
FIGURE_BUDGET_BYTES = 32_000
PAGE_BUDGET_BYTES = 45_000
TEMPLATE_BUDGET_BYTES = 1_500
PAGES_WITH_CHARTS = {
    "app.py": 2,
    "pages/deliveries.py": 4,
    "pages/expansion.py": 3,  # map, EV sales bars, EV share history with IEA projections
    "pages/pricing.py": 5,  # Xiaomi's EU duty is two cases (class unverified): one build-up per case tab
    "pages/markets.py": 2,
}


def _compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(("script", "charts"), PAGES_WITH_CHARTS.items())
def test_page_figures_stay_under_budget_with_the_lean_template(script: str, charts: int) -> None:
    at = run_page(script)
    assert not at.exception
    specs = [el.proto.spec for el in at.get("plotly_chart")]
    assert len(specs) == charts  # the budget below covers every chart of the page
    white = pio.templates["plotly_white"].to_plotly_json()
    for i, spec in enumerate(specs):
        template = json.loads(spec)["layout"]["template"]
        assert _compact(template) <= TEMPLATE_BUDGET_BYTES, f"{script} chart {i}: template too large"
        assert template != white and "polar" not in template["layout"], f"{script} chart {i}: plotly_white"
        assert len(spec.encode()) <= FIGURE_BUDGET_BYTES, f"{script} chart {i}: {len(spec):,} bytes"
    total = sum(len(s.encode()) for s in specs)
    assert total <= PAGE_BUDGET_BYTES, f"{script}: {total:,} bytes of figure JSON"


def _leaves(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(value, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, (*path, str(key))))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):  # template.data.<type>[0]
        return _leaves(value[0], (*path, "0"))
    return {path: value}


def test_lean_template_keeps_plotly_white_look() -> None:
    """Every setting the lean template keeps has plotly_white's value (same background, grid, axis
    lines, geo, bar outlines and patterns), so the cut changes bytes, not the picture. The 1440/375 px
    screenshots of every page were pixel-identical before and after the switch."""
    lean = _leaves(pio.templates[style.TEMPLATE_NAME].to_plotly_json())
    white = _leaves(pio.templates["plotly_white"].to_plotly_json())
    assert {path: value for path, value in lean.items() if white.get(path) != value} == {}
    # What is shared with plotly_white covers the visible basics.
    for path in [
        ("layout", "paper_bgcolor"),
        ("layout", "plot_bgcolor"),
        ("layout", "xaxis", "gridcolor"),
        ("layout", "yaxis", "gridcolor"),
        ("layout", "geo", "landcolor"),
        ("data", "bar", "0", "marker", "line", "color"),
    ]:
        assert path in lean, path


def test_base_layout_uses_the_lean_template() -> None:
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    fig.update_layout(**style.base_layout("t"))
    template = fig.to_plotly_json()["layout"]["template"]
    assert _compact(template) <= TEMPLATE_BUDGET_BYTES
    # The palette stays in the figure's own layout: Okabe–Ito without its yellow (1.1:1 on white).
    assert fig.layout.colorway == theme.SERIES and "#F0E442" not in fig.layout.colorway
