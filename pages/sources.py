"""Sources: where every number comes from, and how contradictions are resolved."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from evdash import importer, labels, note_rules, notes, text, ui
from evdash.csvread import SeedError
from evdash.services import choices as offered
from evdash.services import sources as sources_service

ctx = ui.frame("Sources")

with st.sidebar:
    chosen = ui.url_multiselect("Reliability", "reliability", labels.RELIABILITY, list(labels.RELIABILITY))

ui.title("Where the numbers come from")
ui.freshness(ctx, ["market_figures", "prices", "suv_shares", "published_registrations"])
ui.markdown(
    "Every figure in evdash carries a source, an as-of date and a confidence: **reported** (exact, "
    "stated by the company or an official body), **lower bound** (the source said *over N*), or "
    "**estimate** (third-party or derived). When sources disagree, all versions are kept and the "
    "dashboard uses one by a written rule: a reported figure first; else an estimate that does not "
    "contradict the company's own 'over N'; else the highest 'over N'; then primary before secondary "
    "before low-reliability sources; then the later as-of date (a revision beats the first figure). "
    "The full rule and every known contradiction are in `data/README.md`."
)
usage = ui.view(ctx, sources_service.usage, sources_service.SourcesScenario(tuple(chosen)))
c1, c2, c3 = st.columns(3)
ui.metric(c1, "Sources", f"{usage.sources:,}")
ui.metric(c2, "Figure rows citing them", f"{usage.figure_rows:,}")
ui.metric(c3, "Of which lower bounds or estimates", f"{usage.uncertain_rows:,}")
# The table and its download show the reliability's label (evdash.services.sources).
shown = usage.shown
ui.table(
    shown,
    {
        "publisher": "Publisher",
        "url": st.column_config.LinkColumn("Link"),
        "reliability": "Reliability",
        "figures": st.column_config.NumberColumn("Figures", format="localized"),
        "reported": "Reported",
        "lower_bound": "Lower bounds",
        "estimate": "Estimates",
        "used_in": "Used in",
        "latest_as_of": st.column_config.DateColumn("Latest as-of"),
    },
)
ui.download_buttons(ctx, shown, "sources", {"reliability": chosen}, key="sources")

# Revisions: a figure a later edition of its publisher changed. Both values are kept (nothing is
# overwritten); the page that draws the figure shows the later one with the earlier beside it.
revised = ui.view(ctx, sources_service.revisions, None)
ui.subheader("Revised figures")
ui.markdown(
    "**{n}** market figures were revised by a later edition of their publisher (the IEA's 2026 edition "
    "against its 2024 one). The dashboard uses the latest publication; the earlier value is kept beside it "
    "here, on the Expansion map's market figures and in their downloads. Latest years first. Use "
    "*Data as known on* in the sidebar to see the dashboard as it was before a revision arrived.",
    n=f"{len(revised):,}",
)
ui.table(
    revised,
    {
        "market_name": "Market",
        "year": st.column_config.NumberColumn("Year", format="%d"),
        "metric": "Figure",
        "value": st.column_config.NumberColumn("Value now", format="localized"),
        "revised_from_value": st.column_config.NumberColumn("Revised from", format="localized"),
        "change_pct": st.column_config.NumberColumn("Change", format="%+.1f%%"),
        "as_of": st.column_config.DateColumn("Published"),
        "revised_from_as_of": st.column_config.DateColumn("Earlier value published"),
        "confidence": "Confidence",
        "publisher": "Publisher",
        "source_url": st.column_config.LinkColumn("Source"),
    },
)
ui.download_buttons(ctx, revised, "revisions", {}, key="revisions")

# Analyst notes (evdash.notes): on a chart's period, a market or a figure; drawn on the charts they belong
# to, kept with every earlier version. Everyone reads them; the form is for analysts (the write refuses
# anyone else whatever the page shows).
ui.subheader("Analyst notes")
ui.caption(
    "Notes analysts left on a period, a market or a figure. They appear on the charts they belong to, in "
    "the briefing and in those charts' downloads. An edit or a deletion is a new version; earlier "
    "versions stay below."
)
note_done = st.session_state.pop("note_done", None)
if note_done:
    ui.success("{done}", icon=":material/check_circle:", done=note_done)
analyst_notes = ui.view(ctx, sources_service.analyst_notes, None)
current_notes, notes_shown = analyst_notes.current, analyst_notes.shown
note_columns = {
    "note_id": None,
    "attached": "Attached to",
    "note_text": "Note",
    "link": st.column_config.LinkColumn("Link"),
    "created_by": "Written by",
    "created_at": st.column_config.DatetimeColumn("Written", format="YYYY-MM-DD HH:mm"),
    "edited_by": "Last changed by",
    "edited_at": st.column_config.DatetimeColumn("Last changed", format="YYYY-MM-DD HH:mm"),
    "revisions": "Versions",
}
if notes_shown.empty:
    ui.caption("No analyst notes yet.")
else:
    ui.table(notes_shown, note_columns)
    ui.download_buttons(ctx, notes_shown, "analyst-notes", {}, key="notes")
note_history = analyst_notes.history
if not note_history.empty:
    with ui.expander("Every version of every note ({n})".format(n=f"{len(note_history):,}")):
        ui.table(
            note_history,
            {
                "note_id": None,
                "revision": "Version",
                "action": "What",
                "attached": "Attached to",
                "note_text": "Note",
                "link": st.column_config.LinkColumn("Link"),
                "author": "By",
                "written_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            },
        )
        ui.download_buttons(ctx, note_history, "analyst-notes-history", {}, key="notes-history")


def _write_note(action: str, note_id: str, note: notes.Note | None) -> None:
    """Call the core write; show its refusal (naming the field) or rerun with what it did."""
    try:
        with st.spinner("Writing a new data version…"):
            if action == "delete":
                outcome = notes.delete(note_id, user=ui.current_user(), role=ui.current_role())
            elif action == "edit" and note is not None:
                outcome = notes.edit(note_id, note, user=ui.current_user(), role=ui.current_role())
            elif note is not None:
                outcome = notes.add(note, user=ui.current_user(), role=ui.current_role())
            else:
                return
    except SeedError as exc:
        for message in exc.errors:
            ui.error("{message}", message=message)
    except (notes.NotAllowed, importer.ImportRefused) as exc:
        ui.error("{message}", message=str(exc))
    else:
        st.session_state["note_done"] = outcome.words()
        st.rerun()


if notes.may_write(ui.current_role()):
    note_brands = ui.view(ctx, offered.brands, None)
    note_brand_names = {"": "Any brand"} | dict(
        zip(note_brands["brand_id"], note_brands["name"], strict=True)
    )
    with ui.expander("Add a note"), st.form("note-add"):
        kind = st.radio(
            "Attached to",
            list(notes.ATTACHED_LABEL),
            format_func=lambda k: notes.ATTACHED_LABEL.get(k, k),
            horizontal=True,
        )
        n1, n2 = st.columns(2)
        note_from = n1.date_input("From", value=None, help="A period: its first day (or the only one).")
        note_to = n2.date_input("To", value=None, help="A period: its last day; empty = one day.")
        n3, n4, n5, n6 = st.columns(4)
        note_market = n3.text_input("Market", placeholder="DEU", help="A market: ISO 3166-1 alpha-3 code.")
        note_brand = n4.selectbox(
            "Brand", list(note_brand_names), format_func=lambda b: note_brand_names.get(b, b)
        )
        note_model = n5.text_input("Model", help="A figure: optional model id or exact name.")
        note_year = n6.number_input("Year", value=None, step=1, format="%d", help="A figure: its year.")
        note_text = st.text_input(
            "Text", max_chars=note_rules.TEXT_MAX, help="Plain text, one line (no Markdown or HTML)."
        )
        note_link = st.text_input("Link", placeholder="https://…", help="Optional: an http(s) page.")
        add_note = st.form_submit_button("Add note", type="primary", icon=":material/add_comment:")
    if add_note:
        _write_note(
            "add",
            "",
            notes.Note(
                attached_to=str(kind),
                text=note_text,
                link=note_link,
                period_from=note_from if isinstance(note_from, dt.date) else None,
                period_to=note_to if isinstance(note_to, dt.date) else None,
                market=note_market,
                brand=str(note_brand or ""),
                model=note_model,
                year=None if note_year is None else int(note_year),
            ),
        )
    if not current_notes.empty:
        choices = dict(zip(notes_shown["note_id"], notes_shown["attached"], strict=True))
        texts = dict(zip(notes_shown["note_id"], notes_shown["note_text"], strict=True))
        with ui.expander("Edit or delete a note"):
            chosen_note = st.selectbox(
                "Note",
                list(choices),
                format_func=lambda n: f"{choices.get(n, n)}: {text.cut(texts.get(n, ''), 60)}",
            )
            row = current_notes[current_notes["note_id"] == chosen_note].iloc[0]
            with st.form("note-edit"):
                new_text = st.text_input("Text", value=str(row["note_text"]), max_chars=note_rules.TEXT_MAX)
                new_link = st.text_input("Link", value="" if pd.isna(row["link"]) else str(row["link"]))
                e1, e2 = st.columns(2)
                save_note = e1.form_submit_button("Save as a new version", icon=":material/save:")
                delete_note = e2.form_submit_button("Delete (kept in the history)", icon=":material/delete:")
            if save_note or delete_note:
                _write_note(
                    "delete" if delete_note else "edit",
                    str(chosen_note),
                    notes.Note(
                        attached_to=str(row["attached_to"]),
                        text=new_text,
                        link=new_link,
                        period_from=None if pd.isna(row["period_from"]) else row["period_from"].date(),
                        period_to=None if pd.isna(row["period_to"]) else row["period_to"].date(),
                        market="" if pd.isna(row["market_code"]) else str(row["market_code"]),
                        brand="" if pd.isna(row["brand_id"]) else str(row["brand_id"]),
                        model="" if pd.isna(row["model_id"]) else str(row["model_id"]),
                        year=None if pd.isna(row["year"]) else int(row["year"]),
                    ),
                )
