"""Compare two scenarios: the differences that matter (landed price and its steps, rank and score per
market, attainment of the year's target) as one frame, A, B and B − A with units and provenance. The Compare
page shows this frame and its download is this frame. No Streamlit: each side is read by the services
(`pricing_service.pricing_view`, `ranking_service.ranking`, the brand × year mart of the Overview).

Confidence of each value: `reported`, `lower_bound` or `estimate` (landed prices and scores are estimates;
a floor stays a floor); a difference is `reported` only when both values are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from evdash import columns, labels, pricing, pricing_service, ranking_service
from evdash.pricing_service import Catalogue, PricingView, Reader
from evdash.ranking_service import Ranking, Universe
from evdash.scenario import Scenario

COLUMNS = list(columns.COMPARE)  # the frame's columns, each with its header and format in the registry
SECTION_PRICE = "Landed price"
SECTION_RANK = "Market ranking"
SECTION_ATTAINMENT = "Attainment"
RANKING_SOURCE = "evdash market ranking (Market ranking page method)"
# The `unit` of a compared value, as the table shows it; `value_text` formats by it.
UNIT_CARS = "cars"
UNIT_PCT_OF_TARGET = "% of target"
UNIT_PLACE = "place (1 = first)"
UNIT_POINTS = "points of 100"
# What each row compares (the frame's index, `item_code`: neither shown nor exported), so code picks a row
# by its code, never by its words: a landed-price step "price:<step id>:<nth such step>", the lowest
# duty case's estimate, a market's rank or score ("rank:<market>", "score:<market>"), and attainment.
ITEM_ESTIMATE = f"price:{pricing.STEP_ESTIMATE}:0"
ITEM_ESTIMATE_LOW = "price:estimate_lowest_duty_case"
ITEM_RANK = "rank"
ITEM_SCORE = "score"
ITEM_DELIVERED = "attainment:delivered"
ITEM_TARGET = "attainment:target"
ITEM_ATTAINMENT = "attainment:attainment"


def item_code(kind: str, key: str) -> str:
    """The code of a row comparing `kind` (ITEM_RANK, ITEM_SCORE) for `key` (a market code)."""
    return f"{kind}:{key}"


def item_kind(code: str) -> str:
    """What kind of item a row's code names: 'price', ITEM_RANK, ITEM_SCORE or 'attainment'."""
    return code.split(":", 1)[0]


# How to read an attainment (v_brand_year.attainment_kind) as a confidence.
ATTAINMENT_CONFIDENCE = {
    "exact": "reported",
    "estimate": "estimate",
    "at_least": "lower_bound",
    "at_most": "estimate",
    "ratio_of_lower_bounds": "estimate",
}


@dataclass(frozen=True)
class Side:
    """One scenario as the services read it. `pricing`/`ranking` None: not computed (`why` says why);
    `year_row`: the brand's row of `queries.overview_years` for the scenario's year (None: no figure)."""

    as_of: str  # the data's as-of date (the scenario's `known` data, or today's)
    market_name: str
    pricing: PricingView | None
    ranking: Ranking | None
    names: dict[str, str]
    year: int
    year_row: pd.Series | None
    why: str = ""


