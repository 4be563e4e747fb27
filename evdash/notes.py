"""Analyst notes on a chart's period, market or figure: written through the import journal, read by
every page that draws what they are attached to.

An analyst (role `analyst` or above, `evdash.auth`) adds a note; it becomes a one-row file of the `notes`
import kind and goes through `importer.import_files(..., user=...)` like a figure by hand
(`evdash.byhand`): the same journal (every app server sharing it replays the batch and shows the note),
the same audit (who, when), the same all-or-nothing build. An edit or a deletion is the note's next
revision, never an overwrite (`apply.APPEND_ONLY`), so every earlier version stays and the Sources page
lists them. A viewer is refused here, not only by the page (`NotAllowed`). What a note may say:
`evdash.note_rules` (the one home of the text and link rules); text is plain text, escaped where shown.

The pure helpers turn the rows of `queries/notes_current.sql` into what a chart draws (`chart_marks`,
`market_marks`, `year_marks`; drawn by `evdash.figures.marks`), what a table lists (`for_markets`), what a
download carries (`with_notes`, `with_year_notes`) and the briefing's lines (`briefing_lines`). No
Streamlit here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evdash import auth, importer, labels, note_rules, queries
from evdash import db as db_mod
from evdash.csvread import SeedError
from evdash.text import cut, one_line

FILE_NAME = "note.csv"
WRITER_ROLE = "analyst"
# Import column -> the form's label for it (messages name the field as the form does).
FIELDS: dict[str, str] = {
    "note_id": "Note",
    "revision": "Note",
    "attached_to": "Attached to",
    "period_from": "From",
    "period_to": "To",
    "market": "Market",
    "brand": "Brand",
    "model": "Model",
    "year": "Year",
    "note_text": "Text",
    "link": "Link",
}
ATTACHED_LABEL = {"period": "A period", "market": "A market", "figure": "A figure (brand, model, year)"}
COLUMNS = [
    "note_id",
    "revision",
    "action",
    "attached_to",
    "period_from",
    "period_to",
    "market",
    "brand",
    "model",
    "year",
    "note_text",
    "link",
    "author",
    "written_at",
]
MARK_COLUMNS = ["note_id", "attached_to", "date", "end", "attached", "what", "detail", "link", "author"]
TABLE_COLUMNS = [
    "note_id",
    "attached",
    "note_text",
    "link",
    "created_by",
    "created_at",
    "edited_by",
    "edited_at",
    "revisions",
]
HISTORY_COLUMNS = ["note_id", "revision", "action", "attached", "note_text", "link", "author", "written_at"]
ACTION_LABEL = {"added": "Added", "edited": "Edited", "deleted": "Deleted"}
SHORT_TEXT = 30  # characters of a note that fit a chart's legend on a phone
_WHERE = re.compile(rf"^{re.escape(FILE_NAME)}(?:, lines? [\d, ]+)?(?:, column '(\w+)')?: ")


class NotAllowed(PermissionError):
    """The user's role may read notes but not write them."""


@dataclass(frozen=True)
class Note:
    attached_to: str  # 'period' | 'market' | 'figure'
    text: str
    link: str = ""
    period_from: dt.date | str | None = None
    period_to: dt.date | str | None = None  # None: a single date
    market: str = ""
    brand: str = ""
    model: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Outcome:
    note_id: str
    revision: int
    action: str  # 'added' | 'edited' | 'deleted'
    batch_id: int

    def words(self) -> str:
        verb = {"added": "Note added", "edited": "Note edited", "deleted": "Note deleted"}[self.action]
        kept = "" if self.revision == 1 else f"; the {self.revision - 1} earlier version(s) are kept"
        return f"{verb} (version {self.revision}){kept}."


def may_write(role: str | None) -> bool:
    """May a user with `role` add, edit or delete notes? (The page hides the form otherwise.)"""
    return auth.has_role(role, WRITER_ROLE)


