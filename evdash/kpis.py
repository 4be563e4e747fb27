"""The Overview and Deliveries KPIs as structured values: which figure each card shows, its label,
value, delta, tooltip and provenance are decided here once; the pages lay them out with `ui.metric`
and the briefing prints the same `Kpi`s. Pure: rows of the marts' queries in, `Kpi`s out; no
Streamlit, no I/O, no `date.today()` (the caller passes the year / date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from evdash import deliveries, labels
from evdash.deliveries import MONTH_NAMES, MONTHS_IN_YEAR, Outlook
from evdash.theme import (
    ATTAINMENT_HELP,
    CONFIDENCE_LABEL,
    flag,
    fmt_attainment,
    fmt_figure,
    fmt_int,
    fmt_qualifier,
)

Tone = Literal["off", "good", "bad"]
REACHED_TEXT = {
    "reached": "reached in {month}",
    "company_total": "reached in {month} (company total)",
    "projected": "projected for {month}",
    "not_projected": "not reached at this rate",
    "no_target": "no target",
}


def source_label(url: object) -> str:
    """Host name(s) of a source URL ('cnevpost.com'); a text that is not a URL is returned as it is."""
    text = str(url)
    if "://" not in text:
        return text
    hosts = [part.split("/")[2].removeprefix("www.") for part in text.split(" ; ") if "://" in part]
    return ", ".join(dict.fromkeys(hosts))


@dataclass(frozen=True)
class Kpi:
    """One KPI as a person reads it: value text ('≥' for a lower bound, '≈' for an estimate), the line
    under it, where it comes from, and how to read it. `confidence` is told in words in `provenance`,
    never by colour alone; `tone` only colours the delta ('good' = target met)."""

    label: str
    value: str
    delta: str | None
    confidence: str  # 'reported' | 'lower_bound' | 'estimate' | '' (derived, e.g. a count)
    as_of: dt.date | None
    source: str  # URL(s) or a description ('sum of monthly figures', 'evdash projection')
    change: str | None = None  # vs the same period a year earlier, where both exist (the briefing)
    help: str | None = None  # the tooltip: how the figure was made
    note: str | None = None  # said under the card after the provenance ('reported quarters: Q1')
    at_least: bool = False  # the value is a floor
    tone: Tone = "off"
    closed: bool = False  # a closed year's final total: it cannot get newer (the watch list skips it)

    @property
    def provenance(self) -> str:
        parts = [CONFIDENCE_LABEL.get(self.confidence, self.confidence)] if self.confidence else []
        if self.as_of is not None:
            parts.append(f"as of {labels.day(self.as_of)}")
        if self.source:
            parts.append(f"source: {source_label(self.source)}")
        return " · ".join(parts)

    @property
    def caption(self) -> str:
        """What the page prints under the card (readable without hovering, e.g. on a phone)."""
        return " · ".join(p for p in (self.provenance, self.note or "") if p)


def _date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)  # type: ignore[call-overload]


def _target_text(units: object, at_least: object) -> str:
    return f"{'over ' if flag(at_least) else ''}{fmt_int(units)}"  # type: ignore[arg-type]


def _tone(pct: object, kind: object) -> Tone:
    """Good when the target is certainly met, bad when it is certainly missed, else uncoloured."""
    if pct is None or pd.isna(pct):  # type: ignore[call-overload]
        return "off"
    if float(pct) >= 100 and kind in ("exact", "at_least"):  # type: ignore[arg-type]
        return "good"
    if float(pct) < 100 and kind in ("exact", "at_most"):  # type: ignore[arg-type]
        return "bad"
    return "off"


def _basis_note(row: pd.Series) -> str:
    """'reported quarters: Q1 + Q2 + Jul', 'company annual total', plus what is missing."""
    label = _text(row["delivered_basis_label"])
    detail = _text(row["delivered_detail"])
    note = label if row["delivered_basis"] == "annual_total" or not detail else f"{label}: {detail}"
    if _text(row["coverage_note"]):
        note += f" · {row['coverage_note']}"
    if int(row["months_missing"] or 0) > 0:
        note += f" · {labels.count(int(row['months_missing']), 'month')} without a figure"
    return note


def year_kpi(row: pd.Series, label: str, today: dt.date | None = None) -> Kpi:
    """A brand × year row of `queries/overview_years.sql` / `deliveries_peers.sql` as a KPI: delivered,
    and its attainment of the final target as the delta. Given `today`, a figure that stops before last
    month says first which months have no figure ('no figure for Apr–Nov 2026') and is compared with the
    target path at its own date ('≈ 58.2% of the target path by 31 Mar (137,500)') before the target."""
    at_least = flag(row["delivered_is_at_least"])
    through = _date(row["delivered_through"])
    gap = deliveries.months_without_figure(int(row["year"]), through, today) if today else None
    tone = _tone(row["attainment_pct"], row["attainment_kind"])
    if pd.notna(row["final_target_units"]):
        delta = (
            f"{fmt_attainment(row['attainment_pct'], row['attainment_kind'])} of "
            f"{_target_text(row['final_target_units'], row['target_is_at_least'])} target"
        )
        if gap is not None and through is not None and pd.notna(row["delivered_units"]):
            target, units = float(row["final_target_units"]), float(row["delivered_units"])
            delta = (
                deliveries.path_comparison(
                    units, target, flag(row["target_is_at_least"]), through, str(row["attainment_kind"])
                )
                + f" · {delta}"
            )
            path = deliveries.straight_line_path(target, through.month)
            tone = _tone(100 * units / path if path else None, row["attainment_kind"])
    else:
        delta = "no target published"
    help_text = (
        "Delivered = the best-informed figure for the year: the company's own totals (year, year-to-date, "
        "quarters) where they exist, monthly figures for the months they do not cover; the one reaching "
        "furthest, then the most certain, counts."
    )
    if pd.notna(row["attainment_kind"]) and row["attainment_kind"] in ATTAINMENT_HELP:
        help_text += f" Attainment: {ATTAINMENT_HELP[str(row['attainment_kind'])]}."
    if gap is not None:
        help_text += (
            " The newest figure stops before last month: it is compared with the straight-line path to the "
            "target at its own date (target × months it covers ÷ 12), not with where that path is today."
        )
    return Kpi(
        label=label + fmt_qualifier(row["scope"], through),
        value=fmt_figure(row["delivered_units"], at_least, row["delivered_confidence"]),
        delta=delta,
        confidence=_text(row["delivered_confidence"]),
        as_of=_date(row["delivered_as_of"]),
        source=_text(row["delivered_source"]),
        help=help_text,
        note=(f"{deliveries.gap_text(int(row['year']), gap)} · " if gap else "") + _basis_note(row),
        at_least=at_least,
        tone=tone,
    )


def overview_kpis(
    years: pd.DataFrame, facts: pd.Series | None, this_year: int, today: dt.date | None = None
) -> tuple[Kpi, ...]:
    """The Overview's four cards: this year so far; the last year before it (with a target if one has
    one); deliveries since the brand's first figure (the same rule as the years); models on sale and
    markets tracked. `years`: rows of `queries/overview_years.sql`; `facts`: the row of
    `queries/overview_facts.sql` (None when missing). Given `today`, this year's card names the months
    that have no figure (`year_kpi`)."""
    kpis: list[Kpi] = []
    current = years[(years["year"] == this_year) & years["delivered_units"].notna()]
    if current.empty:
        target = years[(years["year"] == this_year) & years["final_target_units"].notna()]
        gap = deliveries.months_without_figure(this_year, None, today) if today else None
        delta = deliveries.gap_text(this_year, gap) if gap else "no figures for this year yet"
        if not target.empty:
            row = target.iloc[0]
            delta = f"target {_target_text(row['final_target_units'], row['target_is_at_least'])}"
        kpis.append(Kpi(f"{this_year} deliveries so far", "no data", delta, "", None, ""))
    else:
        row = current.iloc[0]
        kpis.append(year_kpi(row, f"{this_year} deliveries so far", today))
    past = years[(years["year"] < this_year) & years["delivered_units"].notna()]
    with_target = past[past["final_target_units"].notna()]
    if not with_target.empty:
        row = with_target.iloc[-1]
        kpis.append(replace(year_kpi(row, f"{int(row['year'])} delivered vs final target"), closed=True))
    elif not past.empty:
        row = past.iloc[-1]
        kpis.append(replace(year_kpi(row, f"{int(row['year'])} delivered"), closed=True))
    kpis.append(cumulative_kpi(facts))
    kpis.append(models_kpi(facts))
    return tuple(kpis)


def cumulative_kpi(facts: pd.Series | None) -> Kpi:
    """Deliveries since the brand's first figure (v_brand_cumulative, via overview_facts.sql)."""
    if facts is None or pd.isna(facts["cumulative_units"]):
        return Kpi("Cumulative deliveries", "no data", "no delivery figures in the data", "", None, "")
    since = _date(facts["cumulative_since"])
    through = _date(facts["cumulative_through"])
    at_least = flag(facts["cumulative_is_at_least"])
    if facts["cumulative_basis"] == "sum_of_years":
        note = f"sum of the yearly figures ({facts['cumulative_detail']})"
    else:
        note = "the company's cumulative figure"
    return Kpi(
        label=f"Cumulative deliveries since {since:%b %Y}{fmt_qualifier(facts['cumulative_scope'], None)}"
        if since
        else "Cumulative deliveries",
        value=fmt_figure(facts["cumulative_units"], at_least, facts["cumulative_confidence"]),
        delta=f"by {through:%-d %b %Y}" if through else None,
        confidence=_text(facts["cumulative_confidence"]),
        as_of=_date(facts["cumulative_as_of"]),
        source=_text(facts["cumulative_source"]),
        help=(
            "The best-informed figure since the brand's first figure in the data: the sum of its yearly "
            "figures, or a cumulative figure the company stated, whichever reaches furthest (then the more "
            "certain, then the larger)."
        ),
        note=note,
        at_least=at_least,
    )


