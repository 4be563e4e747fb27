"""Analyst notes (evdash.notes): written by an analyst through the import journal, so a second app server
sharing the journal shows the note on its chart; refused for a viewer by the write function itself;
text is text (Markdown and HTML shown literally); an edit or a deletion is a new version, the earlier
ones kept; a bad link or an overlong text is refused with a message naming the field, nothing written."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from pypdf import PdfReader

from evdash import (
    briefing,
    briefing_pdf,
    build,
    deliveries,
    importer,
    labels,
    mailer,
    note_rules,
    notes,
    queries,
    text,
)
from evdash import db as db_mod
from evdash.csvread import SeedError
from evdash.figures import deliveries as figures
from evdash.figures import expansion as expansion_figures
from evdash.figures.describe import text_alternative
from evdash.figures.overview import years_vs_target
from evdash.journal import open_journal
from evdash.replica import Replica
from evdash.services import overview as overview_service
from tests.conftest import HOSTILE, REAL_SEEDS, _fresh_caches, open_page, shown
from tests.test_figures_overview import _frame as overview_frame
from tests.test_import import FIXTURE_SEEDS

ANALYST = "ana@example.com"
TRICKY = "Plant **shut** <b>2 weeks</b> [see](https://evil.example) &amp; $x$"
PERIOD = notes.Note(
    "period",
    TRICKY,
    link="https://ir.acme.example/shutdown",
    period_from="2025-03-03",
    period_to="2025-03-16",
    brand="acme",
)


def current(
    db: Path, query: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame] = queries.notes_current
) -> pd.DataFrame:
    con = db_mod.connect_readonly(db)
    try:
        return query(con)
    finally:
        con.close()


def history(db: Path) -> pd.DataFrame:
    return current(db, queries.notes_history)


def drawn(db: Path) -> tuple[go.Figure, pd.DataFrame, pd.DataFrame]:
    """Server `db`'s cumulative deliveries chart of Acme 2025 with its notes (as the page draws it)."""
    con = db_mod.connect_readonly(db)
    try:
        ytd = queries.deliveries_year_to_month(con, brand="acme", year=2025)
        rate = queries.deliveries_rate_months(con, brand="acme", year=2025, through=12)
        targets = queries.deliveries_targets(con, brand="acme", year=2025)
        totals = queries.deliveries_totals(con, brand="acme", year=2025)
        shown = queries.notes_current(con)
    finally:
        con.close()
    outlook = deliveries.outlook(ytd, rate, totals, 2025, 12, 3)
    frame = deliveries.cumulative_frame(ytd, targets, totals, outlook)
    assert not frame.empty
    marks = notes.chart_marks(shown, "acme", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    # As the page draws it: ui.figure escapes every data string of the builder's inputs first.
    args = text.plotly_inputs((frame, "Acme", 2025, None, marks))
    return figures.cumulative_vs_target(*args), marks, frame


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("EVDASH_SEEDS", str(FIXTURE_SEEDS))
    link = tmp_path / "evdash.duckdb"
    build.build(db=link)
    yield link


def add(db: Path, note: notes.Note = PERIOD, role: str = "analyst") -> notes.Outcome:
    return notes.add(note, user=ANALYST, role=role, db=db)


def test_a_note_written_on_one_server_is_on_the_other_servers_chart(
    journal_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVDASH_JOURNAL", journal_dsn)
    monkeypatch.setenv("EVDASH_SEEDS", str(FIXTURE_SEEDS))
    a, b = tmp_path / "a" / "evdash.duckdb", tmp_path / "b" / "evdash.duckdb"
    build.build(db=a)
    build.build(db=b)
    written = add(a)
    assert current(b).empty  # B has not caught up yet
    assert Replica(b, open_journal(b), poll_seconds=60).sync() is True
    shown = current(b)
    assert list(shown["note_id"]) == [written.note_id]
    assert list(shown["created_by"]) == [ANALYST]
    fig, marks, _frame = drawn(b)
    assert list(marks["date"]) == [dt.date(2025, 3, 3)] and list(marks["end"]) == [dt.date(2025, 3, 16)]
    traces = [t for t in fig.data if t.legendgroup == "notes"]
    assert len(traces) == 1
    hover = traces[0].hovertext[0]
    # The whole note, escaped for Plotly: the HTML tag is shown as text, never rendered.
    assert "&lt;b&gt;2 weeks&lt;/b&gt;" in hover and "<b>" not in hover
    assert "**shut**" in hover and "&amp;amp;" in hover
    assert "link: https://ir.acme.example/shutdown" in hover
    assert traces[0].text[1] == "N1"
    assert any(s.x0 == pd.Timestamp("2025-03-03") for s in fig.layout.shapes)  # the range's band


def test_a_viewer_is_refused_and_nothing_is_written(db: Path) -> None:
    with pytest.raises(notes.NotAllowed, match="only an analyst or an admin"):
        add(db, role="viewer")
    with pytest.raises(notes.NotAllowed):
        add(db, role=None)  # type: ignore[arg-type]
    written = add(db)
    with pytest.raises(notes.NotAllowed):
        notes.edit(written.note_id, PERIOD, user="v@example.com", role="viewer", db=db)
    with pytest.raises(notes.NotAllowed):
        notes.delete(written.note_id, user="v@example.com", role="viewer", db=db)
    assert list(history(db)["revision"]) == [1]
    assert notes.may_write("analyst") and notes.may_write("admin") and not notes.may_write("viewer")


def test_markdown_and_html_in_a_note_are_kept_and_shown_literally(db: Path) -> None:
    add(db)
    stored = current(db)
    assert list(stored["note_text"]) == [TRICKY]  # stored as typed, escaped only where shown
    fig, marks, frame = drawn(db)
    legend = next(t.name for t in fig.data if t.legendgroup == "notes")
    assert "<" not in legend and legend.startswith("N1 · Plant **shut** &lt;b&gt;")
    # The chart's download (the frame it drew) carries the note: one more row and the extra columns.
    download = notes.with_notes(frame, marks)
    assert len(download) == len(frame) + 1
    note_row = download[download["series"] == "analyst_note"].iloc[0]
    assert note_row["analyst_note"] == f"Note by {ANALYST}, {labels.day(dt.date.today())}: {TRICKY}"
    assert note_row["analyst_note_link"] == "https://ir.acme.example/shutdown"
    assert pd.Timestamp(note_row["date"]) == pd.Timestamp("2025-03-03")
    assert download["analyst_note"].iloc[: len(frame)].isna().all()


def test_edit_and_delete_keep_every_version(db: Path) -> None:
    first = add(db)
    edited = notes.edit(
        first.note_id,
        notes.Note(
            "period", "Plant shut 3 weeks", period_from="2025-03-03", period_to="2025-03-23", brand="acme"
        ),
        user="bo@example.com",
        role="analyst",
        db=db,
    )
    assert (edited.revision, edited.action) == (2, "edited")
    now = current(db)
    assert list(now["note_text"]) == ["Plant shut 3 weeks"]
    assert list(now["created_by"]) == [ANALYST] and list(now["edited_by"]) == ["bo@example.com"]
    gone = notes.delete(first.note_id, user=ANALYST, role="admin", db=db)
    assert gone.words() == "Note deleted (version 3); the 2 earlier version(s) are kept."
    assert current(db).empty
    kept = history(db)
    assert list(kept["action"]) == ["added", "edited", "deleted"]
    assert list(kept["note_text"]) == [TRICKY, "Plant shut 3 weeks", "Plant shut 3 weeks"]
    assert list(kept["author"]) == [ANALYST, "bo@example.com", ANALYST]
    with pytest.raises(SeedError, match="this note was deleted"):
        notes.edit(first.note_id, PERIOD, user=ANALYST, role="analyst", db=db)


def test_a_version_is_never_overwritten_even_from_the_command_line(db: Path) -> None:
    written = add(db)
    row = history(db).iloc[0]
    header = ",".join(notes.COLUMNS)
    # Same note id and revision with another text: refused, not a correction in place.
    data = (
        f"{header}\n{written.note_id},1,added,period,2025-03-03,,,acme,,,Other text,,mallory,"
        f"{pd.Timestamp(row['written_at']).isoformat()}\n"
    ).encode()
    with pytest.raises(SeedError, match="never changed in place"):
        importer.import_files([("notes", ("note.csv", data))], db=db, user="mallory")
    assert list(history(db)["note_text"]) == [TRICKY]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"link": "javascript:alert(1)"}, "Link", "not an http(s) link"),
        ({"link": "ftp://ir.acme.example/x"}, "Link", "not an http(s) link"),
        ({"link": "https://ir.acme.example/a b"}, "Link", "a space"),
        ({"text": "x" * (note_rules.TEXT_MAX + 1)}, "Text", f"over the {note_rules.TEXT_MAX}"),
        ({"text": "two\r\nlines"}, "Text", "a line break (CR/LF)"),
        ({"text": "abc\u202edcba"}, "Text", "a bidirectional override (U+202E)"),
        ({"text": " "}, "Text", "required"),
        ({"period_from": None}, "From", "required for a note on a period"),
        ({"period_to": "2025-03-01"}, "To", "is before the start"),
        ({"attached_to": "figure", "year": 20250}, "Year", "20250 is not a year from 1990 to 2100"),
        ({"attached_to": "figure", "year": None}, "Year", "required for a note on a figure"),
        ({"attached_to": "market"}, "Market", "required for a note on a market"),
    ],
)
def test_a_bad_note_is_refused_naming_the_field(
    db: Path, change: dict[str, object], field: str, says: str
) -> None:
    bad = notes.Note(**{**PERIOD.__dict__, **change})
    with pytest.raises(SeedError) as refused:
        add(db, bad)
    assert any(e.startswith(f"{field}: ") and says in e for e in refused.value.errors), refused.value.errors
    assert history(db).empty


