"""Tariff-change watch (evdash.tariff_watch) on the real seeds: each rule change with the landed-price change
it causes (two results of the one pricing chain) and the market's rank on both days; the window; the
Pricing page's section. Every date, rate and car is read from data/seeds, never typed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import db, labels, pricing_service, ranking_service, tariff_watch
from tests.conftest import open_page, shown

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "data" / "seeds"
TARIFFS = pd.read_csv(SEEDS / "tariffs.csv", parse_dates=["effective_from"])
BRANDS = pd.read_csv(SEEDS / "brands.csv").set_index("brand_id")
PRICES = pd.read_csv(SEEDS / "prices.csv", parse_dates=["effective_from"])
VARIANTS = pd.read_csv(SEEDS / "variants.csv")
MODELS = pd.read_csv(SEEDS / "models.csv").set_index("model_id")
RELIEFS = pd.read_csv(SEEDS / "vat_reliefs.csv", parse_dates=["effective_from"])
SOURCES = pd.read_csv(SEEDS / "sources.csv").set_index("source_id")
MEMBERS = pd.read_csv(SEEDS / "market_group_members.csv")

XIAOMI_CLASS = str(BRANDS.at["xiaomi", "tariff_company"])
# The EU countervailing (anti-subsidy) duty for Xiaomi's class: its first day, in Germany (an EU member).
EU_CVD = TARIFFS[
    (TARIFFS["market_code"] == "EU27")
    & (TARIFFS["applies_to"] == XIAOMI_CLASS)
    & TARIFFS["measure"].str.contains("countervailing")
]
CVD_DAY = EU_CVD["effective_from"].min().date()
EU_MEMBER = "DEU"
assert EU_MEMBER in set(MEMBERS.loc[MEMBERS["group_code"] == "EU27", "member_iso3"])
# A Xiaomi car priced at home before that day (the change is priced the day before and that day).
_home = PRICES.merge(VARIANTS[["variant_id", "model_id"]], on="variant_id")
_home = _home[
    (_home["market_code"] == "CHN")
    & _home["model_id"].map(lambda m: MODELS.at[m, "brand_id"] == "xiaomi")
    & (_home["effective_from"].dt.date < CVD_DAY)
]
EARLY_VARIANT = str(_home.sort_values(["effective_from", "variant_id"])["variant_id"].iloc[0])
# Norway's announced VAT-relief thresholds (status planned): future changes.
PLANNED = RELIEFS[RELIEFS["status"] == "planned"].sort_values("effective_from")
PLANNED_MARKET = str(PLANNED["market_code"].iloc[0])
FIRST_PLANNED = PLANNED["effective_from"].iloc[0].date()


@pytest.fixture
def reader(seed_db_path: Path) -> Iterator[pricing_service.ConnectionReader]:
    con: duckdb.DuckDBPyConnection = db.connect_readonly(seed_db_path)
    try:
        yield pricing_service.ConnectionReader(con)
    finally:
        con.close()


def _landed(
    reader: pricing_service.ConnectionReader, variant: str, market: str, on: dt.date
) -> tuple[float, float, float]:
    """The Pricing page's estimate for the car in the market on `on`: highest case, lowest case, after
    the purchase incentive (highest case)."""
    view = pricing_service.pricing_view(
        reader, pricing_service.PricingScenario(on=on, variant=variant, markets=(market,))
    )
    assert view.landed is not None
    return view.landed.high.total, view.landed.low.total, view.landed.high.after_incentive


def _check_prices(reader: pricing_service.ConnectionReader, row: pd.Series, variant: str) -> None:
    day = row["on_date"]
    before = _landed(reader, variant, str(row["market_code"]), day - dt.timedelta(days=1))
    after = _landed(reader, variant, str(row["market_code"]), day)
    for i, name in enumerate(("landed", "landed_low", "after_incentive")):
        assert row[f"{name}_before"] == pytest.approx(before[i])
        assert row[f"{name}_after"] == pytest.approx(after[i])
        assert row[f"{name}_change"] == pytest.approx(after[i] - before[i])


def test_eu_anti_subsidy_duty_with_its_landed_price_change_and_rank(
    reader: pricing_service.ConnectionReader,
) -> None:
    on = CVD_DAY + dt.timedelta(days=30)
    frame = tariff_watch.watch(
        reader, tariff_watch.WatchScenario(on=on, variant=EARLY_VARIANT, markets=(EU_MEMBER,))
    )
    row = frame[(frame["on_date"] == CVD_DAY) & (frame["kind"] == "duty")].iloc[0]
    assert row["market_code"] == EU_MEMBER and row["when"] == "took effect"
    assert "countervailing" in row["what_changed"]
    for rate in EU_CVD["rate_pct"]:  # each case's new duty: base + the class's CVD
        base = TARIFFS.loc[TARIFFS["tariff_id"] == "eu27_base_cars", "rate_pct"].iloc[0]
        assert f"{base + rate:g}%" in row["after"]
    for source in EU_CVD["source_id"]:
        assert str(SOURCES.at[source, "url"]) in row["source_url"]
    _check_prices(reader, row, EARLY_VARIANT)
    assert row["landed_change"] > 0  # a duty started: the car costs more
    assert row["currency"] == pricing_service.DEFAULT_CURRENCY
    # the rank on both days is the Market ranking's (its default scenario) for the car's model
    model = str(VARIANTS.set_index("variant_id").at[EARLY_VARIANT, "model_id"])
    for column, day in (("rank_before", CVD_DAY - dt.timedelta(days=1)), ("rank_after", CVD_DAY)):
        ranked = ranking_service.default_ranking(reader, day, model)
        assert EU_MEMBER in ranked.ranked_markets
        assert row[column] == ranked.rank_of(EU_MEMBER)
        assert 1 <= row[column] <= row["markets_ranked"]


def test_announced_future_changes_are_listed_with_their_price_change(
    reader: pricing_service.ConnectionReader,
) -> None:
    on = FIRST_PLANNED - dt.timedelta(days=30)
    frame = tariff_watch.watch(
        reader,
        tariff_watch.WatchScenario(
            on=on, variant=pricing_service.DEFAULT_VARIANT, markets=(PLANNED_MARKET,), kinds=("vat_relief",)
        ),
    )
    planned = frame[frame["when"] == "announced"]
    assert list(planned["on_date"]) == [d.date() for d in PLANNED["effective_from"]]
    assert set(planned["status"]) == {"Planned"}
    first = planned.iloc[0]
    threshold = PLANNED.iloc[0]
    assert first["after"] == f"{threshold['currency']} {threshold['exempt_up_to']:,.0f}"
    _check_prices(reader, first, pricing_service.DEFAULT_VARIANT)
    assert first["landed_change"] > 0  # a lower VAT-free threshold: more VAT


def test_past_twelve_months_boundary(reader: pricing_service.ConnectionReader) -> None:
    """A change exactly 12 months before the in-force date is listed; one day older is not."""
    a_year_on = FIRST_PLANNED.replace(year=FIRST_PLANNED.year + 1)

    def listed(on: dt.date) -> bool:
        frame = tariff_watch.watch(
            reader,
            tariff_watch.WatchScenario(
                on=on,
                variant=pricing_service.DEFAULT_VARIANT,
                markets=(PLANNED_MARKET,),
                kinds=("vat_relief",),
                date_to=on,
            ),
        )
        return FIRST_PLANNED in set(frame["on_date"])

    assert listed(a_year_on)
    assert not listed(a_year_on + dt.timedelta(days=1))


def test_changes_within_next_days(reader: pricing_service.ConnectionReader) -> None:
    """The alert's call: a change `next_days` ahead is in, one day short of it is not."""
    on = FIRST_PLANNED - dt.timedelta(days=10)

    def dates(next_days: int) -> set[dt.date]:
        frame = tariff_watch.changes_within(
            reader, on, next_days=next_days, markets=(PLANNED_MARKET,), kinds=("vat_relief", "vat", "duty")
        )
        return set(frame["on_date"])

    assert FIRST_PLANNED in dates(10)
    assert FIRST_PLANNED not in dates(9)


