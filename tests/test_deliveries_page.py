"""Deliveries page with AppTest against the real seed database, filters seeded from the URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import plotly_values

REPO = Path(__file__).resolve().parent.parent


def _run(**params: str | list[str]) -> AppTest:
    # app.py is the entrypoint, as on the server; the sidebar links resolve relative to it.
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.switch_page("pages/deliveries.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.usefixtures("app_env")
def test_xiaomi_2024_against_final_target() -> None:
    at = _run(brand="xiaomi", year="2024")
    assert not at.exception
    metrics = {m.label: m for m in at.metric}
    delivered = metrics["Delivered 2024"]
    assert delivered.value == "136,854"
    assert "105.3%" in delivered.delta
    assert "http" in delivered.proto.help
    assert metrics["Current target"].value == "130,000"
    assert metrics["Current target"].delta == "revision 4 of 4"
    assert any("Target met" in s.value and "105.3%" in s.value for s in at.success)
    assert any("180.1% of the original target (76,000)" in c.value for c in at.caption)
    figs = _figures(at)
    assert len(figs) == 4
    revisions = next(t for t in figs[0]["data"] if t.get("name") == "Target revisions")
    assert plotly_values(revisions["y"]) == [76000, 100000, 120000, 130000]
    assert [str(x)[:10] for x in plotly_values(revisions["x"])] == [
        "2024-03-28",
        "2024-04-23",
        "2024-05-23",
        "2024-11-18",
    ]
    assert revisions["text"][1] == "≥ 100,000"
    bars = [t for t in figs[1]["data"] if t["type"] == "bar" and t.get("legendgroup") != "confidence"]
    shapes = [s for t in bars for s in plotly_values(t["marker"]["pattern"]["shape"])]
    assert shapes.count("/") == 4  # Jun, Jul, Aug, Nov 2024 were "over N" months
    month_totals = plotly_values(next(t for t in figs[1]["data"] if t.get("name") == "Month total")["text"])
    assert "≥20.0k" in month_totals


@pytest.mark.usefixtures("app_env")
def test_filters_seeded_from_url() -> None:
    at = _run(brand="xiaomi", year="2025", through="9", window="2", models=["xiaomi_yu7"])
    assert not at.exception
    assert at.sidebar.selectbox(key="year").value == "2025"
    assert at.sidebar.slider(key="through").value == 9
    assert at.sidebar.slider(key="window").value == 2
    assert at.sidebar.multiselect(key="models").value == ["xiaomi_yu7"]
    metrics = {m.label: m for m in at.metric}
    assert metrics["Delivered 2025 (to Sep)"].value == "≥ 260,000"
    assert metrics["Current target"].value == "350,000"
    bars = [
        t["name"]
        for t in _figures(at)[1]["data"]
        if t["type"] == "bar" and t.get("legendgroup") != "confidence"
    ]
    assert bars == ["YU7", "Not split by model"]


@pytest.mark.usefixtures("app_env")
def test_brand_without_target_and_bad_url_values() -> None:
    at = _run(brand="tesla", year="1999", window="99")
    assert not at.exception
    assert any("not a valid year" in w.value for w in at.warning)
    assert at.sidebar.slider(key="window").value == 3
    assert any("No company delivery target" in i.value for i in at.info)
