"""The briefing's tables as text rows: the years against the final target, the peers' attainment in two
years and the landed prices in the focus markets, with lower bounds ("≥") and estimates ("≈") told in
symbols."""

from __future__ import annotations

import pandas as pd

from evdash.briefing import CURRENCY, Briefing
from evdash.theme import CONFIDENCE_LABEL, fmt_int, fmt_pct


def years_rows(b: Briefing) -> list[list[str]]:
    rows = []
    for r in b.years.to_dict("records"):
        at_least = bool(r["delivered_is_at_least"]) if pd.notna(r["delivered_is_at_least"]) else False
        rows.append(
            [
                str(r["year"]),
                fmt_int(r["delivered_units"], at_least),
                str(r["delivered_basis_label"]) if pd.notna(r["delivered_basis_label"]) else "",
                CONFIDENCE_LABEL.get(str(r["delivered_confidence"]), "")
                if pd.notna(r["delivered_confidence"])
                else "",
                fmt_int(r["final_target_units"], r["target_confidence"] == "lower_bound")
                if pd.notna(r["final_target_units"])
                else "none",
                str(int(r["target_revisions"])),
                ("≥ " if at_least else "") + fmt_pct(r["attainment_pct"])
                if pd.notna(r["attainment_pct"])
                else "—",
            ]
        )
    return rows


def attainment_cells(row: pd.Series, suffix: str) -> list[str]:
    units = row.get(f"delivered_units{suffix}")
    if units is None or pd.isna(units):
        target = row.get(f"final_target_units{suffix}")
        return ["no figure", fmt_int(target) if target is not None and pd.notna(target) else "none", "—"]
    at_least = bool(row.get(f"delivered_is_at_least{suffix}") is True)
    partial = (
        row.get(f"delivered_basis{suffix}") == "sum_of_months"
        and (row.get(f"months_with_data{suffix}") or 12) < 12
    )
    value = fmt_int(units, at_least) + (f" ({int(row[f'months_with_data{suffix}'])} mo.)" if partial else "")
    target = fmt_int(
        row.get(f"final_target_units{suffix}"), bool(row.get(f"target_is_at_least{suffix}") is True)
    )
    pct = row.get(f"attainment_pct{suffix}")
    return [
        value,
        target,
        ("≥ " if at_least else "") + fmt_pct(pct) if pct is not None and pd.notna(pct) else "—",
    ]


def peer_rows(b: Briefing) -> tuple[list[list[str]], list[int]]:
    rows, bold = [], []
    for i, (_, r) in enumerate(b.peers.iterrows()):
        mark = " ◀" if r["brand_id"] == b.brand_id else ""
        if mark:
            bold.append(i)
        rows.append([f"{r['brand_name']}{mark}", *attainment_cells(r, "_prev"), *attainment_cells(r, "")])
    return rows, bold


def landed_rows(b: Briefing) -> list[list[str]]:
    rows = []
    for r in b.landed.to_dict("records"):
        rows.append(
            [
                f"{r['market_name']} ({r['market_code']})",
                str(r["status"]),
                f"≈ {CURRENCY} {r['landed']:,.0f}" if pd.notna(r["landed"]) else "not computable",
                f"{r['duty_burden_pct']:.1f}%" if pd.notna(r["duty_burden_pct"]) else "unknown",
                str(r["rival"]) if isinstance(r["rival"], str) else "no comparable price in the data",
                (
                    f"{CURRENCY} {r['rival_price']:,.0f}"
                    + (" (est.)" if r["rival_confidence"] == "estimate" else "")
                    if pd.notna(r["rival_price"])
                    else "—"
                ),
                f"{r['gap_pct']:+.1f}%" if pd.notna(r["gap_pct"]) else "—",
            ]
        )
    return rows