def models_kpi(facts: pd.Series | None) -> Kpi:
    """Models on sale by the date (launch date, else first deliveries or list price) · markets tracked."""
    if facts is None:
        return Kpi("Models on sale · markets tracked", "no data", None, "", None, "")
    on_sale = int(facts["models_on_sale"])
    if int(facts["models_in_data"]) == 0:
        names = "no model list in the data for this brand"
    else:
        names = _text(facts["model_names"]) or "none on sale yet"
    evidence = _text(facts["models_dated_by_evidence"])
    help_text = "On sale from the model's launch date."
    if evidence:
        help_text += (
            f" No launch date recorded for {evidence}: on sale from their first deliveries or list price."
        )
    return Kpi(
        "Models on sale · markets tracked",
        f"{on_sale} · {int(facts['markets_tracked'])}",
        names,
        "",
        None,
        "",
        help=help_text,
    )


def deliveries_kpis(o: Outlook) -> tuple[Kpi, ...]:
    """The Deliveries page's four cards (K1–K4): delivered so far and its attainment, the target in force,
    the year-end projection, the rate needed and the month the target is reached."""
    return (_delivered_kpi(o), _target_kpi(o), _projection_kpi(o), _required_kpi(o))


def _delivered_kpi(o: Outlook) -> Kpi:
    if o.attainment_current_pct is not None:
        delta = f"{fmt_attainment(o.attainment_current_pct, o.attainment_kind)} of current target"
    else:
        delta = "no target to compare"
    parts = [o.delivered_basis_label + (f": {o.delivered_detail}" if o.delivered_detail else "")]
    if o.delivered_is_at_least:
        parts.append("at least (an 'over N' figure, or part of the brand or a month without a figure)")
    elif o.delivered_confidence == "reported":
        parts.append("exact as reported")
    if o.delivered_has_estimate:
        parts.append("includes estimates")
    if o.coverage_note:
        parts.append(o.coverage_note)
    if o.attainment_kind in ATTAINMENT_HELP and o.attainment_kind != "exact":
        parts.append(f"attainment: {ATTAINMENT_HELP[o.attainment_kind]}")
    parts.append(f"source: {o.delivered_source}" if o.delivered_source else "no source")
    parts.append(f"sum of the monthly figures: {fmt_figure(o.months_units, o.months_counted > 0)}")
    return Kpi(
        label=f"Delivered {o.year}{fmt_qualifier(o.scope, o.delivered_through)}",
        value=fmt_figure(o.delivered, o.delivered_is_at_least, o.delivered_confidence),
        delta=delta,
        confidence=o.delivered_confidence if o.delivered is not None else "",
        as_of=o.delivered_as_of,
        source=o.delivered_source,
        help=" · ".join(parts),
        at_least=o.delivered_is_at_least,
    )


