"""Deliveries page with AppTest on the hand-checked fixture database, filters seeded from the URL; one
headline test on the real seeds (Xiaomi 2026, built from the reported first quarter)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import plotly_values, run_page, shown


def _run(**params: str | list[str]) -> AppTest:
    return run_page("pages/deliveries.py", **params)


def _figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _cards(at: AppTest) -> dict[str, tuple[str, str]]:
    return {shown(m.label): (shown(m.value), shown(m.delta or "")) for m in at.metric}


@pytest.mark.usefixtures("fixture_app")
def test_acme_2024_against_final_target() -> None:
    at = _run(brand="acme", year="2024")
    assert not at.exception
    cards = _cards(at)
    assert cards["Delivered 2024"] == ("20,000", "111.1% of current target")
    assert "company annual total" in at.metric[0].proto.help and "http" in at.metric[0].proto.help
    assert cards["Current target"] == ("18,000", "revision 3 of 3")
    assert cards["Year-end projection"] == ("Year complete", "no projection needed")
    assert any("Target met" in shown(s.value) and "111.1%" in shown(s.value) for s in at.success)
    assert any("200.0% of the original target (10,000)" in shown(c.value) for c in at.caption)
    figs = _figures(at)
    assert len(figs) == 4
    revisions = next(t for t in figs[0]["data"] if t.get("name") == "Target revisions")
    assert plotly_values(revisions["y"]) == [10000, 15000, 18000]
    assert revisions["text"][1] == "≥ 15,000"
    bars = [t for t in figs[1]["data"] if t["type"] == "bar" and t.get("legendgroup") != "confidence"]
    shapes = [s for t in bars for s in plotly_values(t["marker"]["pattern"]["shape"])]
    assert shapes.count("/") == 1  # April "over 2,000" is the one hatched month


@pytest.mark.usefixtures("fixture_app")
def test_filters_seeded_from_url() -> None:
    at = _run(brand="acme", year="2024", through="8", window="2", models=["acme_x"])
    assert not at.exception
    assert at.sidebar.selectbox(key="year").value == "2024"
    assert at.sidebar.slider(key="through").value == 8
    assert at.sidebar.slider(key="window").value == 2
    assert at.sidebar.multiselect(key="models").value == ["acme_x"]
    cards = _cards(at)
    # Counting to August: March + the reported Q2 + July + August; the target then was "over 15,000".
    assert cards["Delivered 2024 (to 31 Aug)"] == ("15,900", "≤ 106.0% of current target")
    assert cards["Current target"] == ("over 15,000", "revision 2 of 3")
    names = [
        t["name"]
        for t in _figures(at)[1]["data"]
        if t["type"] == "bar" and t.get("legendgroup") != "confidence"
    ]
    assert names == ["X", "Other models", "Not split by model"]


@pytest.mark.usefixtures("fixture_app")
def test_projection_from_a_quarterly_total_names_its_months() -> None:
    """Acme 2025: January 2,500 and Q1 "over 9,000": the projection runs at Q1's average (3,000 a month,
    Jan–Mar), and the rate needed starts in April — the page names the month."""
    at = _run(brand="acme", year="2025")
    assert not at.exception
    cards = _cards(at)
    assert cards["Delivered 2025 (to 31 Mar)"] == ("≥ 9,000", "≥ 22.5% of current target")
    assert cards["Year-end projection"] == ("≈36,000", "at 3,000/month (Jan–Mar, Q1 total at its average)")
    assert cards["Required rate · month reached"] == (
        "3,444/month",
        "needed from Apr · not reached at this rate",
    )
    assert any("3,444 a month from Apr" in shown(w.value) for w in at.warning)
    assert not any("from here" in shown(e.value) for e in (*at.warning, *at.info, *at.success))


@pytest.mark.usefixtures("fixture_app")
def test_brand_without_target_and_bad_url_values() -> None:
    at = _run(brand="zeta", year="1999", window="99")
    assert not at.exception
    assert any("not a valid year" in shown(w.value) for w in at.warning)
    assert at.sidebar.slider(key="window").value == 3
    assert at.sidebar.selectbox(key="year").options == ["2024", "2025"]


@pytest.mark.usefixtures("fixture_app")
def test_a_brand_with_nev_totals_only() -> None:
    at = _run(brand="bolt", year="2024")
    assert not at.exception
    assert _cards(at)["Delivered 2024 (NEV only)"] == ("300,000", "no target to compare")
    assert any("No company delivery target" in shown(i.value) for i in at.info)


@pytest.mark.usefixtures("app_env")
def test_xiaomi_2026_projection_is_built_from_the_first_quarter() -> None:
    """Headline (real seeds): Xiaomi 2026 is its Q1 total, and the projection averages Q1's three months,
    not January's 39,000 nine times over (the old ≈431,000)."""
    at = _run(brand="xiaomi", year="2026")
    assert not at.exception
    cards = _cards(at)
    delivered = next(v for k, v in cards.items() if k.startswith("Delivered 2026 (to 31 Mar)"))
    assert delivered[1].endswith("14.5% of current target")
    assert cards["Year-end projection"][1].endswith("(Jan–Mar, Q1 total at its average)")
    assert cards["Required rate · month reached"][1].startswith("needed from Apr")
