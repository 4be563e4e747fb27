"""No label text used as a key (issue 21): code decides on codes (a step id, an item code, a column code,
a flag the mart computes), never on the English words a person reads, so the wording can change without
breaking a rule. Parses evdash/ and pages/ and fails on a decision made on words:

* `.startswith("Some text")` / `.endswith(...)` (also through `.str.`) with a literal that reads as words
  (a capital letter and a space, or a capitalised word: 'Estimated sticker', 'Attainment'),
* `.str.contains("...")` / `.str.match(...)` with such a literal,
* `"Europe-wide" in note`: a capitalised literal looked up in a text (`in` / `not in` a name or attribute),
* `"delivered vs final target" not in k.label`: any literal with a space looked up in a `label`,
* `x == "Some Label"`: a comparison with a literal that reads as words.

evdash/connectors is left out: a connector parses its publisher's file, whose words are its data.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOTS = ("evdash", "pages")
EXCLUDED = ("evdash/connectors/",)
# Known offenders (none left since the briefing carries `Kpi.closed`): each entry must still be found, so
# the list only shrinks. (path, the literal)
KNOWN: frozenset[tuple[str, str]] = frozenset()
# Another program's words, not ours: read as its data, like a publisher's file. (path, the literal)
THEIRS: frozenset[tuple[str, str]] = frozenset(
    {("evdash/csvread.py", "Duplicate key")}  # DuckDB's error message for a primary-key clash
)

# A capital letter, a lower-case one and a space: reads as words ('FOREIGN KEY' is an SQL keyword, a code).
WORDS = re.compile(r"^(?=.*[A-Z])(?=.*[a-z])(?=.* )")
CAPITALISED = re.compile(r"^[A-Z][a-z]+(?:[- ][A-Za-z]+)*$")  # 'Europe-wide', 'Rank in' (not 'EUR')
PREFIX_METHODS = {"startswith", "endswith"}
PATTERN_METHODS = {"contains", "match", "fullmatch", "startswith", "endswith"}


def _literals(node: ast.AST) -> list[str]:
    """The string literals of a call's argument: one, or each of a tuple of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _reads_as_words(text: str) -> bool:
    return bool(WORDS.search(text) or CAPITALISED.match(text))


def _names_label(node: ast.AST) -> bool:
    """`label`, `k.label`, `frame["item"]`-style: an expression whose last name says it is a label."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return "label" in name.lower()


def _offences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            method, on = node.func.attr, node.func.value
            via_str = isinstance(on, ast.Attribute) and on.attr == "str"
            if method in PREFIX_METHODS or (via_str and method in PATTERN_METHODS):
                for text in _literals(node.args[0]):
                    if _reads_as_words(text):
                        yield node.lineno, text
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, op, right = node.left, node.ops[0], node.comparators[0]
            if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Name | ast.Attribute):
                for text in _literals(left):
                    if CAPITALISED.match(text) or (" " in text and _names_label(right)):
                        yield node.lineno, text
            if isinstance(op, ast.Eq | ast.NotEq):
                for side in (left, right):
                    for text in _literals(side):
                        if _reads_as_words(text) and " " in text:
                            yield node.lineno, text


def offences(source: str) -> list[tuple[int, str]]:
    """(line, literal) of each decision `source` makes on label text."""
    return sorted(set(_offences(ast.parse(source))))


def _files() -> list[Path]:
    files = [p for root in ROOTS for p in sorted((REPO / root).rglob("*.py"))]
    return [p for p in files if not str(p.relative_to(REPO)).startswith(EXCLUDED)]


def test_no_code_decides_on_label_text() -> None:
    found = {
        (str(path.relative_to(REPO)), line, text)
        for path in _files()
        for line, text in offences(path.read_text(encoding="utf-8"))
    }
    found = {f for f in found if (f[0], f[2]) not in THEIRS}
    new = sorted(f for f in found if (f[0], f[2]) not in KNOWN)
    assert not new, "label text used as a key (carry a code beside the label instead):\n" + "\n".join(
        f"{path}:{line}: {text!r}" for path, line, text in new
    )
    # A known offender that is gone leaves the list, so the list only shrinks.
    assert {(f[0], f[2]) for f in found} >= KNOWN, sorted(KNOWN - {(f[0], f[2]) for f in found})


@pytest.mark.parametrize(
    "source",
    [
        'picks = frame["item"].str.startswith("Estimated sticker")',
        'if pattern.startswith("Additional duty (\\\\S+) \\\\(class"): pass',
        'ok = frame["item"].str.contains("Base import duty")',
        'regional = [c for c, n in rows if "Europe-wide" in n]',
        'keep = "delivered vs final target" not in k.label',
        'first = step.label == "Estimated sticker price"',
    ],
)
def test_the_guard_catches_each_kind_of_label_key(source: str) -> None:
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        'escaped = text.str.startswith("\'")',
        'decimal = dtype.startswith("DECIMAL")',
        'fk = ctype == "FOREIGN KEY"',
        'picked = frame[frame["item_code"] == "price:estimate:0"]',
        'is_eur = "EUR" in currencies',
        'wide = "http" in url',
    ],
)
def test_the_guard_leaves_codes_alone(source: str) -> None:
    assert not offences(source)


def test_the_guard_fails_on_the_compare_module_before_item_codes() -> None:
    """53b3b0e's evdash/compare.py picked its headline rows by their words (`.str.startswith("Rank in")`)."""
    before = """
def headlines(frame):
    picks = [
        frame[(frame["section"] == SECTION_PRICE) & frame["item"].str.startswith("Estimated sticker")],
        frame[(frame["section"] == SECTION_RANK) & frame["item"].str.startswith("Rank in")],
        frame[(frame["section"] == SECTION_ATTAINMENT) & frame["item"].str.startswith("Attainment")],
    ]
"""
    assert [text for _, text in offences(before)] == ["Estimated sticker", "Rank in", "Attainment"]
