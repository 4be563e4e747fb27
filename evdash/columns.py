"""The column registry: what a column of a table or export means, written once: its header (`label`), the
unit of its numbers, their number format, a help text and the provenance columns that go with it. A
column is known by its code (the frame's column name); code never compares a header's words. Tables
registered so far: the Compare frame, the landed-price steps, the Pricing page's price table and the
market ranking (`MARKET_RANKING`, also its export). Pure data: no Streamlit, no Plotly, no I/O.

`label` and `unit` may hold `{currency}` (`Column.header(currency="EUR")`), the ranking's `{flag}` the
incomplete-data mark (`evdash.figures.markets.FLAG`). `format` is a printf-style
number format as Streamlit's `NumberColumn` takes it ("%,.0f", "%+.1f", "localized"); '' for a column
that is not a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Kind = Literal["text", "number", "date", "link", "code", "flag"]


@dataclass(frozen=True)
class Column:
    """One column's meaning. `provenance`: the codes of the columns (in the same table) that say how sure
    the value is, where it comes from and as of when."""

    code: str
    label: str
    kind: Kind = "text"
    unit: str = ""
    format: str = ""
    help: str = ""
    provenance: tuple[str, ...] = ()

    def header(self, **values: str) -> str:
        """The header a person reads, `{currency}` and the like filled in."""
        return self.label.format(**values)


def _table(*columns: Column) -> Mapping[str, Column]:
    """A table's columns by code, in the table's order (read-only)."""
    return MappingProxyType({c.code: c for c in columns})


def _confidence(code: str, label: str) -> Column:
    return Column(code, label, help="Reported, a lower bound (at least) or an estimate")


def _source(code: str, label: str = "Source") -> Column:
    return Column(code, label, kind="link", help="Where the figure comes from")


def _as_of(code: str, label: str = "As of", kind: Kind = "text") -> Column:
    """`kind` "date" where the frame holds days (a text column holds days already written out)."""
    return Column(code, label, kind, help="The day the figure was published or last checked")


# The Compare page's frame (evdash.compare.compared) and its download: A, B and B − A per compared item.
COMPARE = _table(
    Column("section", "Section", help="Landed price, market ranking or attainment"),
    Column("item", "Compared"),
    Column("unit", "Unit", help="What the numbers of the row count"),
    Column(
        "a",
        "A",
        "number",
        "the row's unit",
        "%,.1f",
        "Scenario A's value",
        ("a_confidence", "a_source", "a_as_of"),
    ),
    _confidence("a_confidence", "A is"),
    Column(
        "b",
        "B",
        "number",
        "the row's unit",
        "%,.1f",
        "Scenario B's value",
        ("b_confidence", "b_source", "b_as_of"),
    ),
    _confidence("b_confidence", "B is"),
    Column(
        "difference",
        "B − A",
        "number",
        "the row's unit",
        "%+,.1f",
        "Given only when both values are reported",
        ("difference_confidence",),
    ),
    _confidence("difference_confidence", "B − A is"),
    Column("note", "Note"),
    _source("a_source", "A: source"),
    _as_of("a_as_of", "A: as of"),
    _source("b_source", "B: source"),
    _as_of("b_as_of", "B: as of"),
)

# The landed-price build-up's steps (`pricing.LandedCases.frame()`): the Pricing page's table and download.
LANDED_STEPS = _table(
    Column("label", "Step"),
    Column("kind", "Kind", "code", help="Starting value, a change or a subtotal"),
    Column(
        "amount",
        "Amount ({currency})",
        "number",
        "{currency}",
        "%,.0f",
        "The step's own value",
        ("confidence", "source", "as_of"),
    ),
    Column("running_total", "Running total ({currency})", "number", "{currency}", "%,.0f"),
    Column("currency", "Currency", "code", help="Three-letter currency code (ISO 4217)"),
    Column("rate_pct", "Rate %", "number", "%", "%.1f", "The duty, tax or relief rate, in %"),
    Column("basis", "Applied to"),
    _source("source"),
    _as_of("as_of"),
    _confidence("confidence", "Confidence"),
    Column("note", "Note"),
    Column("duty_case", "Duty case", help="The case of a duty the data cannot settle (e.g. inside a quota)"),
)

# The Pricing page's price tables (`pricing.with_converted(...)`: prices by model, local rivals), priced in
# `{currency}` (the frame's `price_{currency}`); their provenance columns also head the tariff watch's rows.
PRICES = _table(
    Column(
        "price",
        "Local price",
        "number",
        "the market's currency",
        "%,.0f",
        "As the market lists it",
        ("confidence", "source_url", "as_of"),
    ),
    Column(
        "price_converted",
        "Price ({currency})",
        "number",
        "{currency}",
        "%,.0f",
        "Converted at the FX rate of the day priced",
        ("fx_date",),
    ),
    Column("currency", "Currency", "code", help="The local price's currency (ISO 4217)"),
    Column("price_type", "Price type"),
    Column("effective_from", "Effective from", "date"),
    Column("fx_date", "FX rate of", "date"),
    _source("source_url"),
    _as_of("as_of", kind="date"),
    _confidence("confidence", "Confidence"),
)

# The market ranking (`ranking_service.Ranking`, `scoring.ranking_export`): one row per ranked market.
_MEASURE_PROVENANCE = ("coverage_pct", "missing")
MARKET_RANKING = _table(
    Column("market_code", "Code", "code", help="Three-letter country code (ISO 3166)"),
    Column("market_name", "Market"),
    Column("score", "Score", "number", "points of 100", "%.1f", "Weighted over the measures a market has"),
    Column("rank", "Rank", "number", "place (1 = first)", "%d"),
    Column("coverage_pct", "Data coverage %", "number", "% of the weight", "%.0f%%"),
    Column("flagged", "{flag} incomplete", "flag", help="Scored without some weighted measure"),
    Column("missing", "Missing measures"),
    Column("ev_sales", "EV sales (cars/yr)", "number", "cars a year", "localized", "", _MEASURE_PROVENANCE),
    Column("ev_share_pct", "EV share %", "number", "% of new cars", "%.1f", "", _MEASURE_PROVENANCE),
    Column("ev_growth_pct", "EV growth %", "number", "% a year", "%+.1f", "", _MEASURE_PROVENANCE),
    Column("bev_share_pct", "BEV share %", "number", "% of new cars", "%.1f", "", _MEASURE_PROVENANCE),
    Column("body_fit_pct", "Body fit %", "number", "% of new cars", "%.1f", "", _MEASURE_PROVENANCE),
    Column("tariff_burden_pct", "Duties % of CIF", "number", "% of the customs value", "%.1f"),
    Column("price_gap_pct", "Gap vs rivals %", "number", "% of the rivals' median", "%+.1f"),
    Column("presence", "Presence 0–1", "number", "0–1", "%.2f"),
    Column(
        "landed", "Landed estimate ({currency})", "number", "{currency}", "%,.0f", "For the highest duty case"
    ),
    Column("landed_low", "Landed, lowest duty case ({currency})", "number", "{currency}", "%,.0f"),
    Column("duty_burden_low_pct", "Duties % of CIF, lowest case", "number", "% of the customs value", "%.1f"),
    Column("duty_cases", "Duty cases"),
    Column("rank_lowest_duty_case", "Rank, lowest duty case"),
    Column(
        "landed_after_incentive",
        "Landed after purchase incentive ({currency})",
        "number",
        "{currency}",
        "%,.0f",
        "For a buyer who qualifies",
    ),
    Column("incentive", "Purchase incentive"),
    Column("rival_median", "Rival median ({currency})", "number", "{currency}", "%,.0f"),
    Column("n_rivals", "Rivals priced", "number", "models", "%d"),
    Column("requirement_gap", "Model's gap in this market"),
    Column("requirement", "Market requires"),
    Column(
        "implied_share_pct", "Implied share of EV sales %", "number", "% of the basis year's EV sales", "%.1f"
    ),
    Column("peer_shares", "Peers there"),
    Column("score_low", "Score, proxy low", "number", "points of 100", "%.1f"),
    Column("score_high", "Score, proxy high", "number", "points of 100", "%.1f"),
    Column("proxied", "Proxied measures"),
    Column("basis_flags", "Basis flags"),
)
