"""Typed functions, one per `queries/*.sql` file. Each binds its parameters and returns a DataFrame
with the grain stated in the SQL header. Pages call these through `evdash.ui.query` (cached)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from evdash.db import run_query


def brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "brands")


def overview_years(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "overview_years", brand=brand)


def overview_facts(con: duckdb.DuckDBPyConnection, brand: str, today: dt.date) -> pd.DataFrame:
    return run_query(con, "overview_facts", brand=brand, today=today)


def freshness(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "freshness", brand=brand)


def build_info(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "build_info")


def sources_usage(con: duckdb.DuckDBPyConnection, reliability: list[str]) -> pd.DataFrame:
    return run_query(con, "sources_usage", reliability=reliability)


def sources_revisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "sources_revisions")


# --- What changed since a date (evdash/changes.py) ----------------------------------------------------


def changes_new_figures(
    con: duckdb.DuckDBPyConnection, brand: str, since: dt.date, today: dt.date
) -> pd.DataFrame:
    return run_query(con, "changes_new_figures", brand=brand, since=since, today=today)


def changes_revisions(
    con: duckdb.DuckDBPyConnection, brand: str, since: dt.date, today: dt.date
) -> pd.DataFrame:
    return run_query(con, "changes_revisions", brand=brand, since=since, today=today)


def changes_corrections(con: duckdb.DuckDBPyConnection, since: dt.date, today: dt.date) -> pd.DataFrame:
    return run_query(con, "changes_corrections", since=since, today=today)


def changes_duties(
    con: duckdb.DuckDBPyConnection, brand: str, powertrain: str, since: dt.date
) -> pd.DataFrame:
    return run_query(con, "changes_duties", brand=brand, powertrain=powertrain, since=since)


# --- Expansion map (pages/expansion.py) -------------------------------------------------------------


def expansion_map_status(con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date) -> pd.DataFrame:
    return run_query(con, "expansion_map_status", brand=brand, on_date=on_date)


def expansion_map_metric(con: duckdb.DuckDBPyConnection, metric: str, year: int) -> pd.DataFrame:
    return run_query(con, "expansion_map_metric", metric=metric, year=year)


def expansion_map_growth(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    return run_query(con, "expansion_map_growth", year=year)


def expansion_map_suv(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "expansion_map_suv")


def expansion_map_stores(con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date) -> pd.DataFrame:
    return run_query(con, "expansion_map_stores", brand=brand, on_date=on_date)


def tariff_burden(
    con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date, powertrain: str
) -> pd.DataFrame:
    """Import duty on the brand's `powertrain` cars per country market on `on_date` (see the SQL header)."""
    return run_query(con, "tariff_burden", brand=brand, on_date=on_date, powertrain=powertrain)


def expansion_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "expansion_years")


def expansion_brand_powertrains(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "expansion_brand_powertrains", brand=brand)


def expansion_country_stats(con: duckdb.DuckDBPyConnection, country: str) -> pd.DataFrame:
    return run_query(con, "expansion_country_stats", country=country)


def expansion_country_timeline(
    con: duckdb.DuckDBPyConnection, brand: str, country: str, on_date: dt.date
) -> pd.DataFrame:
    return run_query(con, "expansion_country_timeline", brand=brand, country=country, on_date=on_date)


def expansion_country_tariffs(
    con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date, powertrain: str, country: str
) -> pd.DataFrame:
    return run_query(
        con, "expansion_country_tariffs", brand=brand, on_date=on_date, powertrain=powertrain, country=country
    )


def expansion_country_prices(con: duckdb.DuckDBPyConnection, brand: str, country: str) -> pd.DataFrame:
    return run_query(con, "expansion_country_prices", brand=brand, country=country)


def pricing_prices(con: duckdb.DuckDBPyConnection, on: dt.date) -> pd.DataFrame:
    return run_query(con, "pricing_prices", on=on)


def pricing_fx(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "pricing_fx")


def pricing_duties(
    con: duckdb.DuckDBPyConnection,
    markets: list[str],
    origin: str,
    duty_class: str,
    powertrain: str,
    on: dt.date,
) -> pd.DataFrame:
    """The duty lines (per case) that apply, and those that do not, to a car in each market on `on`."""
    return run_query(
        con,
        "pricing_duties",
        markets=markets,
        origin=origin,
        duty_class=duty_class,
        powertrain=powertrain,
        on=on,
    )


