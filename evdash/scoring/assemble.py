"""Assembling the measures per market (presence level, the raw frame and its provenance), and the
export of a ranking with its inputs. Pure: DataFrames in, DataFrames out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from evdash import labels
from evdash.scoring.measures import BASIS, MEASURE_BY_KEY

PRESENCE_LEVEL = {
    "home": 1.0,
    "launched": 1.0,
    "pilot": 0.75,
    "announced": 0.5,
    "evaluating": 0.25,
    "not_targeted": 0.0,
}


def number_or_none(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def presence_level(status: object, stores: object) -> float:
    """0–1 presence from the latest expansion status and a store count (stores > 0 → 1)."""
    count = number_or_none(stores)
    if count is not None and count > 0:
        return 1.0
    if not isinstance(status, str):
        return 0.0
    return PRESENCE_LEVEL.get(status, 0.0)


def assemble_measures(
    measures_long: pd.DataFrame,
    presence: pd.DataFrame,
    landed: pd.DataFrame,
    body_type: str,
    markets: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw measure matrix (index market_code, columns = measure keys) and a provenance frame
    (market_code, measure, value, year, confidence, source) for the markets in `markets`.

    Inputs: `queries.markets_measures` (long), `queries.markets_presence`, and
    `pricing.landed_for_markets` (duty_burden_pct, price_gap_pct). Market size uses BEV+PHEV sales,
    else BEV sales (a floor; `basis` says which). Growth uses EV sales where two consecutive full
    years exist, else BEV sales. Body fit = SUV share for an SUV, else 100 − SUV
    share."""
    raw = pd.DataFrame(index=pd.Index(list(markets), name="market_code"))
    prov_rows = _market_figures(raw, measures_long, body_type)
    _landed_measures(raw, landed)
    _presence(raw, presence)
    provenance = pd.concat(prov_rows, ignore_index=True) if prov_rows else pd.DataFrame()
    return raw, provenance


def _market_figures(raw: pd.DataFrame, measures_long: pd.DataFrame, body_type: str) -> list[pd.DataFrame]:
    """Fill `raw`'s market measures (size, shares, growth, body fit) from the market figures, each from
    its first choice of figure and, where a market lacks it, the fallback; returns the provenance rows of
    each value taken (`basis`: the figure it rests on)."""
    wide = measures_long.pivot_table(index="market_code", columns="measure", values="value", aggfunc="first")
    prov_rows: list[pd.DataFrame] = []

    def take(key: str, column: str) -> None:
        series = wide[column] if column in wide.columns else pd.Series(dtype=float)
        current = raw[key] if key in raw.columns else pd.Series(np.nan, index=raw.index)
        fill = series.reindex(raw.index)
        raw[key] = current.where(current.notna(), fill)
        rows = measures_long[
            (measures_long["measure"] == column) & measures_long["market_code"].isin(raw.index)
        ].assign(measure=key, basis=column)
        prov_rows.append(rows)

    take("ev_sales", "ev_sales")
    ev_sales_markets = set(raw.index[raw["ev_sales"].notna()])
    take("ev_sales", "bev_sales")  # BEV-only where BEV+PHEV is missing: a floor, marked in `basis`
    prov_rows[-1] = prov_rows[-1][~prov_rows[-1]["market_code"].isin(ev_sales_markets)]
    take("ev_share_pct", "ev_share_pct")
    take("bev_share_pct", "bev_share_pct")
    take("ev_growth_pct", "ev_growth_pct")
    ev_growth_markets = set(raw.index[raw["ev_growth_pct"].notna()])
    take("ev_growth_pct", "bev_growth_pct")  # fills only markets without EV growth
    prov_rows[-1] = prov_rows[-1][~prov_rows[-1]["market_code"].isin(ev_growth_markets)]
    suv = wide["suv_share_pct"] if "suv_share_pct" in wide.columns else pd.Series(dtype=float)
    suv = suv.reindex(raw.index)
    raw["body_fit_pct"] = suv if body_type == "suv" else 100 - suv
    prov_rows.append(
        measures_long[
            (measures_long["measure"] == "suv_share_pct") & measures_long["market_code"].isin(raw.index)
        ].assign(
            measure="body_fit_pct", basis="suv_share_pct" if body_type == "suv" else "100 - suv_share_pct"
        )
    )
    return prov_rows


def _landed_measures(raw: pd.DataFrame, landed: pd.DataFrame) -> None:
    """Fill `raw`'s tariff burden and price gap from the landed prices by market (missing where none)."""
    landed_idx = landed.set_index("market_code") if not landed.empty else pd.DataFrame()
    for key in ("duty_burden_pct", "price_gap_pct"):
        target = "tariff_burden_pct" if key == "duty_burden_pct" else key
        raw[target] = (
            landed_idx[key].reindex(raw.index)
            if key in landed_idx.columns
            else pd.Series(np.nan, index=raw.index)
        )


def _presence(raw: pd.DataFrame, presence: pd.DataFrame) -> None:
    """Fill `raw`'s presence (0–1) from each market's latest expansion status and store count."""
    pres = (
        presence.set_index("market_code")
        if not presence.empty
        else pd.DataFrame(columns=["status", "stores"])
    )
    raw["presence"] = [
        presence_level(
            pres["status"].get(code) if code in pres.index else None,
            pres["stores"].get(code) if code in pres.index else None,
        )
        for code in raw.index
    ]


def provenance_for_people(provenance: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Where each market's measures come from (the provenance of `assemble_measures`), as a table shows
    it: the market's name, the measure and what it rests on in words, the period and the confidence as
    labels. The table and its download both show this."""
    columns = ["market_code", "measure", "basis", "value", "year", "period_scope", "confidence", "source_url"]
    if provenance.empty:
        return pd.DataFrame(columns=["market_name", *columns])
    out = labels.for_people(
        provenance[columns],
        measure={k: m.label for k, m in MEASURE_BY_KEY.items()},
        basis=BASIS,
        period_scope=labels.PERIOD,
        confidence=labels.CONFIDENCE,
    )
    out.insert(0, "market_name", [names.get(c, c) for c in out["market_code"]])
    return out


def ranking_export(
    table: pd.DataFrame,
    raw: pd.DataFrame,
    landed: pd.DataFrame,
    names: Mapping[str, str],
    inputs: Mapping[str, Any],
) -> pd.DataFrame:
    """The ranking as shown and downloaded: score, rank and contributions per market, its raw measures,
    the landed-price estimate and rivals, the market's name, and every scenario input as an
    `input_<name>` column (so the scenario travels with the CSV)."""
    # The lowest duty case travels with the scored (highest) one, so a two-case market (Canada's quota)
    # is never exported as one silent pick.
    landed_columns = [
        c
        for c in ("landed", "landed_low", "duty_burden_low_pct", "duty_cases", "n_rivals", "rival_median")
        if c in landed.columns
    ]
    landed_columns += [  # pricing_service: purchase incentives, the rank under the lowest duty case
        c for c in ("landed_after_incentive", "incentive", "rank_lowest_duty_case") if c in landed.columns
    ]
    export = table.merge(raw.reset_index(), on="market_code", how="left").merge(
        landed[["market_code", *landed_columns]], on="market_code", how="left"
    )
    export.insert(1, "market_name", [names.get(c, c) for c in export["market_code"]])
    for key, value in inputs.items():
        export[f"input_{key}"] = value
    return export
