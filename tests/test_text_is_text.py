"""Text is text (issue #12): a value from the URL or from the data never becomes Markdown or HTML.

Three layers: the escaping itself (property-based over hostile strings), every page under hostile URL
values and over a database whose names, notes and statements are hostile (AppTest: every Markdown
body Streamlit would render, every widget label and tooltip, every chart), and a static check that
pages hand text to Streamlit only through the ui helpers. tests/browser/test_hostile_text.py proves in
Chromium that nothing is fetched because of such a value."""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Multiselect

from evdash import text, ui
from tests.conftest import EVIL, FRAGMENTS, HOSTILE, open_page

REPO = Path(__file__).resolve().parent.parent
PAGES = [path for path, _, _ in ui.NAV]

hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="[]()<>!:*_`$#|~@\\/. -=abc\n", max_size=12)),
    min_size=1,
    max_size=6,
).map(" ".join)

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# GFM's autolink literals, as remark-gfm finds them in the text after parsing (Streamlit's front end links
# these even when the source escaped them): checked on the rendered text.
AUTOLINK = re.compile(r"(?i)(?:https?://|www\.)[-\w]|[-.+\w]@[-\w]+\.[-\w]")


def html_text(rendered: str) -> str:
    """The text of rendered HTML, as a person reads it."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def markdown_problems(body: str) -> list[str]:
    """What would make this Markdown body more than text: a link or image to a hostile host, any
    image, raw HTML passed through, or a GFM autolink."""
    html = MD.render(body)
    found = []
    if "<img" in html:
        found.append("image")
    if re.search(r'<a href="[^"]*' + re.escape(EVIL), html):
        found.append("link")
    if re.search(
        r"<(?!/?(p|em|strong|code|ul|ol|li|h[1-6]|br|blockquote|table|thead|tbody|tr|th|td|del|a|hr)\b)", html
    ):
        found.append("raw html")
    if AUTOLINK.search(html_text(html)):
        found.append("autolink")
    return found


@given(hostile_text)
@settings(max_examples=300, deadline=None)
def test_escaped_value_renders_as_its_own_text(value: str) -> None:
    body = text.md(value)
    assert markdown_problems(body) == [], body
    assert html_text(MD.render(body)).replace(text.WORD_JOINER, "").strip() == text.one_line(value)


@given(hostile_text)
@settings(max_examples=200, deadline=None)
def test_template_values_are_escaped_and_the_template_is_not(value: str) -> None:
    body = text.md_format("**{brand}**: {units:,} cars", {"brand": value, "units": 136854})
    assert body.startswith("**") and body.endswith("**: 136,854 cars")
    assert markdown_problems(body) == []


@given(hostile_text)
@settings(max_examples=200, deadline=None)
def test_plotly_text_never_carries_a_tag(value: str) -> None:
    assert "<" not in text.plotly_text(value) and ">" not in text.plotly_text(value)
    clean, _ = text.sanitize_figure_dict({"layout": {"title": {"text": f"<b>{value}</b><br>sub"}}})
    title = clean["layout"]["title"]["text"]
    assert not re.search(r"<(?!/?(br|b|i|em|sup|sub|extra)\s*/?>)", title, re.IGNORECASE), title


def test_cut_keeps_a_notice_short() -> None:
    assert text.cut("x" * 500, 40) == "x" * 39 + "…"
    assert text.cut("short") == "short"


# --- Pages -----------------------------------------------------------------------------------------


def strings(message: Message) -> Iterator[tuple[str, str]]:
    """Every (field name, string) in a protobuf message, recursively."""
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from strings(item)
            elif isinstance(item, str):
                yield field.name, item


def nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", {})
    for child in children.values() if isinstance(children, dict) else children:
        yield from nodes(child)


def problems(at: AppTest) -> list[str]:
    """Everything on the page that would render a value as more than text."""
    found: list[str] = []
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        kind = type(proto).__name__
        for name, value in strings(proto):
            if kind == "PlotlyChart" and name == "spec":
                for piece in _json_strings(json.loads(value)):
                    if re.search(r"<(?!/?(br|b|i|em|sup|sub|extra)\s*/?>)", piece, re.IGNORECASE):
                        found.append(f"chart tag in {piece[:120]!r}")
                    elif "<b>bold</b>" in piece:  # a data value's tag, left unescaped
                        found.append(f"chart data as HTML in {piece[:120]!r}")
            elif name in {"body", "label", "help", "value", "delta", "caption", "placeholder", "title"}:
                found.extend(f"{kind}.{name}: {p} in {value[:100]!r}" for p in markdown_problems(value))
    return found


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


# URL parameters each page reads (shared ones everywhere, plus a few of each page's own).
URL_PARAMS = {
    "app.py": ["brand", "since"],
    "pages/deliveries.py": ["brand", "year", "models", "through"],
    "pages/expansion.py": ["brand", "measure", "market", "region"],
    "pages/pricing.py": ["variant", "market", "currency", "duty_class", "on", "watch"],
    "pages/markets.py": ["model", "norm", "markets", "w_ev_sales"],
    "pages/market_mix.py": ["market", "year", "office", "office_year"],
    "pages/data.py": ["table", "brand"],
    "pages/sources.py": ["reliability"],
    "pages/compare.py": ["a_brand", "b_market", "a_freight_pct", "b_markets", "a_on"],
    "pages/saved_views.py": ["brand", "market"],  # carried into the views it offers to save
}


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("script", PAGES)
@given(value=hostile_text)
@example(value=HOSTILE)
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.generate],  # a failing page run is slow to shrink: report it as is
)
def test_hostile_url_values_show_as_text(script: str, value: str) -> None:
    at = open_page(script, {key: value for key in URL_PARAMS[script]}, timeout=90)
    assert not at.exception, at.exception
    assert problems(at) == []
    widgets = [w for key in URL_PARAMS[script] for w in _widgets(at, key)]
    # (a page that draws none of these controls, e.g. Market mix without registrations, has nothing to
    # say; nor has a list control given an empty list, '?reliability=': an empty choice, not a bad one)
    empty_list = not value.replace(",", "") and all(isinstance(w, Multiselect) for w in widgets)
    if widgets and not empty_list:
        notices = " ".join(w.value for w in at.main.warning)
        assert notices, "a bad URL value gives a notice in the main area"
    assert not at.sidebar.warning


def _widgets(at: AppTest, key: str) -> list[Any]:
    found = []
    for kind in ("selectbox", "multiselect", "slider", "date_input"):
        try:
            found.append(getattr(at, kind)(key=key))
        except KeyError:
            continue
    return found


@pytest.mark.parametrize("script", PAGES)
def test_hostile_names_and_notes_show_as_text(
    script: str, hostile_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit

    monkeypatch.setenv("EVDASH_DB", str(hostile_db_path))
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()
    at = open_page(script, timeout=90)
    assert not at.exception, at.exception
    assert problems(at) == []
    if script in {"app.py", "pages/deliveries.py", "pages/expansion.py"}:
        title = " ".join(t.value for t in at.title)
        assert "Sign in again" in title  # the name is shown, literally
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


# --- Pages use the one helper ----------------------------------------------------------------------

# Tables too: their column headers are Markdown, and ui.table shows a missing cell as "—" (Streamlit's
# own default writes "None" into it).
RENDERS_MARKDOWN = {
    "title", "header", "subheader", "caption", "markdown", "write", "info", "warning", "error",
    "success", "toast", "metric", "text", "latex", "badge", "dataframe", "data_editor", "table",
}  # fmt: skip


@pytest.mark.parametrize("script", PAGES)
def test_pages_hand_text_to_streamlit_only_through_the_ui_helpers(script: str) -> None:
    tree = ast.parse((REPO / script).read_text())
    calls = [
        f"line {node.lineno}: .{node.func.attr}(…)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RENDERS_MARKDOWN
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "ui")
    ]
    assert calls == [], f"{script} renders text without evdash.ui: {calls}"