def side(
    reader: Reader,
    cat: Catalogue,
    uni: Universe | None,
    s: Scenario,
    on: dt.date,
    markets: Sequence[str],
    year: int,
    years: pd.DataFrame,
    as_of: str,
) -> Side:
    """Scenario `s` read by the services: its model priced in its market (the Pricing chain, in the
    default currency), `markets` ranked (the Market ranking's chain) and the brand's row of `years`
    (`queries.overview_years`) for `year`. `uni` None: the brand has no model priced at home on `on`."""
    rows = years[years["year"] == year]
    year_row = rows.iloc[0] if not rows.empty else None
    market_name = cat.market_names.get(s.market, s.market)
    if uni is None:
        why = f"no model of this brand has a price at home on {labels.day(on)}"
        return Side(as_of, market_name, None, None, {}, year, year_row, why)
    view = pricing_service.pricing_view(
        reader,
        pricing_service.PricingScenario(
            on=on,
            model=s.model,
            markets=(s.market,),
            currency=pricing_service.DEFAULT_CURRENCY,
            duty_class=s.duty_class,
            freight_pct=s.freight_pct,
        ),
        cat,
    )
    ranking = None
    if markets:
        ranking = ranking_service.ranking(
            reader,
            cat,
            uni,
            ranking_service.RankingScenario(
                on=on,
                model=s.model,
                markets=tuple(markets),
                weights=s.weights,
                duty_class=s.duty_class,
                freight_pct=s.freight_pct,
            ),
        )
    why = "" if markets else "no market ranked"
    return Side(as_of, market_name, view, ranking, uni.names, year, year_row, why)


@dataclass(frozen=True)
class _Value:
    value: float | None
    confidence: str = ""
    source: str = ""
    as_of: str = ""
    note: str = ""


def compared(a: Side, b: Side) -> pd.DataFrame:
    """One row per compared item (see COLUMNS), in the order landed price, ranking, attainment; the
    index is each row's item code (ITEM_*, named `item_code`), which the table and its download leave out."""
    coded = [*_price_rows(a, b), *_rank_rows(a, b), *_attainment_rows(a, b)]
    return pd.DataFrame(
        [row for _, row in coded], columns=COLUMNS, index=pd.Index([c for c, _ in coded], name="item_code")
    )


Coded = tuple[str, dict[str, object]]  # (item code, row)


def _row(code: str, section: str, item: str, unit: str, a: _Value, b: _Value) -> Coded:
    both = a.value is not None and b.value is not None
    difference = (b.value - a.value) if both else None  # type: ignore[operator]
    notes = [f"{side}: {v.note}" for side, v in (("A", a), ("B", b)) if v.note]
    return code, {
        "section": section,
        "item": item,
        "unit": unit,
        "a": a.value,
        "a_confidence": a.confidence if a.value is not None else None,
        "b": b.value,
        "b_confidence": b.confidence if b.value is not None else None,
        "difference": difference,
        "difference_confidence": (
            None
            if difference is None
            else "reported"
            if a.confidence == b.confidence == "reported"
            else "estimate"
        ),
        "note": " · ".join(notes) or None,
        "a_source": a.source or None,
        "a_as_of": a.as_of or None,
        "b_source": b.source or None,
        "b_as_of": b.as_of or None,
    }


def _steps(side: Side) -> dict[tuple[str, int], pricing.Step]:
    """The steps of the case the ranking scores (the highest duty case), keyed by (step id, nth of it)."""
    view = side.pricing
    if view is None or view.landed is None:
        return {}
    keyed: dict[tuple[str, int], pricing.Step] = {}
    for step in view.landed.high.steps:
        n = sum(1 for k in keyed if k[0] == step.step_id)
        keyed[(step.step_id, n)] = step
    return keyed


def _step_value(step: pricing.Step | None, side: Side) -> _Value:
    if step is None:
        return _Value(None, note=_missing_price(side))
    return _Value(
        float(step.amount),
        step.confidence if step.confidence in labels.CONFIDENCE else "estimate",
        step.source,
        step.as_of or side.as_of,
    )


def _missing_price(side: Side) -> str:
    if side.pricing is None:
        return side.why
    return side.pricing.fx_error or "no such step"


