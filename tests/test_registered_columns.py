"""Headers come from the column registry (evdash.columns) through `ui.registered_columns`: the Compare,
Market ranking and Pricing pages write no header, number format or help text of a registered column
themselves, and the tables they draw show exactly the registry's headers and formats."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import columns, pricing_service, ui
from evdash.columns import Column
from evdash.figures.markets import FLAG
from tests.conftest import open_page

REPO = Path(__file__).resolve().parents[1]
CURRENCY = pricing_service.DEFAULT_CURRENCY
VALUES = {"currency": CURRENCY, "flag": FLAG}

# Each page and the registered tables it draws.
PAGES: dict[str, tuple[Mapping[str, Column], ...]] = {
    "pages/compare.py": (columns.COMPARE,),
    "pages/markets.py": (columns.MARKET_RANKING,),
    "pages/pricing.py": (columns.LANDED_STEPS, columns.PRICES),
}


def test_a_registered_column_becomes_its_streamlit_column() -> None:
    config = ui.registered_columns(columns.LANDED_STEPS, hide=("kind",), currency="CNY")
    assert config["kind"] is None
    assert config["amount"]["label"] == "Amount (CNY)"
    assert config["amount"]["type_config"] == {
        "type": "number",
        "format": "%,.0f",
        "min_value": None,
        "max_value": None,
        "step": None,
    }
    assert config["source"]["type_config"]["type"] == "link"
    # A text column is Streamlit's plain column: what a header string gave (no type forced on its values).
    assert config["label"]["label"] == "Step" and "type_config" not in config["label"]
    assert list(config) == list(columns.LANDED_STEPS)


def test_only_bars_and_renamed_columns() -> None:
    config = ui.registered_columns(
        columns.MARKET_RANKING,
        only=("score", "landed"),
        bars={"score": (0, 100)},
        currency=CURRENCY,
        flag=FLAG,
    )
    assert list(config) == ["score", "landed"]
    assert config["score"]["type_config"]["type"] == "progress"
    assert (config["score"]["type_config"]["min_value"], config["score"]["type_config"]["max_value"]) == (
        0,
        100,
    )
    assert config["landed"]["label"] == f"Landed estimate ({CURRENCY})"
    renamed = ui.registered_columns(columns.PRICES, renamed={"price_converted": "price_usd"}, currency="USD")
    assert renamed["price_usd"]["label"] == "Price (USD)" and "price_converted" not in renamed


def test_a_placeholder_left_unfilled_is_an_error_not_a_header_with_braces() -> None:
    with pytest.raises(KeyError, match="currency"):
        ui.registered_columns(columns.MARKET_RANKING, flag=FLAG)


_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _template(node: ast.AST) -> str | None:
    """A string literal's text, an f-string's with each `{…}` as `{}`; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _PLACEHOLDER.sub("{}", node.value)
    if isinstance(node, ast.JoinedStr):
        parts = (v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return _PLACEHOLDER.sub("{}", "".join(str(p) for p in parts))
    return None


def _is_column_config(node: ast.AST) -> bool:
    """`st.column_config.…(…)`."""
    return isinstance(node, ast.Call) and "column_config" in ast.unparse(node.func)


def _written_headers(tree: ast.AST, codes: set[str]) -> Iterator[tuple[int, str]]:
    """(line, what) for each header the page writes itself: an entry keyed by a registered code whose
    value is a header (a string or a Streamlit column configuration; None, which hides a column, is
    fine), and a header literal given to a Streamlit column configuration or as an entry's value."""
    # `renamed={code: frame column}` names a frame's column, not a header.
    renames = {
        id(k.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        for k in n.keywords
        if k.arg == "renamed"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and id(node) not in renames:
            for key, value in zip(node.keys, node.values, strict=True):
                code = _template(key) if key is not None else None
                if code in codes and (_template(value) is not None or _is_column_config(value)):
                    yield node.lineno, f"a header for the registered column {code!r}"
                text = _template(value)
                if text is not None:
                    yield node.lineno, text
        elif _is_column_config(node) and isinstance(node, ast.Call) and node.args:
            text = _template(node.args[0])
            if text is not None:
                yield node.lineno, text


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_writes_no_header_the_registry_owns(page: str) -> None:
    registries = PAGES[page]
    codes = {code for registry in registries for code in registry}
    labels = {_PLACEHOLDER.sub("{}", c.label) for registry in registries for c in registry.values()}
    tree = ast.parse((REPO / page).read_text(encoding="utf-8"))
    written = [
        (line, what)
        for line, what in _written_headers(tree, codes)
        if what.startswith("a header for") or what in labels
    ]
    assert not written, f"{page} writes what evdash/columns.py owns (use ui.registered_columns): {written}"


def _shown_headers(element: Any) -> dict[str, dict[str, Any]]:
    """A drawn table's column configuration by column, for the columns it shows."""
    config: dict[str, dict[str, Any]] = json.loads(element.proto.columns) if element.proto.columns else {}
    frame: pd.DataFrame = element.value
    return {str(c): config.get(str(c), {}) for c in frame.columns if not config.get(str(c), {}).get("hidden")}


def _assert_registry_headers(at: AppTest, registry: Mapping[str, Column], marker: str) -> set[str]:
    """The table with column `marker` shows each registered column under its registered header and
    number format; returns the registered columns it shows."""
    element = next(d for d in at.dataframe if marker in d.value.columns)
    shown = _shown_headers(element)
    registered = {c for c in shown if c in registry}
    for code in registered:
        column = registry[code]
        assert shown[code].get("label") == column.header(**VALUES), code
        if column.kind == "number":
            assert shown[code]["type_config"]["format"] == column.format, code
    return registered


def _opened(page: str) -> AppTest:
    at = open_page(page, timeout=180)
    assert not at.exception, at.exception
    return at


@pytest.mark.usefixtures("app_env")
def test_the_compare_table_shows_the_registry_headers() -> None:
    shown = _assert_registry_headers(_opened("pages/compare.py"), columns.COMPARE, "difference")
    assert shown == set(columns.COMPARE)


@pytest.mark.usefixtures("app_env")
def test_the_ranking_table_shows_the_registry_headers() -> None:
    shown = _assert_registry_headers(_opened("pages/markets.py"), columns.MARKET_RANKING, "score")
    assert {"market_name", "score", "rank", "flagged", "landed", "rival_median"} <= shown


@pytest.mark.usefixtures("app_env")
def test_the_pricing_tables_show_the_registry_headers() -> None:
    at = _opened("pages/pricing.py")
    steps = _assert_registry_headers(at, columns.LANDED_STEPS, "running_total")
    assert {"label", "amount", "running_total", "rate_pct", "basis", "source"} <= steps
    # The prices by model: the converted price is the frame's `price_eur`, under the registry's header.
    element = next(d for d in at.dataframe if "fx_rate" in d.value.columns)
    shown = _shown_headers(element)
    assert shown[f"price_{CURRENCY.lower()}"]["label"] == columns.PRICES["price_converted"].header(**VALUES)
    for code in ("price", "currency", "price_type", "effective_from", "fx_date", "confidence", "source_url"):
        assert shown[code]["label"] == columns.PRICES[code].header(**VALUES), code
