"""The Overview's service (evdash.services.overview): the Overview page and its "Briefing (PDF)" button read
one view model, so the briefing's watch list and the data under it are computed once per brand, date and
data version, and the PDF is the one `evdash briefing` makes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import pytest
import streamlit as st
from PIL import Image

from evdash import briefing, briefing_pdf, db, queries, static_charts, ui
from evdash.services import briefing as briefing_service
from evdash.services import overview
from tests.conftest import run_page

# Queries of the briefing's Overview part that the page's own run also needs: with the briefing computed
# once, each runs once for the page and its PDF together (before, the watch list computed the briefing
# beside the page's own queries, and the PDF button computed it again: 2–3 runs each).
SHARED = ("overview_years", "overview_facts", "chart_events", "expansion_map_status")
# Queries only the watch list's inputs run (duty changes in the focus markets, the focus model). The VAT
# tables are also read by the landed prices of the PDF (pricing_service), so they run twice by design.
WATCH_ONLY = ("pricing_duty_changes", "deliveries_models")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, format="PNG")
    return out.getvalue()


class _Renderer:
    """Stands in for Kaleido (static_charts.Renderer): every chart is the same small PNG."""

    def __enter__(self) -> Callable[..., bytes]:
        return lambda *args, **kwargs: _png()

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.usefixtures("app_env")
def test_the_overview_and_its_pdf_button_compute_the_briefing_once(
    monkeypatch: pytest.MonkeyPatch, seed_con: duckdb.DuckDBPyConnection
) -> None:
    runs: Counter[tuple[str, str]] = Counter()
    run_query = db.run_query

    def counted(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
        runs[(name, repr(sorted(params.items())))] += 1
        return run_query(con, name, **params)

    monkeypatch.setattr(queries, "run_query", counted)
    pdf_button: dict[str, Any] = {}
    download_button = st.download_button

    def capture(label: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        if label == "Briefing (PDF)":
            pdf_button["data"] = data
        return download_button(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    printed: list[briefing.Briefing] = []
    build_pdf = briefing_pdf.build_pdf

    def build(b: briefing.Briefing, render: briefing_pdf.Render, paper: briefing_pdf.Paper = "A4") -> Any:
        printed.append(b)
        return build_pdf(b, render, paper)

    monkeypatch.setattr(briefing_pdf, "build_pdf", build)
    monkeypatch.setattr(static_charts, "Renderer", _Renderer)

    at = run_page("app.py", brand="xiaomi")
    assert not at.exception
    assert callable(pdf_button["data"])  # the PDF is built on click, not on every run
    pdf = pdf_button["data"]()  # the click
    at.run()  # and the next run of the page, as after a download
    assert not at.exception

    for name in SHARED + WATCH_ONLY:
        ran = {params: n for (query, params), n in runs.items() if query == name}
        assert ran, f"{name} never ran"
        assert set(ran.values()) == {1}, f"{name} ran {ran}"
    # What was printed is the briefing `evdash briefing` collects for the same brand and day, to the byte.
    assert len(printed) == 1
    fresh = briefing.collect(seed_con, "xiaomi", ui.today())
    assert build_pdf(fresh, _Renderer().__enter__())[0] == pdf
    assert printed[0].watch == fresh.watch and printed[0].overview_kpis == fresh.overview_kpis


def test_the_briefing_on_the_overviews_view_model_is_the_briefing(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    """Every field of the briefing built on the Overview's view model is the one collected on its own,
    for a brand whose deliveries section is this year (Xiaomi) and one whose is the year before (BYD)."""
    on = dt.date(2026, 12, 1)
    for brand in ("xiaomi", "byd"):
        scenario = overview.Scenario(brand, on)
        view = overview.overview_view(seed_con, scenario)
        built = briefing_service.briefing_view(seed_con, scenario, view)
        alone = briefing.collect(seed_con, brand, on)
        for f in dataclasses.fields(briefing.Briefing):
            mine, theirs = getattr(built, f.name), getattr(alone, f.name)
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs, obj=f"{brand}: {f.name}")
            else:
                assert mine == theirs, (brand, f.name)
        assert view.part.watch == alone.watch
    # The page's cards are the Overview's (without the briefing's change against a year earlier).
    xiaomi = overview.overview_view(seed_con, overview.Scenario("xiaomi", on))
    assert [k.label for k in xiaomi.cards] == [k.label for k in xiaomi.part.overview_kpis]
    assert xiaomi.cards[1].change is None and xiaomi.part.overview_kpis[1].change is not None


def test_a_view_model_of_another_scenario_is_refused(seed_con: duckdb.DuckDBPyConnection) -> None:
    on = dt.date(2026, 12, 1)
    view = overview.overview_view(seed_con, overview.Scenario("xiaomi", on))
    with pytest.raises(ValueError, match="not of"):
        briefing_service.briefing_view(seed_con, overview.Scenario("byd", on), view)
    with pytest.raises(ValueError, match="brand 'nosuch' is not in the data"):
        overview.overview_view(seed_con, overview.Scenario("nosuch", on))
