"""The Saved views page: a user saves the page they were on with its choices under a name, the saved link
keeps those choices, they subscribe to it by e-mail and cancel it; another user does not see it; a name is
text, never Markdown."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest

from evdash import queries, subscriptions, text, ui
from evdash.journal import open_store
from evdash.journal.subscriptions import Record
from tests.conftest import EVIL, open_page, shown

PAGE = "pages/saved_views.py"


@pytest.fixture
def store_dir(fixture_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path / "imports"


def test_a_saved_view_keeps_its_choices_and_can_be_subscribed_to_and_cancelled(store_dir: Path) -> None:
    at = open_page("pages/sources.py", {"reliability": ["primary"]})
    assert not at.exception
    at.switch_page(PAGE).run()
    options = [o for o in at.selectbox[0].options if o.startswith("Sources")]
    assert options == ["Sources: /sources?reliability=primary"]
    at.selectbox[0].set_value(at.selectbox[0].options.index(options[0]))
    at.text_input[0].input("Primary sources")
    at.button[0].click().run()
    assert not at.exception
    assert any("Saved: Primary sources." in shown(s.value) for s in at.success)
    links = [link.proto for link in at.main.get("page_link")]
    assert [(link.label, parse_qs(link.query_string)) for link in links] == [
        ("Primary sources", {"reliability": ["primary"]})
    ]

    (view,) = open_store().records("view")
    assert (view.body["path"], view.body["query"]) == ("sources", "reliability=primary")
    at.text_input(key=f"to_{view.id}").input("cfo@example.org")
    at.selectbox(key=f"every_{view.id}").set_value("weekly")
    at.button(key=f"subscribe_{view.id}").click().run()
    assert not at.exception
    (sub,) = [r for r in open_store().records("subscription") if r.active]
    assert (sub.body["email"], sub.body["every"], sub.body["path"], sub.body["query"]) == (
        "cfo@example.org", "weekly", "sources", "reliability=primary"
    )  # fmt: skip
    assert any("E-mailed weekly to cfo@example.org" in shown(m.value) for m in at.markdown)
    at.button(key=f"cancel_{sub.id}").click().run()
    assert [r.id for r in open_store().records("subscription") if r.active] == []


def test_a_bad_address_is_refused_on_the_page_and_nothing_is_stored(store_dir: Path) -> None:
    at = open_page("pages/sources.py")
    at.switch_page(PAGE).run()
    at.text_input[0].input("Everything")
    at.button[0].click().run()
    (view,) = open_store().records("view")
    at.text_input(key=f"to_{view.id}").input("cfo@example.org\r\nBcc: all@example.org")
    at.button(key=f"subscribe_{view.id}").click().run()
    assert any("Not subscribed: --email" in shown(e.value) for e in at.error)
    assert open_store().records("subscription") == []


def test_a_name_is_text_and_another_user_does_not_see_the_view(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = f"**Board** [click](https://{EVIL}/x) <b>x</b>"
    at = open_page("pages/sources.py")
    at.switch_page(PAGE).run()
    at.text_input[0].input(hostile)
    at.button[0].click().run()
    (link,) = [found.proto for found in at.main.get("page_link")]
    assert link.label == text.md(hostile)  # escaped: shown as typed, never bold or a link
    monkeypatch.setattr("evdash.ui.current_user", lambda: "someone-else")
    other = open_page(PAGE)
    assert not other.exception and list(other.main.get("page_link")) == []


# --- Alerts: the same checks and store as `evdash subscribe --alert` ----------------------------------------


def _alerts() -> list[Record]:
    return [r for r in open_store().records("subscription") if r.active and "alert" in r.body]


def test_a_pace_alert_is_stored_listed_in_words_hidden_from_others_and_cancelled(
    store_dir: Path, fixture_con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    brands = queries.brands(fixture_con)  # the fixture's brands, by name; the last one is chosen
    brand, name = str(brands["brand_id"].iloc[-1]), str(brands["name"].iloc[-1])
    at = open_page(PAGE)
    assert not at.exception
    kinds = at.selectbox(key="alert_kind")
    assert kinds.options == [a.name for a in subscriptions.ALERTS.values()]  # words, never the codes
    assert at.selectbox(key="alert_brand").options == list(brands["name"])
    kinds.set_value("pace")
    at.selectbox(key="alert_brand").set_value(brand)
    at.number_input(key="alert_threshold").set_value(90)
    at.text_input(key="alert_to").input("ana@example.com")
    at.button(key="FormSubmitter:alert-Subscribe to this alert").click().run()
    assert not at.exception
    (sub,) = _alerts()
    assert (sub.owner, sub.body["alert"], sub.body["threshold"], sub.body["brand"], sub.body["email"]) == (
        ui.current_user(), "pace", 90, brand, "ana@example.com"
    )  # fmt: skip
    line = f"Pace below 90 % of the target path · {name} · to ana@example.com"
    assert any(line in shown(m.value) for m in at.markdown)

    me = ui.current_user
    monkeypatch.setattr("evdash.ui.current_user", lambda: "someone-else@example.com")
    other = open_page(PAGE)
    assert not other.exception
    assert not any("ana@example.com" in shown(m.value) for m in other.markdown)
    assert [b for b in other.button if b.key == f"cancel_{sub.id}"] == []
    assert any("No alert yet" in shown(i.value) for i in other.info)
    monkeypatch.setattr("evdash.ui.current_user", me)

    at.button(key=f"cancel_{sub.id}").click().run()
    assert not at.exception
    assert _alerts() == []
    assert not any(line in shown(m.value) for m in at.markdown)


def test_a_threshold_out_of_range_is_refused_naming_the_field_and_nothing_is_stored(store_dir: Path) -> None:
    high = subscriptions.ALERTS["pace"].high
    at = open_page(PAGE)
    at.selectbox(key="alert_kind").set_value("pace")
    at.number_input(key="alert_threshold").set_value(high + 1)
    at.text_input(key="alert_to").input("ana@example.com")
    at.button(key="FormSubmitter:alert-Subscribe to this alert").click().run()
    assert not at.exception
    assert any(f"Not subscribed: --threshold: {high + 1} is out of range" in shown(e.value) for e in at.error)
    assert open_store().records("subscription") == []
