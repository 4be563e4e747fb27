"""Overview and Sources page tests with Streamlit's AppTest, on the hand-checked fixture database; one
headline test on the real seeds (Xiaomi, the featured case)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import plotly_values, run_page, shown


def _cards(at: object) -> dict[str, tuple[str, str]]:
    return {shown(m.label): (shown(m.value), shown(m.delta or "")) for m in at.metric}  # type: ignore[attr-defined]


@pytest.mark.usefixtures("fixture_app")
def test_overview_cards_table_and_chart_on_the_fixture() -> None:
    at = run_page("app.py", brand="acme")
    assert not at.exception
    cards = _cards(at)
    # Acme 2025 is known only as Q1 "over 9,000": a floor, through 31 Mar, and its attainment a floor too.
    assert cards["2025 delivered vs final target (to 31 Mar)"] == ("≥ 9,000", "≥ 22.5% of 40,000 target")
    # Deliveries since the first model went on sale, by the rule of the years: 20,000 + ≥ 9,000.
    assert cards["Cumulative deliveries since Mar 2024"] == ("≥ 29,000", "by 31 Mar 2025")
    assert cards["Models on sale · markets tracked"] == ("2 · 2", "S, X")
    captions = [shown(c.value) for c in at.caption]
    assert any(
        c.startswith("At least (lower bound) · as of 2 Apr 2025 · source: ir.acme.example") for c in captions
    )
    assert any("reported quarters: Q1" in c for c in captions)
    table = at.dataframe[0].value.set_index("year")
    assert table.loc[2024, "delivered_units"] == 20000 and table.loc[2024, "attainment_pct"] == 111.1
    assert table.loc[2024, "delivered_basis_label"] == "company annual total"
    assert table.loc[2024, "months_units"] == 16000  # the sum of the months, beside the figure
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    target = next(t for t in fig["data"] if t["name"] == "Final target")
    assert plotly_values(target["y"]) == [18000, 40000]
    assert at.sidebar.selectbox(key="brand").value == "acme"


@pytest.mark.usefixtures("fixture_app")
def test_overview_of_a_brand_with_nev_totals_and_no_models() -> None:
    at = run_page("app.py", brand="bolt")
    assert not at.exception
    cards = _cards(at)
    assert cards["2025 delivered vs final target (NEV only · to 31 Mar)"] == (
        "80,000",
        "22.9% of 350,000 target",
    )
    assert cards["Cumulative deliveries since Jan 2024 (NEV only)"][0] == "380,000"
    assert cards["Models on sale · markets tracked"][1] == "no model list in the data for this brand"
    assert list(at.dataframe[0].value["scope"]) == ["NEV only", "NEV only"]  # the label, not the code


@pytest.mark.usefixtures("fixture_app")
def test_overview_shows_a_ratio_of_two_floors_as_what_it_is() -> None:
    at = run_page("app.py", brand="zeta")
    assert not at.exception
    value, delta = _cards(at)["2025 delivered vs final target"]
    assert value == "≥ 520,000"
    assert delta == "104.0% (ratio of two 'over N' figures) of over 500,000 target"


@pytest.mark.usefixtures("fixture_app")
def test_overview_brand_from_url_and_bad_value_notice() -> None:
    at = run_page("app.py", brand="zeta")
    assert not at.exception
    assert at.sidebar.selectbox(key="brand").value == "zeta"
    assert "Zeta" in at.title[0].value
    bad = run_page("app.py", brand="'; drop table brands; --")
    assert not bad.exception
    assert any("not a valid brand" in shown(w.value) for w in bad.warning)


@pytest.mark.usefixtures("fixture_app")
def test_overview_brand_change_updates_url() -> None:
    at = run_page("app.py", brand="acme")
    at.sidebar.selectbox(key="brand").set_value("bolt").run()
    assert not at.exception
    assert at.query_params["brand"] in ("bolt", ["bolt"])


@pytest.mark.usefixtures("fixture_app")
def test_sources_page_filters_by_reliability_from_url() -> None:
    at = run_page("pages/sources.py", reliability=["primary"])
    assert not at.exception
    assert at.sidebar.multiselect(key="reliability").value == ["primary"]
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["reliability"]) == {"Primary (company filing or official body)"}


# ---- headline, on the real seeds ------------------------------------------------------------------


@pytest.mark.usefixtures("app_env")
def test_overview_headline_xiaomi() -> None:
    """Xiaomi: 2024 delivered 136,854 against a final 130,000; 2025 "over 410,000" against "over
    400,000" (a ratio of two floors); the cumulative figure is the sum of the years to 31 Mar 2026, not
    the older "over 600,000 by 16 Feb 2026"."""
    at = run_page("app.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("year")
    assert (table.loc[2024, "delivered_units"], table.loc[2024, "final_target_units"]) == (136854, 130000)
    assert table.loc[2024, "attainment_pct"] == 105.3 and not table.loc[2024, "delivered_is_at_least"]
    cards = _cards(at)
    assert cards["2025 delivered vs final target"][0] == "≥ 410,000"
    assert "ratio of two 'over N' figures" in cards["2025 delivered vs final target"][1]
    cumulative = next(v for k, v in cards.items() if k.startswith("Cumulative deliveries since"))
    assert cumulative[1] == "by 31 Mar 2026" and cumulative[0].startswith("≥ ")
    assert len(at.get("plotly_chart")) == 2  # years vs targets, and the expansion-status map
    geo = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert {t["type"] for t in geo["data"]} == {"choropleth"}
    assert at.sidebar.selectbox(key="brand").value == "xiaomi"


def test_overview_and_deliveries_work_for_every_brand(app_env: Path) -> None:
    """Every brand of the seeds (little data, no monthly figures, NEV totals, no targets, no models) gets
    both pages, not a traceback; the Deliveries page offers the years with figures or targets."""
    from evdash import db, queries

    con = db.connect_readonly(app_env)
    codes = list(queries.brands(con)["brand_id"])
    years = {c: [str(y) for y in queries.overview_years(con, c)["year"]] for c in codes}
    con.close()
    assert len(codes) >= 10
    for code in codes:
        at = run_page("app.py", brand=code)
        assert not at.exception, f"overview failed for {code}: {at.exception}"
        assert at.sidebar.selectbox(key="brand").value == code
        at = run_page("pages/deliveries.py", brand=code)
        assert not at.exception, f"deliveries failed for {code}: {at.exception}"
        if years[code]:
            assert at.sidebar.selectbox(key="year").options == years[code], code