def _check_writer(role: str | None) -> None:
    if not may_write(role):
        raise NotAllowed(
            f"Notes: only an analyst or an admin may add, edit or delete notes; this account's role is "
            f"{role or 'none'}, which may read them. Nothing was written."
        )


def for_the_form(errors: list[str]) -> list[str]:
    """Import messages with the file/line/column prefix replaced by the form's field name."""
    out = []
    for message in errors:
        m = _WHERE.match(message)
        column = m.group(1) if m else None
        rest = message[m.end() :] if m else message
        out.append(f"{FIELDS.get(column, column)}: {rest}" if column else rest)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _row(note_id: str, revision: int, action: str, note: Note, user: str, now: dt.datetime) -> list[object]:
    return [
        note_id,
        revision,
        action,
        _text(note.attached_to),
        _text(note.period_from),
        _text(note.period_to),
        _text(note.market).upper(),
        _text(note.brand),
        _text(note.model),
        "" if note.year is None else note.year,
        note.text.strip(),
        _text(note.link),
        user,
        now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
    ]


def _check(note: Note) -> None:
    """The form-level checks before the import (named by the form's fields); the import repeats the
    note rules for any other way in."""
    errors: list[str] = []
    if note.attached_to not in note_rules.ATTACHED_TO:
        kind = cut(note.attached_to)
        errors.append(f"{FIELDS['attached_to']}: '{kind}' is not one of a period, market, figure")
    row: dict[str, object] = {
        "attached_to": note.attached_to,
        "note_text": note.text.strip(),
        "link": _text(note.link),
        "market": _text(note.market),
        "brand": _text(note.brand),
        "year": note.year,
        "period_from": _text(note.period_from) or None,
        "period_to": _text(note.period_to) or None,
    }
    for key in ("period_from", "period_to"):
        value = row[key]
        if value is not None:
            try:
                row[key] = dt.date.fromisoformat(str(value))
            except ValueError:
                errors.append(f"{FIELDS[key]}: '{cut(value)}' is not a date (YYYY-MM-DD)")
    errors += [f"{FIELDS[column]}: {message}" for column, message in note_rules.problems(row)]
    if errors:
        raise SeedError(errors)


def _write(
    note_id: str,
    action: str,
    note: Note,
    *,
    user: str,
    role: str | None,
    db: Path | None,
    seeds: Path | None,
    revision: int,
) -> Outcome:
    _check_writer(role)
    _check(note)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(_row(note_id, revision, action, note, user, dt.datetime.now(dt.UTC)))
    try:
        result = importer.import_files(
            [("notes", (FILE_NAME, out.getvalue().encode()))], db=db, seeds=seeds, user=user
        )
    except SeedError as exc:
        raise SeedError(for_the_form(exc.errors)) from exc
    return Outcome(note_id, revision, action, result.batch.batch_id)


def add(
    note: Note,
    *,
    user: str,
    role: str | None,
    db: Path | None = None,
    seeds: Path | None = None,
) -> Outcome:
    """Add `note` as `user`. Raises NotAllowed (a viewer), SeedError (messages naming the form's fields;
    nothing changes) or importer.ImportRefused."""
    _check_writer(role)
    note_id = "n" + secrets.token_hex(6)
    return _write(note_id, "added", note, user=user, role=role, db=db, seeds=seeds, revision=1)


def _latest(note_id: str, db: Path | None) -> pd.Series:
    con = db_mod.connect_readonly(db)
    try:
        history = queries.notes_history(con)
    finally:
        con.close()
    mine = history[history["note_id"] == note_id]
    if mine.empty:
        raise SeedError([f"{FIELDS['note_id']}: no note '{cut(note_id, 20)}' in the data"])
    latest = mine.iloc[-1]
    if latest["action"] == "deleted":
        raise SeedError([f"{FIELDS['note_id']}: this note was deleted; its versions stay in the history"])
    return latest


