"""Performance regression guards that are not timings (docs/performance.md): the market-mix queries read
the pre-aggregates (never the raw table) with their filters pushed into the scan, the model pre-aggregate
sums to the raw table, pages serve figures from the figure cache, and figure JSON stays under a byte
budget however large the table behind it is."""

from __future__ import annotations

import ast
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


REPO = Path(__file__).resolve().parent.parent
PAGE_FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]


def _is_call_to(node: ast.AST, owner: str, attr: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == owner
    )


def _uncached_charts(path: Path) -> list[str]:
    """`ui.chart(x)` / `st.plotly_chart(x)` calls whose figure is not `ui.figure(...)` or a name assigned
    from it."""
    tree = ast.parse(path.read_text())
    cached_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_call_to(node.value, "ui", "figure")
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    bad = []
    for node in ast.walk(tree):
        if _is_call_to(node, "st", "plotly_chart") or _is_call_to(node, "ui", "chart"):
            assert isinstance(node, ast.Call)
            figure = node.args[0] if node.args else None
            ok = figure is not None and (
                _is_call_to(figure, "ui", "figure")
                or (isinstance(figure, ast.Name) and figure.id in cached_names)
            )
            if not ok:
                bad.append(f"{path.name}:{node.lineno}")
    return bad


def test_every_page_serves_its_charts_from_the_figure_cache() -> None:
    """Building a Plotly figure costs 5–25 ms of CPU per chart and run (its layout template is deep-copied
    and validated); `ui.figure` builds it once per data version and arguments. A page that draws a chart
    without it pays that on every filter change (/pricing was 6.5× the empty app, docs/performance.md)."""
    charts = {p.name: p.read_text().count("ui.chart(") for p in PAGE_FILES}
    assert sum(charts.values()) >= 18, charts  # the check below must see the pages' charts
    assert [where for p in PAGE_FILES for where in _uncached_charts(p)] == []


def test_uncached_chart_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "fig = ui.figure(ctx, build, frame)\nui.chart(fig)\nui.chart(build(frame))\n"
        "ui.chart(ui.figure(ctx, build, frame), key='x')\nst.plotly_chart(build(frame))\n"
    )
    assert _uncached_charts(page) == ["page.py:3", "page.py:5"]


@pytest.mark.parametrize(
    ("page", "computation"),
    [
        ("pricing.py", "pricing.converted_models"),
        ("markets.py", "scoring.ranking_export"),
        ("markets.py", "scoring.sensitivity"),
    ],
)
def test_heavy_page_computations_go_through_the_computation_cache(page: str, computation: str) -> None:
    """Landed prices, scoring and the sensitivity analysis cost 20–600 ms per run when recomputed
    (py-spy, docs/performance.md); `ui.computed` runs them once per data version and inputs."""
    text = (REPO / "pages" / page).read_text()
    assert f"{computation}(" not in text, f"{page} calls {computation} directly"
    assert computation.split(".")[1] in text


def test_the_tariff_watch_is_computed_once_per_scenario() -> None:
    """The Pricing page's tariff-change watch prices the car twice per change day. Called on every run it
    made Pricing's warm filter change 0.182 CPU-s against 0.098 before the watch (bench/server_bench,
    docs/performance.md); through `ui.reader_view` a click that returns to a scenario costs a lookup."""
    text = (REPO / "pages" / "pricing.py").read_text()
    assert "tariff_watch.watch(" not in text
    assert "ui.reader_view(ctx, tariff_watch.watch," in text


def _reader_computations(path: Path, module: str = "pricing") -> tuple[set[str], list[str]]:
    """In a service module: the `<module>.*` functions passed to `reader.computed(...)`, and every other
    call of a `<module>.*` function (file:line), which would run on every page run."""
    tree = ast.parse(path.read_text())
    through: set[str] = set()
    direct: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "computed" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name):
                through.add(f"{first.value.id}.{first.attr}")
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == module:
            direct += [f"{path.name}:{node.lineno} {module}.{f.attr}"] if f.attr[:1].islower() else []
    return through, direct


SERVICE_COMPUTATIONS = (
    "pricing.latest_prices",
    "pricing.origin_prices",
    "pricing.landed_for_markets",
    "pricing.build_inputs",
    "pricing.landed_cases",
    "pricing.converted_rivals",
    "pricing.compare_rivals",
)


