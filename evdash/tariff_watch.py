"""Tariff-change watch: every rule change in the data (import duty, tariff-rate quota, VAT, VAT relief,
purchase incentive) in a window around the in-force date, with what it does to a car — the landed price
the day before and the day it takes effect (the one pricing chain, `pricing_service.pricing_view`) and
the market's rank on those two days (the Market ranking page's chain, `ranking_service.default_ranking`).

The Pricing page shows `watch` for its car; "what changed" and the alert "a duty or VAT change in force
within N days" call `changes_within`. No Streamlit: pass `ui.reader(ctx)` from a page,
`pricing_service.ConnectionReader(con)` elsewhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from evdash import labels, pricing_service, queries, ranking_service
from evdash.pricing_service import Reader

# What kind of rule changed (`kind`), in words (`rule_kind`).
RULE_KINDS: Mapping[str, str] = {
    "duty": "Import duty",
    "quota": "Tariff-rate quota",
    "vat": "VAT",
    "vat_relief": "VAT relief",
    "incentive": "Purchase incentive",
}
RANK_COLUMNS = ("rank_before", "rank_after", "markets_ranked")  # empty unless `with_ranks`
PAST_DAYS = 365  # "the past 12 months": from the same day a year before the in-force date
COLUMNS = (
    "on_date",
    "market_code",
    "market_name",
    "kind",
    "rule_kind",
    "what_changed",
    "before",
    "after",
    "when",
    "status",
    "currency",
    "landed_before",
    "landed_after",
    "landed_change",
    "landed_low_before",
    "landed_low_after",
    "landed_low_change",
    "after_incentive_before",
    "after_incentive_after",
    "after_incentive_change",
    "rank_before",
    "rank_after",
    "markets_ranked",
    "price_note",
    "source_url",
    "confidence",
    "as_of",
)


@dataclass(frozen=True)
class WatchScenario:
    """The car watched and where. `variant` names the car (else `model`'s entry variant, as in
    `PricingScenario`); `markets` None = every market the data prices. The window runs from
    `date_from` (None: a year before `on`) to `date_to` (None: every announced change)."""

    on: dt.date
    variant: str = ""
    model: str = ""
    markets: tuple[str, ...] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kinds: tuple[str, ...] = tuple(RULE_KINDS)
    currency: str = pricing_service.DEFAULT_CURRENCY
    duty_class: str = ""
    freight_pct: float = pricing_service.DEFAULT_FREIGHT_PCT
    freight_amount: float = 0.0
    strip_origin_vat: bool = True
    with_ranks: bool = True  # rank the markets on each change day (the costly part: a ranking per day)


def year_before(on: dt.date) -> dt.date:
    """The same day a year before `on` (28 Feb for 29 Feb): the first day of "the past 12 months"."""
    try:
        return on.replace(year=on.year - 1)
    except ValueError:
        return on.replace(year=on.year - 1, day=28)


LAST_DAY = dt.date(9999, 12, 30)  # "every announced change": no end to the window


def window(scenario: WatchScenario) -> tuple[dt.date, dt.date]:
    """The first and last day a change may take effect to be listed."""
    return (
        scenario.date_from if scenario.date_from is not None else year_before(scenario.on),
        scenario.date_to if scenario.date_to is not None else LAST_DAY,
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _value(value: object, unit: str) -> str:
    if _missing(value):
        return "none"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:g}%" if unit == "%" else f"{unit} {number:,.0f}"


RULE_CHANGE_COLUMNS = [
    "on_date", "market_code", "kind", "what_changed", "before", "after", "status", "source_url",
    "confidence", "as_of",
]  # fmt: skip


def rule_changes(reader: Reader, scenario: WatchScenario, origin: pd.Series, duty_class: str) -> pd.DataFrame:
    """Every rule change for the car `origin` in the scenario's window and markets, without prices: one
    row per market × date × kind (a duty row gathers every duty line moving that day)."""
    start, end = window(scenario)
    home, powertrain = str(origin["production_country"]), str(origin["powertrain"])
    rows = [
        *_duty_changes(reader, scenario, home, powertrain, duty_class, (start, end)),
        *_tax_changes(reader, scenario, powertrain, (start, end)),
    ]
    frame = pd.DataFrame.from_records(rows, columns=RULE_CHANGE_COLUMNS)
    frame = frame[frame["kind"].isin(scenario.kinds)]
    return frame.sort_values(["on_date", "market_code", "kind"], kind="stable").reset_index(drop=True)


def _duty_changes(
    reader: Reader,
    scenario: WatchScenario,
    home: str,
    powertrain: str,
    duty_class: str,
    dates: tuple[dt.date, dt.date],
) -> list[dict[str, object]]:
    """The duty and quota changes for a car made in `home` within `dates`: one row per market × day the
    duty on the car moves (lines that move without changing the car's duty are left out)."""
    moves = reader.query(
        queries.tariff_watch_duty_moves,
        origin=home,
        duty_class=duty_class,
        powertrain=powertrain,
        date_from=dates[0],
        date_to=dates[1],
    )
    if scenario.markets is not None:
        moves = moves[moves["market_code"].isin(scenario.markets)]
    rows: list[dict[str, object]] = []
    for market in sorted(set(moves["market_code"])):
        # the duty before and after each change: the one rule of the Pricing page's duty-change list
        changes = reader.query(
            queries.pricing_duty_changes,
            origin=home,
            duty_class=duty_class,
            powertrain=powertrain,
            country=market,
        )
        by_date = {
            pd.Timestamp(d).date(): r for d, r in zip(changes["on_date"], changes.itertuples(), strict=True)
        }
        for move in moves[moves["market_code"] == market].itertuples():
            change = by_date.get(pd.Timestamp(move.on_date).date())
            if change is None:  # lines moved but the duty on this car stayed the same
                continue
            rows.append(
                {
                    "on_date": pd.Timestamp(move.on_date).date(),
                    "market_code": market,
                    "kind": "quota" if move.is_quota else "duty",
                    "what_changed": change.what_changed,
                    "before": change.duty_before,
                    "after": change.duty_after,
                    "status": move.statuses,
                    "source_url": move.source_url,
                    "confidence": move.confidence,
                    "as_of": move.as_of,
                }
            )
    return rows


def _tax_changes(
    reader: Reader, scenario: WatchScenario, powertrain: str, dates: tuple[dt.date, dt.date]
) -> list[dict[str, object]]:
    """The VAT, VAT relief and purchase-incentive changes within `dates`: one row per rule change, its
    value before and after in words ('none' where the rule starts or ends)."""
    taxes = reader.query(
        queries.tariff_watch_tax_changes, powertrain=powertrain, date_from=dates[0], date_to=dates[1]
    )
    if scenario.markets is not None:
        taxes = taxes[taxes["market_code"].isin(scenario.markets)]
    rows: list[dict[str, object]] = []
    for tax in taxes.to_dict("records"):
        starts, ends = _missing(tax["value_before"]), _missing(tax["value_after"])
        rows.append(
            {
                "on_date": pd.Timestamp(tax["on_date"]).date(),
                "market_code": tax["market_code"],
                "kind": tax["rule_kind"],
                "what_changed": f"{tax['rule']} " + ("starts" if starts else "ends" if ends else "changes"),
                "before": _value(tax["value_before"], str(tax["unit"])),
                "after": _value(tax["value_after"], str(tax["unit"])),
                "status": tax["status"],
                "source_url": tax["source_url"],
                "confidence": tax["confidence"],
                "as_of": tax["as_of"],
            }
        )
    return rows


def _priced(
    reader: Reader, scenario: WatchScenario, duty_class: str, on: dt.date, markets: list[str]
) -> pd.DataFrame:
    """The car's landed price in `markets` on `on` (`PricingView.by_market`), empty when the car has no
    price at home on that day."""
    try:
        view = pricing_service.pricing_view(
            reader,
            pricing_service.PricingScenario(
                on=on,
                variant=scenario.variant,
                model=scenario.model,
                markets=tuple(markets),
                currency=scenario.currency,
                duty_class=duty_class,
                freight_pct=scenario.freight_pct,
                freight_amount=scenario.freight_amount,
                strip_origin_vat=scenario.strip_origin_vat,
                detail=False,
            ),
        )
    except IndexError:
        return pd.DataFrame(columns=["market_code"])
    return view.by_market


def _ranked(
    reader: Reader, model: str, duty_class: str, freight_pct: float, on: dt.date
) -> ranking_service.Ranking | None:
    try:
        return ranking_service.default_ranking(reader, on, model, duty_class, freight_pct)
    except IndexError:  # the model has no price at home on that day
        return None


def _number(frame: pd.DataFrame, market: str, column: str) -> float:
    row = frame[frame["market_code"] == market] if "market_code" in frame.columns else frame.iloc[0:0]
    if row.empty or column not in row.columns:
        return math.nan
    value = row[column].iloc[0]
    return math.nan if value is None or pd.isna(value) else float(value)


def watch(reader: Reader, scenario: WatchScenario) -> pd.DataFrame:
    """Every rule change of the scenario's window (`COLUMNS`): what changed (old → new), source and
    confidence; the landed price the day before and the day it takes effect, in `currency` (`landed_*`:
    the highest duty case, the one the ranking scores; `landed_low_*`: the lowest; `after_incentive_*`:
    for a buyer who qualifies) and their difference; the market's rank the day before and that day
    among the markets the Market ranking compares by default (empty where it is not ranked) and how many
    were ranked; `when`: 'announced' after `on`, 'took effect' otherwise."""
    cat = pricing_service.catalogue(reader, scenario.on)
    origin = pricing_service.origin_row(
        cat, pricing_service.PricingScenario(scenario.on, scenario.variant, scenario.model)
    )
    duty_class = scenario.duty_class or str(origin["tariff_company"])
    changes = rule_changes(reader, scenario, origin, duty_class)
    model = str(origin["model_id"])
    # The ranking is run only on the days a market it compares changes (the brand's plan markets).
    entry = cat.entry[cat.entry["model_id"] == model]
    compared = (
        set(ranking_service.universe(reader, cat, model, scenario.on).plan_markets)
        if scenario.with_ranks and not entry.empty
        else set()
    )
    records: list[dict[str, object]] = []
    for on_date, group in changes.groupby("on_date", sort=True):
        day = pd.Timestamp(on_date).date()  # type: ignore[arg-type]
        records += _day_records(reader, scenario, group, day, origin, duty_class, compared)
    out = pd.DataFrame.from_records(
        records, columns=[c for c in changes.columns] + [c for c in COLUMNS if c not in changes.columns]
    )
    return _in_words(out, cat.market_names, scenario)[list(COLUMNS)]


def _day_records(
    reader: Reader,
    scenario: WatchScenario,
    group: pd.DataFrame,
    day: dt.date,
    origin: pd.Series,
    duty_class: str,
    compared: set[str],
) -> list[dict[str, object]]:
    """The changes taking effect on `day` (`group`), each with the car's landed price in its market the
    day before and that day and their difference, and its rank on both days where the ranking compares
    the market (`compared`: the ranking runs only then)."""
    model = str(origin["model_id"])
    markets = sorted(set(group["market_code"]))
    before = _priced(reader, scenario, duty_class, day - dt.timedelta(days=1), markets)
    after = _priced(reader, scenario, duty_class, day, markets)
    ranked = compared.intersection(markets)
    rank_before = (
        _ranked(reader, model, duty_class, scenario.freight_pct, day - dt.timedelta(days=1))
        if ranked
        else None
    )
    rank_after = _ranked(reader, model, duty_class, scenario.freight_pct, day) if ranked else None
    records: list[dict[str, object]] = []
    for row in group.to_dict("records"):
        market = str(row["market_code"])
        record: dict[str, object] = {str(k): v for k, v in row.items()}
        for name, column in (
            ("landed", "landed"),
            ("landed_low", "landed_low"),
            ("after_incentive", "landed_after_incentive"),
        ):
            old, new = _number(before, market, column), _number(after, market, column)
            record[f"{name}_before"], record[f"{name}_after"], record[f"{name}_change"] = (
                old,
                new,
                new - old,
            )
        record["price_note"] = _price_note(before, after, market, origin, day)
        record["rank_before"] = rank_before.rank_of(market) if rank_before else None
        record["rank_after"] = rank_after.rank_of(market) if rank_after else None
        record["markets_ranked"] = len(rank_after.result.table) if rank_after else None
        records.append(record)
    return records


def _in_words(out: pd.DataFrame, market_names: Mapping[str, str], scenario: WatchScenario) -> pd.DataFrame:
    """The watch's rows as a person reads them: the market's name, the kind of rule and its statuses in
    words, 'announced' or 'took effect', the currency; ranks as whole numbers (missing where unranked)."""
    out["market_name"] = [market_names.get(str(m), str(m)) for m in out["market_code"]]
    out["rule_kind"] = [labels.label(RULE_KINDS, k) for k in out["kind"]]
    out["when"] = ["announced" if d > scenario.on else "took effect" for d in out["on_date"]]
    out["currency"] = scenario.currency
    out["status"] = [
        ", ".join(labels.label(labels.DUTY_STATUS, s.strip()) for s in str(v).split(","))
        for v in out["status"]
    ]
    for column in ("rank_before", "rank_after", "markets_ranked"):
        out[column] = out[column].astype("Int64")
    return out


def _price_note(
    before: pd.DataFrame, after: pd.DataFrame, market: str, origin: pd.Series, day: dt.date
) -> str:
    """Why a change has no landed price: the car had no price at home, or an FX rate is missing."""
    for frame, on in ((before, day - dt.timedelta(days=1)), (after, day)):
        if frame.empty or market not in set(frame["market_code"]):
            return f"No price at home for the {origin['model_name']} on {labels.day(on)} in the data."
        error = frame.loc[frame["market_code"] == market, "error"].iloc[0] if "error" in frame.columns else ""
        if isinstance(error, str) and error:
            return error
    return ""


def changes_within(
    reader: Reader,
    on: dt.date,
    *,
    past_days: int = 0,
    next_days: int = 0,
    model: str = pricing_service.DEFAULT_MODEL,
    markets: tuple[str, ...] | None = None,
    kinds: tuple[str, ...] = tuple(RULE_KINDS),
    currency: str = pricing_service.DEFAULT_CURRENCY,
) -> pd.DataFrame:
    """`watch` for `model` (its entry variant) over the changes taking effect from `past_days` before `on`
    to `next_days` after it (both ends included): "what changed" since a date, or the alert "a duty or
    VAT change in force within N days" (`kinds=("duty", "quota", "vat", "vat_relief")`, `markets`
    the watched markets)."""
    return watch(
        reader,
        WatchScenario(
            on=on,
            model=model,
            markets=markets,
            date_from=on - dt.timedelta(days=past_days),
            date_to=on + dt.timedelta(days=next_days),
            kinds=kinds,
            currency=currency,
        ),
    )