def pricing_duty_changes(
    con: duckdb.DuckDBPyConnection, origin: str, duty_class: str, powertrain: str, country: str
) -> pd.DataFrame:
    return run_query(
        con,
        "pricing_duty_changes",
        origin=origin,
        duty_class=duty_class,
        powertrain=powertrain,
        country=country,
    )


def expansion_duty_changes(
    con: duckdb.DuckDBPyConnection, brand: str, powertrain: str, country: str
) -> pd.DataFrame:
    return run_query(con, "expansion_duty_changes", brand=brand, powertrain=powertrain, country=country)


def tariff_watch_duty_moves(
    con: duckdb.DuckDBPyConnection,
    origin: str,
    duty_class: str,
    powertrain: str,
    date_from: dt.date,
    date_to: dt.date,
) -> pd.DataFrame:
    return run_query(
        con,
        "tariff_watch_duty_moves",
        origin=origin,
        duty_class=duty_class,
        powertrain=powertrain,
        date_from=date_from,
        date_to=date_to,
    )


def tariff_watch_tax_changes(
    con: duckdb.DuckDBPyConnection, powertrain: str, date_from: dt.date, date_to: dt.date
) -> pd.DataFrame:
    return run_query(
        con, "tariff_watch_tax_changes", powertrain=powertrain, date_from=date_from, date_to=date_to
    )


def pricing_vat_reliefs(con: duckdb.DuckDBPyConnection, on: dt.date) -> pd.DataFrame:
    return run_query(con, "pricing_vat_reliefs", on=on)


def pricing_incentives(con: duckdb.DuckDBPyConnection, on: dt.date) -> pd.DataFrame:
    return run_query(con, "pricing_incentives", on=on)


def pricing_vat(con: duckdb.DuckDBPyConnection, on: dt.date) -> pd.DataFrame:
    return run_query(con, "pricing_vat", on=on)


def markets_measures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "markets_measures")


def markets_measures_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "markets_measures_years")


def markets_requirements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "markets_requirements")


def markets_model_configurations(con: duckdb.DuckDBPyConnection, model: str) -> pd.DataFrame:
    return run_query(con, "markets_model_configurations", model=model)


def markets_brand_target(con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date) -> pd.DataFrame:
    return run_query(con, "markets_brand_target", brand=brand, on_date=on_date)


def markets_peer_shares(con: duckdb.DuckDBPyConnection, markets: list[str]) -> pd.DataFrame:
    return run_query(con, "markets_peer_shares", markets=markets)


def markets_peer_bev_shares(con: duckdb.DuckDBPyConnection, markets: list[str]) -> pd.DataFrame:
    return run_query(con, "markets_peer_bev_shares", markets=markets)


def market_mix_suv_known(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "market_mix_suv_known")


def brand_registrations_known(con: duckdb.DuckDBPyConnection, markets: list[str]) -> pd.DataFrame:
    return run_query(con, "brand_registrations_known", markets=markets)


def markets_presence(con: duckdb.DuckDBPyConnection, brand: str, on_date: dt.date) -> pd.DataFrame:
    return run_query(con, "markets_presence", brand=brand, on_date=on_date)


def market_history(
    con: duckdb.DuckDBPyConnection, markets: list[str], metric: str, year_from: int
) -> pd.DataFrame:
    """Actual figures of one metric (allow-listed in the SQL) per market and year from `year_from`, with the
    IEA's STEPS/APS projections as separate rows (`kind` = projection)."""
    return run_query(con, "market_history", markets=markets, metric=metric, year_from=year_from)


def deliveries_monthly(
    con: duckdb.DuckDBPyConnection,
    brand: str,
    models: list[str],
    month_from: dt.date,
    month_to: dt.date,
) -> pd.DataFrame:
    return run_query(
        con, "deliveries_monthly", brand=brand, models=models, month_from=month_from, month_to=month_to
    )


def deliveries_targets(con: duckdb.DuckDBPyConnection, brand: str, year: int) -> pd.DataFrame:
    return run_query(con, "deliveries_targets", brand=brand, year=year)


def deliveries_totals(con: duckdb.DuckDBPyConnection, brand: str, year: int) -> pd.DataFrame:
    return run_query(con, "deliveries_totals", brand=brand, year=year)


def deliveries_year_to_month(con: duckdb.DuckDBPyConnection, brand: str, year: int) -> pd.DataFrame:
    return run_query(con, "deliveries_year_to_month", brand=brand, year=year)