def test_the_pricing_service_runs_the_chain_through_the_pages_cache() -> None:
    """The pricing chain lives in `pricing_service` (issue 21): the Pricing and Market ranking pages pass it
    `ui.reader(ctx)`, whose `computed` is `ui.computed`, so each heavy step runs once per data version and
    scenario. A step called directly in the service would run on every rerun of both pages."""
    through, direct = _reader_computations(REPO / "evdash" / "pricing_service.py")
    assert set(SERVICE_COMPUTATIONS) <= through, set(SERVICE_COMPUTATIONS) - through
    assert direct == []
    # The Market ranking prices through the ranking service (issue 22: the Compare page ranks with the same
    # chain), which takes the page's reader.
    ranking = (REPO / "evdash" / "ranking_service.py").read_text()
    assert "pricing_service.pricing_view(" in ranking
    for page, call in (
        ("pricing.py", "pricing_service.pricing_view("),
        ("markets.py", "ranking_service.ranking("),
    ):
        text = (REPO / "pages" / page).read_text()
        assert call in text and "ui.reader(ctx)" in text, page
        for computation in SERVICE_COMPUTATIONS:
            assert f"{computation}(" not in text, f"{page} calls {computation} directly"


EXPANSION_COMPUTATIONS = ("expansion.with_labels", "expansion.ranking_table", "expansion.with_history")


def test_the_expansion_service_runs_the_map_through_the_pages_cache() -> None:
    """The map's labels and the ranking beside it live in the Expansion service (issue 21): the page passes
    it `ui.reader(ctx)`, whose `computed` is `ui.computed`, so they run once per data version and inputs
    (they were 20–600 ms per run when recomputed, py-spy, docs/performance.md), and the page calls none
    of them itself."""
    through, _ = _reader_computations(REPO / "evdash" / "services" / "expansion.py", "expansion")
    assert set(EXPANSION_COMPUTATIONS) <= through, set(EXPANSION_COMPUTATIONS) - through
    text = (REPO / "pages" / "expansion.py").read_text()
    assert "service.map_view(" in text and "ui.reader(ctx)" in text
    for computation in EXPANSION_COMPUTATIONS:
        assert computation.split(".")[1] not in text, f"expansion.py calls {computation} itself"


RANKING_COMPUTATIONS = (
    "scoring.brand_plan",
    "scoring.requirement_gaps",
    "scoring.gate_markets",
    "scoring.pick_basis",
    "scoring.proxied_markets",
    "scoring.assemble_measures",
    "scoring.proxy_bounded",
    "scoring.scale_factors",
    "scoring.score_markets",
    "scoring.with_excluded",
)


def test_the_ranking_service_runs_scoring_through_the_pages_cache() -> None:
    """The ranking chain lives in `ranking_service` (the Market ranking and Compare pages call it with
    `ui.reader`): scoring costs 20–600 ms per run when recomputed (py-spy, docs/performance.md), so every
    step goes through the reader's `computed`, and no page scores markets itself."""
    through, direct = _reader_computations(REPO / "evdash" / "ranking_service.py", "scoring")
    assert set(RANKING_COMPUTATIONS) <= through, set(RANKING_COMPUTATIONS) - through
    assert direct == []
    for page in ("markets.py", "compare.py"):
        text = (REPO / "pages" / page).read_text()
        assert "scoring.score_markets(" not in text and "score_markets" not in text, page


def test_a_direct_call_in_a_service_is_caught(tmp_path: Path) -> None:
    service = tmp_path / "service.py"
    service.write_text("a = reader.computed(pricing.landed_cases, x)\nb = pricing.converted_rivals(y)\n")
    through, direct = _reader_computations(service)
    assert through == {"pricing.landed_cases"} and direct == ["service.py:2 pricing.converted_rivals"]


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


def test_cache_key_of_a_frame_is_exact_and_stable() -> None:
    """`ui.figure`/`ui.computed` key frames by value: the same values after a pickle round trip (what
    st.cache_data hands back) give the same key, and a change in any cell, even far beyond the rows
    Streamlit's default hasher samples, gives another key (no chart drawn from the wrong data)."""
    import pickle

    from evdash import ui

    frame = pd.DataFrame(
        {
            "market": [f"M{i % 60:02d}" for i in range(60_000)],
            "month": pd.date_range("2018-01-01", periods=60_000, freq="h"),
            "units": range(60_000),
            "share": [i / 7 for i in range(60_000)],
            "note": [None if i % 5 == 0 else f"note {i}" for i in range(60_000)],
            "confidence": pd.Categorical(["reported", "estimate", "lower_bound"] * 20_000),
        }
    )
    same = pickle.loads(pickle.dumps(frame)).copy()  # noqa: S301 -- our own bytes, as st.cache_data does
    assert ui.frame_digest(same) == ui.frame_digest(frame)
    changed = frame.copy()
    changed.loc[54_321, "units"] = -1
    assert ui.frame_digest(changed) != ui.frame_digest(frame)
    assert ui.frame_digest(frame.rename(columns={"units": "cars"})) != ui.frame_digest(frame)
    assert ui.frame_digest(frame["units"]) != ui.frame_digest(frame["units"].astype(float))
    for column, value in (("note", "other"), ("note", None), ("market", "M99"), ("confidence", "estimate")):
        edited = frame.copy()
        edited.loc[54_321, column] = value  # a row whose note is set and confidence is "reported"
        assert ui.frame_digest(edited) != ui.frame_digest(frame), column
    part = frame[frame["market"] == "M07"]
    assert ui.frame_digest(part) == ui.frame_digest(frame[frame["market"] == "M07"])
    assert ui.frame_digest(part) != ui.frame_digest(frame[frame["market"] == "M08"])


