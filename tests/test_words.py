"""Words a person reads (issue #12, item 7): every page, read as a user reads it.

Every page runs in AppTest on the real seeds, once as it opens (Xiaomi) and once with other choices (BYD,
Tesla's cars, other measures, one-month windows), and every text element is read: titles, captions,
Markdown, notices, metric labels/values/deltas/tooltips, widget labels, options and tooltips, tab and
expander labels, buttons and links, table headers and every displayed table cell. None of them may show a
raw code (snake_case), "None"/"nan", a plural mistake ("1 countries", "rival price(s)"), a lower-case
acronym ("suv"), a timestamp ("2026-01-03T00:00:00") or an ISO date inside a sentence. Tables may keep
ISO dates as dates. The tables that show codes on purpose are those of an import format (Data → Browse
tables: edit a download, import it back); they say so in their description (`ui.IMPORT_FORMAT_ALT`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evdash import ui
from tests.conftest import open_page, shown

PAGES = [path for path, _, _ in ui.NAV]
# A second run of each page with choices other than the defaults: another brand, another car, another
# measure, a one-month window (singular forms), and the tables that only show for them.
OTHER_CHOICES: dict[str, dict[str, str | list[str]]] = {
    "app.py": {"brand": "byd", "since": "2025-06-01"},
    "pages/deliveries.py": {"brand": "byd", "year": "2025", "through": "1", "window": "1"},
    "pages/expansion.py": {"brand": "tesla", "measure": "tariff", "market": "CAN", "region": "europe"},
    "pages/pricing.py": {"variant": "byd_sealion_7_base_rwd", "market": "CAN", "currency": "CAD"},
    "pages/markets.py": {"model": "tesla_model_y", "norm": "percentile", "missing": "exclude"},
    "pages/data.py": {"brand": "byd", "table": "targets"},
    "pages/sources.py": {"reliability": ["primary"]},
    "pages/compare.py": {
        "b_brand": "byd",
        "b_market": "FRA",
        "b_freight_pct": "10",
        "b_preset": "low_tariff",
    },
}
RUNS: list[tuple[str, dict[str, str | list[str]]]] = [(page, {}) for page in PAGES] + [
    (page, OTHER_CHOICES[page]) for page in PAGES if page in OTHER_CHOICES
]

# Words that contain an underscore and are still words a person reads (none so far).
UNDERSCORE_WORDS: frozenset[str] = frozenset()
SNAKE = re.compile(r"(?<![\w/.@#=&%-])[A-Za-z0-9*]*_[A-Za-z0-9_*]+")
URL = re.compile(r"(?:https?://|www\.)\S+|\]\([^)]*\)")
MISSING = re.compile(r"\bNone\b(?! of\b)|\b(?:nan|NaN|NaT)\b|<NA>")
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}(?:-\d{2})?(?![\w/])")
PADDED_DAY = re.compile(r"\b0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
MAYBE_PLURAL = re.compile(r"\w\((?:s|es)\)")
# "1 countries": one, then a plural noun (a word ending in s that is not singular itself).
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 ([a-z]+s)\b")
SINGULAR_ENDING_IN_S = frozenset({"is", "was", "has", "plus", "class", "status", "bus", "gas", "lens"})
# "3 country": a number other than one before a singular noun the pages count. Years (2025 model) are
# not counts.
NOUNS = (
    "country|market|month|year|figure|row|source|price|model|time|brand|file|problem|measure|"
    "day|case|scenario|point|revision|quarter|variant|change"
)
MANY_SINGULAR = re.compile(
    rf"(?<![\d.,\-–])\b(?!(?:19|20)\d\d\b)(?:0|[2-9]|[1-9][\d,]*\d) (?:{NOUNS})\b(?![-\w])"
)
LOWER_ACRONYM = re.compile(
    r"\b(?:ev|evs|bev|phev|nev|cif|vat|fx|mfn|suv|suvs|Suv|Bev|Phev|Nev|Cif|Vat|Mfn)\b"
)


def problems_in(text: str, sentence: bool) -> list[str]:
    """What a reader would stumble over in `text` (URLs are left out: they are addresses, not words)."""
    plain = URL.sub(" ", shown(text))
    found = [f"code {m!r}" for m in SNAKE.findall(plain) if m not in UNDERSCORE_WORDS]
    found += [f"missing value {m.group(0)!r}" for m in MISSING.finditer(plain)]
    found += [f"timestamp {m.group(0)!r}" for m in TIMESTAMP.finditer(plain)]
    found += [f"zero-padded day {m.group(0)!r}" for m in PADDED_DAY.finditer(plain)]
    found += [f"'(s)' plural {m.group(0)!r}" for m in MAYBE_PLURAL.finditer(plain)]
    found += [
        f"plural after 1 {m.group(0)!r}"
        for m in ONE_PLURAL.finditer(plain)
        if m.group(1) not in SINGULAR_ENDING_IN_S
    ]
    found += [f"singular after a count {m.group(0)!r}" for m in MANY_SINGULAR.finditer(plain)]
    found += [f"acronym not capitalised {m.group(0)!r}" for m in LOWER_ACRONYM.finditer(plain)]
    if sentence:
        found += [f"ISO date in a sentence {m.group(0)!r}" for m in ISO_DATE.finditer(plain)]
    return found


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", {})
    for child in children.values() if isinstance(children, dict) else children:
        yield from _nodes(child)


def _table_texts(element: Any) -> Iterator[tuple[str, str, bool]]:
    """(where, text, is a sentence) for a table's shown headers and cells; a missing value is shown as
    the table's placeholder ("None" unless the page set one)."""
    proto = element.proto
    config: dict[str, Any] = json.loads(proto.columns) if proto.columns else {}
    frame: pd.DataFrame = element.value
    order = list(proto.column_order) or list(frame.columns)
    placeholder = proto.placeholder if proto.HasField("placeholder") else "None"
    for column in order:
        if column not in frame.columns:
            continue
        spec = config.get(str(column), {})
        if spec.get("hidden"):
            continue
        header = spec.get("label") or str(column)
        yield f"table header {header!r}", header, False
        kind = (spec.get("type_config") or {}).get("type")
        if kind in {"link", "line_chart", "bar_chart", "area_chart", "checkbox", "progress"}:
            continue
        for value in frame[column]:
            if isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str)):
                continue
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                yield f"table {header!r} missing cell", placeholder, False
            elif isinstance(value, str):
                yield f"table {header!r} cell", value, False
            elif isinstance(value, pd.Timestamp) and spec.get("type_config", {}).get("type") not in {
                "date",
                "datetime",
                "time",
            }:
                yield f"table {header!r} cell", str(value), False


