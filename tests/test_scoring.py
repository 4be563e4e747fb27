"""Scoring: unit invariance, zero weights, missing-data flags, exclusion, sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evdash import scoring

RAW = pd.DataFrame(
    {
        "ev_sales": [500_000.0, 100_000.0, 300_000.0, 50_000.0],
        "ev_share_pct": [20.0, 90.0, 30.0, np.nan],
        "tariff_burden_pct": [30.7, 0.0, 100.0, 30.7],
    },
    index=pd.Index(["DEU", "NOR", "USA", "AUT"], name="market_code"),
)
W = {"ev_sales": 50, "ev_share_pct": 30, "tariff_burden_pct": 20}


def scores(result: scoring.ScoreResult) -> dict[str, float]:
    return dict(zip(result.table["market_code"], result.table["score"], strict=True))


@pytest.mark.parametrize("method", ["minmax", "percentile"])
def test_score_is_invariant_to_measure_units(method: scoring.Method) -> None:
    base = scoring.score_markets(RAW, W, method)
    scaled = RAW.assign(ev_sales=RAW["ev_sales"] / 1000, ev_share_pct=RAW["ev_share_pct"] / 100)
    assert scores(scoring.score_markets(scaled, W, method)) == pytest.approx(scores(base))
    shifted = RAW.assign(tariff_burden_pct=RAW["tariff_burden_pct"] + 5)
    assert scores(scoring.score_markets(shifted, W, method)) == pytest.approx(scores(base))


def test_minmax_by_hand_and_contributions_add_up() -> None:
    result = scoring.score_markets(RAW, W, "minmax")
    deu = result.table.set_index("market_code").loc["DEU"]
    # DEU: size (500-50)/(450)=1; share (20-20)/70=0; tariff 1-(30.7/100)=0.693
    expected = (50 * 1 + 30 * 0 + 20 * 0.693) / 100 * 100
    assert deu["score"] == pytest.approx(expected)
    parts = [deu[f"c_{k}"] for k in scoring.MEASURE_BY_KEY]
    assert sum(parts) == pytest.approx(deu["score"])
    assert list(result.table["rank"]) == [1, 2, 3, 4]


def test_lower_is_better_is_inverted() -> None:
    norm = scoring.normalise(RAW["tariff_burden_pct"], "minmax", higher_is_better=False)
    assert norm["NOR"] == 1.0 and norm["USA"] == 0.0


def test_zero_weight_drops_a_measure() -> None:
    with_zero = scoring.score_markets(RAW, {**W, "ev_share_pct": 0})
    without = scoring.score_markets(
        RAW.drop(columns="ev_share_pct"), {"ev_sales": 50, "tariff_burden_pct": 20}
    )
    assert scores(with_zero) == pytest.approx(scores(without))
    assert "ev_share_pct" not in with_zero.weights
    assert (with_zero.table["c_ev_share_pct"] == 0).all()
    assert not with_zero.table["flagged"].any()  # AUT's missing share no longer matters


def test_missing_data_is_flagged_not_zero() -> None:
    result = scoring.score_markets(RAW, W)
    aut = result.table.set_index("market_code").loc["AUT"]
    assert aut["flagged"] and aut["missing"] == "EV share"
    assert aut["coverage_pct"] == pytest.approx(70)
    # scored on the rest: size 0, tariff 0.693 → (0·50 + 0.693·20) / 70
    assert aut["score"] == pytest.approx(100 * 20 * 0.693 / 70)
    # treated as zero it would be lower: the rescale is real
    assert aut["score"] > 100 * 20 * 0.693 / 100


def test_missing_data_excluded_by_choice_and_min_coverage() -> None:
    result = scoring.score_markets(RAW, W, missing="exclude")
    assert "AUT" not in set(result.table["market_code"])
    assert result.excluded.set_index("market_code").loc["AUT", "reason"] == "missing: EV share"
    thin = scoring.score_markets(RAW, W, min_coverage_pct=80)
    assert "AUT" in set(thin.excluded["market_code"]) and "70%" in thin.excluded["reason"].iloc[0]


def test_measure_without_any_data_is_dropped_and_listed() -> None:
    raw = RAW.assign(body_fit_pct=np.nan)
    result = scoring.score_markets(raw, {**W, "body_fit_pct": 40})
    assert result.dropped == {"body_fit_pct": "no data for any compared market"}
    assert scores(result) == pytest.approx(scores(scoring.score_markets(RAW, W)))


def test_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="≥ 0"):
        scoring.score_markets(RAW, {"ev_sales": -1})
    with pytest.raises(ValueError, match="unknown measure"):
        scoring.score_markets(RAW, {"nonsense": 1})


def test_sensitivity_counts_scenarios_that_keep_the_top_3() -> None:
    result = scoring.score_markets(RAW, W)
    sens = scoring.sensitivity(result)
    assert sens.scenarios == 3**3 - 1
    assert sens.top == tuple(result.table["market_code"].head(3))
    assert 0 <= sens.unchanged <= sens.scenarios
    # A near tie flips with a small weight change and is reported.
    tie = pd.DataFrame(
        {"ev_sales": [1.0, 0.0, 0.5, 0.2], "ev_share_pct": [0.0, 1.0, 0.5, 0.2]},
        index=pd.Index(["A", "B", "C", "D"], name="market_code"),
    )
    tied = scoring.sensitivity(scoring.score_markets(tie, {"ev_sales": 50, "ev_share_pct": 50}))
    assert tied.unchanged < tied.scenarios
    assert not tied.breaking.empty


def test_presence_levels() -> None:
    assert scoring.presence_level("announced", None) == 0.5
    assert scoring.presence_level(None, 12) == 1.0
    assert scoring.presence_level(None, float("nan")) == 0.0


def test_brand_plan_is_the_region_of_the_brands_stated_markets() -> None:
    presence = pd.DataFrame(
        {
            "market_code": ["CHN", "DEU", "ESP", "USA"],
            "status": ["home", "announced", "evaluating", "not_targeted"],
            "planned_entry": [None, "2027", "2027", None],
        }
    )
    regions = {"CHN": "asia_pacific", "DEU": "europe", "ESP": "europe", "USA": "americas"}
    plan = scoring.brand_plan(
        presence, regions, {"europe": "Europe"}, "Xiaomi", {"DEU": "Germany", "ESP": "Spain"}
    )
    assert plan.region == "europe" and plan.markets == ("DEU", "ESP") and plan.entry == "2027"
    assert (
        plan.text
        == "Xiaomi's stated plan in the data: Europe first (Germany announced, Spain under evaluation), "
        "from 2027"
    )
    none = scoring.brand_plan(presence.iloc[:1], regions, {}, "Acme")
    assert none.region is None and "every market is compared" in none.text


def _explained() -> tuple[scoring.ScoreResult, pd.DataFrame]:
    raw = pd.DataFrame(
        {
            "ev_sales": [700_000.0, 100_000.0, 50_000.0],
            "ev_share_pct": [20.0, 90.0, 10.0],
            "tariff_burden_pct": [30.7, 30.7, 30.7],  # the same everywhere: explains nothing
        },
        index=pd.Index(["DEU", "NOR", "POL"], name="market_code"),
    )
    return scoring.score_markets(raw, {"ev_sales": 40, "ev_share_pct": 40, "tariff_burden_pct": 20}), raw


def test_top_positions_are_explained_from_their_breakdown() -> None:
    result, raw = _explained()
    names = {"DEU": "Germany", "NOR": "Norway", "POL": "Poland"}
    lines = scoring.explain_top(result, raw, names)
    assert lines[0].startswith("Germany is first because of its market size (700,000 EVs a year: 40 of its")
    assert "despite its EV share (20% of new cars, its weakest measure here)" in lines[0]
    assert lines[1].startswith("Norway is second because of its EV share (90% of new cars")
    assert all("duty" not in line for line in lines)  # a measure equal for all is never the reason
    assert scoring.completeness(result, {"ev_sales": 40, "ev_share_pct": 40}) == (3, 3)


def test_a_prohibitive_duty_is_named_and_warned_about() -> None:
    raw = pd.DataFrame(
        {
            "ev_sales": [1_600_000.0, 500_000.0],
            "tariff_burden_pct": [125.0, 30.7],
            "price_gap_pct": [64.0, 6.0],
        },
        index=pd.Index(["USA", "DEU"], name="market_code"),
    )
    result = scoring.score_markets(raw, {"ev_sales": 80, "tariff_burden_pct": 20})
    names = {"USA": "United States", "DEU": "Germany"}
    assert (
        "despite a duty of 125.0% of the customs value that prices the car out"
        in scoring.explain_top(result, raw, names)[0]
    )
    warning = scoring.prohibitive_leaders(result, raw, names)
    assert len(warning) == 1 and warning[0].startswith(
        "United States ranks #1 although its duties come to 125%"
    )
    assert "+64% against local rivals" in warning[0]


def test_every_preset_says_what_question_it_answers() -> None:
    assert scoring.DEFAULT_PRESET == "brand_plan"
    for preset in scoring.PRESET_LIST:
        assert preset.question.endswith((".", ")")) and "?" in preset.question
        assert set(preset.weights) == set(scoring.MEASURE_BY_KEY)


def test_body_fit_explanation_names_its_definition() -> None:
    raw = pd.DataFrame(
        {"ev_sales": [700_000.0, 100_000.0], "body_fit_pct": [60.0, 44.0]},
        index=pd.Index(["GBR", "DEU"], name="market_code"),
    )
    result = scoring.score_markets(raw, {"ev_sales": 50, "body_fit_pct": 50})
    basis = {"GBR": "Dataforce SUV/crossover (broad), 2023"}
    line = scoring.explain_top(result, raw, {"GBR": "United Kingdom"}, basis)[0]
    assert "60% of new cars, Dataforce SUV/crossover (broad), 2023: " in line
