"""One figure everywhere: for every brand and year, the delivered figure, the final target, the attainment and
the at-least flag are the same on the Overview (table, chart, cards), the Deliveries KPIs, both peers
charts and every CSV export of those views — on the hand-checked fixture and on the real seeds.

The reference is the brand × year mart (v_brand_year, headline scope); every view is read the way a person
gets it: the AppTest page elements, the figure JSON, and the frames handed to the download buttons."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import db, ui
from evdash.figures.overview import EVENTS_NAME
from evdash.text import short_name
from evdash.theme import fmt_attainment, fmt_figure
from tests.conftest import plotly_values, run_page, shown

FIELDS = ("delivered_units", "final_target_units", "attainment_pct", "delivered_is_at_least")


def _value(v: Any) -> Any:
    """Comparable form: None for missing, int for whole numbers, bool for flags."""
    if v is None or (not isinstance(v, str | bool) and pd.isna(v)):
        return None
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return bool(v)
    f = float(v)
    return int(f) if f.is_integer() else round(f, 1)


def _expected(link: Path) -> dict[tuple[str, int], Any]:
    con = db.connect_readonly(link)
    try:
        frame = con.execute(
            """select y.*, b.name as brand_name from v_brand_year as y join brands as b using (brand_id)
               where y.is_headline"""
        ).df()
    finally:
        con.close()
    return {(str(r["brand_id"]), int(r["year"])): r for r in frame.to_dict("records")}


def _facts(row: Any) -> tuple[Any, ...]:
    return tuple(_value(row[f]) for f in FIELDS)


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, pd.DataFrame]]:
    """Every frame a page hands to its CSV download buttons in the last run, by view name."""
    seen: dict[str, pd.DataFrame] = {}
    real = ui.download_buttons

    def record(ctx: Any, frame_: pd.DataFrame, view: str, *args: Any, **kwargs: Any) -> None:
        seen[view] = frame_.copy()
        real(ctx, frame_, view, *args, **kwargs)

    monkeypatch.setattr(ui, "download_buttons", record)
    yield seen


def _figures(at: AppTest) -> list[dict[str, Any]]:
    """Each chart's figure with its text as Plotly shows it (entities such as `&amp;` decoded: data text
    reaches Plotly escaped, e.g. 'Lynk &amp; Co' is drawn as 'Lynk & Co')."""
    return [json.loads(el.proto.spec, object_hook=_shown) for el in at.get("plotly_chart")]


def _shown(node: dict[str, Any]) -> dict[str, Any]:
    return {k: _decoded(v) for k, v in node.items()}


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def _check_overview(
    at: AppTest, brand: str, expected: dict[tuple[str, int], Any], exports: dict[str, pd.DataFrame]
) -> None:
    mine = {year: row for (b, year), row in expected.items() if b == brand}
    where = f"Overview {brand}"
    assert not at.exception, f"{where}: {at.exception}"
    table = at.dataframe[0].value
    assert sorted(int(y) for y in table["year"]) == sorted(mine), where
    for rec in table.to_dict("records"):
        assert _facts(rec) == _facts(mine[int(rec["year"])]), f"{where} table {rec['year']}"
    export = exports["overview"]
    for rec in export.to_dict("records"):
        assert _facts(rec) == _facts(mine[int(rec["year"])]), f"{where} CSV {rec['year']}"
    chart = _figures(at)[0]
    for trace in chart["data"]:
        xs = [int(str(x)) for x in plotly_values(trace["x"])]
        ys = plotly_values(trace["y"])
        if trace["name"] == EVENTS_NAME:  # the row of event marks under the bars, not a figure
            continue
        field = "final_target_units" if trace["name"] == "Final target" else "delivered_units"
        for x, y in zip(xs, ys, strict=True):
            assert _value(y) == _value(mine[x][field]), f"{where} chart {trace['name']} {x}"
    cards = {shown(m.label): m for m in at.metric}
    for year, row in mine.items():
        card = next((m for label, m in cards.items() if label.startswith(f"{year} deliver")), None)
        if card is None or pd.isna(row["delivered_units"]):
            continue
        value = fmt_figure(
            row["delivered_units"], bool(row["delivered_is_at_least"]), row["delivered_confidence"]
        )
        assert shown(card.value) == value, f"{where} card {year}"
        if pd.notna(row["final_target_units"]):
            assert fmt_attainment(row["attainment_pct"], row["attainment_kind"]) in shown(card.delta), where


def _check_deliveries(
    at: AppTest,
    brand: str,
    year: int,
    expected: dict[tuple[str, int], Any],
    exports: dict[str, pd.DataFrame],
) -> None:
    where = f"Deliveries {brand} {year}"
    assert not at.exception, f"{where}: {at.exception}"
    row = expected[(brand, year)]
    k1 = shown(at.metric[0].value), shown(at.metric[0].delta)
    if pd.notna(row["delivered_units"]):
        value = fmt_figure(
            row["delivered_units"], bool(row["delivered_is_at_least"]), row["delivered_confidence"]
        )
        assert k1[0] == value, where
    else:
        assert k1[0] == "no data", where
    if pd.notna(row["attainment_pct"]):
        assert fmt_attainment(row["attainment_pct"], row["attainment_kind"]) in k1[1], where
    target = shown(at.metric[1].value)
    if pd.notna(row["final_target_units"]):
        assert target.removeprefix("over ").replace(",", "") == str(int(row["final_target_units"])), where
    else:
        assert target == "none published", where
    # The peers: every brand of the year in the attainment chart, the year and the year before in the
    # annual chart, and their CSVs.
    names = {r["brand_name"]: key for key, r in expected.items() if key[1] == year}
    figs = _figures(at)
    attainment = figs[2]
    for trace in attainment["data"]:
        if trace.get("legendgroup") == "confidence":
            continue
        for name, x in zip(plotly_values(trace["y"]), plotly_values(trace["x"]), strict=True):
            assert _value(x) == _value(expected[names[str(name)]]["attainment_pct"]), f"{where} peers {name}"
    annual = figs[3]
    for trace in annual["data"]:
        if trace.get("legendgroup") == "confidence":
            continue
        # the chart names a brand as a phone has room for ("HIMA" for "HIMA (Harmony …)")
        by_name = {
            html.unescape(short_name(r["brand_name"], 14)): key
            for key, r in expected.items()
            if key[1] == int(trace["name"])
        }
        for name, x in zip(plotly_values(trace["y"]), plotly_values(trace["x"]), strict=True):
            key = by_name[str(name).removesuffix(" ◀")]
            assert _value(x) == _value(expected[key]["delivered_units"]), f"{where} annual {name}"
    for view in ("deliveries-peer-attainment", "deliveries-peer-annual"):
        for rec in exports[view].to_dict("records"):
            key = (str(rec["brand_id"]), int(rec["year"]))
            assert _facts(rec) == _facts(expected[key]), f"{where} CSV {view} {key}"
    cumulative = exports["deliveries-cumulative"]
    delivered = cumulative[cumulative["series"] == "delivered"]
    if pd.notna(row["delivered_units"]):
        last = delivered.iloc[-1]
        assert (_value(last["units"]), _value(last["is_at_least"])) == (
            _value(row["delivered_units"]),
            _value(row["delivered_is_at_least"]),
        ), f"{where} cumulative CSV"


def _every_brand_and_year(link: Path, exports: dict[str, pd.DataFrame]) -> int:
    expected = _expected(link)
    brands = sorted({b for b, _ in expected})
    runs = 0
    for brand in brands:
        _check_overview(run_page("app.py", brand=brand), brand, expected, exports)
        years = sorted(y for b, y in expected if b == brand)
        at = run_page("pages/deliveries.py", brand=brand, year=str(years[0]))
        # Every brand works like Xiaomi: the years offered are the years with a figure or a target.
        assert at.sidebar.selectbox(key="year").options == [str(y) for y in years], brand
        for year in years:
            if at.sidebar.selectbox(key="year").value != str(year):
                at.sidebar.selectbox(key="year").set_value(str(year)).run()
            _check_deliveries(at, brand, year, expected, exports)
            runs += 1
    return runs


def test_one_figure_everywhere_on_the_fixture(fixture_app: Path, exports: dict[str, pd.DataFrame]) -> None:
    assert _every_brand_and_year(fixture_app, exports) == 6  # acme, bolt and zeta, 2024 and 2025 each


def test_one_figure_everywhere_on_the_seeds(app_env: Path, exports: dict[str, pd.DataFrame]) -> None:
    assert _every_brand_and_year(app_env, exports) >= 25  # every brand × year with a figure or a target