def edit(
    note_id: str,
    note: Note | None,
    *,
    user: str,
    role: str | None,
    db: Path | None = None,
    seeds: Path | None = None,
) -> Outcome:
    """Write `note` as the next version of `note_id` (the earlier versions stay); `note` None deletes it:
    a last version marked deleted that repeats its text (nothing is erased)."""
    _check_writer(role)
    last = _latest(note_id, db)
    action = "edited" if note is not None else "deleted"
    kept = note or Note(
        attached_to=str(last["attached_to"]),
        text=str(last["note_text"]),
        link="" if _blank(last["link"]) else str(last["link"]),
        period_from=None if _blank(last["period_from"]) else pd.Timestamp(last["period_from"]).date(),
        period_to=None if _blank(last["period_to"]) else pd.Timestamp(last["period_to"]).date(),
        market="" if _blank(last["market_code"]) else str(last["market_code"]),
        brand="" if _blank(last["brand_id"]) else str(last["brand_id"]),
        model="" if _blank(last["model_id"]) else str(last["model_id"]),
        year=None if _blank(last["year"]) else int(last["year"]),
    )
    revision = int(last["revision"]) + 1
    return _write(note_id, action, kept, user=user, role=role, db=db, seeds=seeds, revision=revision)


def delete(note_id: str, *, user: str, role: str | None, db: Path | None = None) -> Outcome:
    """Delete `note_id` as `user`: its next version, marked deleted (`edit` with no note)."""
    return edit(note_id, None, user=user, role=role, db=db)