def test_a_huge_value_in_a_note_field_is_refused_naming_it_and_not_printed_back(db: Path) -> None:
    """A 5 MB value in any of the note form's fields (a hostile client is not held by the page's
    max_chars) is refused naming the field; the message never carries the whole value."""
    huge = "X" * 5_000_000
    for change, field in [
        ({"text": huge}, "Text"),
        ({"link": huge}, "Link"),
        ({"period_from": huge}, "From"),
        ({"attached_to": huge}, "Attached to"),
        ({"attached_to": "market", "market": huge}, "Market"),
        ({"brand": huge}, "Brand"),
        ({"model": huge}, "Model"),
    ]:
        with pytest.raises(SeedError) as refused:
            add(db, notes.Note(**{**PERIOD.__dict__, **change}))
        assert any(e.startswith(f"{field}: ") for e in refused.value.errors), (
            field,
            str(refused.value)[:300],
        )
        assert sum(map(len, refused.value.errors)) < 1000, (field, str(refused.value)[:300])
    assert history(db).empty


def test_the_import_names_the_field_of_a_bad_market_and_the_cli_path_keeps_the_rules(db: Path) -> None:
    with pytest.raises(SeedError) as refused:
        add(db, notes.Note("market", "Dealer network opens", market="XXX"))
    assert refused.value.errors[0].startswith("Market: 'XXX' is not an ISO 3166-1 alpha-3 country code")
    header = ",".join(notes.COLUMNS)
    data = f"{header}\nn0123456789ab,1,added,market,,,DEU,,,,ok,javascript:x,ana,2026-12-01T10:00:00\n"
    with pytest.raises(SeedError, match=r"note.csv, line 2, column 'link': 'javascript:x' is not an http"):
        importer.import_files([("notes", ("note.csv", data.encode()))], db=db, user="ana")


