"""Market requirements as gates: what a market needs of a car (steering side, charging inlet, type
approval) against what the chosen model offers; the markets gated out and the gaps in words. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from evdash import labels
from evdash.scoring.score import ScoreResult

# Market requirements as gates: what a market needs of a car (steering side, charging inlet, type
# approval) against what the chosen model offers.
GATE_POLICIES: dict[str, str] = {
    "show": "show them with the gap",
    "exclude_steering": "exclude those needing the other steering side",
    "exclude": "exclude every market with a gap",
}


def requirement_gaps(
    requirements: pd.DataFrame, configurations: pd.DataFrame, markets: Sequence[str]
) -> pd.DataFrame:
    """Per market: `gap` (what the model lacks there, in words: "needs a right-hand-drive variant; needs a
    CCS2 charging inlet; needs GB type approval"), `steering_gap` (it needs the other steering side),
    `status` ('meets', 'gap' or 'unknown': no requirements or no configuration in the data), the
    requirement in words and its confidence. A configuration must meet all three to serve a market."""
    req = requirements.set_index("market_code") if not requirements.empty else pd.DataFrame()
    rows: list[tuple[str, str, bool, str, str, object]] = []
    for code in markets:
        if code not in req.index or configurations.empty:
            why = (
                "the market's requirements are not in the data"
                if code not in req.index
                else ("the model's steering side, charging inlet and approvals are not in the data")
            )
            rows.append((code, "", False, "unknown", why, None))
            continue
        r = req.loc[code]
        steering = "RHD" if r["driving_side"] == "left" else "LHD"
        standards = str(r["charging_standards"]).split(";")
        regime = str(r["type_approval"])
        confs = [
            (str(c["steering"]), str(c["charging_inlet"]), set(str(c["approvals"]).split(";")))
            for _, c in configurations.iterrows()
        ]
        needs = (
            f"{labels.label(labels.DRIVING_SIDE, r['driving_side'])} ({labels.STEERING[steering]}), "
            f"charges on {' or '.join(standards)}, {labels.label(labels.TYPE_APPROVAL, regime)}"
        )
        if any(s == steering and i in standards and regime in a for s, i, a in confs):
            rows.append((code, "", False, "meets", needs, r["confidence"]))
            continue
        gaps = []
        steering_gap = not any(s == steering for s, _, _ in confs)
        if steering_gap:
            gaps.append(f"needs a {labels.STEERING[steering]} variant".replace("-hand drive", "-hand-drive"))
        if not any(i in standards for _, i, _ in confs):
            gaps.append(f"needs a {standards[0]} charging inlet")
        if not any(regime in a for _, _, a in confs):
            gaps.append(f"needs {labels.label(labels.TYPE_APPROVAL, regime)}")
        if not gaps:
            gaps.append("no single variant meets all three")
        rows.append((code, "; ".join(gaps), steering_gap, "gap", needs, r["confidence"]))
    return pd.DataFrame(
        rows,
        columns=["market_code", "gap", "steering_gap", "status", "requirement", "requirement_confidence"],
    )


def gate_markets(markets: Sequence[str], gaps: pd.DataFrame, policy: str) -> tuple[list[str], pd.DataFrame]:
    """The markets to rank under the user's gate `policy` (GATE_POLICIES) and the ones left out, with the
    reason ("needs a right-hand-drive variant")."""
    if policy not in GATE_POLICIES:
        raise ValueError(f"unknown gate policy {policy!r}: one of {', '.join(GATE_POLICIES)}")
    by_code = (
        gaps.set_index("market_code") if not gaps.empty else pd.DataFrame(columns=["gap", "steering_gap"])
    )
    out: list[tuple[str, str]] = []
    for code in markets:
        if code not in by_code.index or not by_code.at[code, "gap"]:
            continue
        if policy == "exclude" or (policy == "exclude_steering" and bool(by_code.at[code, "steering_gap"])):
            out.append((code, f"the model {by_code.at[code, 'gap']!s}"))
    left_out = {c for c, _ in out}
    return [c for c in markets if c not in left_out], pd.DataFrame(out, columns=["market_code", "reason"])


def with_excluded(result: ScoreResult, excluded: pd.DataFrame) -> ScoreResult:
    """`result` with more markets listed as not ranked (and why)."""
    if excluded.empty:
        return result
    return dataclasses.replace(result, excluded=pd.concat([result.excluded, excluded], ignore_index=True))


def with_gaps(lines: Sequence[str], table: pd.DataFrame, gaps: pd.DataFrame, model: str) -> list[str]:
    """The top-N explanations (`explain_top`, one per ranked market in order) with the model's gap in
    that market said at the end: "… The Xiaomi YU7 needs a right-hand-drive variant there."."""
    by_code = dict(zip(gaps["market_code"], gaps["gap"], strict=True)) if not gaps.empty else {}
    out = []
    for line, code in zip(lines, table["market_code"], strict=False):
        gap = by_code.get(str(code), "")
        out.append(f"{line} The {model} {gap} there." if gap else line)
    return out


def gap_summary(gaps: pd.DataFrame, names: Mapping[str, str], car: str, listed: int = 10) -> list[str]:
    """One sentence per requirement the model misses, naming its markets (up to `listed`, else a count):
    "The Xiaomi YU7 needs a right-hand-drive variant in United Kingdom, Ireland, Malta."; "… needs a CCS2
    charging inlet in all 31 markets compared". Empty when it meets them all or nothing is known."""
    if gaps.empty:
        return []
    part = gaps[gaps["gap"].astype(bool)]
    by_need: dict[str, list[str]] = {}
    estimate: dict[str, bool] = {}
    for code, gap, confidence in zip(
        part["market_code"], part["gap"], part["requirement_confidence"], strict=True
    ):
        for need in str(gap).split("; "):
            by_need.setdefault(need, []).append(str(code))
            estimate[need] = estimate.get(need, False) or confidence == "estimate"
    total = len(gaps)
    out = []
    for need, codes in by_need.items():
        if len(codes) == total and total > 1:
            where = f"all {total} markets compared"
        elif len(codes) > listed:
            where = f"{len(codes)} of the {total} markets compared"
        else:
            where = ", ".join(names.get(c, c) for c in codes)
        out.append(
            f"The {car} {need} in {where}" + (" (partly inferred: estimate)." if estimate[need] else ".")
        )
    return out
