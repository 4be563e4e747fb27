"""The ranking in words: why the top markets lead, body-fit notes, the brand's stated plan, peer
shares and the share a chosen volume would be of each market. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evdash import labels
from evdash.scoring.assemble import number_or_none
from evdash.scoring.measures import PLAN_STATUSES, PLANNED_STATUSES, PROHIBITIVE_DUTY_PCT
from evdash.scoring.score import ScoreResult


@dataclass(frozen=True)
class Plan:
    region: str | None  # evdash region the brand says it enters first; None = no stated plan in the data
    markets: tuple[str, ...]  # markets with a plan status, closest status first
    entry: str | None  # earliest planned entry ('2027')
    text: str  # "Xiaomi's stated plan in the data: Europe first (DEU announced, ESP evaluating), from 2027"


def brand_plan(
    presence: pd.DataFrame,
    regions: Mapping[str, str],
    region_labels: Mapping[str, str],
    brand_name: str,
    names: Mapping[str, str] | None = None,
) -> Plan:
    """Where the brand says it goes first, from its expansion statuses (`queries.markets_presence`): the
    region holding most of its markets with a plan status (launched, pilot, announced, evaluating; ties: the
    closest status), and the earliest planned entry. No such status: no plan (compare every market). The
    text names each market (`names`: code → name) with its status in words."""
    if presence.empty or "status" not in presence.columns:
        return Plan(
            None,
            (),
            None,
            f"No stated expansion plan for {brand_name} in the data: every market is compared.",
        )
    order = {s: i for i, s in enumerate(PLAN_STATUSES)}
    part = presence[presence["status"].isin(PLAN_STATUSES)].copy()
    if part.empty:
        return Plan(
            None,
            (),
            None,
            f"No stated expansion plan for {brand_name} in the data: every market is compared.",
        )
    part["_order"] = part["status"].map(order)
    part = part.sort_values(["_order", "market_code"])
    part["_region"] = [regions.get(str(c)) for c in part["market_code"]]
    counts = part.groupby("_region", sort=False).size()
    region = str(counts.idxmax())
    entries = sorted(str(e) for e in part["planned_entry"] if isinstance(e, str) and e)
    entry = entries[0] if entries else None
    listed = ", ".join(
        f"{(names or {}).get(str(c), str(c))} {labels.label(labels.STATUS, s).lower()}"
        for c, s in zip(part["market_code"], part["status"], strict=True)
    )
    label = region_labels.get(region, region)
    text = f"{brand_name}'s stated plan in the data: {label} first ({listed})" + (
        f", from {entry}" if entry else ""
    )
    return Plan(region, tuple(str(c) for c in part["market_code"]), entry, text)


# A measure as a noun inside a sentence ("because of its market size (…)").
NOUN = {
    "ev_sales": "market size",
    "ev_share_pct": "EV share",
    "ev_growth_pct": "EV growth",
    "bev_share_pct": "BEV share",
    "body_fit_pct": "body-type fit",
    "tariff_burden_pct": "duty",
    "price_gap_pct": "price against rivals",
    "presence": "presence",
}


def _describe(key: str, value: float) -> str:
    """A raw measure value in words: '700,000 EVs a year', '+43% a year', '30.7% of the customs value'."""
    if key == "ev_sales":
        return f"{value:,.0f} EVs a year"
    if key == "ev_growth_pct":
        return f"{value:+.0f}% a year"
    if key == "tariff_burden_pct":
        return f"{value:.1f}% of the customs value"
    if key == "price_gap_pct":
        return f"landed {value:+.0f}% against rivals"
    if key == "presence":
        return f"{value:.2f} on a 0–1 scale"
    return f"{value:.0f}% of new cars"


ORDINAL = {1: "first", 2: "second", 3: "third"}


def _value(frame: pd.DataFrame, code: str, key: str) -> float | None:
    """frame.at[code, key] as a float; None when the column is absent or the value missing."""
    return number_or_none(frame.at[code, key]) if key in frame.columns and code in frame.index else None


def regional_body_fit(provenance: pd.DataFrame) -> frozenset[str]:
    """Markets whose body-type fit is the Europe-wide figure (a regional proxy), not their own: the rows
    the mart marks `is_proxy` (basis 'regional'), never read from the scope note's words."""
    if provenance.empty or "is_proxy" not in provenance.columns:
        return frozenset()
    rows = provenance[provenance["measure"] == "body_fit_pct"]
    return frozenset(str(c) for c in rows.loc[rows["is_proxy"].fillna(False).astype(bool), "market_code"])