PAGE_ON = dt.date(2026, 12, 7)


def _quiet_market(reader: pricing_service.ConnectionReader) -> str:
    """A European market with no rule change for the default car in the year before PAGE_ON or later."""
    for market in sorted(MEMBERS.loc[MEMBERS["group_code"] == "EU27", "member_iso3"]):
        scenario = tariff_watch.WatchScenario(
            on=PAGE_ON, variant=pricing_service.DEFAULT_VARIANT, markets=(str(market),)
        )
        if tariff_watch.watch(reader, scenario).empty:
            return str(market)
    raise AssertionError("every EU market has a rule change")


def _watch_table(at: object) -> pd.DataFrame | None:
    return next((df.value for df in at.dataframe if "rule_kind" in df.value.columns), None)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("app_env")
def test_page_lists_the_markets_changes(reader: pricing_service.ConnectionReader) -> None:
    at = open_page(
        "pages/pricing.py",
        {"variant": pricing_service.DEFAULT_VARIANT, "market": PLANNED_MARKET, "on": PAGE_ON.isoformat()},
        timeout=180,
    )
    assert not at.exception
    table = _watch_table(at)
    assert table is not None
    expected = tariff_watch.watch(
        reader,
        tariff_watch.WatchScenario(
            on=PAGE_ON, variant=pricing_service.DEFAULT_VARIANT, markets=(PLANNED_MARKET,)
        ),
    )
    assert list(table["on_date"]) == list(expected["on_date"])
    assert list(table["landed_change"]) == pytest.approx(list(expected["landed_change"]))
    # provenance in words on every row: the confidence label and a source
    assert set(table["confidence"]) <= set(labels.CONFIDENCE.values())
    assert table["source_url"].str.startswith("http").all()
    assert any(h.value.startswith("Tariff-change watch") for h in at.subheader)
    # ranking every change day is the costly part: off unless asked, and then neither shown nor exported
    assert not set(tariff_watch.RANK_COLUMNS) & set(table.columns)


