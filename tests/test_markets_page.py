"""Market ranking page (AppTest on the real seeds) and its figure builders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import scoring
from evdash.figures.markets import score_breakdown, score_map

REPO = Path(__file__).resolve().parent.parent


def _run(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.switch_page("pages/markets.py")  # as the server runs it: app.py is the entrypoint
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _ranking(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "score" in df.value.columns)


@pytest.mark.usefixtures("app_env")
def test_weights_from_url_rank_about_50_markets() -> None:
    at = _run(model="xiaomi_yu7", w_ev_sales="60", w_tariff_burden_pct="0", norm="percentile")
    assert not at.exception
    assert at.sidebar.slider(key="w_ev_sales").value == 60
    assert at.sidebar.slider(key="w_tariff_burden_pct").value == 0
    assert at.sidebar.selectbox(key="norm").value == "percentile"
    ranking = _ranking(at)
    assert 45 <= len(ranking) <= 60  # the IEA history adds markets such as Chile, Israel, New Zealand
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    assert (ranking["input_w_ev_sales"] == 60).all()  # the scenario travels with the export
    assert (ranking["c_tariff_burden_pct"] == 0).all()  # zero weight dropped the measure
    # body-type fit has no data anywhere: said so, not scored as 0
    assert any("Body-type fit" in i.value for i in at.info)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["barmode"] == "stack"


@pytest.mark.usefixtures("app_env")
def test_changing_a_weight_changes_url_and_ranking() -> None:
    at = _run(model="xiaomi_yu7")
    before = list(_ranking(at)["market_code"])
    at.sidebar.slider(key="w_tariff_burden_pct").set_value(100).run()
    assert not at.exception
    assert at.query_params["w_tariff_burden_pct"] == "100"
    assert list(_ranking(at)["market_code"]) != before


@pytest.mark.usefixtures("app_env")
def test_preset_button_sets_weights() -> None:
    at = _run(model="xiaomi_yu7")
    at.sidebar.button(key="preset_low_tariff").click().run()
    assert not at.exception
    assert (
        at.sidebar.slider(key="w_tariff_burden_pct").value
        == scoring.PRESETS["low_tariff"]["tariff_burden_pct"]
    )
    assert at.query_params["w_tariff_burden_pct"] == str(scoring.PRESETS["low_tariff"]["tariff_burden_pct"])


@pytest.mark.usefixtures("app_env")
def test_missing_data_excluded_by_choice() -> None:
    at = _run(model="xiaomi_yu7", missing="exclude", min_cov="0")
    assert not at.exception
    ranking = _ranking(at)
    assert not ranking["flagged"].any()
    excluded = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert excluded["reason"].str.startswith("missing:").any()


def _result() -> scoring.ScoreResult:
    raw = pd.DataFrame(
        {"ev_sales": [3.0, 2.0, 1.0], "ev_share_pct": [1.0, None, 3.0]},
        index=pd.Index(["DEU", "FRA", "ITA"], name="market_code"),
    )
    return scoring.score_markets(raw, {"ev_sales": 50, "ev_share_pct": 50})


def test_breakdown_flags_incomplete_markets_and_names_weights() -> None:
    result = _result()
    fig = score_breakdown(result.table, {"DEU": "Germany", "FRA": "France"}, result.weights)
    assert [t.name for t in fig.data] == ["EV market size (w 50)", "EV share (w 50)"]
    assert any(label.endswith("France ⚑") for label in fig.data[0].y)
    assert fig.layout.xaxis.title.text.startswith("Score points")


def test_map_draws_not_ranked_markets_as_no_data() -> None:
    result = _result()
    fig = score_map(result.table, {}, "europe", ["ESP"])
    no_data = next(t for t in fig.data if t.name == "No data")
    assert list(no_data.locations) == ["ESP"]


@pytest.mark.usefixtures("app_env")
def test_duty_class_follows_the_model_when_the_model_changes() -> None:
    """Switching from a BYD to the Xiaomi YU7 ranks the YU7 with its own EU duty class, not BYD's."""
    at = _run(model="byd_sealion_7")
    assert at.selectbox(key="duty_class").value == "BYD"
    at.selectbox(key="model").select("xiaomi_yu7").run()
    assert not at.exception
    assert at.selectbox(key="duty_class").value == "other_cooperating"
    assert "duty_class" not in at.query_params