def _price_rows(a: Side, b: Side) -> Iterable[Coded]:
    steps_a, steps_b = _steps(a), _steps(b)
    keys = list(steps_a) + [k for k in steps_b if k not in steps_a]
    currency = next((s.currency for s in [*steps_a.values(), *steps_b.values()]), "")
    for key in keys:
        sa, sb = steps_a.get(key), steps_b.get(key)
        names = [s.label for s in (sa, sb) if s is not None]
        item = names[0] if len(set(names)) == 1 else " → ".join(names)
        if key[0] == pricing.STEP_ESTIMATE:
            item = f"{item} (highest duty case)" if _several(a) or _several(b) else item
        code = f"price:{key[0]}:{key[1]}"
        yield _row(code, SECTION_PRICE, item, currency, _step_value(sa, a), _step_value(sb, b))
    if _several(a) or _several(b):
        low_a, low_b = _lowest_total(a), _lowest_total(b)
        item = "Estimated sticker price (lowest duty case)"
        yield _row(ITEM_ESTIMATE_LOW, SECTION_PRICE, item, currency, low_a, low_b)
    if not keys:
        none_a, none_b = _step_value(None, a), _step_value(None, b)
        yield _row(ITEM_ESTIMATE, SECTION_PRICE, "Estimated sticker price", currency, none_a, none_b)


def _several(side: Side) -> bool:
    return side.pricing is not None and side.pricing.landed is not None and side.pricing.landed.several


def _lowest_total(side: Side) -> _Value:
    if side.pricing is None or side.pricing.landed is None:
        return _Value(None, note=_missing_price(side))
    low = side.pricing.landed.low
    return _Value(float(low.total), "estimate", "evdash landed-price estimate", side.as_of, low.case_label)


def _ranked(side: Side) -> tuple[dict[str, pd.Series], dict[str, str]]:
    if side.ranking is None:
        return {}, {}
    table = side.ranking.result.table
    excluded = side.ranking.result.excluded
    return (
        {str(r["market_code"]): r for _, r in table.iterrows()},
        {str(c): str(w) for c, w in zip(excluded["market_code"], excluded["reason"], strict=True)},
    )


def _rank_rows(a: Side, b: Side) -> Iterable[Coded]:
    ranked_a, out_a = _ranked(a)
    ranked_b, out_b = _ranked(b)
    markets = list(dict.fromkeys([*ranked_a, *ranked_b, *out_a, *out_b]))
    names = {**b.names, **a.names}
    order = {m: i for i, m in enumerate(markets)}
    # The order of A's ranking (then B's), so the table reads from A's first market down.
    markets.sort(key=lambda m: (float(ranked_a[m]["rank"]) if m in ranked_a else math.inf, order[m]))
    for market in markets:
        name = names.get(market, market)
        for kind, item, column, unit in (
            (ITEM_RANK, f"Rank in {name}", "rank", UNIT_PLACE),
            (ITEM_SCORE, f"Score in {name}", "score", UNIT_POINTS),
        ):
            yield _row(
                item_code(kind, market),
                SECTION_RANK,
                item,
                unit,
                _score_value(a, ranked_a, out_a, market, column),
                _score_value(b, ranked_b, out_b, market, column),
            )


def _score_value(
    side: Side, ranked: dict[str, pd.Series], out: dict[str, str], market: str, column: str
) -> _Value:
    if market in ranked:
        row = ranked[market]
        missing = str(row.get("missing") or "") if bool(row.get("flagged")) else ""
        note = f"scored without {missing}" if missing and column == "score" else ""
        return _Value(float(row[column]), "estimate", RANKING_SOURCE, side.as_of, note)
    if market in out:
        return _Value(None, note=f"not ranked: {out[market]}" if column == "rank" else "")
    if side.ranking is None:
        return _Value(None, note=side.why if column == "rank" else "")
    return _Value(None, note="not compared" if column == "rank" else "")


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)  # type: ignore[arg-type]