def _blank(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


# --- pure: what a chart, a table and the briefing show ---------------------------------------------------


def attached_words(row: Mapping[Any, Any]) -> str:
    """What a note is attached to, in words: '1 Mar 2026 – 31 Mar 2026', 'Germany (DEU)',
    'Xiaomi · SU7 · 2026' (a period or figure of one brand also names the brand)."""
    kind = str(row.get("attached_to"))
    brand = "" if _blank(row.get("brand_name")) else str(row.get("brand_name"))
    if kind == "period":
        start = labels.day(row.get("period_from"))
        end = None if _blank(row.get("period_to")) else labels.day(row.get("period_to"))
        when = start if end is None or end == start else f"{start} – {end}"
        return f"{when} ({brand})" if brand else when
    if kind == "market":
        name = "" if _blank(row.get("market_name")) else str(row.get("market_name"))
        return f"{name} ({row.get('market_code')})" if name else str(row.get("market_code"))
    model = "all models" if _blank(row.get("model_name")) else str(row.get("model_name"))
    year = "" if _blank(row.get("year")) else str(int(str(row.get("year"))))
    return " · ".join(p for p in (brand, model, year) if p)


def _detail(row: Mapping[Any, Any]) -> str:
    who = one_line(row.get("edited_by") or row.get("created_by"))
    return f"Note by {who}, {labels.day(row.get('edited_at'))}: {one_line(row.get('note_text'))}"


def _marks(rows: list[Mapping[Any, Any]], place: list[tuple[dt.date, dt.date]]) -> pd.DataFrame:
    out = [
        {
            "note_id": r["note_id"],
            "attached_to": r["attached_to"],
            "date": start,
            "end": end,
            "attached": attached_words(r),
            "what": cut(r["note_text"], SHORT_TEXT),
            "detail": _detail(r),
            "link": "" if _blank(r.get("link")) else str(r["link"]),
            "author": one_line(r.get("edited_by")),
        }
        for r, (start, end) in zip(rows, place, strict=True)
    ]
    frame = pd.DataFrame(out, columns=MARK_COLUMNS)
    return frame.sort_values(["date", "note_id"], kind="stable").reset_index(drop=True)


def chart_marks(notes: pd.DataFrame, brand: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The notes a brand's time chart over `start`..`end` draws (`MARK_COLUMNS`): period notes that
    overlap the window (of this brand or of no brand), placed at their dates cut to the window, and
    figure notes of this brand for a year the window covers, placed over that year's part of the window."""
    rows: list[Mapping[Any, Any]] = []
    place: list[tuple[dt.date, dt.date]] = []
    for r in notes.to_dict("records"):
        mine = _blank(r.get("brand_id")) or r.get("brand_id") == brand
        if r["attached_to"] == "period" and mine:
            _dated(r, rows, place, start, end)
        elif r["attached_to"] == "figure" and r.get("brand_id") == brand and not _blank(r.get("year")):
            year = int(str(r["year"]))
            first, last = max(dt.date(year, 1, 1), start), min(dt.date(year, 12, 31), end)
            if first > last:
                continue
            rows.append(r)
            place.append((first, last))
    return _marks(rows, place)


def _dated(
    r: Mapping[Any, Any],
    rows: list[Mapping[Any, Any]],
    place: list[tuple[dt.date, dt.date]],
    start: dt.date,
    end: dt.date,
) -> bool:
    """Add note `r` placed at its dates (period_from..period_to, a single date when no end) cut to the
    window `start`..`end`, if it has a date in the window. True: it was added."""
    if _blank(r.get("period_from")):
        return False
    first = pd.Timestamp(r["period_from"]).date()
    last = first if _blank(r.get("period_to")) else pd.Timestamp(r["period_to"]).date()
    if last < start or first > end:
        return False
    rows.append(r)
    place.append((max(first, start), min(last, end)))
    return True


def market_marks(notes: pd.DataFrame, market: str, brand: str, years: Sequence[int]) -> pd.DataFrame:
    """The notes a market's charts over `years` (the years they show) draw (`MARK_COLUMNS`): the
    market's notes that have a date (a market note without one is only listed) and the period notes of
    this brand or of no brand, placed at their dates cut to those years."""
    rows: list[Mapping[Any, Any]] = []
    place: list[tuple[dt.date, dt.date]] = []
    shown = [int(y) for y in years if not _blank(y)]
    if shown:
        start, end = dt.date(min(shown), 1, 1), dt.date(max(shown), 12, 31)
        for r in notes.to_dict("records"):
            mine = _blank(r.get("brand_id")) or r.get("brand_id") == brand
            if (r["attached_to"] == "market" and r.get("market_code") == market) or (
                r["attached_to"] == "period" and mine
            ):
                _dated(r, rows, place, start, end)
    return _marks(rows, place)


def year_marks(notes: pd.DataFrame, brand: str) -> pd.DataFrame:
    """The notes on a brand's figures of a year (`MARK_COLUMNS`, placed over that year), which the
    Overview's chart of years marks on the year's bar."""
    rows: list[Mapping[Any, Any]] = [
        r
        for r in notes.to_dict("records")
        if r["attached_to"] == "figure" and r.get("brand_id") == brand and not _blank(r.get("year"))
    ]
    years = [int(float(str(r["year"]))) for r in rows]
    place = [(dt.date(year, 1, 1), dt.date(year, 12, 31)) for year in years]
    return _marks(rows, place)


def for_markets(notes: pd.DataFrame, markets: Sequence[str]) -> pd.DataFrame:
    """The notes on these markets (`MARK_COLUMNS`; date = when the note was last written), for the
    Expansion map's market view and the Market ranking."""
    rows: list[Mapping[Any, Any]] = [
        r for r in notes.to_dict("records") if r["attached_to"] == "market" and r["market_code"] in markets
    ]
    place = [(pd.Timestamp(r["edited_at"]).date(),) * 2 for r in rows]
    return _marks(rows, place)


def briefing_lines(notes: pd.DataFrame, brand: str, limit: int = 3) -> list[str]:
    """The newest `limit` notes a brand's briefing lists: on its figures, on periods (of this brand or
    none) and on markets; one line each ("Xiaomi · SU7 · 2026: text (Ana, 3 Dec 2026)")."""
    lines = []
    for r in notes.to_dict("records"):
        if not (_blank(r.get("brand_id")) or r.get("brand_id") == brand):
            continue
        who = one_line(r.get("edited_by"))
        lines.append(f"{attached_words(r)}: {cut(r['note_text'], 160)} ({who}, {labels.day(r['edited_at'])})")
        if len(lines) == limit:
            break
    return lines


def with_notes(
    frame: pd.DataFrame,
    marks: pd.DataFrame,
    *,
    series: str = "series",
    date: str = "date",
    label: str = "label",
    year: str | None = None,
    kind: str = "analyst_note",
) -> pd.DataFrame:
    """A chart's download with the notes it drew: one more row per note (`kind` in the column `series`,
    its date in `date`, what it is attached to in `label`, and its year in `year` for a chart of years)
    and the note in the extra columns `analyst_note` and `analyst_note_link`, empty on the chart's own
    rows. No note: `frame` with the two empty columns."""
    columns: dict[str, object] = {series: kind, date: marks["date"], label: marks["attached"]}
    if year is not None:
        columns[year] = [pd.Timestamp(str(d)).year for d in marks["date"]]
    rows = pd.DataFrame(
        {**columns, "analyst_note": marks["detail"], "analyst_note_link": marks["link"]}, index=marks.index
    )
    out = frame.assign(analyst_note=None, analyst_note_link=None)
    return out if rows.empty else pd.concat([out, rows], ignore_index=True)


def with_year_notes(frame: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    """A chart of years' download (one row per `year`) with the notes it marked on each year's bar, as
    numbered on the chart ("N1 · Note by …"; several joined by " | ") in `analyst_note` and their links in
    `analyst_note_link`; empty for a year without notes."""
    texts: dict[int, list[str]] = {}
    links: dict[int, list[str]] = {}
    for number, rec in enumerate(marks.to_dict("records"), start=1):
        at = pd.Timestamp(str(rec["date"])).year
        texts.setdefault(at, []).append(f"N{number} · {rec['detail']}")
        if rec["link"]:
            links.setdefault(at, []).append(str(rec["link"]))
    years = [int(y) for y in frame["year"]]
    return frame.assign(
        analyst_note=pd.Series(
            [" | ".join(texts[y]) if y in texts else None for y in years], index=frame.index
        ),
        analyst_note_link=pd.Series(
            [" | ".join(links[y]) if y in links else None for y in years], index=frame.index
        ),
    )


def table_frame(current: pd.DataFrame) -> pd.DataFrame:
    """The Sources page's list of notes (rows of `queries/notes_current.sql`): what each is attached to
    in words, its text, link, who wrote it and when, who changed it last and how many versions it has."""
    records = current.to_dict("records")
    return pd.DataFrame(
        {
            "note_id": current["note_id"],
            "attached": [attached_words(r) for r in records],
            "note_text": current["note_text"],
            "link": current["link"],
            "created_by": current["created_by"],
            "created_at": current["created_at"],
            "edited_by": current["edited_by"],
            "edited_at": current["edited_at"],
            "revisions": current["revisions"],
        },
        columns=TABLE_COLUMNS,
    )


def history_frame(history: pd.DataFrame) -> pd.DataFrame:
    """Every version of every note, deleted ones included (rows of `queries/notes_history.sql`)."""
    records = history.to_dict("records")
    return pd.DataFrame(
        {
            "note_id": history["note_id"],
            "revision": history["revision"],
            "action": [ACTION_LABEL.get(str(a), str(a)) for a in history["action"]],
            "attached": [attached_words(r) for r in records],
            "note_text": history["note_text"],
            "link": history["link"],
            "author": history["author"],
            "written_at": history["written_at"],
        },
        columns=HISTORY_COLUMNS,
    )