@pytest.mark.usefixtures("app_env")
def test_page_ranks_each_change_day_when_asked(reader: pricing_service.ConnectionReader) -> None:
    at = open_page(
        "pages/pricing.py",
        {
            "variant": EARLY_VARIANT,
            "market": EU_MEMBER,
            "on": (CVD_DAY + dt.timedelta(days=30)).isoformat(),
            "watch_rank": "yes",
        },
        timeout=240,
    )
    assert not at.exception
    table = _watch_table(at)
    assert table is not None
    row = table[table["on_date"] == CVD_DAY].iloc[0]
    model = str(VARIANTS.set_index("variant_id").at[EARLY_VARIANT, "model_id"])
    assert row["rank_after"] == ranking_service.default_ranking(reader, CVD_DAY, model).rank_of(EU_MEMBER)


@pytest.mark.usefixtures("app_env")
def test_page_says_when_a_market_has_no_changes(reader: pricing_service.ConnectionReader) -> None:
    market = _quiet_market(reader)
    at = open_page(
        "pages/pricing.py",
        {"variant": pricing_service.DEFAULT_VARIANT, "market": market, "on": PAGE_ON.isoformat()},
        timeout=180,
    )
    assert not at.exception
    assert _watch_table(at) is None
    assert any("No change to a duty, quota, VAT rate" in shown(i.value) for i in at.info)


@pytest.mark.usefixtures("app_env")
def test_watch_ranks_are_the_market_ranking_pages(reader: pricing_service.ConnectionReader) -> None:
    """The rank the watch reports is the Market ranking page's with its defaults (one chain)."""
    at = open_page("pages/markets.py", {"on": PAGE_ON.isoformat()}, timeout=180)
    assert not at.exception
    page = next(df.value for df in at.dataframe if {"rank", "score"} <= set(df.value.columns))
    ranked = ranking_service.default_ranking(reader, PAGE_ON).result.table
    assert len(page) == len(ranked) > 1
    assert dict(zip(page["market_code"], page["rank"], strict=True)) == dict(
        zip(ranked["market_code"], ranked["rank"], strict=True)
    )
