"""Query benchmark: every registrations query of the dashboard vs the same computation done the way a
typical Streamlit app does it (load the table into pandas once, then filter and group per rerun).

    .venv/bin/python -m bench.gen_registrations --rows 1e6,1e7,3e7     # once (synthetic data)
    .venv/bin/python -m bench.query_bench --rows 1e6,1e7,3e7
    .venv/bin/python -m bench.query_bench --rows 1e6 --floor          # where a small query's time goes

Per query and size it prints p50/p95 of
  * `duckdb`  — the real typed function (`evdash.queries`, the SQL in queries/*.sql, pre-aggregates);
  * `raw`     — the same SQL with the pre-aggregate swapped for the raw `registrations` table
                (shows what the pre-aggregate buys);
  * `pandas`  — the pandas way on a frame already in memory (its one-time `SELECT *` load is reported
                separately and NOT counted per rerun, which favours pandas);
and the ratio pandas p95 / duckdb p95. Parameters rotate over big and small markets and periods, the
same set for every method. DuckDB runs through a fresh cursor per call, no result cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from bench.gen_registrations import db_path
from evdash import db, queries

TARGET_P95_MS = {10_000_000: 25.0, 30_000_000: 75.0}
TARGET_RATIO = 20.0
RAW_SWAP = {
    "agg_registrations_mix": "(select market_code, month, body_type, powertrain, units from registrations)",
    "agg_registrations_brand": "(select market_code, month, brand_id, units from registrations)",
    "agg_registrations_source": (
        "(select market_code, month, source_id, confidence, as_of, units from registrations)"
    ),
    "agg_registrations_model": (
        "(select market_code, month, brand_id, model_name, body_type, units from registrations)"
    ),
}

Params = dict[str, Any]


def param_sets(markets: list[str]) -> list[Params]:
    """Big, mid and small markets × last 12 months / one year / three years."""
    picks = [markets[0], markets[1], markets[2], markets[len(markets) // 2], markets[-1]]
    periods = [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 1)),
        (dt.date(2022, 1, 1), dt.date(2022, 12, 1)),
        (dt.date(2023, 1, 1), dt.date(2025, 12, 1)),
    ]
    return [{"market": m, "month_from": a, "month_to": b} for m in picks for a, b in periods]


# --- the pandas way -------------------------------------------------------------------------------------


def _window(df: pd.DataFrame, p: Params) -> pd.DataFrame:
    month = df["month"]
    out: pd.DataFrame = df[
        (df["market_code"] == p["market"])
        & (month >= pd.Timestamp(p["month_from"]))
        & (month <= pd.Timestamp(p["month_to"]))
    ]
    return out


def pd_markets(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    out = df.groupby("market_code").agg(
        first_month=("month", "min"), last_month=("month", "max"), units=("units", "sum")
    )
    out = out.reset_index().merge(ref["markets"], on="market_code")
    return out.sort_values(["units", "market_code"], ascending=[False, True])


def pd_brand_share(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    out = _window(df, p).groupby("brand_id")["units"].sum().reset_index()
    out["share_pct"] = 100.0 * out["units"] / out["units"].sum()
    out = out.sort_values(["units", "brand_id"], ascending=[False, True]).merge(ref["brands"], on="brand_id")
    out["rank"] = range(1, len(out) + 1)
    return out


def _mix(df: pd.DataFrame, p: Params, column: str) -> pd.DataFrame:
    out = _window(df, p).groupby(["month", column])["units"].sum().reset_index()
    out["share_pct"] = 100.0 * out["units"] / out.groupby("month")["units"].transform("sum")
    return out


def pd_body_mix(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    return _mix(df, p, "body_type")


def pd_powertrain_trend(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    return _mix(df, p, "powertrain")


def pd_suv_share(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    month = df["month"]
    part = df[(month >= pd.Timestamp(p["month_from"])) & (month <= pd.Timestamp(p["month_to"]))]
    part = part.assign(
        suv=part["units"].where(part["body_type"] == "suv", 0),
        bev=part["units"].where(part["powertrain"] == "BEV", 0),
    )
    out = part.groupby("market_code")[["units", "suv", "bev"]].sum().reset_index()
    out["suv_share_pct"] = 100.0 * out["suv"] / out["units"]
    out["bev_share_pct"] = 100.0 * out["bev"] / out["units"]
    return out.merge(ref["markets"], on="market_code").sort_values("units", ascending=False)


def pd_top_models(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    out = (
        _window(df, p)
        .groupby(["brand_id", "model_name"])
        .agg(body_type=("body_type", "first"), units=("units", "sum"))
    )
    out = out.reset_index()
    out["share_pct"] = 100.0 * out["units"] / out["units"].sum()
    return out.nlargest(10, "units").merge(ref["brands"], on="brand_id")


def pd_provenance(df: pd.DataFrame, ref: dict[str, pd.DataFrame], p: Params) -> pd.DataFrame:
    out = (
        _window(df, p)
        .groupby(["source_id", "confidence"])
        .agg(as_of=("as_of", "max"), units=("units", "sum"))
    )
    return out.reset_index().merge(ref["sources"], on="source_id").sort_values("units", ascending=False)


@dataclass(frozen=True)
class Case:
    name: str  # queries/<name>.sql
    keys: tuple[str, ...]  # which of the rotating params it takes
    pandas: Callable[[pd.DataFrame, dict[str, pd.DataFrame], Params], pd.DataFrame]
    extra: Params


CASES = (
    Case("registrations_markets", (), pd_markets, {}),
    Case("registrations_brand_share", ("market", "month_from", "month_to"), pd_brand_share, {}),
    Case("registrations_body_mix", ("market", "month_from", "month_to"), pd_body_mix, {}),
    Case("registrations_powertrain_trend", ("market", "month_from", "month_to"), pd_powertrain_trend, {}),
    Case("registrations_suv_share", ("month_from", "month_to"), pd_suv_share, {}),
    Case("registrations_top_models", ("market", "month_from", "month_to"), pd_top_models, {"top_n": 10}),
    Case("registrations_provenance", ("market", "month_from", "month_to"), pd_provenance, {}),
)


def _timed(fn: Callable[[], object], repeats: int, budget_s: float) -> list[float]:
    """Run fn up to `repeats` times (bounded by `budget_s`), return milliseconds per call."""
    out: list[float] = []
    deadline = time.perf_counter() + budget_s
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - started))
        if time.perf_counter() > deadline and len(out) >= 3:
            break
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def run_size(rows: int, repeats: int, pandas_repeats: int) -> list[dict[str, Any]]:
    link = db_path(rows)
    con = db.connect_readonly(link)
    markets = list(queries.registrations_markets(con)["market_code"])
    sets = param_sets(markets)
    started = time.perf_counter()
    frame = con.sql("select * from registrations").df()  # the typical app's cached load
    load_s = time.perf_counter() - started
    frame_mb = frame.memory_usage(deep=True).sum() / 1e6
    ref = {
        "markets": con.sql("select market_code, name as market_name from markets").df(),
        "brands": con.sql("select brand_id, name as brand_name from brands").df(),
        "sources": con.sql("select source_id, url as source_url, publisher from sources").df(),
    }
    results: list[dict[str, Any]] = []
    for case in CASES:
        spec = db.load_query(case.name)
        raw_sql = spec.sql
        for table, sub in RAW_SWAP.items():
            raw_sql = raw_sql.replace(table, sub)
        calls = [{**{k: s[k] for k in case.keys}, **case.extra} for s in sets]
        calls = list({repr(c): c for c in calls}.values())
        function = getattr(queries, case.name)

        def by_duckdb(i: list[int], calls: list[Params] = calls, fn: Any = function) -> None:
            fn(con, **calls[i[0] % len(calls)])
            i[0] += 1

        def by_raw(i: list[int], calls: list[Params] = calls, sql: str = raw_sql) -> None:
            with con.cursor() as cur:
                cur.execute(sql, calls[i[0] % len(calls)]).df()
            i[0] += 1

        def by_pandas(i: list[int], calls: list[Params] = calls, case: Case = case) -> None:
            p = calls[i[0] % len(calls)]
            case.pandas(frame, ref, {**p, **case.extra})
            i[0] += 1

        for fn in (by_duckdb, by_raw):  # warm-up: file pages in the OS cache, plans
            fn([0])
        gc.collect()
        n_duck = max(repeats, len(calls))
        duck = _timed(lambda f=by_duckdb, c=[0]: f(c), n_duck, 20)  # type: ignore[misc]
        raw = _timed(lambda f=by_raw, c=[0]: f(c), n_duck, 20)  # type: ignore[misc]
        pand = _timed(lambda f=by_pandas, c=[0]: f(c), pandas_repeats, 30)  # type: ignore[misc]
        results.append(
            {
                "rows": rows,
                "query": case.name.removeprefix("registrations_"),
                "duck_p50": statistics.median(duck),
                "duck_p95": pct(duck, 95),
                "raw_p95": pct(raw, 95),
                "pandas_p50": statistics.median(pand),
                "pandas_p95": pct(pand, 95),
                "ratio": pct(pand, 95) / pct(duck, 95),
                "n": len(duck),
                "n_pandas": len(pand),
                "load_s": load_s,
                "frame_mb": frame_mb,
            }
        )
    con.close()
    gc.collect()
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    head = (
        "| rows | query | DuckDB p50 ms | DuckDB p95 ms | raw-table p95 ms | pandas p50 ms | "
        "pandas p95 ms | pandas/DuckDB (p95) | target |"
    )
    print(head)
    print("|" + "---|" * 9)
    for r in results:
        target = TARGET_P95_MS.get(r["rows"])
        ok_p95 = target is None or r["duck_p95"] <= target
        ok = "met" if ok_p95 and r["ratio"] >= TARGET_RATIO else "NOT met"
        tgt = f"p95 ≤ {target:.0f} ms, ≥ 20×: {ok}" if target else f"≥ 20×: {ok}"
        print(
            f"| {r['rows']:,} | {r['query']} | {r['duck_p50']:.1f} | {r['duck_p95']:.1f} "
            f"| {r['raw_p95']:.1f} | {r['pandas_p50']:.0f} | {r['pandas_p95']:.0f} "
            f"| {r['ratio']:.0f}× | {tgt} |"
        )
    seen: set[int] = set()
    for r in results:
        if r["rows"] not in seen:
            seen.add(r["rows"])
            print(
                f"\n{r['rows']:,} rows: pandas one-time load `SELECT * FROM registrations` → DataFrame "
                f"{r['load_s']:.1f} s, {r['frame_mb']:,.0f} MB in memory (not counted above)"
            )


def run_threads(rows: int, settings: list[str], repeats: int, workers: int) -> list[dict[str, Any]]:
    """DuckDB p50/p95 per query at each `SET threads` value, on one read-only connection as the dashboard
    holds it. Settings are interleaved per query (same conditions); `workers` > 1 runs that many Python
    threads at once, each with its own cursor, like concurrent sessions of one server process."""
    con = db.connect_readonly(db_path(rows))
    default_threads = con.sql("select current_setting('threads')").fetchall()[0][0]
    sets = param_sets(list(queries.registrations_markets(con)["market_code"]))
    results: list[dict[str, Any]] = []
    for case in CASES:
        calls = [{**{k: s[k] for k in case.keys}, **case.extra} for s in sets]
        calls = list({repr(c): c for c in calls}.values())
        function = getattr(queries, case.name)
        times: dict[str, list[float]] = {s: [] for s in settings}
        for _ in range(3):  # rounds, so drift in machine load spreads over every setting
            for setting in settings:
                con.execute(f"set threads = {int(default_threads) if setting == 'default' else int(setting)}")
                function(con, **calls[0])  # warm-up

                def worker(
                    offset: int, out: list[float], fn: Any = function, calls: list[Params] = calls
                ) -> None:
                    for i in range(repeats // 3):
                        started = time.perf_counter()
                        fn(con, **calls[(offset + i) % len(calls)])
                        out.append(1000 * (time.perf_counter() - started))

                if workers == 1:
                    worker(0, times[setting])
                else:
                    outs: list[list[float]] = [[] for _ in range(workers)]
                    pool = [threading.Thread(target=worker, args=(k, outs[k])) for k in range(workers)]
                    for th in pool:
                        th.start()
                    for th in pool:
                        th.join()
                    times[setting].extend(x for o in outs for x in o)
        for setting in settings:
            label = f"default ({default_threads})" if setting == "default" else setting
            results.append(
                {
                    "rows": rows,
                    "query": case.name.removeprefix("registrations_"),
                    "threads": label,
                    "workers": workers,
                    "p50": statistics.median(times[setting]),
                    "p95": pct(times[setting], 95),
                    "n": len(times[setting]),
                }
            )
    con.close()
    return results


def print_threads_table(results: list[dict[str, Any]]) -> None:
    print("| rows | query | concurrent queries | DuckDB threads | p50 ms | p95 ms | calls |")
    print("|" + "---|" * 7)
    for r in results:
        print(
            f"| {r['rows']:,} | {r['query']} | {r['workers']} | {r['threads']} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {r['n']} |"
        )


FLOOR_BASE = (
    "select brand_id, sum(units)::bigint as units from agg_registrations_brand "
    "where market_code = $market and month between $month_from and $month_to group by brand_id"
)
FLOOR_STEPS = (  # (label, SQL): one operator more per step, ending at the dashboard's brand_share query
    ("`select 1` (no table)", "select 1"),
    ("brand aggregate of one market-year (filter + group by)", FLOOR_BASE),
    ("+ order by", FLOOR_BASE + " order by units desc"),
    ("+ share window (`sum() over ()`)", f"select *, 100.0 * units / sum(units) over () from ({FLOOR_BASE})"),
    (
        "+ join brand names",
        f"select b.*, br.name from ({FLOOR_BASE}) as b join brands as br using (brand_id)",
    ),
    ("the dashboard's `registrations_brand_share` (all of the above + rank)", ""),
)


def run_floor(rows: int, repeats: int) -> None:
    """Where the per-call time of a small dashboard query goes: the same market-year brand aggregate
    built up one operator at a time, each fetched as a DataFrame (`.df()`, as the dashboard does) and
    as Python tuples (`fetchall`), with and without bound parameters (literals only for this
    diagnosis; the dashboard always binds). Steps are interleaved over rounds so load drift spreads."""
    con = db.connect_readonly(db_path(rows))
    con.execute("set threads = 1")  # as the dashboard's connection
    params: Params = {"market": "DEU", "month_from": dt.date(2025, 1, 1), "month_to": dt.date(2025, 12, 1)}
    literal = {"$market": "'DEU'", "$month_from": "DATE '2025-01-01'", "$month_to": "DATE '2025-12-01'"}
    full = db.load_query("registrations_brand_share").sql
    steps = [(label, sql or full) for label, sql in FLOOR_STEPS]
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(5):
        for label, sql in steps:
            bound = {k: v for k, v in params.items() if f"${k}" in sql}
            inlined = sql
            for name, value in literal.items():
                inlined = inlined.replace(name, value)
            for how, text, args in (
                ("df", sql, bound),
                ("fetchall", sql, bound),
                ("literal df", inlined, {}),
            ):
                out = times.setdefault((label, how), [])
                for _ in range(max(repeats // 5, 4)):
                    started = time.perf_counter()
                    with con.cursor() as cur:
                        result = cur.execute(text, args)
                        result.df() if how.endswith("df") else result.fetchall()
                    out.append(1000 * (time.perf_counter() - started))
    con.close()
    print(f"\nPer-call floor at {rows:,} rows (DEU, 2025; p50 / p95 ms):\n")
    print("| step | bound, `.df()` | bound, `fetchall()` | literals, `.df()` |")
    print("|---|---|---|---|")
    for label, _ in steps:
        cells = [
            f"{statistics.median(times[(label, how)]):.1f} / {pct(times[(label, how)], 95):.1f}"
            for how in ("df", "fetchall", "literal df")
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="registrations queries: DuckDB vs the pandas way")
    parser.add_argument("--rows", default="1e6,1e7", help="comma-separated sizes (generate them first)")
    parser.add_argument("--repeats", type=int, default=45, help="DuckDB calls per query (≥ parameter sets)")
    parser.add_argument("--pandas-repeats", type=int, default=15)
    parser.add_argument(
        "--threads",
        help="instead of the pandas comparison: DuckDB p50/p95 per `SET threads` value, e.g. default,1,2",
    )
    parser.add_argument("--workers", default="1", help="with --threads: concurrent queries, e.g. 1,4")
    parser.add_argument(
        "--floor", action="store_true", help="instead: where a small query's per-call time goes, step by step"
    )
    args = parser.parse_args(argv)
    print(
        f"# query_bench {dt.datetime.now().isoformat(timespec='seconds')}"
        f" · Python {platform.python_version()} · load average {os.getloadavg()[0]:.1f}"
        f" · DuckDB {duckdb.__version__} · pandas {pd.__version__} · numpy {np.__version__}"
    )
    results: list[dict[str, Any]] = []
    if args.floor:
        for text in args.rows.split(","):
            run_floor(int(float(text)), args.repeats)
        return
    if args.threads:
        for text in args.rows.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                results.extend(run_threads(int(float(text)), args.threads.split(","), args.repeats, workers))
        print_threads_table(results)
        return
    for text in args.rows.split(","):
        results.extend(run_size(int(float(text)), args.repeats, args.pandas_repeats))
    print_table(results)


if __name__ == "__main__":
    main()
