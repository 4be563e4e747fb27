"""Deterministic SYNTHETIC registrations for benchmarks — never real data, never the default database.

    .venv/bin/python -m bench.gen_registrations --rows 1e6,1e7,3e7

For each size N this builds the real seeds into `bench/out/rows-<N>/evdash.duckdb` (its own `current`
link and `versions/` folder, exactly as `evdash build` lays them out) and then bulk-inserts N
synthetic rows into `registrations`, sorted by (market_code, month) like a real import.

Everything synthetic is labelled: one source `synthetic` (https://evdash.invalid/synthetic,
reliability `low`), brands `syn_001…` named "Synthetic brand 001", vendor model names
"Synthetic 001-07", confidence `estimate`, and `build_info.version` gets a `-synthetic-<N>` suffix.

Shape (seeded numpy, same seed → byte-identical rows): 60 markets with Zipf-like weights (a few big
markets, long tail), 150 brands (Zipf), 1–25 models per brand (Zipf within the brand), each model with
one body type (SUV-heavy mix) and one or two powertrains, 96 months (2018-01…2025-12) with growth and
seasonality (March/September peaks, August dip). Rows are vendor records at trim level, so a
(month, market, model, powertrain, body) key may occur more than once; every query sums `units`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pycountry

from evdash import build, config, integrity

OUT = Path(__file__).resolve().parent / "out"
SEED = 20260101
SYN_SOURCE = "synthetic"
SYN_URL = "https://evdash.invalid/synthetic"
N_MARKETS = 60
N_BRANDS = 150
FIRST_MONTH = dt.date(2018, 1, 1)
N_MONTHS = 96
BODY_TYPES = ("suv", "sedan", "hatchback", "wagon", "mpv", "coupe", "pickup")
BODY_WEIGHTS = (0.46, 0.22, 0.17, 0.06, 0.04, 0.03, 0.02)
POWERTRAINS = ("BEV", "PHEV", "EREV", "HEV", "ICE")
POWERTRAIN_WEIGHTS = (0.22, 0.10, 0.03, 0.15, 0.50)
# Big car markets first (order sets the Zipf weight); the rest of the ISO list is the long tail.
BIG_MARKETS = ("CHN", "USA", "DEU", "JPN", "IND", "GBR", "FRA", "BRA", "KOR", "ITA", "CAN", "ESP")


def db_path(rows: int) -> Path:
    return OUT / f"rows-{rows_label(rows)}" / "evdash.duckdb"


def stale_reason(rows: int) -> str | None:
    """Why the synthetic database for `rows` does not match this checkout's seeds, schema and views (a
    page would query views that do not exist there), or None when it is current. The generator stamps
    `build_info.version` as `<seed build version>-synthetic-<N>`."""
    link = db_path(rows)
    if not link.exists():
        return f"{link} does not exist: run `python -m bench.gen_registrations --rows {rows}`"
    with duckdb.connect(str(link.resolve()), read_only=True) as con:
        row = con.execute("select version from build_info").fetchone()
    have = str(row[0]) if row else ""
    want = f"{build.inputs_version(config.REPO_ROOT / 'data' / 'seeds')}-synthetic-{rows}"
    if have != want:
        return (
            f"{link} was generated from other seeds/schema/views (version {have}, this checkout needs "
            f"{want}): rerun `python -m bench.gen_registrations --rows {rows}`"
        )
    return None


def rows_label(rows: int) -> str:
    for unit, div in (("m", 1_000_000), ("k", 1_000)):
        if rows % div == 0:
            return f"{rows // div}{unit}"
    return str(rows)


@dataclass(frozen=True)
class Universe:
    markets: np.ndarray  # ISO-3 codes
    market_weights: np.ndarray
    brands: pd.DataFrame  # brand_id, name, home_market
    models: pd.DataFrame  # brand index, model_name, body_type, powertrain_a, powertrain_b, weight
    months: np.ndarray  # datetime64[D]
    month_weights: np.ndarray


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return np.asarray(w / w.sum())


def universe(rng: np.random.Generator) -> Universe:
    iso = sorted(c.alpha_3 for c in pycountry.countries)
    tail = [c for c in iso if c not in BIG_MARKETS]
    tail_pick = rng.choice(len(tail), size=N_MARKETS - len(BIG_MARKETS), replace=False)
    markets = np.array([*BIG_MARKETS, *(tail[i] for i in sorted(tail_pick))])
    market_weights = _zipf(N_MARKETS, 1.1)

    brand_ids = [f"syn_{i:03d}" for i in range(1, N_BRANDS + 1)]
    homes = rng.choice(np.array(BIG_MARKETS[:8]), size=N_BRANDS)
    brands = pd.DataFrame(
        {
            "brand_id": brand_ids,
            "name": [f"Synthetic brand {i:03d}" for i in range(1, N_BRANDS + 1)],
            "home_market": homes,
        }
    )
    brand_weights = _zipf(N_BRANDS, 1.0)
    rows: list[tuple[int, str, str, str, str, float]] = []
    for b in range(N_BRANDS):
        n_models = int(min(25, 1 + rng.zipf(1.6)))
        within = _zipf(n_models, 1.2)
        bodies = rng.choice(len(BODY_TYPES), size=n_models, p=BODY_WEIGHTS)
        pt_a = rng.choice(len(POWERTRAINS), size=n_models, p=POWERTRAIN_WEIGHTS)
        pt_b = np.where(rng.random(n_models) < 0.3, rng.integers(0, len(POWERTRAINS), n_models), pt_a)
        for m in range(n_models):
            rows.append(
                (
                    b,
                    f"Synthetic {b + 1:03d}-{m + 1:02d}",
                    BODY_TYPES[bodies[m]],
                    POWERTRAINS[pt_a[m]],
                    POWERTRAINS[pt_b[m]],
                    float(brand_weights[b] * within[m]),
                )
            )
    models = pd.DataFrame(rows, columns=["brand", "model_name", "body_type", "pt_a", "pt_b", "weight"])
    models["weight"] /= models["weight"].sum()

    months = np.array(
        [np.datetime64(f"{FIRST_MONTH.year + i // 12}-{i % 12 + 1:02d}-01") for i in range(N_MONTHS)]
    )
    season = np.array([0.85, 0.9, 1.25, 1.0, 1.0, 1.05, 0.95, 0.75, 1.2, 1.0, 1.0, 1.05])
    growth = 1.0 + 0.015 * np.arange(N_MONTHS)
    month_weights = season[np.arange(N_MONTHS) % 12] * growth
    return Universe(markets, market_weights, brands, models, months, month_weights / month_weights.sum())


def generate(rows: int, seed: int = SEED) -> pd.DataFrame:
    """`rows` synthetic registration rows, sorted by (market_code, month). Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    u = universe(rng)
    market_i = rng.choice(len(u.markets), size=rows, p=u.market_weights).astype(np.int16)
    month_i = rng.choice(len(u.months), size=rows, p=u.month_weights).astype(np.int16)
    model_i = rng.choice(len(u.models), size=rows, p=u.models["weight"].to_numpy()).astype(np.int32)
    order = np.lexsort((month_i, market_i))
    market_i, month_i, model_i = market_i[order], month_i[order], model_i[order]
    second_pt = rng.random(rows) < 0.35
    models = u.models
    pt = np.where(second_pt, models["pt_b"].to_numpy()[model_i], models["pt_a"].to_numpy()[model_i])
    # Units per record: heavy-tailed, larger in big markets.
    scale = 1.0 + 40.0 * u.market_weights[market_i] / u.market_weights.max()
    units = np.floor(rng.lognormal(mean=2.0, sigma=1.3, size=rows) * scale).astype(np.int32)
    brand_codes = u.brands["brand_id"].to_numpy()[models["brand"].to_numpy()]
    month_end = u.months[month_i] + np.timedelta64(35, "D")
    return pd.DataFrame(
        {
            "month": u.months[month_i],
            "market_code": pd.Categorical.from_codes(market_i, categories=pd.Index(list(u.markets))),
            "brand_id": pd.Categorical(brand_codes[model_i]),
            "model_name": pd.Categorical.from_codes(model_i, categories=pd.Index(list(models["model_name"]))),
            "powertrain": pd.Categorical(pt),
            "body_type": pd.Categorical.from_codes(
                models["body_type"].map(BODY_TYPES.index).to_numpy(dtype=np.int64)[model_i],
                categories=pd.Index(list(BODY_TYPES)),
            ),
            "units": units,
            "as_of": month_end.astype("datetime64[M]").astype("datetime64[D]") + np.timedelta64(14, "D"),
        }
    )