def test_every_streamlit_cache_is_bounded() -> None:
    """Memory stays bounded under users picking ever new filter values (the soak in docs/performance.md):
    every Streamlit cache has a max_entries ceiling, and the result caches also expire idle entries."""
    trees = [ast.parse(path.read_text()) for path in sorted((REPO / "evdash" / "web").glob("*.py"))]
    caches: dict[str, set[str]] = {}
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and any(
                    _is_call_to(deco, "st", kind) for kind in ("cache_data", "cache_resource")
                ):
                    caches[node.name] = {k.arg for k in deco.keywords if k.arg}
    assert {"_cached_query", "_cached_figure", "_cached_result"} <= set(caches)
    assert [name for name, keys in caches.items() if "max_entries" not in keys] == []
    assert [n for n in ("_cached_query", "_cached_figure", "_cached_result") if "ttl" not in caches[n]] == []
    # The read connections are not a Streamlit cache (clearing one must not close them, issue 25) and are
    # bounded by their own count: the current version and the previous one.
    assert "_connection" not in caches
    from evdash.web import cache

    assert cache._CONNECTIONS_KEPT == 2


def test_frames_from_the_caches_are_keyed_by_where_they_came_from() -> None:
    """A frame handed out by ui.query/ui.computed is keyed by the call that made it (no digest of every
    value on each later lookup); a frame derived from it is keyed by its values; and a frame modified in
    place after it was handed out is caught (the suite runs with EVDASH_CHECK_LINEAGE=1), never
    answered from the cache entry of the unmodified frame."""
    from evdash.web import lineage

    def handed_out(db_file: str, brand: str) -> pd.DataFrame:
        frame = pd.DataFrame({"market": ["CHN", "DEU", "FRA"], "units": [30, 20, 10]})
        key = lineage.lineage_key(("query", db_file, "q", (("brand", brand),)))
        assert key is not None
        lineage.tag(frame, key, "ui.query(q)")
        return frame

    xiaomi, tesla = handed_out("v1.duckdb", "xiaomi"), handed_out("v1.duckdb", "tesla")
    again, newer = handed_out("v1.duckdb", "xiaomi"), handed_out("v2.duckdb", "xiaomi")
    assert lineage.frame_digest(xiaomi) == lineage.frame_digest(again)  # same call: same key
    assert lineage.frame_digest(xiaomi) != lineage.frame_digest(tesla)  # same values, other parameters
    assert lineage.frame_digest(xiaomi) != lineage.frame_digest(newer)  # another data version
    derived = xiaomi[xiaomi["units"] > 15]
    assert lineage.frame_digest(derived) == lineage.content_digest(derived)
    assert lineage.frame_digest(derived) != lineage.frame_digest(tesla[tesla["units"] > 5])
    # Arguments the key cannot describe exactly leave the result keyed by value.
    assert lineage.lineage_key(("computed", "v1.duckdb", "f", (object(),), ())) is None
    # A tuple result's frames and a dataclass result's frame fields are keyed per item.
    result = (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]}))
    lineage.tag(result, b"Lkey", "ui.computed(f)")
    assert lineage.frame_digest(result[0]) != lineage.frame_digest(result[1])

    xiaomi.loc[0, "units"] = 31  # modified in place after it was handed out
    with pytest.raises(RuntimeError, match=r"ui\.query\(q\) was modified in place"):
        lineage.frame_digest(xiaomi)


