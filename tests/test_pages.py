"""Page tests with Streamlit's AppTest against the real seed database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent


def _run(script: str, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(REPO / script), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.usefixtures("app_env")
def test_overview_shows_xiaomi_2024_against_final_target() -> None:
    at = _run("app.py")
    assert not at.exception
    metrics = {m.label: m for m in at.metric}
    m2024 = metrics["2024 delivered vs final target"]
    assert m2024.value == "136,854"
    assert "130,000" in m2024.delta and "105.3%" in m2024.delta
    assert "reported" in m2024.proto.help.lower() and "http" in m2024.proto.help
    assert len(at.get("plotly_chart")) == 1
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    target = next(t for t in fig["data"] if t["name"] == "Final target")
    assert 130000 in target["y"]
    assert at.sidebar.selectbox(key="brand").value == "xiaomi"


@pytest.mark.usefixtures("app_env")
def test_overview_brand_from_url_and_bad_value_notice() -> None:
    at = _run("app.py", brand="tesla")
    assert not at.exception
    assert at.sidebar.selectbox(key="brand").value == "tesla"
    assert "Tesla" in at.title[0].value
    bad = _run("app.py", brand="'; drop table brands; --")
    assert not bad.exception
    assert bad.sidebar.selectbox(key="brand").value == "xiaomi"
    assert any("not a valid brand" in w.value for w in bad.warning)


@pytest.mark.usefixtures("app_env")
def test_overview_brand_change_updates_url() -> None:
    at = _run("app.py")
    at.sidebar.selectbox(key="brand").set_value("nio").run()
    assert not at.exception
    assert at.query_params["brand"] == ["nio"]


@pytest.mark.usefixtures("app_env")
def test_sources_page_filters_by_reliability_from_url() -> None:
    at = _run("pages/sources.py", reliability=["primary"])
    assert not at.exception
    assert at.sidebar.multiselect(key="reliability").value == ["primary"]
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["reliability"]) == {"primary"}
