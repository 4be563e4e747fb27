"""Page tests with Streamlit's AppTest against the real seed database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import plotly_values, shown

REPO = Path(__file__).resolve().parent.parent


def run_page(script: str, **params: str | list[str]) -> AppTest:
    """Run a page the way the server does: app.py is the entrypoint, other pages are switched to
    (their sidebar links resolve only relative to the entrypoint)."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if script != "app.py":
        at.switch_page(script)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.usefixtures("app_env")
def test_overview_shows_xiaomi_2024_against_final_target() -> None:
    at = run_page("app.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("year")
    assert table.loc[2024, "delivered_units"] == 136854
    assert table.loc[2024, "final_target_units"] == 130000
    assert table.loc[2024, "attainment_pct"] == 105.3
    assert table.loc[2024, "delivered_confidence"] == "reported"
    assert not table.loc[2024, "delivered_is_at_least"]
    assert str(table.loc[2024, "delivered_source"]).startswith("https://")
    # 2025 is only known as "over 410,000": shown as at least, never as an exact number.
    assert table.loc[2025, "delivered_is_at_least"]
    metrics = {m.label: m for m in at.metric}
    m2025 = metrics["2025 delivered vs final target"]
    assert m2025.value == "≥ 410,000"
    assert "400,000" in m2025.delta
    # Provenance is readable without hovering (phones): a caption under each KPI.
    captions = [shown(c.value) for c in at.caption]
    assert any(c.startswith("At least (lower bound) · as of 2026-") and "source:" in c for c in captions)
    assert len(at.get("plotly_chart")) == 2  # years vs targets, and the expansion-status map
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    geo = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert {t["type"] for t in geo["data"]} == {"choropleth"}
    assert any("China: Home market" in shown(c.value) for c in at.caption)
    target = next(t for t in fig["data"] if t["name"] == "Final target")
    assert 130000 in plotly_values(target["y"])
    reported = next(t for t in fig["data"] if t["name"] == "Delivered (reported)")
    assert "136,854" in reported["text"]
    assert "source" in reported["hovertemplate"]
    assert at.sidebar.selectbox(key="brand").value == "xiaomi"


@pytest.mark.usefixtures("app_env")
def test_overview_brand_from_url_and_bad_value_notice() -> None:
    at = run_page("app.py", brand="tesla")
    assert not at.exception
    assert at.sidebar.selectbox(key="brand").value == "tesla"
    assert "Tesla" in at.title[0].value
    bad = run_page("app.py", brand="'; drop table brands; --")
    assert not bad.exception
    assert bad.sidebar.selectbox(key="brand").value == "xiaomi"
    assert any("not a valid brand" in shown(w.value) for w in bad.warning)


def test_overview_renders_for_every_brand(app_env: Path) -> None:
    """Brands with little data (no monthly figures, no targets) still get a page, not a traceback."""
    from evdash import db, queries

    con = db.connect_readonly(app_env)
    codes = list(queries.brands(con)["brand_id"])
    con.close()
    assert len(codes) >= 10
    for code in codes:
        at = run_page("app.py", brand=code)
        assert not at.exception, f"overview failed for {code}: {at.exception}"
        assert at.sidebar.selectbox(key="brand").value == code


@pytest.mark.usefixtures("app_env")
def test_overview_brand_change_updates_url() -> None:
    at = run_page("app.py")
    at.sidebar.selectbox(key="brand").set_value("nio").run()
    assert not at.exception
    assert at.query_params["brand"] in ("nio", ["nio"])


@pytest.mark.usefixtures("app_env")
def test_sources_page_filters_by_reliability_from_url() -> None:
    at = run_page("pages/sources.py", reliability=["primary"])
    assert not at.exception
    assert at.sidebar.multiselect(key="reliability").value == ["primary"]
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["reliability"]) == {"primary"}