def body_fit_basis(provenance: pd.DataFrame) -> dict[str, str]:
    """Per market, what its body-type fit rests on: the definition and period ('Dataforce SUV/crossover
    (broad), 2023'; '… — Europe-wide figure, no national one'), so an explanation names it: a broad
    definition of one source is not the same figure as another's."""
    if provenance.empty:
        return {}
    rows = provenance[provenance["measure"] == "body_fit_pct"]
    return {
        str(c): str(n)
        for c, n in zip(rows["market_code"], rows["scope_note"], strict=True)
        if isinstance(n, str)
    }


def explain_top(
    result: ScoreResult,
    raw: pd.DataFrame,
    names: Mapping[str, str],
    body_fit: Mapping[str, str] | None = None,
    top_n: int = 3,
) -> list[str]:
    """One sentence per top market from its breakdown: "Germany is first because of its market size
    (700,000 EVs a year: 19 of its 62 points) and EV growth (…), despite a 30.7% duty (its weakest measure)".
    The strongest two contributions are the 'because'; the active measure with the lowest normalised value
    (below one third of the range) is the 'despite'; a prohibitive duty is always named."""
    lines: list[str] = []
    for _, row in result.table.head(top_n).iterrows():
        code = str(row["market_code"])
        rank = int(row["rank"])
        score = float(row["score"])
        # A measure on which every compared market is equal (e.g. the EU's one duty) explains nothing.
        varies = {k for k in result.weights if result.normalised[k].dropna().nunique() > 1}
        norm = {k: _value(result.normalised, code, k) for k in result.weights if k in varies}
        have = {k: float(row[f"c_{k}"]) for k, n in norm.items() if n is not None}
        parts = []
        for k in sorted(have, key=lambda k: -have[k])[:2]:
            raw_value = _value(raw, code, k)
            shown = _describe(k, raw_value) if raw_value is not None else "no value"
            if k == "body_fit_pct" and body_fit and code in body_fit:
                shown += f", {body_fit[code]}"
            parts.append(f"{NOUN[k]} ({shown}: {have[k]:.0f} of its {score:.0f} points)")
        duty = _value(raw, code, "tariff_burden_pct")
        weak = [(n, k) for k, n in norm.items() if n is not None and n < 1 / 3]
        if duty is not None and duty >= PROHIBITIVE_DUTY_PCT:
            despite = f", despite a duty of {_describe('tariff_burden_pct', duty)} that prices the car out"
        elif weak:
            key = min(weak)[1]
            weak_value = _value(raw, code, key)
            note = f", {body_fit[code]}" if key == "body_fit_pct" and body_fit and code in body_fit else ""
            despite = (
                f", despite its {NOUN[key]} ({_describe(key, weak_value)}{note}, its weakest measure here)"
                if weak_value is not None
                else ""
            )
        else:
            despite = ", with no weak measure"
        missing = f"; scored without {row['missing']} (no data)" if row["missing"] else ""
        if not parts:
            lines.append(
                f"{names.get(code, code)} is {ORDINAL.get(rank, f'#{rank}')}: the markets compared do "
                "not differ on any weighted measure it has."
            )
            continue
        lines.append(
            f"{names.get(code, code)} is {ORDINAL.get(rank, f'#{rank}')} because of its {' and '.join(parts)}"
            f"{despite}{missing}."
        )
    return lines


