"""Scenario: what a view is asked (brand, model, market(s), in-force date, duty class, freight, ranking
weights, `known` date, year) as one value, with its defaults defined once and its URL form read and written
here only. No Streamlit, no data: codes are checked for their shape here and against the data by the page.

`Scenario.from_params(params, prefix)` reads `?{prefix}brand=…&{prefix}freight_pct=…`; a bad value gives a
message naming the parameter (and what is used instead) and the default. `to_params(prefix)` writes only
what differs from the default, in a fixed order, so one scenario has one link.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evdash import pricing_service, scoring
from evdash.text import cut

DEFAULT_BRAND = "xiaomi"  # the featured brand
FREIGHT_PCT_RANGE = (0, 30)  # freight & logistics, % of ex-factory (the Pricing and Market ranking sliders)
IN_FORCE_RANGE = (dt.date(2020, 1, 1), dt.date(2035, 12, 31))  # duties, VAT and FX in force on (`?on=`)
KNOWN_FIRST = dt.date(2024, 1, 1)  # the earliest `?known=` date offered
YEAR_RANGE = (2015, 2035)
WEIGHT_PREFIX = "w_"  # `?w_ev_sales=30`: one measure's weight (the Market ranking page's parameters)
WEIGHT_RANGE = (0, 100)
PAIR_PREFIXES = ("a_", "b_")  # the Compare page's two scenarios in one link

_CODE = re.compile(r"[a-z0-9_]{1,60}")
_MARKET = re.compile(r"[A-Z]{3}")
_CLASS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .-]{0,59}")  # a duty class as the data names it ("VW Anhui")
_VALUE_CHARS = 40  # a URL value quoted in a message is cut to this


@dataclass(frozen=True)
class Scenario:
    """One scenario. `markets` empty = the markets of the region the brand enters first (the Market
    ranking's default); `on` None = today; `duty_class` empty = the model's class in the data; `known`
    None = the page's data (today's unless the page is set to an earlier day); `year` None = the brand's
    default year (`deliveries.default_year`)."""

    brand: str = DEFAULT_BRAND
    model: str = pricing_service.DEFAULT_MODEL
    market: str = pricing_service.DEFAULT_MARKET
    markets: tuple[str, ...] = ()
    on: dt.date | None = None
    duty_class: str = ""
    freight_pct: int = pricing_service.DEFAULT_FREIGHT_PCT
    preset: str = scoring.DEFAULT_PRESET
    known: dt.date | None = None
    year: int | None = None
    custom_weights: tuple[tuple[str, int], ...] = ()  # (measure key, weight) in scoring.MEASURES order

    @property
    def weights(self) -> dict[str, int]:
        """The ranking weights: the preset's, with `custom_weights` in place of its own (measure key →
        weight, 0 drops a measure)."""
        return {**scoring.PRESETS[self.preset], **dict(self.custom_weights)}

    def in_force(self, today: dt.date) -> dt.date:
        return self.on or today

    def to_params(self, prefix: str = "") -> dict[str, str]:
        """The scenario as URL query parameters: only what differs from the default, in field order."""
        default = Scenario()
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "custom_weights":  # one parameter per measure, as on the Market ranking page
                out.update({f"{prefix}{WEIGHT_PREFIX}{key}": str(w) for key, w in value})
            elif value != getattr(default, f.name):
                out[prefix + f.name] = _raw(value)
        return out

    @classmethod
    def from_params(
        cls, params: Mapping[str, str | Sequence[str]], prefix: str = "", today: dt.date | None = None
    ) -> tuple[Scenario, dict[str, str]]:
        """The scenario a link asks for, and a message per bad parameter (parameter → message; that
        parameter's default is used). `today` bounds `known` (a later day is today's data: None)."""
        today = today or dt.date.today()
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        for name, parse in _PARSERS.items():
            raw = params.get(prefix + name)
            if raw is None:
                continue
            # A list (`?a_markets=DEU&a_markets=FRA`, as a multiselect writes it) is read as one comma list.
            text = (
                raw
                if isinstance(raw, str)
                else (",".join(raw) if name == "markets" else (raw[-1] if raw else ""))
            )
            try:
                values[name] = parse(text, today)
            except ValueError as err:
                default = getattr(cls(), name)
                problems[prefix + name] = (
                    f"{prefix}{name}: '{cut(text, _VALUE_CHARS)}' {err}; using {_shown_default(default)}."
                )
        weights = []
        for measure in scoring.MEASURES:
            param = f"{prefix}{WEIGHT_PREFIX}{measure.key}"
            raw = params.get(param)
            if raw is None:
                continue
            text = raw if isinstance(raw, str) else (raw[-1] if raw else "")
            try:
                weights.append((measure.key, _int(text, *WEIGHT_RANGE)))
            except ValueError as err:
                problems[param] = f"{param}: '{cut(text, _VALUE_CHARS)}' {err}; using the preset's weight."
        return cls(**values, custom_weights=tuple(weights)), problems  # type: ignore[arg-type]


def pair_params(a: Scenario, b: Scenario) -> dict[str, str]:
    """The link of a pair (the Compare page): A's parameters prefixed `a_`, then B's prefixed `b_`."""
    return {**a.to_params(PAIR_PREFIXES[0]), **b.to_params(PAIR_PREFIXES[1])}


def parse_pair(
    params: Mapping[str, str | Sequence[str]], today: dt.date | None = None
) -> tuple[Scenario, Scenario, dict[str, str]]:
    a, a_problems = Scenario.from_params(params, PAIR_PREFIXES[0], today)
    b, b_problems = Scenario.from_params(params, PAIR_PREFIXES[1], today)
    return a, b, {**a_problems, **b_problems}


def _raw(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _shown_default(value: object) -> str:
    if value is None or value == () or value == "":
        return "the default"
    return _raw(value)


def _code(text: str, _today: dt.date) -> str:
    if not _CODE.fullmatch(text):
        raise ValueError("is not a code (lower-case letters, digits and _)")
    return text


def _duty_class(text: str, _today: dt.date) -> str:
    if not _CLASS.fullmatch(text):
        raise ValueError("is not a duty class (letters, digits, spaces, '.', '-' and _)")
    return text


def _market(text: str, _today: dt.date) -> str:
    if not _MARKET.fullmatch(text):
        raise ValueError("is not a market code (three capital letters, ISO 3166 alpha-3)")
    return text


def _markets(text: str, today: dt.date) -> tuple[str, ...]:
    codes = [c for c in text.split(",") if c]
    if not codes:
        raise ValueError("names no market")
    return tuple(dict.fromkeys(_market(c, today) for c in codes))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None


def _on(text: str, _today: dt.date) -> dt.date:
    day = _date(text)
    first, last = IN_FORCE_RANGE
    if not first <= day <= last:
        raise ValueError(f"is not between {first:%Y-%m-%d} and {last:%Y-%m-%d}")
    return day


def _known(text: str, today: dt.date) -> dt.date | None:
    day = _date(text)
    if day < KNOWN_FIRST:
        raise ValueError(f"is before {KNOWN_FIRST:%Y-%m-%d}, the earliest day the data is kept as known")
    return None if day >= today else day


def _int(text: str, low: int, high: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"is not a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise ValueError(f"is not from {low} to {high}")
    return number


def _freight(text: str, _today: dt.date) -> int:
    return _int(text, *FREIGHT_PCT_RANGE)


def _year(text: str, _today: dt.date) -> int:
    return _int(text, *YEAR_RANGE)


def _preset(text: str, _today: dt.date) -> str:
    if text not in scoring.PRESET_BY_KEY:
        raise ValueError(f"is not a weights preset ({', '.join(scoring.PRESET_BY_KEY)})")
    return text


_PARSERS = {
    "brand": _code,
    "model": _code,
    "market": _market,
    "markets": _markets,
    "on": _on,
    "duty_class": _duty_class,
    "freight_pct": _freight,
    "preset": _preset,
    "known": _known,
    "year": _year,
}