def _attainment(side: Side) -> tuple[_Value, _Value, _Value]:
    row = side.year_row
    if row is None:
        none = _Value(None, note=f"no delivery figure or target for {side.year}")
        return none, _Value(None), _Value(None)
    delivered = _Value(
        _number(row["delivered_units"]),
        "lower_bound" if bool(row["delivered_is_at_least"]) else str(row["delivered_confidence"]),
        str(row["delivered_source"] or ""),
        labels.day(row["delivered_through"], missing=""),
        str(row["coverage_note"] or ""),
    )
    target = _Value(
        _number(row["final_target_units"]),
        "lower_bound" if bool(row["target_is_at_least"]) else "reported",
        str(row["target_source"] or ""),
        side.as_of,
    )
    kind = str(row["attainment_kind"] or "")
    attainment = _Value(
        _number(row["attainment_pct"]),
        ATTAINMENT_CONFIDENCE.get(kind, "estimate"),
        "delivered ÷ final target",
        side.as_of,
        labels.label(labels.ATTAINMENT, kind) if kind else "",
    )
    return delivered, target, attainment


def _attainment_rows(a: Side, b: Side) -> Iterable[Coded]:
    years = f"{a.year}" if a.year == b.year else f"{a.year} (A) / {b.year} (B)"
    for (code, item, unit), va, vb in zip(
        (
            (ITEM_DELIVERED, "Delivered", UNIT_CARS),
            (ITEM_TARGET, "Final target", UNIT_CARS),
            (ITEM_ATTAINMENT, "Attainment", UNIT_PCT_OF_TARGET),
        ),
        _attainment(a),
        _attainment(b),
        strict=True,
    ):
        yield _row(code, SECTION_ATTAINMENT, f"{item} in {years}", unit, va, vb)


# A value's mark by its confidence: a floor or an estimate never reads as an exact figure.
_MARK = {"reported": "", "lower_bound": "≥ ", "estimate": "≈ "}


def value_text(value: object, confidence: object, unit: str) -> str:
    """'≈ EUR 48,210', '≥ 136,854 cars', '3rd place'-style text of one compared value ('—' for none)."""
    number = _number(value)
    if number is None:
        return "—"
    mark = _MARK.get(str(confidence), "≈ ")
    if unit == UNIT_CARS:
        return f"{mark}{number:,.0f} cars"
    if unit == UNIT_PCT_OF_TARGET:
        return f"{mark}{number:.1f}% of target"
    if unit == UNIT_PLACE:
        return f"{mark}#{number:.0f}"
    if unit == UNIT_POINTS:
        return f"{mark}{number:.1f} points"
    return f"{mark}{unit} {number:,.0f}".strip()


def headlines(frame: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """The three figures an executive reads first (label, A's value, B's value, 'B − A'): the estimated
    sticker price, the rank in A's first market, the attainment. Each value alone fits a phone's card
    ('≈ EUR 50,344'); 'A → B' in one card was cut off at 375 px. Rows are picked by their item code
    (`frame`'s index, as `compared` makes it), never by their words."""
    codes = [str(c) for c in frame.index]
    picks = [
        frame[[c == ITEM_ESTIMATE for c in codes]],
        frame[[item_kind(c) == ITEM_RANK for c in codes]],
        frame[[c == ITEM_ATTAINMENT for c in codes]],
    ]
    out = []
    for rows in picks:
        if rows.empty:
            continue
        r = rows.iloc[0]
        unit = str(r["unit"])
        a_text, b_text = (
            value_text(r["a"], r["a_confidence"], unit),
            value_text(r["b"], r["b_confidence"], unit),
        )
        diff = _number(r["difference"])
        if diff is None:
            delta = "no difference computed"
        elif unit == UNIT_PLACE:
            delta = f"B − A: {diff:+.0f} {labels.noun(abs(round(diff)), 'place')}"
        elif unit == UNIT_PCT_OF_TARGET:
            delta = f"B − A: {diff:+.1f} points"
        else:
            delta = f"B − A: {diff:+,.0f} {unit}"
        mark = "" if r["difference_confidence"] == "reported" else " (estimate)"
        out.append((str(r["item"]), a_text, b_text, delta + (mark if diff is not None else "")))
    return out