def prohibitive_leaders(
    result: ScoreResult, raw: pd.DataFrame, names: Mapping[str, str], top_n: int = 3
) -> list[str]:
    """For each top market whose duties are prohibitive (≥ PROHIBITIVE_DUTY_PCT of the customs value): why it
    is up there anyway, in words; empty when none is."""
    out: list[str] = []
    for _, row in result.table.head(top_n).iterrows():
        code = str(row["market_code"])
        duty = _value(raw, code, "tariff_burden_pct")
        if duty is None or duty < PROHIBITIVE_DUTY_PCT:
            continue
        gap = _value(raw, code, "price_gap_pct")
        gap_text = "" if gap is None else f", which puts the landed price {gap:+.0f}% against local rivals"
        out.append(
            f"{names.get(code, code)} ranks #{int(row['rank'])} although its duties come to {duty:.0f}% "
            f"of the car's customs value{gap_text}: it scores on market size and uptake, not on what the car "
            "would cost there. Raise the weight of Low tariff (or use that preset) to rank by that."
        )
    return out


def body_fit_note(
    provenance: pd.DataFrame, markets: Sequence[str], names: Mapping[str, str], body_type: str
) -> str:
    """Where body-type fit comes from, in words: the markets with their own SUV share, those scored on the
    Europe-wide figure (a regional proxy), and those with none (left out of that measure, never 0)."""
    rows = provenance[provenance["measure"] == "body_fit_pct"] if not provenance.empty else provenance
    regional = set(regional_body_fit(provenance))
    national = sorted(set(rows.get("market_code", [])) - regional)
    none = sorted(set(markets) - set(rows.get("market_code", [])))
    kind = (
        "SUV share of new cars"
        if body_type == "suv"
        else f"share of new cars that are not SUVs (a {body_type})"
    )
    parts = [f"Body-type fit = {kind}, broad definitions only."]
    parts.append(
        "Own figure: " + (", ".join(names.get(c, c) for c in national) if national else "none") + "."
    )
    if regional:
        parts.append(
            f"{len(regional)} European markets without one have the Europe-wide figure as a proxy: they "
            "are scored at the lowest own figure of the markets compared (a proxy never beats a market's "
            "own data), and the proxy sets the top of their score range."
        )
    if none:
        parts.append(
            f"No figure for {len(none)}: "
            + ", ".join(names.get(c, c) for c in none)
            + " (left out of this measure)."
        )
    return " ".join(parts)


# Implied share: what a volume the user sets would be of each market's EV sales.
IMPLIED_SHARE_OF_TARGET = 0.10


def default_volume(target: pd.DataFrame, brand_name: str) -> tuple[int, str]:
    """The default volume to win (cars a year) and where it comes from: 10 % of the brand's latest company
    annual target (`queries.markets_brand_target`); the data holds no stated overseas volume. No target:
    0 and says so."""
    if target.empty:
        return 0, f"no annual target for {brand_name} in the data: set a volume"
    row = target.iloc[0]
    units = int(row["target_units"])
    volume = int(round(IMPLIED_SHARE_OF_TARGET * units, -2))
    at_least = "at least " if bool(row.get("target_is_at_least")) else ""
    return volume, (
        f"{IMPLIED_SHARE_OF_TARGET:.0%} of {brand_name}'s {int(row['year'])} target of {at_least}{units:,} "
        "cars (the data holds no stated overseas volume)"
    )


def implied_share(raw: pd.DataFrame, volume: float) -> pd.Series:
    """Per market, the share (%) of its EV sales in the basis year that `volume` cars a year would be;
    missing where market size is missing. Where market size is a BEV-only floor the share is an upper bound
    (`basis_flags` says so)."""
    size = raw["ev_sales"] if "ev_sales" in raw.columns else pd.Series(np.nan, index=raw.index)
    size = size.where(size > 0)
    return (100 * volume / size).rename("implied_share_pct")


