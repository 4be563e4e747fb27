"""Expansion map: the measures a user can colour the map by (the allow-list), status labels, and the frame
shaping behind the map and its ranking table. No Streamlit; one function reads the database: `map_frame`
runs the map query the chosen measure needs on the connection it is given (the rest are pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd

from evdash import confidence as conf
from evdash import labels, queries
from evdash.theme import CONFIDENCE_LABEL, fmt_int, fmt_pct


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    kind: Literal["sequential", "categorical"]
    unit: str  # shown in the legend / colour bar title
    query: str  # which map query feeds it (map_frame dispatches on this)
    metric: str | None = None  # v_market_metrics metric for query "metric"
    uses_year: bool = False
    diverging: bool = False  # growth can be negative


# The allow-list: a measure name from a URL or widget must be one of these keys.
MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("status", "Expansion status", "categorical", "status", "status"),
        Measure(
            "ev_sales",
            labels.METRIC["new_ev_sales"],
            "sequential",
            "cars per year",
            "metric",
            "new_ev_sales",
            True,
        ),
        Measure(
            "bev_sales",
            labels.METRIC["bev_sales"],
            "sequential",
            "cars per year",
            "metric",
            "bev_sales",
            True,
        ),
        Measure(
            "ev_share",
            labels.METRIC["ev_share_pct"],
            "sequential",
            "% of new cars",
            "metric",
            "ev_share_pct",
            True,
        ),
        Measure(
            "bev_share",
            labels.METRIC["bev_share_pct"],
            "sequential",
            "% of new cars",
            "metric",
            "bev_share_pct",
            True,
        ),
        Measure(
            "ev_growth",
            labels.METRIC["ev_growth_pct"],
            "sequential",
            "% vs prior year",
            "growth",
            None,
            True,
            True,
        ),
        # The country's own latest figure on a broad definition (not a year's: few markets publish one).
        Measure(
            "suv_share",
            "SUV share of new cars (latest, broad definition)",
            "sequential",
            "% of new cars",
            "suv",
        ),
        Measure("tariff", "Import duty on the brand's cars", "sequential", "% of customs value", "tariff"),
        Measure("stores", "Brand's car stores", "sequential", "stores", "stores"),
    )
}

# Statuses in the order of the legend (closest to the brand first) with their display labels (their
# home is evdash.labels).
STATUS_LABELS: dict[str, str] = dict(labels.STATUS)


def measure(code: str) -> Measure:
    """The measure for `code`; raises ValueError for anything not on the allow-list."""
    try:
        return MEASURES[code]
    except KeyError:
        raise ValueError(f"unknown measure '{code}'; choose one of {', '.join(MEASURES)}") from None


MAP_COLUMNS = (
    "iso3",
    "country",
    "evdash_region",
    "value",
    "category",
    "period",
    "detail",
    "confidence",
    "as_of",
    "source_url",
)


def tariff_map_frame(countries: pd.DataFrame, burden: pd.DataFrame) -> pd.DataFrame:
    """Put `tariff_burden.sql` rows onto the country list (`countries`: any map frame, for iso3/country/
    region). Countries without a duty line keep value NaN (no data), never 0."""
    base = countries[["iso3", "country", "evdash_region"]].copy()
    b = burden.rename(columns={"market_code": "iso3"})
    merged = base.merge(b.drop(columns=["country"], errors="ignore"), on="iso3", how="left")
    merged["value"] = merged["total_pct"].astype("Float64")
    merged["category"] = None
    merged["period"] = merged["on_date"].astype("string")
    merged["detail"] = merged["duty_lines"]
    at_least = merged["total_is_at_least"].fillna(False).astype(bool)
    merged["confidence"] = merged["confidence"].where(~at_least | merged["value"].isna(), "lower_bound")
    return merged


def value_label(row: pd.Series, m: Measure) -> str:
    """Text for one map row: '≥ 11,000,000', '20.4%', 'Announced', 'no data'."""
    if m.kind == "categorical":
        cat = row.get("category")
        return STATUS_LABELS.get(str(cat), str(cat)) if isinstance(cat, str) else "no data"
    value = row.get("value")
    if value is None or pd.isna(value):
        return "no data"
    at_least = row.get("confidence") == "lower_bound"
    if m.unit.startswith("%"):
        text = fmt_pct(float(value))
        if m.code == "ev_growth" and float(value) > 0:
            text = "+" + text
        if m.code == "tariff":
            low = row.get("total_min_pct")
            if low is not None and not pd.isna(low) and float(low) != float(value):
                text = f"{fmt_pct(float(low))}–{text}"
        return ("≥ " + text) if at_least else text
    return fmt_int(float(value), at_least)


def ranking_table(frame: pd.DataFrame, m: Measure, region: str) -> pd.DataFrame:
    """The ranking beside the map: countries of `region` ('world' = all) that have data for the measure,
    best first (highest value; for status, closest to the brand), with a text label and provenance."""
    part = frame if region == "world" else frame[frame["evdash_region"] == region]
    if m.kind == "categorical":
        part = part[part["category"].notna()].copy()
        order = {code: i for i, code in enumerate(STATUS_LABELS)}
        part["_rank"] = part["category"].map(order)
        part = part.sort_values(["_rank", "period", "country"], ascending=[True, False, True])
    else:
        part = part[part["value"].notna()].copy()
        part = part.sort_values(["value", "country"], ascending=[False, True])
    out = pd.DataFrame(
        {
            "rank": range(1, len(part) + 1),
            "iso3": part["iso3"].to_numpy(),
            "country": part["country"].to_numpy(),
            "region": part["evdash_region"].to_numpy(),
            m.code: (part["category"] if m.kind == "categorical" else part["value"]).to_numpy(),
            "shown_as": [value_label(r, m) for _, r in part.iterrows()],
            "period": part["period"].to_numpy(),
            "confidence": [CONFIDENCE_LABEL.get(str(c), str(c)) for c in part["confidence"]],
            "detail": part["detail"].to_numpy(),
            "as_of": part["as_of"].to_numpy(),
            "source_url": part["source_url"].to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def default_year(years: pd.DataFrame, coverage: float = 0.75) -> int | None:
    """The latest year in which at least `coverage` of the best-covered year's countries report (with the
    IEA's history 2020-2023 all cover 48 countries and 2024 covers 45, so 2024 rather than 2023; 2025,
    with 17, is too thin to open on); None when there is no data."""
    if years.empty:
        return None
    enough = years[years["countries"] >= coverage * years["countries"].max()]
    return int(enough["year"].max())


def with_labels(frame: pd.DataFrame, m: Measure) -> pd.DataFrame:
    """The map frame plus `shown_as` (the value as text, '≥' for lower bounds) and a readable confidence."""
    out = frame.copy()
    out["shown_as"] = [value_label(r, m) for _, r in out.iterrows()]
    out["confidence"] = [
        CONFIDENCE_LABEL.get(str(c), "") if isinstance(c, str) else "" for c in out["confidence"]
    ]
    return out


def with_history(table: pd.DataFrame, history: pd.DataFrame, key: str = "iso3") -> pd.DataFrame:
    """`table` plus `ev_share_history`: the market's EV share of new cars per year, oldest first (actual
    figures only, from queries/market_history.sql), for a sparkline; an empty list when there is none."""
    actual = history[history["kind"] == "actual"].sort_values("year")
    series = {code: [float(v) for v in rows["value"]] for code, rows in actual.groupby("market_code")}
    years = {
        code: f"{int(rows['year'].min())}–{int(rows['year'].max())}"
        for code, rows in actual.groupby("market_code")
    }
    out = table.copy()
    out["ev_share_history"] = [series.get(code, []) for code in out[key]]
    out["ev_share_years"] = [years.get(code, "") for code in out[key]]
    return out


@dataclass(frozen=True)
class DutySummary:
    """The import duty of one country as a page shows it: `headline` ('30.7%', '6.1%–106.1%', '≥ 40%–80%',
    'no duty data') for a metric, `detail` for its help text or a sentence ('base 10% + additional 20.7%'
    or each case with its total), `cases` when the duty depends on an unsettled fact."""

    headline: str
    detail: str
    known: bool
    cases: tuple[str, ...] = ()


def duty_summary(burden_row: pd.Series | None) -> DutySummary:
    """The DutySummary of one tariff_burden.sql row; 'no duty data' when None (unknown, never zero)."""
    if burden_row is None or pd.isna(burden_row.get("total_pct")):
        return DutySummary("no duty data", "no import duty in force for this car in the data", False)
    total = fmt_pct(float(burden_row["total_pct"]))
    low = burden_row.get("total_min_pct")
    if low is not None and not pd.isna(low) and float(low) != float(burden_row["total_pct"]):
        total = f"{fmt_pct(float(low))}–{total}"
    if bool(burden_row.get("total_is_at_least")):
        total = "≥ " + total
    cases_text = burden_row.get("cases")
    if isinstance(cases_text, str) and cases_text:
        cases = tuple(cases_text.split(" · "))
        return DutySummary(total, "; ".join(cases), True, cases)
    base = burden_row.get("base_pct")
    base_text = "base unknown" if base is None or pd.isna(base) else f"base {fmt_pct(float(base))}"
    return DutySummary(
        total, f"{base_text} + additional {fmt_pct(float(burden_row['additional_pct']))}", True
    )


def row_for(frame: pd.DataFrame, key_col: str, key: str) -> pd.Series | None:
    """The first row of `frame` whose `key_col` equals `key`, or None."""
    hits = frame[frame[key_col] == key]
    return None if hits.empty else hits.iloc[0]


def latest_metric(stats: pd.DataFrame, metric: str, percent: bool) -> tuple[str, str | None]:
    """(text, provenance) of the latest year's figure for `metric` in an expansion_country_stats frame:
    ('≥ 11,000,000', '2024 · At least (lower bound) · https://…'); ('no data', None) when absent."""
    rows = stats[stats["metric"] == metric].sort_values("year")
    if rows.empty:
        return "no data", None
    row = rows.iloc[-1]
    value = float(row["value"])
    at_least = str(row["confidence"]) == "lower_bound"
    text = (("≥ " if at_least else "") + fmt_pct(value)) if percent else fmt_int(value, at_least)
    label = CONFIDENCE_LABEL.get(str(row["confidence"]), "")
    return text, f"{int(row['year'])} · {label} · {row['source_url']}"


def registrations_line(published: pd.DataFrame) -> str:
    """The published brand/model registrations of one market in one line, newest span first per subject:
    'Tesla 34,285 (2025, 19.1% of the market); Tesla Model Y > 21,500 (Jan–Nov 2025)'; '' when none.
    Input: queries/brand_registrations_known.sql; market totals and 'none found' rows are left out."""
    rows = published[(published["subject_kind"] != "market") & published["units"].notna()]
    parts = []
    for subject, group in rows.groupby("subject", sort=True):
        r = group.sort_values(["month_to", "month_from"], ascending=[False, True]).iloc[0]
        units = ("> " if r["qualifier"] == "more_than" else "") + f"{int(r['units']):,}"
        share = "" if pd.isna(r["share_pct"]) else f", {float(r['share_pct']):.1f}% of the market"
        parts.append(f"{subject} {units} ({labels.span(r['month_from'], r['month_to'])}{share})")
    return "; ".join(parts)


def registrations_for_people(published: pd.DataFrame) -> pd.DataFrame:
    """Published registrations (queries/brand_registrations_known.sql) as a table shows them: the period
    as a person reads it ('Jan–Nov 2025'), what is counted, the source's wording and the confidence as
    labels. The table and its download both show this."""
    out = labels.for_people(
        published,
        subject_kind=labels.SUBJECT_KIND,
        qualifier=labels.QUALIFIER,
        confidence=labels.CONFIDENCE,
    )
    out["period_label"] = [
        labels.span(a, b) for a, b in zip(published["month_from"], published["month_to"], strict=True)
    ]
    return out


def national_for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """Registrations published by a national registration office (queries/national_registrations_*.sql)
    as a table shows them: what is counted, the source's wording and the confidence as labels; the ranking
    and id columns left out. The table and its download both show this."""
    return labels.for_people(
        frame,
        drop=tuple(c for c in ("subject", "brand_id", "rank") if c in frame.columns),
        powertrain=labels.NATIONAL_POWERTRAIN,
        qualifier=labels.QUALIFIER,
        confidence=labels.CONFIDENCE,
    )


def national_provenance(frame: pd.DataFrame) -> str:
    """'KBA FZ 10, BEV (mit Elektroantrieb) · Reported · as of 8 Jan 2026 · source: Kraftfahrt-Bundesamt
    (KBA) (https://…)': what the figures count, their weakest confidence, newest publication and sources,
    for the caption above a national registration office's figures. Empty frame: ''."""
    if frame.empty:
        return ""
    scopes = "; ".join(sorted(set(frame["scope_note"].dropna())))
    confidence = labels.label(labels.CONFIDENCE, conf.worst(frame["confidence"]))
    pairs = sorted(set(zip(frame["publisher"], frame["source_url"], strict=True)))
    sources = "; ".join(f"{p} ({u})" for p, u in pairs)
    return f"{scopes} · {confidence} · as of {labels.day(frame['as_of'].max())} · source: {sources}"


def timeline_for_people(timeline: pd.DataFrame) -> pd.DataFrame:
    """The country timeline (queries/expansion_country_timeline.sql) as a person reads it: `kind` is
    'Status: Announced' for a status and the event's label ('Launch', 'Orders') for an event; the
    confidence is its label. The table and its download both show this."""
    out = labels.for_people(timeline, confidence=labels.CONFIDENCE)
    out["kind"] = [
        f"Status: {labels.label(labels.STATUS, k.removeprefix('status: '))}"
        if str(k).startswith("status: ")
        else labels.label(labels.EVENT, k)
        for k in timeline["kind"]
    ]
    return out


def map_frame(
    con: duckdb.DuckDBPyConnection, brand: str, code: str, year: int, on_date: dt.date, powertrain: str
) -> pd.DataFrame:
    """One row per ISO country with `value` (quantities) or `category` (status) for the measure `code`,
    which must be on the allow-list `MEASURES` (ValueError otherwise): the measure decides which query
    feeds the map. Columns: MAP_COLUMNS+. Run through `ui.query` like a query function."""
    spec = measure(code)
    if spec.query == "status":
        return queries.expansion_map_status(con, brand, on_date)
    if spec.query == "metric" and spec.metric is not None:
        return queries.expansion_map_metric(con, spec.metric, year)
    if spec.query == "growth":
        return queries.expansion_map_growth(con, year)
    if spec.query == "stores":
        return queries.expansion_map_stores(con, brand, on_date)
    if spec.query == "suv":
        return queries.expansion_map_suv(con)
    countries = queries.expansion_map_status(con, brand, on_date)
    return tariff_map_frame(countries, queries.tariff_burden(con, brand, on_date, powertrain))