def write_database(rows: int, seed: int = SEED, chunk: int = 5_000_000) -> Path:
    """Build the seeds plus `rows` synthetic registrations into bench/out/rows-<N>/ and return the link."""
    link = db_path(rows)
    if link.resolve() == config.db_path().resolve():  # belt and braces: never the default database
        raise SystemExit("refusing to write synthetic rows into the default database")
    link.parent.mkdir(parents=True, exist_ok=True)
    result = build.build(seeds=config.REPO_ROOT / "data" / "seeds", db=link, force=True)
    frame = generate(rows, seed)
    u = universe(np.random.default_rng(seed))
    con = duckdb.connect(str(result.path))
    try:
        con.execute(
            "insert into sources values ($id, $url, 'evdash benchmark generator (SYNTHETIC data)', 'low', "
            "'Synthetic registrations for benchmarks only; not real data.')",
            {"id": SYN_SOURCE, "url": SYN_URL},
        )
        brands = u.brands.assign(tariff_company="none", note="SYNTHETIC benchmark brand")
        con.register("_brands", brands)
        con.execute(
            "insert into brands (brand_id, name, parent_group, home_market, tariff_company, note) "
            "select brand_id, name, null, home_market, tariff_company, note from _brands"
        )
        con.unregister("_brands")
        for start in range(0, rows, chunk):
            part = frame.iloc[start : start + chunk]
            con.register("_reg", part)
            con.execute(
                "insert into registrations select month::date, market_code::varchar, brand_id::varchar, "
                "model_name::varchar, null, powertrain::varchar, body_type::varchar, units, "
                "$src, as_of::date, 'estimate' from _reg",
                {"src": SYN_SOURCE},
            )
            con.unregister("_reg")
        build.refresh_registrations_aggregates(con)
        con.execute("update build_info set version = version || $suffix", {"suffix": f"-synthetic-{rows}"})
        con.execute("checkpoint")
    finally:
        con.close()
    # The rows were added after the build recorded the file's sha256: record it again, or the server
    # would take the file for damaged and rebuild it from the seeds (evdash.integrity).
    integrity.record_checksum(result.path, result.path)
    return link


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", default="1e6", help="comma-separated sizes, e.g. 1e6,1e7,3e7")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--aggregates-only", action="store_true", help="only rebuild the pre-aggregates of existing databases"
    )
    args = parser.parse_args(argv)
    for text in args.rows.split(","):
        rows = int(float(text))
        if args.aggregates_only:
            started = time.perf_counter()
            with duckdb.connect(str(db_path(rows).resolve())) as con:
                build.refresh_registrations_aggregates(con)
                con.execute("checkpoint")
            print(f"{rows:>12,} rows  aggregates rebuilt in {time.perf_counter() - started:.1f} s")
            continue
        started = time.perf_counter()
        link = write_database(rows, args.seed)
        size_mb = link.resolve().stat().st_size / 1e6
        print(f"{rows:>12,} rows  {time.perf_counter() - started:7.1f} s  {size_mb:8.1f} MB  {link}")


if __name__ == "__main__":
    main()