def deliveries_rate_months(
    con: duckdb.DuckDBPyConnection, brand: str, year: int, through: int
) -> pd.DataFrame:
    return run_query(con, "deliveries_rate_months", brand=brand, year=year, through=through)


def deliveries_peers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "deliveries_peers")


def chart_events(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "chart_events", brand=brand)


def deliveries_models(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "deliveries_models", brand=brand)


# --- Registrations / market mix (pages/market_mix.py; pre-aggregates in evdash/models/) ---------------


def registrations_markets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "registrations_markets")


def registrations_brand_share(
    con: duckdb.DuckDBPyConnection, market: str, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    return run_query(
        con, "registrations_brand_share", market=market, month_from=month_from, month_to=month_to
    )


def registrations_body_mix(
    con: duckdb.DuckDBPyConnection, market: str, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    return run_query(con, "registrations_body_mix", market=market, month_from=month_from, month_to=month_to)


def registrations_powertrain_trend(
    con: duckdb.DuckDBPyConnection, market: str, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    return run_query(
        con, "registrations_powertrain_trend", market=market, month_from=month_from, month_to=month_to
    )


def registrations_suv_share(
    con: duckdb.DuckDBPyConnection, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    return run_query(con, "registrations_suv_share", month_from=month_from, month_to=month_to)


def registrations_top_models(
    con: duckdb.DuckDBPyConnection, market: str, month_from: dt.date, month_to: dt.date, top_n: int
) -> pd.DataFrame:
    return run_query(
        con, "registrations_top_models", market=market, month_from=month_from, month_to=month_to, top_n=top_n
    )


def registrations_provenance(
    con: duckdb.DuckDBPyConnection, market: str, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    return run_query(con, "registrations_provenance", market=market, month_from=month_from, month_to=month_to)


# --- Data page (pages/data.py): tables in the import format, import history, data quality -----------


def data_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_sources")


def data_brands(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "data_brands", brand=brand)


def data_models(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "data_models", brand=brand)


def data_variants(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_variants")


def data_prices(con: duckdb.DuckDBPyConnection, market: str) -> pd.DataFrame:
    return run_query(con, "data_prices", market=market)


def data_deliveries(con: duckdb.DuckDBPyConnection, brand: str, market: str) -> pd.DataFrame:
    return run_query(con, "data_deliveries", brand=brand, market=market)


def byhand_vintages(
    con: duckdb.DuckDBPyConnection, brand: str, model: str, market: str, month: dt.date
) -> pd.DataFrame:
    """Every stored vintage of one monthly figure and which one is shown (evdash.byhand)."""
    return run_query(con, "byhand_vintages", brand=brand, model=model, market=market, month=month)


def data_targets(con: duckdb.DuckDBPyConnection, brand: str) -> pd.DataFrame:
    return run_query(con, "data_targets", brand=brand)


def data_markets(con: duckdb.DuckDBPyConnection, market: str) -> pd.DataFrame:
    return run_query(con, "data_markets", market=market)


def data_tariffs(con: duckdb.DuckDBPyConnection, market: str) -> pd.DataFrame:
    return run_query(con, "data_tariffs", market=market)


def data_fx(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_fx")


def data_expansion(con: duckdb.DuckDBPyConnection, brand: str, market: str) -> pd.DataFrame:
    return run_query(con, "data_expansion", brand=brand, market=market)


def data_registrations(con: duckdb.DuckDBPyConnection, brand: str, market: str) -> pd.DataFrame:
    return run_query(con, "data_registrations", brand=brand, market=market)


def data_import_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_import_history")


def data_import_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_import_changes")


def data_quality_missing_months(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_quality_missing_months")


def data_quality_uncertain(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_quality_uncertain")


def data_quality_conflicts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "data_quality_conflicts")


def duty_classes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "duty_classes")


def source_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "source_status")


def national_registrations_markets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "national_registrations_markets")


def national_registrations_by_make(
    con: duckdb.DuckDBPyConnection, market: str, year: int, powertrain: str
) -> pd.DataFrame:
    return run_query(con, "national_registrations_by_make", market=market, year=year, powertrain=powertrain)


def national_registrations_totals(con: duckdb.DuckDBPyConnection, market: str, year: int) -> pd.DataFrame:
    return run_query(con, "national_registrations_totals", market=market, year=year)


# --- Analyst notes (evdash/notes.py; pages/sources.py, the charts they belong to) -----------------------


def notes_current(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "notes_current")


def notes_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run_query(con, "notes_history")
