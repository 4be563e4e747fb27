"""The Scenario value (evdash.scenario): defaults once, one URL form both ways, bad values named."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evdash import pricing_service, scoring, ui
from evdash.scenario import (
    FREIGHT_PCT_RANGE,
    IN_FORCE_RANGE,
    KNOWN_FIRST,
    YEAR_RANGE,
    Scenario,
    pair_params,
    parse_pair,
)

TODAY = dt.date(2026, 12, 7)


def test_defaults_are_the_pages_defaults_and_write_no_parameter() -> None:
    s = Scenario()
    assert (s.model, s.market, s.freight_pct) == (
        pricing_service.DEFAULT_MODEL,
        pricing_service.DEFAULT_MARKET,
        pricing_service.DEFAULT_FREIGHT_PCT,
    )
    assert s.weights == scoring.PRESETS[scoring.DEFAULT_PRESET]
    assert s.to_params("a_") == {}
    assert Scenario.from_params({}, "a_", TODAY) == (s, {})
    # The in-force and known-date bounds the pages use are these (one home).
    assert ui.IN_FORCE_RANGE == IN_FORCE_RANGE and ui.KNOWN_FIRST == KNOWN_FIRST
    assert s.in_force(TODAY) == TODAY


scenarios = st.builds(
    Scenario,
    brand=st.sampled_from(["xiaomi", "byd", "tesla"]),
    model=st.sampled_from(["xiaomi_yu7", "byd_seal", "tesla_model_y"]),
    market=st.sampled_from(["DEU", "FRA", "GBR"]),
    markets=st.lists(st.sampled_from(["DEU", "FRA", "NOR", "ITA"]), unique=True).map(tuple),
    on=st.one_of(st.none(), st.dates(*IN_FORCE_RANGE)),
    duty_class=st.sampled_from(["", "BYD", "VW Anhui", "non_cooperating"]),
    freight_pct=st.integers(*FREIGHT_PCT_RANGE),
    preset=st.sampled_from(list(scoring.PRESET_BY_KEY)),
    known=st.one_of(st.none(), st.dates(KNOWN_FIRST, TODAY - dt.timedelta(days=1))),
    year=st.one_of(st.none(), st.integers(*YEAR_RANGE)),
    custom_weights=st.lists(st.sampled_from([m.key for m in scoring.MEASURES]), unique=True)
    .flatmap(lambda keys: st.tuples(*(st.tuples(st.just(k), st.integers(0, 100)) for k in keys)))
    .map(lambda pairs: tuple(sorted(pairs, key=lambda kw: [m.key for m in scoring.MEASURES].index(kw[0])))),
)


@given(scenarios, scenarios)
@settings(max_examples=200, deadline=None)
def test_a_pair_round_trips_through_its_link(a: Scenario, b: Scenario) -> None:
    params = pair_params(a, b)
    assert all(k.startswith(("a_", "b_")) for k in params)
    assert parse_pair(params, TODAY) == (a, b, {})
    # The same pair gives the same link, parameter for parameter and in the same order.
    assert list(pair_params(a, b).items()) == list(params.items())


def test_a_multiselect_list_reads_like_a_comma_list() -> None:
    s, problems = Scenario.from_params({"b_markets": ["DEU", "FRA"]}, "b_", TODAY)
    assert (s.markets, problems) == (("DEU", "FRA"), {})


@pytest.mark.parametrize(
    ("param", "value", "words"),
    [
        ("a_freight_pct", "lots", "'lots' is not a whole number from 0 to 30; using 5"),
        ("a_freight_pct", "31", "'31' is not from 0 to 30; using 5"),
        ("a_on", "2026-13-01", "'2026-13-01' is not a date (YYYY-MM-DD); using the default"),
        ("a_on", "1999-01-01", "is not between 2020-01-01 and 2035-12-31"),
        ("a_known", "2023-12-31", "is before 2024-01-01"),
        ("a_market", "germany", "is not a market code (three capital letters, ISO 3166 alpha-3); using DEU"),
        ("a_markets", "DEU,xx", "'DEU,xx' is not a market code"),
        ("a_brand", "<b>x</b>", "is not a code"),
        ("a_preset", "best", "is not a weights preset"),
        ("a_year", "20x5", "is not a whole number from 2015 to 2035"),
        ("a_w_ev_sales", "120", "'120' is not from 0 to 100; using the preset's weight"),
    ],
)
def test_a_bad_value_is_named_and_its_default_used(param: str, value: str, words: str) -> None:
    a, b, problems = parse_pair({param: value, "b_freight_pct": "7"}, TODAY)
    assert list(problems) == [param]
    assert problems[param].startswith(f"{param}: ") and words in problems[param], problems[param]
    assert a == Scenario() and b == Scenario(freight_pct=7)  # the good parameter is kept


def test_a_known_date_of_today_or_later_is_todays_data() -> None:
    assert Scenario.from_params({"known": TODAY.isoformat()}, "", TODAY)[0].known is None
    day = TODAY - dt.timedelta(days=30)
    assert Scenario.from_params({"known": day.isoformat()}, "", TODAY)[0].known == day


def test_custom_weights_take_the_presets_place_measure_by_measure() -> None:
    s, problems = Scenario.from_params({"a_preset": "low_tariff", "a_w_presence": "0"}, "a_", TODAY)
    assert problems == {}
    assert s.weights == {**scoring.PRESETS["low_tariff"], "presence": 0}
    assert s.to_params("a_") == {"a_preset": "low_tariff", "a_w_presence": "0"}