def all_peer_shares(new_cars: pd.DataFrame, bev: pd.DataFrame) -> pd.DataFrame:
    """Peers' shares on both bases in one frame (published brand totals of new cars; a national office's
    battery-electric registrations), for `peer_shares_text`."""
    frames = [f for f in (new_cars, bev) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else new_cars


def peer_shares_text(peers: pd.DataFrame) -> dict[str, str]:
    """Per market, what peers (brands, Chinese-origin cars) hold in its latest published period, in words,
    one clause per basis (`share_of`): "Tesla 19.1%, Chinese-origin cars 13.7% of new cars (2025)"
    (`queries.markets_peer_shares`); "Tesla 3.6%, BYD 2.0% of battery-electric registrations (2025)"
    (`queries.markets_peer_bev_shares`, from a national registration office's files)."""
    out: dict[str, str] = {}
    if peers.empty:
        return out
    for code, by_market in peers.groupby("market_code", sort=True):
        clauses = []
        for share_of, rows in by_market.groupby("share_of", sort=True):
            latest = rows[rows["month_to"] == rows["month_to"].max()]
            latest = latest[latest["month_from"] == latest["month_from"].min()]
            parts = ", ".join(
                f"{s} {v:.1f}%" for s, v in zip(latest["subject"], latest["share_pct"], strict=True)
            )
            clauses.append(f"{parts} of {share_of} ({latest['period_label'].iloc[0]})")
        out[str(code)] = "; ".join(clauses)
    return out


def with_market_context(
    export: pd.DataFrame,
    gaps: pd.DataFrame,
    ranges: pd.DataFrame,
    implied: pd.Series,
    peers: Mapping[str, str],
    volume: int,
) -> pd.DataFrame:
    """The ranking's download with, per market: the model's gap there (`requirement_gap`, empty when it
    meets the requirements) and the requirement in words; the score range from proxies (`score_low`,
    `score_high`, `proxied`); the implied share of EV sales for `volume` cars a year; what peers hold."""
    out = export.copy()
    codes = [str(c) for c in out["market_code"]]
    g = gaps.set_index("market_code") if not gaps.empty else pd.DataFrame(columns=["gap", "requirement"])
    out["requirement_gap"] = [str(g.at[c, "gap"]) if c in g.index else "" for c in codes]
    out["requirement"] = [str(g.at[c, "requirement"]) if c in g.index else "" for c in codes]
    r = ranges.set_index("market_code") if not ranges.empty else pd.DataFrame()
    for column in ("score_low", "score_high", "proxied"):
        out[column] = r[column].reindex(codes).to_numpy() if column in r.columns else None
    out["implied_volume"] = volume
    out["implied_share_pct"] = [implied.get(c) for c in codes]
    out["peer_shares"] = [peers.get(c, "") for c in codes]
    return out


def plan_markets_low(
    result: ScoreResult,
    presence: pd.DataFrame,
    names: Mapping[str, str],
    raw: pd.DataFrame,
    top_n: int = 3,
    body_fit: Mapping[str, str] | None = None,
) -> list[str]:
    """For each market the brand plans to enter (pilot, announced, evaluating) that ranks outside the top
    `top_n`: why, in words, from the two measures on which it loses most points ("Germany (announced in the
    brand's plan) ranks #5 of 31: it loses most on duty (30.7% of the customs value: 25 of 25 points lost)
    and …"); `body_fit` (market → basis note) says when body-type fit is a proxy."""
    table = result.table
    if table.empty or presence.empty or not result.weights:
        return []
    status = {
        str(c): str(s)
        for c, s in zip(presence["market_code"], presence["status"], strict=True)
        if isinstance(s, str) and s in PLANNED_STATUSES
    }
    total = len(table)
    out = []
    for _, row in table[table["rank"] > top_n].iterrows():
        code = str(row["market_code"])
        if code not in status:
            continue
        have = {k: _value(result.normalised, code, k) for k in result.weights}
        weight_have = sum(w for k, w in result.weights.items() if have[k] is not None)
        if not weight_have:
            continue
        lost = {k: (1 - n) * result.weights[k] / weight_have * 100 for k, n in have.items() if n is not None}
        worst = sorted(lost, key=lambda k: -lost[k])[:2]
        parts = []
        for k in worst:
            value = _value(raw, code, k)
            shown = _describe(k, value) if value is not None else "no value"
            if k == "body_fit_pct" and body_fit and code in body_fit:
                shown += f", {body_fit[code]}"
            full = result.weights[k] / weight_have * 100
            parts.append(f"{NOUN[k]} ({shown}: {lost[k]:.0f} of {full:.0f} points lost)")
        rank = int(row["rank"])
        out.append(
            f"{names.get(code, code)} ({labels.label(labels.STATUS, status[code]).lower()} in the brand's "
            f"plan) ranks #{rank} of {total}: it loses most on {' and '.join(parts)}."
        )
    return out