def _target_kpi(o: Outlook) -> Kpi:
    if o.current_target is None:
        return Kpi(
            "Current target",
            "none published",
            None,
            "",
            None,
            "",
            help="The company has not published a target for this year (analyst forecasts are not targets).",
        )
    return Kpi(
        "Current target",
        _target_text(o.current_target, o.current_target_is_at_least),
        f"revision {o.revisions_so_far} of {o.revisions_total}",
        o.current_target_confidence,
        o.current_target_announced_on,
        "company announcement",
        help=(
            f"Announced {labels.day(o.current_target_announced_on)}; the latest company target announced by "
            "the end of "
            f"{MONTH_NAMES[o.through_month - 1]} {o.year}."
        ),
        at_least=o.current_target_is_at_least,
    )


def _projection_kpi(o: Outlook) -> Kpi:
    help_text = (
        "Delivered so far + the mean of the most recent months inside it × the months left. A quarterly or "
        "year-to-date company total counts as its months at their average. An estimate."
    )
    if o.elapsed == MONTHS_IN_YEAR:
        return Kpi(
            "Year-end projection", "Year complete", "no projection needed", "", None, "", help=help_text
        )
    if o.is_partial:
        return Kpi(
            "Year-end projection",
            "not projected",
            "the figure covers part of the brand only",
            "",
            None,
            "",
            help=f"{help_text} Not made here: {o.coverage_note}.",
        )
    if o.projection is None or o.run_rate is None:
        return Kpi("Year-end projection", "no data", None, "", None, "", help=help_text)
    return Kpi(
        "Year-end projection",
        f"≈{fmt_int(o.projection)}",
        f"at {fmt_int(o.run_rate)}/month ({o.window_text})",
        "estimate",
        None,
        "evdash projection: delivered + mean of the most recent months × months left",
        help=(
            f"{help_text} Window: the {labels.count(o.window_months_used, 'most recent month')} covered "
            f"({o.window_text})."
        ),
    )


def _required_kpi(o: Outlook) -> Kpi:
    label = "Required rate · month reached"
    help_text = "Required monthly rate = (current target − delivered) ÷ months left in the year."
    month = MONTH_NAMES[(o.reached_month or 12) - 1]
    reached = REACHED_TEXT[o.reached_basis].format(month=month)
    if o.current_target is None:
        return Kpi(label, "—", "no target", "", None, "", help=help_text)
    if o.target_met or o.elapsed == MONTHS_IN_YEAR:
        value = "Target met" if o.target_met else f"Missed by {fmt_int(o.shortfall)}"
        return Kpi(label, value, reached, "", None, "", help=help_text)
    start = MONTH_NAMES[(o.required_from_month or 1) - 1]
    return Kpi(
        label,
        f"{fmt_int(o.required_rate)}/month",
        f"needed from {start} · {reached}",
        "estimate",
        None,
        "(current target − delivered) ÷ months left",
        help=help_text,
    )
