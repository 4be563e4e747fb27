"""Performance regression guards that are not timings (docs/performance.md): the market-mix queries read
the pre-aggregates (never the raw table) with their filters pushed into the scan, the model pre-aggregate
sums to the raw table, pages serve figures from the figure cache, and figure JSON stays under a byte
budget however large the table behind it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import db
from evdash.figures import registrations as figures

WINDOW = {"market": "DEU", "month_from": dt.date(2024, 1, 1), "month_to": dt.date(2024, 12, 1)}
ON_AGGREGATES = {
    "registrations_markets": {},
    "registrations_brand_share": WINDOW,
    "registrations_body_mix": WINDOW,
    "registrations_powertrain_trend": WINDOW,
    "registrations_suv_share": {"month_from": WINDOW["month_from"], "month_to": WINDOW["month_to"]},
    "registrations_provenance": WINDOW,
    "registrations_top_models": {**WINDOW, "top_n": 10},
}
FIGURE_BUDGET_BYTES = 20_000


def _plan(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> str:
    spec = db.load_query(name)
    with con.cursor() as cur:
        rows = cur.execute("explain " + spec.sql, params).fetchall()
    return "\n".join(str(r[1]) for r in rows)


@pytest.mark.parametrize("name", sorted(ON_AGGREGATES))
def test_market_mix_queries_read_the_pre_aggregates(
    name: str, fixture_con: duckdb.DuckDBPyConnection
) -> None:
    plan = _plan(fixture_con, name, ON_AGGREGATES[name])
    assert "agg_registrations_" in plan
    assert "main.registrations" not in plan  # the raw table


def test_top_models_reads_the_model_aggregate_with_filters_in_the_scan(
    fixture_con: duckdb.DuckDBPyConnection,
) -> None:
    plan = _plan(fixture_con, "registrations_top_models", {**WINDOW, "top_n": 10})
    scan = plan[plan.index("agg_registrations_model") :]
    # The filters reach the scan, where the (market_code, month) sort order lets zone maps skip row groups.
    assert "Filters:" in scan and "market_code" in scan


def test_model_aggregate_sums_to_the_raw_table_per_market_and_model(
    fixture_con: duckdb.DuckDBPyConnection,
) -> None:
    diff = fixture_con.sql(
        """
        select count(*) from (
            select market_code, month, brand_id, model_name, sum(units) as units
            from registrations group by all
        ) as raw
        full outer join agg_registrations_model as agg using (market_code, month, brand_id, model_name)
        where raw.units is distinct from agg.units
        """
    ).fetchall()[0][0]
    assert diff == 0


def test_market_mix_page_serves_every_chart_from_the_figure_cache() -> None:
    """Building a Plotly figure costs 5–25 ms of CPU per chart and run; `ui.figure` serves a cached one."""
    page = (Path(__file__).resolve().parent.parent / "pages" / "market_mix.py").read_text()
    charts = page.count("st.plotly_chart(")
    assert charts == 5
    assert page.count("ui.figure(ctx, figures.") == charts


def _big_frames() -> dict[str, pd.DataFrame]:
    """Frames as large as the queries return at vendor scale (150 brands, 8 years × 7 body types, 60 markets)."""
    months = pd.date_range("2018-01-01", periods=96, freq="MS")
    brands = pd.DataFrame(
        {
            "brand_id": [f"syn_{i:03d}" for i in range(150)],
            "brand_name": [f"Synthetic brand {i:03d}" for i in range(150)],
            "units": range(150_000, 0, -1000),
            "share_pct": [100 / 150] * 150,
            "rank": range(1, 151),
        }
    )
    body = pd.DataFrame(
        [(m, b, 1234, 100 / 7) for m in months for b in figures.BODY_ORDER],
        columns=["month", "body_type", "units", "share_pct"],
    )
    markets = pd.DataFrame(
        {
            "market_code": [f"M{i:02d}" for i in range(60)],
            "market_name": [f"Market {i}" for i in range(60)],
            "units": range(600_000, 0, -10_000),
            "suv_share_pct": [45.5] * 60,
            "bev_share_pct": [20.25] * 60,
        }
    )
    models = pd.DataFrame(
        {
            "rank": range(1, 11),
            "brand_id": ["syn_001"] * 10,
            "brand_name": ["Synthetic brand 001"] * 10,
            "model_name": [f"Synthetic 001-{i:02d}" for i in range(10)],
            "body_type": ["suv"] * 10,
            "units": range(10_000, 0, -1000),
            "share_pct": [1.5] * 10,
        }
    )
    return {"brands": brands, "body": body, "markets": markets, "models": models}


def test_figure_json_stays_under_budget_at_vendor_scale() -> None:
    f = _big_frames()
    built = {
        "brand_share": figures.brand_share(f["brands"], "Germany", "2025", "estimate"),
        "body_mix": figures.mix_over_time(f["body"], "body_type", "Germany", "2018–2025", "estimate"),
        "top_models": figures.top_models(f["models"], "Germany", "2025", "estimate"),
        "suv_share": figures.suv_share_by_market(f["markets"], "2025", "estimate"),
    }
    for name, fig in built.items():
        size = len(fig.to_json())
        assert size < FIGURE_BUDGET_BYTES * (3 if name == "body_mix" else 1), f"{name}: {size:,} bytes"
