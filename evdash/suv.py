"""The SUV question from the published figures: what is known per market (each figure with its definition)
and the answer to the product's claim "SUVs are generally more popular in Western markets". Pure: no I/O.

The answer's rule (shown on the page):

* a market's headline figure is its latest full-year (else part-of-year, never single-month) SUV share of all
  new cars, one per definition (`queries/market_mix_suv_known.sql`, `is_headline`);
* *Western* = the ACEA area (EUR) and the countries of the evdash regions Europe and Americas; the claim is
  compared with China, the home market of the brands in the data;
* only broad definitions (SUVs with crossovers and off-roaders) are compared across markets; narrow national
  ones (KBA 'SUV' segment, SMMT 'dual purpose') are named beside them;
* verdict: *supports* when every Western broad figure is above China's and the median gap is ≥ 10 points;
  *only weakly* when the median is above China's by less; *does not support* when it is not above; *cannot
  say* without a figure for China or for the West.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import pandas as pd

WESTERN_REGIONS = ("europe", "americas")
WESTERN_GROUPS = ("EUR",)
COMPARED_WITH = "CHN"
STRONG_GAP_POINTS = 10.0
QUALIFIER_PREFIX = {"about": "≈ ", "more_than": "> ", "derived": ""}


@dataclass(frozen=True)
class ClaimAnswer:
    verdict: str  # supports | weakly | does_not | unknown
    summary: str  # one plain sentence
    western: list[str]  # one line per Western market: its figures with definitions
    china: str | None  # China's figure as a line
    west_median: float | None
    china_value: float | None


def share_text(value: float, qualifier: object) -> str:
    """'≈ 50%', '> 50%', '54%' (one decimal only when the source gives one)."""
    prefix = QUALIFIER_PREFIX.get(str(qualifier), "") if isinstance(qualifier, str) else ""
    number = f"{value:.1f}" if round(value, 1) != round(value) else f"{value:.0f}"
    return f"{prefix}{number}%"


def _num(value: object) -> float:
    return float(str(value))


def headline_figures(known: pd.DataFrame) -> pd.DataFrame:
    """Per market and definition, the latest headline SUV share of all new cars (full year first)."""
    part = known[known["is_headline"] & (known["measure"] == "new_cars") & (known["period_scope"] != "month")]
    if part.empty:
        return part
    part = part.assign(_full=(part["period_scope"] == "full_year").astype(int))
    part = part.sort_values(
        ["market_code", "definition", "_full", "year"], ascending=[True, True, False, False]
    )
    return part.drop_duplicates(["market_code", "definition"]).drop(columns="_full").reset_index(drop=True)


def _is_western(row: pd.Series) -> bool:
    return row["market_code"] in WESTERN_GROUPS or row.get("evdash_region") in WESTERN_REGIONS


def _line(rows: pd.DataFrame) -> str:
    name = str(rows["market_name"].iloc[0])
    ordered = rows.sort_values(["breadth", "value_pct"], ascending=[True, False])
    parts = [
        f"{share_text(_num(r.value_pct), r.qualifier)} ({r.definition_label}, {r.period_label})"
        for r in ordered.itertuples()
    ]
    return f"{name}: " + " or ".join(parts)


def claim_answer(known: pd.DataFrame) -> ClaimAnswer:
    heads = headline_figures(known)
    if heads.empty:
        return ClaimAnswer("unknown", "No SUV-share figures are in the data.", [], None, None, None)
    west = heads[[_is_western(r) for _, r in heads.iterrows()]]
    china = heads[(heads["market_code"] == COMPARED_WITH) & (heads["breadth"] == "broad")]
    west_lines = [_line(rows) for _, rows in west.groupby("market_code", sort=True)]
    china_line = _line(china) if not china.empty else None
    broad = west[west["breadth"] == "broad"]
    per_market = broad.sort_values("year").groupby("market_code")["value_pct"].last()
    if china.empty or per_market.empty:
        return ClaimAnswer(
            "unknown",
            "The data cannot say: it lacks a comparable SUV share for China or for the Western markets.",
            west_lines,
            china_line,
            float(statistics.median(per_market)) if not per_market.empty else None,
            None,
        )
    cn = float(china.sort_values("year")["value_pct"].iloc[-1])
    median = float(statistics.median(per_market))
    gap = median - cn
    narrow = west[west["breadth"] == "narrow"]
    narrow_text = (
        " On narrow national definitions ("
        + ", ".join(
            f"{r.market_name} {share_text(_num(r.value_pct), r.qualifier)} {r.definition_label}"
            for r in narrow.itertuples()
        )
        + ") the share is below China's."
        if not narrow.empty and (narrow["value_pct"] < cn).any()
        else ""
    )
    head = (
        f"On broad definitions the {len(per_market)} Western markets with a figure have a median SUV "
        f"share of {median:.0f}% (range {per_market.min():.0f}–{per_market.max():.0f}%) against about "
        f"{cn:.0f}% in China"
    )
    if gap >= STRONG_GAP_POINTS and (per_market > cn).all():
        verdict, tail = (
            "supports",
            f": {gap:.0f} points higher in every Western market. The data supports the claim.",
        )
    elif gap > 0:
        verdict = "weakly"
        tail = (
            f": only {gap:.0f} points higher, less than the spread between two definitions in one market, "
            "and China's figure is an approximate remark. The data supports the claim only weakly: SUVs are "
            "about half or more of new cars in the West and in China alike." + narrow_text
        )
    else:
        verdict = "does_not"
        tail = ": not higher. The data does not support the claim." + narrow_text
    return ClaimAnswer(verdict, head + tail, west_lines, china_line, median, cn)
