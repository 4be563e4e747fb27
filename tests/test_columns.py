"""The column registry (evdash.columns): each registered column says what it is (a header, and for a number
its unit and format), headers are unique within a table, provenance names columns of the same table, and
the registered tables are the frames the code makes (so a header is never written for a column that is
not there)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pytest

from evdash import columns, compare, pricing, scoring
from evdash.columns import Column
from evdash.figures.markets import FLAG
from tests.test_pricing_page import RATES, inputs

TABLES: dict[str, Mapping[str, Column]] = {
    "COMPARE": columns.COMPARE,
    "LANDED_STEPS": columns.LANDED_STEPS,
    "PRICES": columns.PRICES,
    "MARKET_RANKING": columns.MARKET_RANKING,
}
# What a header's placeholders are filled with on the pages (the ranking's incomplete-data mark).
VALUES = {"currency": "EUR", "flag": FLAG}


@pytest.mark.parametrize("name", list(TABLES))
def test_every_column_says_what_it_is(name: str) -> None:
    table = TABLES[name]
    assert table, name
    for code, column in table.items():
        assert column.code == code
        assert column.header(**VALUES).strip(), code
        if column.kind == "number":  # a number says what it counts and how it is written
            assert column.unit and column.format, code
        else:
            assert not column.format, code
        assert set(column.provenance) <= set(table), (code, column.provenance)


@pytest.mark.parametrize("name", list(TABLES))
def test_headers_are_unique_in_a_table(name: str) -> None:
    headers = [c.header(**VALUES) for c in TABLES[name].values()]
    assert len(headers) == len(set(headers)), sorted(h for h in headers if headers.count(h) > 1)


def test_the_compare_frame_is_the_registered_table() -> None:
    assert list(columns.COMPARE) == compare.COLUMNS
    # Each value carries its confidence, source and as-of date beside it.
    assert columns.COMPARE["a"].provenance == ("a_confidence", "a_source", "a_as_of")


def test_the_landed_steps_table_is_the_registered_table() -> None:
    steps = pricing.landed_cases([inputs()], RATES).frame()
    assert list(steps.columns) == list(columns.LANDED_STEPS)
    assert columns.LANDED_STEPS["amount"].header(currency="EUR") == "Amount (EUR)"


def test_every_ranking_measure_and_score_column_has_a_header() -> None:
    raw = pd.DataFrame(
        {"ev_sales": [100.0, 50.0], "ev_share_pct": [10.0, 20.0]},
        index=pd.Index(["DEU", "FRA"], name="market_code"),
    )
    result = scoring.score_markets(raw, {"ev_sales": 1.0, "ev_share_pct": 1.0})
    shown = [c for c in result.table.columns if not c.startswith("c_")]  # contributions: a chart's
    assert set(shown) <= set(columns.MARKET_RANKING)
    assert set(scoring.MEASURE_BY_KEY) <= set(columns.MARKET_RANKING)