def readable_texts(at: AppTest) -> Iterator[tuple[str, str, bool]]:
    """(where, text, is a sentence) for every text of the page a person reads."""
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        proto: Any = getattr(node, "proto", None)
        if kind in {
            "markdown",
            "caption",
            "title",
            "header",
            "subheader",
            "error",
            "warning",
            "info",
            "success",
        }:
            yield kind, node.value, True
        elif kind == "metric":
            for part in ("label", "body", "delta", "help"):
                yield f"metric {part}", getattr(proto, part), True
        elif kind in {"selectbox", "multiselect", "radio"}:
            yield f"{kind} label", node.label, True
            yield f"{kind} help", node.help or "", True
            for option in node.options:
                yield f"{kind} {node.label!r} option", option, True
        elif kind in {"slider", "date_input", "button", "download_button", "checkbox", "file_uploader"}:
            yield f"{kind} label", getattr(node, "label", ""), True
            yield f"{kind} help", getattr(node, "help", "") or "", True
        elif kind in {"tab", "expander"}:
            yield kind, node.proto.label if hasattr(node.proto, "label") else "", True
        elif kind == "page_link":
            yield "link", proto.label, True
        elif kind == "dataframe":
            if proto.alt.startswith(ui.IMPORT_FORMAT_ALT):
                continue  # the import format: the file's column names and codes, on purpose
            yield from _table_texts(node)


def words_problems(at: AppTest) -> list[str]:
    return [
        f"{where}: {problem} in {text[:160]!r}"
        for where, text, sentence in readable_texts(at)
        if text
        for problem in problems_in(text, sentence)
    ]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    ("script", "params"), RUNS, ids=[f"{p}-{'other' if q else 'default'}" for p, q in RUNS]
)
def test_every_word_on_the_page_is_one_a_person_reads(script: str, params: dict[str, str]) -> None:
    at = open_page(script, params, timeout=120)
    assert not at.exception, at.exception
    notices = [w.value for w in at.warning if w.icon == ":material/link_off:"]
    assert notices == [], f"the choices {params} are not all valid: {notices}"
    found = words_problems(at)
    assert found == [], f"{script} {params}:\n" + "\n".join(found)


@pytest.mark.usefixtures("fixture_app")
def test_market_mix_with_a_vendors_registrations_reads_as_words() -> None:
    """The vendor section of Market mix draws only with registrations imported (the fixture has them)."""
    at = open_page("pages/market_mix.py", timeout=120)
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) > 1
    found = words_problems(at)
    assert found == [], "\n".join(found)


# --- The checker itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "Duty class (data: other\\_cooperating)",
        "Reported total: None",
        "1 countries with data",
        "the median of 4 rival price(s)",
        "Units: *_sales in cars",
        "Xiaomi YU7 (suv)",
        "highest 550,000 (2026-01-03T00:00:00)",
        "Data as of 2026-05-27",
        "in force on 01 Dec 2026",
        "3 country with data",
        "nan",
    ],
)
def test_the_checker_sees_what_a_reader_would_stumble_over(bad: str) -> None:
    assert problems_in(bad, sentence=True)


@pytest.mark.parametrize(
    "good",
    [
        "1 country with data; 3 countries",
        "[source](https://example.org/a_b_c.html) · as of 3 Jan 2026",
        "2025 model year · 12 months · 2026 deliveries",
        "None of the markets has a figure",
        "EV share of new cars · BEV · PHEV · CIF · VAT",
    ],
)
def test_the_checker_leaves_good_words_alone(good: str) -> None:
    assert problems_in(good, sentence=True) == []