def test_market_and_figure_notes_go_where_they_belong(db: Path) -> None:
    add(db, notes.Note("market", "Homologation pending", market="deu"))
    add(db, notes.Note("figure", "Includes exports", brand="acme", model="acme_s", year=2025))
    add(db, notes.Note("period", "Zeta only", period_from="2025-05-01", brand="zeta"))
    shown = current(db)
    germany = notes.for_markets(shown, ["DEU"])
    assert list(germany["what"]) == ["Homologation pending"]
    assert germany["attached"].iloc[0] == "Germany (DEU)"
    assert notes.for_markets(shown, ["FRA"]).empty
    marks = notes.chart_marks(shown, "acme", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert list(marks["attached"]) == ["Acme · S · 2025"]  # not Zeta's period note
    assert notes.chart_marks(shown, "acme", dt.date(2024, 1, 1), dt.date(2024, 12, 31)).empty
    lines = notes.briefing_lines(shown, "acme")
    assert [line.split(":")[0] for line in lines] == ["Acme · S · 2025", "Germany (DEU)"]


def _stats(years: list[int]) -> pd.DataFrame:
    """A market's EV sales per year as queries/expansion_country_stats.sql gives them."""
    return pd.DataFrame(
        {
            "year": years,
            "metric": "new_ev_sales",
            "value": [100_000.0 * (i + 1) for i in range(len(years))],
            "period_scope": "full_year",
            "confidence": "reported",
            "as_of": pd.Timestamp("2026-01-15"),
            "source_url": "https://stats.example/deu",
        }
    )


def test_a_market_note_with_a_date_is_drawn_on_the_market_charts_and_in_their_download(db: Path) -> None:
    add(
        db,
        notes.Note(
            "market",
            TRICKY,
            link="https://kba.example/n",
            market="DEU",
            period_from="2024-03-01",
            period_to="2024-06-30",
        ),
    )
    add(db, notes.Note("market", "No date: listed only", market="DEU"))
    add(db, notes.Note("market", "France only", market="FRA", period_from="2024-05-01"))
    add(db, notes.Note("period", "Acme plant shutdown", period_from="2023-05-02", brand="acme"))
    add(db, notes.Note("period", "Zeta only", period_from="2023-05-01", brand="zeta"))
    shown = current(db)
    years = [2022, 2023, 2024, 2025]
    marks = notes.market_marks(shown, "DEU", "acme", years)
    # Germany's dated note and Acme's period note, by date; not France's, not Zeta's, not the undated one
    assert list(marks["attached"]) == ["2 May 2023 (Acme)", "Germany (DEU)"]
    assert list(marks["date"]) == [dt.date(2023, 5, 2), dt.date(2024, 3, 1)]
    assert "No date: listed only" in list(notes.for_markets(shown, ["DEU"])["what"])  # still in the table
    assert notes.market_marks(shown, "DEU", "acme", [2020, 2021]).empty  # outside the charts' years
    history = pd.DataFrame(
        {
            "year": years,
            "value": [20.0, 18.0, 14.0, 19.0],
            "kind": "actual",
            "confidence": "reported",
            "period_scope": "full_year",
            "source_url": "https://stats.example/deu",
            "scenario": None,
            "market_code": "DEU",
        }
    )
    # As the page draws them: ui.figure escapes every data string of the builder's inputs first.
    sales = expansion_figures.country_ev_sales(*text.plotly_inputs((_stats(years), "Germany", marks)))
    share_history, share_name, share_marks = text.plotly_inputs((history, "Germany", marks))
    share = expansion_figures.ev_share_history(share_history, share_name, notes=share_marks)
    for fig in (sales, share):
        traces = [t for t in fig.data if t.legendgroup == "notes"]
        assert [t.text[1] for t in traces] == ["N1", "N2"]
        germany = traces[1]
        # at 1 Mar 2024: inside 2024's slot of the year axis (a year's bar or point is centred on it)
        assert 2023.5 < germany.x[0] < 2024.0
        hover = germany.hovertext[0]
        assert "&lt;b&gt;2 weeks&lt;/b&gt;" in hover and "<b>" not in hover and "**shut**" in hover
        assert "Germany (DEU)" in hover and "link: https://kba.example/n" in hover
        assert germany.name.startswith("N2 · Plant **shut** &lt;b&gt;") and "<" not in germany.name
        # the note's months are a band; the alternative text names the chart's data, not the notes
        assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x1 > fig.layout.shapes[0].x0
        assert "N1" not in text_alternative(fig)
    # the download of the figures the charts drew carries the notes drawn on them
    download = notes.with_notes(
        _stats(years),
        marks,
        series="metric",
        date="period_scope",
        label="scope_note",
        year="year",
        kind="Analyst note",
    )
    assert len(download) == len(years) + 2
    rows = download[download["metric"] == "Analyst note"]
    assert list(rows["year"]) == [2023, 2024]
    assert list(rows["analyst_note_link"]) == ["", "https://kba.example/n"]
    assert rows["analyst_note"].iloc[1].endswith(TRICKY)  # as typed: a download is data, not HTML
    assert download["analyst_note"].iloc[: len(years)].isna().all()


def test_a_note_on_a_figure_of_a_year_is_marked_on_that_years_bar(db: Path) -> None:
    add(db, notes.Note("figure", TRICKY, link="https://ir.acme.example/fy", brand="acme", year=2025))
    add(db, notes.Note("figure", "Zeta's figure", brand="zeta", year=2025))
    marks = notes.year_marks(current(db), "acme")
    assert list(marks["attached"]) == ["Acme · all models · 2025"]
    frame = overview_frame()
    fig = years_vs_target(*text.plotly_inputs((frame, "Acme", None, marks)))
    marked = [a for a in fig.layout.annotations if a.name == "analyst_note"]
    assert [(a.x, a.text) for a in marked] == [("2025", "N1")]
    assert "&lt;b&gt;2 weeks&lt;/b&gt;" in marked[0].hovertext and "<b>" not in marked[0].hovertext
    assert "link: https://ir.acme.example/fy" in marked[0].hovertext
    assert "N1: analyst note" in str(fig.layout.title.subtitle.text)  # the mark says what it is
    assert not [a for a in years_vs_target(frame, "Acme").layout.annotations if a.name == "analyst_note"]
    # the Overview's download: the note in the year's row, numbered as on the chart
    download = notes.with_year_notes(frame, marks)
    by_year = dict(zip(download["year"], download["analyst_note"], strict=True))
    assert by_year[2025] == f"N1 · Note by {ANALYST}, {labels.day(dt.date.today())}: {TRICKY}"
    assert pd.isna(by_year[2024])  # empty for a year without notes
    # the Overview's view model carries them (one cached view: no query of its own on the page)
    con = db_mod.connect_readonly(db)
    try:
        view = overview_service.overview_view(con, overview_service.Scenario("acme", dt.date.today()))
    finally:
        con.close()
    assert list(view.notes["note_id"]) == list(marks["note_id"])


# --- on the pages ------------------------------------------------------------------------------------

ROLES_TOML = '[users]\n"ana@example.com" = "analyst"\n\n[domains]\n"example.com" = "viewer"\n'


def _user(email: str) -> dict[str, object]:
    now = int(time.time())
    return {"is_logged_in": True, "email": email, "iss": "https://idp.example", "sub": email} | {
        "iat": now - 60,
        "exp": now + 3600,
    }


@pytest.fixture
def noted_app(app_env: Path, hostile_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app on the hostile database (conftest: two analyst notes carrying Markdown and HTML), sign-in on."""
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES_TOML)
    monkeypatch.setenv("EVDASH_DB", str(hostile_db_path))
    monkeypatch.setenv("EVDASH_AUTH", "on")
    monkeypatch.setenv("EVDASH_ROLES", str(roles))
    return hostile_db_path


@pytest.mark.parametrize(("email", "form"), [("exec@example.com", False), ("ana@example.com", True)])
def test_sources_lists_the_notes_and_shows_the_form_only_to_an_analyst(
    noted_app: Path, email: str, form: bool
) -> None:
    at = open_page("pages/sources.py", user=_user(email), timeout=90)
    assert not at.exception, at.exception
    listed = [d.value for d in at.dataframe if "note_text" in d.value.columns]
    assert listed and len(listed[0]) == 2  # the period note and the market note
    assert set(listed[0]["note_text"]) == {text.one_line(HOSTILE)}  # stored and listed as typed
    expanders = [e.label for e in at.expander]
    assert ("Add a note" in expanders) is form
    assert ("Edit or delete a note" in expanders) is form


def test_the_deliveries_chart_and_its_download_carry_the_note(noted_app: Path) -> None:
    at = open_page("pages/deliveries.py", user=_user("exec@example.com"), timeout=90)
    assert not at.exception, at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    drawn = [t for s in specs for t in s["data"] if t.get("legendgroup") == "notes"]
    assert len(drawn) == 1
    assert "&lt;b&gt;bold&lt;/b&gt;" in drawn[0]["hovertext"][0]


def test_the_expansion_chart_of_germany_draws_its_note(noted_app: Path) -> None:
    at = open_page("pages/expansion.py", {"market": "DEU"}, user=_user("exec@example.com"), timeout=90)
    assert not at.exception, at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    drawn = [
        t
        for s in specs
        if "EV share" in json.dumps(s["layout"].get("title", ""))
        for t in s["data"]
        if t.get("legendgroup") == "notes"
    ]
    germany = [t for t in drawn if "(DEU)" in t["hovertext"][0]]
    assert len(germany) == 1  # the market note dated 1 Jun 2024 (conftest), beside the period note
    assert "&lt;b&gt;bold&lt;/b&gt;" in germany[0]["hovertext"][0]


def test_the_overview_marks_a_note_on_its_years_bar(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add(db, notes.Note("figure", TRICKY, brand="acme", year=2025))
    monkeypatch.setenv("EVDASH_DB", str(db))
    _fresh_caches()
    try:
        at = open_page("app.py", {"brand": "acme"}, timeout=90)
        assert not at.exception, at.exception
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    finally:
        _fresh_caches()
    marked = [a for s in specs for a in s["layout"].get("annotations", []) if a.get("name") == "analyst_note"]
    assert [(a["x"], a["text"]) for a in marked] == [("2025", "N1")]
    assert "&lt;b&gt;2 weeks&lt;/b&gt;" in marked[0]["hovertext"] and "<b>" not in marked[0]["hovertext"]


# --- in the briefing -----------------------------------------------------------------------------------

_PNG = base64.b64decode(  # one white pixel: the page layout depends on the image's box, not its pixels
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_the_briefing_lists_the_newest_notes_and_stays_on_three_pages(tmp_path: Path) -> None:
    link = tmp_path / "evdash.duckdb"
    build.build(seeds=REAL_SEEDS, db=link)
    long = "Longest allowed note " + "x" * (note_rules.TEXT_MAX - 21)
    rows = [
        f"n00000000000{i},1,added,figure,,,,xiaomi,,2026,{long if i else 'Short <b>one</b>'},,ana,"
        f"2026-11-0{i + 1}T09:00:00"
        for i in range(4)
    ]
    data = (",".join(notes.COLUMNS) + "\n" + "\n".join(rows) + "\n").encode()
    importer.import_files([("notes", ("notes.csv", data))], db=link, seeds=REAL_SEEDS, user="ana")
    con = db_mod.connect_readonly(link)
    try:
        b = briefing.collect(con, "xiaomi", dt.date(2026, 12, 1))
    finally:
        con.close()
    assert len(b.analyst_notes) == 3  # the newest three of four
    assert b.analyst_notes[-1].startswith("Xiaomi · all models · 2026: Longest allowed note xxx")
    pdf, pages = briefing_pdf.build_pdf(b, lambda fig, w, h: _PNG)
    _, without = briefing_pdf.build_pdf(dataclasses.replace(b, analyst_notes=()), lambda fig, w, h: _PNG)
    assert pages == without == 3
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert first.count("Longest allowed note") >= 2  # under the watch list, as many as leave the chart room
    # the e-mail lists the same notes, as typed (text, never HTML)
    body = mailer.body_text(b)
    assert "Analyst notes:" in body and all(f"- {line}" in body for line in b.analyst_notes)


def test_an_analyst_adds_edits_and_deletes_a_note_on_the_sources_page(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-in off (everyone is an analyst): the form writes through evdash.notes; a refusal names the
    field and writes nothing; the list and the history follow."""
    monkeypatch.setenv("EVDASH_DB", str(db))
    _fresh_caches()
    at = open_page("pages/sources.py", timeout=120)
    assert not at.exception, at.exception
    form_text = next(w for w in at.text_input if w.label == "Text")
    form_link = next(w for w in at.text_input if w.label == "Link")
    form_from = next(w for w in at.date_input if w.label == "From")
    form_text.input("Dealer network opens <i>soon</i>")
    form_link.input("ftp://nope.example")
    form_from.set_value(dt.date(2025, 4, 1))
    next(b for b in at.button if b.label == "Add note").click()
    at.run()
    assert any("Link: 'ftp://nope.example' is not an http(s) link" in shown(e.value) for e in at.error)
    assert history(db).empty
    next(w for w in at.text_input if w.label == "Link").input("")
    next(b for b in at.button if b.label == "Add note").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Note added (version 1)." in shown(s.value) for s in at.success)
    listed = next(d.value for d in at.dataframe if "note_text" in d.value.columns)
    assert list(listed["note_text"]) == ["Dealer network opens <i>soon</i>"]
    edit_text = [w for w in at.text_input if w.label == "Text"][-1]
    edit_text.input("Dealer network opens in May")
    next(b for b in at.button if b.label == "Save as a new version").click()
    at.run()
    assert any("Note edited (version 2)" in shown(s.value) for s in at.success)
    next(b for b in at.button if b.label == "Delete (kept in the history)").click()
    at.run()
    assert any("Note deleted (version 3)" in shown(s.value) for s in at.success)
    assert list(history(db)["action"]) == ["added", "edited", "deleted"]
    _fresh_caches()


def test_an_upload_cannot_file_a_note_in_someone_elses_name(db: Path, tmp_path: Path) -> None:
    header = ",".join(notes.COLUMNS)
    data = f"{header}\nn0123456789ab,1,added,market,,,DEU,,,,ok,,boss@example.com,2026-12-01T10:00:00\n"
    with pytest.raises(SeedError, match=r"column 'author': 'boss@example.com' is not the importing user"):
        importer.import_files([("notes", ("note.csv", data.encode()))], db=db, user=ANALYST)
    # nor a file given by path (`evdash import notes FILE --user`), which is read as a stream
    path = tmp_path / "note.csv"
    path.write_text(data)
    with pytest.raises(SeedError, match=r"column 'author': 'boss@example.com' is not the importing user"):
        importer.import_files([("notes", path)], db=db, user=ANALYST)
    assert history(db).empty
