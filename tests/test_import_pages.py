"""A running dashboard (AppTest session) sees an import's new figure on its next interaction, no restart;
the Data page shows history, quality panels and a rejected upload's messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from evdash import build, importer
from tests.conftest import open_page

REPO = Path(__file__).resolve().parent.parent
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"


@pytest.fixture
def own_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private real-seed database (imports change it; the shared session databases stay untouched)."""
    link = tmp_path / "evdash.duckdb"
    build.build(db=link)
    monkeypatch.setenv("EVDASH_DB", str(link))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield link
    st.cache_data.clear()
    st.cache_resource.clear()


def data_page(**params: str) -> AppTest:
    return open_page("pages/data.py", params, timeout=90, run=False)


def test_running_dashboard_sees_an_import_without_restart(own_db: Path) -> None:
    at = data_page(table="deliveries", brand="xiaomi")
    at.run()
    assert not at.exception
    browse = next(
        df.value for df in at.dataframe if "units" in df.value.columns and "month" in df.value.columns
    )
    assert "2031-01" not in set(browse["month"])
    importer.import_files(
        [
            (
                "deliveries",
                (
                    "dec.csv",
                    f"{HEADER}\nxiaomi,,CHN,2031-01,54321,reported,https://ir.mi.com/x,2031-02-01\n".encode(),
                ),
            )
        ],
        db=own_db,
        user="apptest",
    )
    at.run()  # the same session's next interaction
    assert not at.exception
    browse = next(
        df.value for df in at.dataframe if "units" in df.value.columns and "month" in df.value.columns
    )
    row = browse[browse["month"] == "2031-01"]
    assert row["units"].tolist() == [54321]
    history = next(df.value for df in at.dataframe if "sha256" in df.value.columns)
    assert history["file_name"].tolist() == ["dec.csv"] and history["imported_by"].tolist() == ["apptest"]
    assert any(
        own_db.resolve().name.removeprefix("evdash-").removesuffix(".duckdb") in c.value
        for c in at.sidebar.caption
    )


def test_data_page_quality_panel_and_sources_links(own_db: Path) -> None:
    at = data_page(table="sources")
    at.run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {
        "Months missing (all brands)",
        "Lower bounds or estimates",
        "Months where sources disagree",
    } <= labels
    sources = next(
        df.value for df in at.dataframe if "reliability" in df.value.columns and "url" in df.value.columns
    )
    assert sources["url"].str.match(r"^https?://").all()
    conflicts = next(df.value for df in at.dataframe if "versions" in df.value.columns)
    xiaomi_may = conflicts[(conflicts["brand_id"] == "xiaomi") & (conflicts["month_label"] == "2024-05")]
    assert xiaomi_may["min_units"].tolist() == [8630] and xiaomi_may["max_units"].tolist() == [8646]