def test_no_forced_garbage_collection_after_every_run() -> None:
    """Streamlit's default full `gc.collect(2)` after each script run walked every live object of every
    open session: a /sources rerun cost 0.03 CPU-s with few sessions and 0.11 after 200 (bench/
    server_bench.py, docs/performance.md). The project config turns it off for every way the app is
    served (README command, Dockerfile, deploy/cluster.py all read .streamlit/config.toml)."""
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_own_cache_keys_tell_apart_what_streamlits_hasher_tells_apart() -> None:
    """ui.figure/ui.computed key their arguments with `_key_parts` instead of Streamlit's hasher where
    they can: values that differ only in type, order of a sequence or nesting get different keys (a
    chart is never served for other inputs), a dict's insertion order does not matter, and arguments
    it cannot describe exactly fall back to Streamlit's hasher."""
    import dataclasses

    from evdash.web import lineage

    def key(*args: object) -> object:
        return lineage.arguments_key(tuple(args), ())

    distinct = [
        (1,), (1.0,), (True,), ("1",), (None,), ([1, 2],), ((1, 2),), ([2, 1],), ([[1], 2],),
        (dt.date(2025, 1, 1),), (dt.datetime(2025, 1, 1),), ("2025-01-01",), ({"a": 1},), ({"a": 2},),
        ({"a": 1, "b": 2},), (0.1 + 0.2,), (0.3,), (1, 2),
    ]  # fmt: skip
    keys = [key(*d) for d in distinct]
    assert all(isinstance(k, bytes) for k in keys)
    assert len(set(keys)) == len(distinct)
    assert key({"a": 1, "b": 2}) == key({"b": 2, "a": 1})

    @dataclasses.dataclass(frozen=True)
    class Scenario:
        market: str
        freight_pct: float

    assert key(Scenario("DEU", 5.0)) == key(Scenario("DEU", 5.0)) != key(Scenario("FRA", 5.0))

    class Opaque:
        pass

    opaque = Opaque()
    assert key(opaque) == ((opaque,), ())  # left to Streamlit's hasher


def test_a_frame_from_a_shared_cache_is_the_callers_own() -> None:
    """ui.query/ui.computed keep one result per process (st.cache_resource) and hand each caller a
    shallow copy: with pandas' copy-on-write, whatever the caller writes (a cell, a new column, a
    frame inside a returned dataclass) never reaches the cached entry or the next caller."""
    import dataclasses

    from evdash.web import lineage

    cached = pd.DataFrame({"market": ["CHN", "DEU"], "units": [30, 20]})
    mine = lineage.own_copy(cached)
    mine.loc[0, "units"] = -1
    mine["extra"] = 1
    assert cached.to_dict("list") == {"market": ["CHN", "DEU"], "units": [30, 20]}

    @dataclasses.dataclass
    class Result:
        frame: pd.DataFrame
        notes: list[str]

    entry = Result(cached, ["a"])
    theirs = lineage.own_copy(entry)
    theirs.frame.loc[1, "market"] = "FRA"
    theirs.notes.append("b")
    assert list(entry.frame["market"]) == ["CHN", "DEU"] and entry.notes == ["a"]
    first, second = lineage.own_copy((cached, cached))
    first.loc[0, "units"] = 0
    assert second.loc[0, "units"] == 30 == cached.loc[0, "units"]


def test_a_cached_table_sends_what_streamlit_makes_of_the_frame() -> None:
    """ui.table converts a cached frame to Arrow once (`_cached_table`): the bytes are those Streamlit
    makes of the frame itself, and whole-day datetime columns are still found (shown as dates)."""
    from streamlit import dataframe_util

    from evdash.web import tables

    frame = pd.DataFrame(
        {
            "market": ["CHN", None, "Lynk & Co"],
            "units": [30, None, 10],
            "day": pd.to_datetime(pd.Series(["2025-01-03", None, "2025-02-01"])),
            "at": pd.to_datetime(pd.Series(["2025-01-03 10:00", None, "2025-02-01 00:00"])),
        }
    )
    table, days = tables._cached_table(b"Lkey-table-test", frame)
    assert dataframe_util.convert_arrow_table_to_arrow_bytes(table) == (
        dataframe_util.convert_pandas_df_to_arrow_bytes(frame)
    )
    assert days == ("day",) == tables._whole_day_columns(frame)


def test_no_page_relies_on_streamlit_magic() -> None:
    """.streamlit/config.toml turns magic off (Streamlit recompiles every script whenever the last session
    disconnects; magic's AST rewrite was half of that, paid again by the next visitor). With magic off a bare
    expression in a page would silently show nothing, so no page or app.py may hold one (docstrings aside)."""
    assert "magicEnabled = false" in (REPO / ".streamlit" / "config.toml").read_text()
    bare = [
        f"{script.name}:{node.lineno}"
        for script in [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
        for node in ast.walk(ast.parse(script.read_text()))
        if isinstance(node, ast.Expr)
        and not isinstance(node.value, ast.Call | ast.Await)
        and not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
    ]
    assert bare == []
