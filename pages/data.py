"""Data: analysts add and correct figures (upload → check → confirm), browse every table in its import
format, see the import history with every correction, and the data-quality panel."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pandas as pd
import pycountry
import streamlit as st

from evdash import byhand, config, freshness, importer, labels, ui
from evdash.csvread import SeedError
from evdash.services import choices
from evdash.services import data as data_service

ctx = ui.frame("Data", required_role="analyst")

SHOWN_ROWS = 10_000
MARKET_OPTIONS = {"": "All markets"} | {
    c.alpha_3: f"{c.alpha_3} · {c.name}" for c in sorted(pycountry.countries, key=lambda c: c.alpha_3)
}
LINKS: dict[str, Any] = {
    "source_url": st.column_config.LinkColumn("source_url"),
    "url": st.column_config.LinkColumn("url"),
    "as_of": st.column_config.DateColumn("as_of"),
}


# The import history and the corrections: one row per imported file or changed value.
IMPORT_COLUMNS: dict[str, Any] = {
    "batch_id": "Batch",
    "imported_at": st.column_config.DatetimeColumn("Imported at (UTC)"),
    "imported_by": "Imported by",
    "file_name": "File",
    "kind": "Kind",
    "rows_in_file": "Rows in file",
    "rows_added": "Rows added",
    "rows_changed": "Rows changed",
    "rows_unchanged": "Rows unchanged",
    "sources_added": "Sources added",
    "sha256": "SHA-256",
    "row_key": "Row",
}

KIND_CODES = list(importer.KINDS)


def kind_label(kind: str) -> str:
    return f"{labels.label(labels.IMPORT_KIND, kind)} – {importer.KIND_HELP[kind]}"


def guess_kind(file_name: str) -> str:
    """Kind from the file name ('deliveries_2026-11.csv' → deliveries); deliveries when unclear."""
    low = file_name.lower()
    return next(
        (k for k in importer.KINDS if low.startswith(k) or f"_{k}" in low or f"-{k}" in low), "deliveries"
    )


def show_result(result: importer.ImportResult | None, errors: list[str] | None) -> None:
    if errors:
        ui.error(
            "**Rejected - nothing was changed.** {n}; fix them all and upload again:",
            icon=":material/error:",
            n=labels.count(len(errors), "problem"),
        )
        # Plain text (never markdown: the messages quote the file's cells), wrapped, easy to copy.
        st.code("\n".join(errors), language=None, wrap_lines=True)
        return
    if result is None:
        return
    for stats in result.files:
        for note in stats.notes:
            ui.info("{note}", icon=":material/info:", note=note)
        ui.markdown(
            "**{file}** ({kind}): {rows} · **{added:,} new** · **{changed:,} changed** · "
            "{unchanged:,} unchanged{sources}",
            file=stats.file_name,
            kind=labels.label(labels.IMPORT_KIND, stats.kind),
            rows=labels.count(stats.rows, "row"),
            added=stats.added,
            changed=stats.changed,
            unchanged=stats.unchanged,
            sources=f" · {labels.count(stats.sources_added, 'new source')}" if stats.sources_added else "",
        )
        if stats.changes:
            ui.caption("Changed rows (old → new)")
            ui.table(pd.DataFrame(stats.changes), import_format=f"the changes in {stats.file_name}")
        if stats.new_rows:
            ui.caption(
                "New rows (first {shown:,} of {added:,})",
                shown=min(len(stats.new_rows), stats.added),
                added=stats.added,
            )
            ui.table(pd.DataFrame(stats.new_rows), LINKS, import_format=f"the new rows of {stats.file_name}")


ui.title("Data: add, correct and check figures")
ui.freshness(ctx, ["market_figures", "prices", "registrations"])
source_statuses = ui.overdue_sources(ctx)  # every overdue source, in the words of `evdash status`
tab_import, tab_browse, tab_history, tab_quality = st.tabs(
    ["Import files", "Browse tables", "Import history", "Data quality"]
)

with tab_import:
    ui.markdown(
        "Upload one or more CSV files in the formats of the README's *Adding data* section "
        "(examples in `data/examples/`). They are **checked first**; nothing changes until you confirm. "
        "All files of one upload are applied together or not at all, and every change is kept in the "
        "import history."
    )
    done = st.session_state.pop("import_done", None)
    if done:
        ui.success("{done}", icon=":material/check_circle:", done=done)
        st.page_link("pages/deliveries.py", label="See deliveries", icon=":material/local_shipping:")
    uploads = st.file_uploader(
        "CSV files",
        type=["csv", "txt"],
        accept_multiple_files=True,
        key="uploads",
        help="UTF-8 (with or without BOM), comma- or semicolon-separated.",
    )
    ui.caption(
        "Files up to {page_mb:,} MB each on this page; larger ones (up to {cli_mb:,} MB) with "
        "**evdash import** on the command line.",
        page_mb=int(st.get_option("server.maxUploadSize")),
        cli_mb=round(config.import_max_bytes() / 2**20),
    )
    chosen: list[tuple[str, tuple[str, bytes]]] = []
    for n, upload in enumerate(uploads or []):
        kind = st.selectbox(
            f"What is in {upload.name}?",
            KIND_CODES,
            index=KIND_CODES.index(guess_kind(upload.name)),
            format_func=kind_label,
            key=f"kind-{n}-{upload.name}",
        )
        chosen.append((str(kind), (upload.name, upload.getvalue())))
    fingerprint = hashlib.sha256(
        b"".join(k.encode() + hashlib.sha256(d).digest() for k, (_, d) in chosen)
    ).hexdigest()
    check = st.button("Check files", type="primary", disabled=not chosen, icon=":material/fact_check:")
    if check:
        with st.spinner("Checking against the current data (nothing is written)…"):
            try:
                preview = importer.import_files(chosen, dry_run=True, user=ui.current_user())
                st.session_state["preview"] = (fingerprint, preview, None)
            except SeedError as exc:
                st.session_state["preview"] = (fingerprint, None, exc.errors)
            except importer.ImportRefused as exc:
                st.session_state["preview"] = (fingerprint, None, [str(exc)])
    stored: tuple[str, Any, list[str] | None] | None = st.session_state.get("preview")
    if stored and stored[0] == fingerprint and chosen:
        _, preview_result, preview_errors = stored
        show_result(preview_result, preview_errors)
        if preview_result is not None:
            total = sum(s.added + s.changed for s in preview_result.files)
            if st.button(
                f"Apply import ({total:,} new or changed rows)",
                type="primary",
                disabled=total == 0,
                icon=":material/publish:",
            ):
                with st.spinner("Writing a new data version…"):
                    try:
                        result = importer.import_files(chosen, user=ui.current_user())
                    except (SeedError, importer.ImportRefused) as exc:
                        errors = exc.errors if isinstance(exc, SeedError) else [str(exc)]
                        st.session_state["preview"] = (fingerprint, None, errors)
                        st.rerun()
                    else:
                        st.session_state.pop("preview", None)
                        counts = ", ".join(
                            f"{s.file_name}: {s.added:,} new, {s.changed:,} changed" for s in result.files
                        )
                        st.session_state["import_done"] = (
                            f"Imported as batch #{result.batch.batch_id} ({counts}). "
                            f"Every page now shows data version {result.version}."
                        )
                        st.rerun()
            if total == 0:
                ui.caption("Nothing to apply: every row is already in the data.")

with tab_browse:
    kind_options = {k: kind_label(k) for k in data_service.BROWSE}
    brands = ui.view(ctx, choices.brands, None)
    c1, c2, c3 = st.columns([2, 1, 1])
    table = ui.url_select("Table", "table", kind_options, "deliveries", container=c1)
    by_brand, by_market = data_service.filters_of(table)
    params: dict[str, str] = {}
    if by_brand:
        brand_options = {"": "All brands"} | dict(zip(brands["brand_id"], brands["name"], strict=True))
        params["brand"] = ui.url_select("Brand", "brand", brand_options, "", container=c2)
    if by_market:
        params["market"] = ui.url_select("Market", "market", MARKET_OPTIONS, "", container=c3)
    frame = ui.view(ctx, data_service.browse, data_service.BrowseScenario(table, **params))
    shown = frame.head(SHOWN_ROWS)
    ui.caption(
        "{rows}{shown}. Columns are the **{table}** import format: edit a download and import it "
        "back to correct figures.",
        rows=labels.count(len(frame), "row"),
        shown=f" - showing the first {SHOWN_ROWS:,}; the download has all of them"
        if len(frame) > SHOWN_ROWS
        else "",
        table=labels.label(labels.IMPORT_KIND, table),
    )
    ui.table(shown, LINKS, import_format=kind_label(table))
    ui.download_buttons(ctx, frame, f"data-{table}", {"table": table, **params}, key="browse")

with tab_history:
    imports = ui.view(ctx, data_service.import_history, None)
    history, history_shown, changes = imports.history, imports.history_shown, imports.changes
    if history.empty:
        ui.info("No imports yet: the data is the seed files only.", icon=":material/history:")
    ui.subheader("Imported files")
    ui.table(history_shown, IMPORT_COLUMNS)
    ui.download_buttons(ctx, history_shown, "import-history", {}, key="history")
    ui.subheader("Corrections (old → new)")
    ui.caption("One row per changed value of an existing row.")
    ui.table(
        changes,
        {**IMPORT_COLUMNS, "column_name": "Column", "old_value": "Old value", "new_value": "New value"},
        import_format="the corrected values",
    )
    ui.download_buttons(ctx, changes, "import-changes", {}, key="changes")

with tab_quality:
    checks = ui.view(ctx, data_service.data_quality, None)
    missing, uncertain, conflicts = checks.missing, checks.uncertain, checks.conflicts
    q1, q2, q3 = st.columns(3)
    ui.metric(q1, "Months missing (all brands)", f"{int(missing['months_missing'].sum()):,}")
    ui.metric(q2, "Lower bounds or estimates", f"{len(uncertain):,}")
    ui.metric(q3, "Months where sources disagree", f"{len(conflicts):,}")
    ui.subheader("Months missing per brand")
    ui.caption("Months between a brand's first and last monthly figure with no figure at all.")
    ui.table(
        missing,
        {
            "brand": "Brand",
            "brand_id": None,
            "first_month": "First month",
            "last_month": "Last month",
            "months_with_data": "Months with a figure",
            "months_missing": "Months missing",
            "missing_months": "Which months",
        },
    )
    ui.download_buttons(ctx, missing, "quality-missing-months", {}, key="q-missing")
    ui.subheader("Figures that are lower bounds or estimates")
    ui.caption('Lower bound = the source said "over N" (shown as ≥ N); estimate = third-party or derived.')
    uncertain_shown = checks.uncertain_shown
    ui.table(
        uncertain_shown,
        {
            "table_name": "Table",
            "brand": "Brand",
            "model": "Model",
            "market": "Market",
            "period_kind": "Period",
            "period": "Covers",
            "scope": "Counts",
            "value": st.column_config.NumberColumn("Value", format="localized"),
            "confidence": "Confidence",
            "as_of": st.column_config.DateColumn("As of"),
            "publisher": "Publisher",
            "source_url": st.column_config.LinkColumn("Source"),
        },
    )
    ui.download_buttons(ctx, uncertain_shown, "quality-uncertain", {}, key="q-uncertain")
    ui.subheader("Contradicting sources")
    ui.caption(
        "Months with more than one stored figure; the dashboard picks one by the rule on the Sources page."
    )
    conflicts_shown = checks.conflicts_shown
    ui.table(
        conflicts_shown,
        {
            "brand": "Brand",
            "brand_id": None,
            "model": "Model",
            "market": "Market",
            "month_label": "Month",
            "figures": "Figures stored",
            "min_units": st.column_config.NumberColumn("Lowest", format="localized"),
            "max_units": st.column_config.NumberColumn("Highest", format="localized"),
            "versions": "Versions",
        },
    )
    ui.download_buttons(ctx, conflicts_shown, "quality-conflicts", {}, key="q-conflicts")
    ui.subheader("Recurring sources")
    ui.caption(
        "Every source the data is kept current from, how often it publishes and when its next figure is "
        "due (the registry: data/seeds/source_feeds.csv; `evdash status` on the command line)."
    )
    sources_shown = ui.computed(ctx, freshness.status_frame, source_statuses)
    ui.table(
        sources_shown,
        {
            "name": "Source",
            "publisher": "Publisher",
            "cadence": "Publishes",
            "newest_label": "Newest held",
            "due": st.column_config.DateColumn("Next due"),
            "state": "State",
            "parser": "Read by",
            "url": st.column_config.LinkColumn("Where"),
            "licence": "Licence",
        },
    )
    ui.download_buttons(ctx, sources_shown, "quality-source-status", {}, key="q-sources")

with tab_import:
    # One figure by hand: validated, journalled and audited like an import (evdash.byhand).
    ui.subheader("Add or correct a figure")
    ui.caption(
        "One monthly delivery figure. It is checked like an import and kept as a new version beside "
        "earlier ones (a later as-of date is the correction shown); withdrawing is a version too."
    )
    hand_done = st.session_state.pop("byhand_done", None)
    if hand_done:
        ui.success("{done}", icon=":material/check_circle:", done=hand_done)
    hand_brands = ui.view(ctx, choices.brands, None)
    brand_names: dict[str, str] = dict(zip(hand_brands["brand_id"], hand_brands["name"], strict=True))
    hand_markets: list[str] = [code for code in MARKET_OPTIONS if code]
    with st.form("byhand"):
        h1, h2, h3, h4 = st.columns(4)
        hand_brand = h1.selectbox(
            "Brand",
            list(brand_names),
            format_func=lambda b: brand_names.get(b, b),
        )
        hand_model = h2.text_input(
            "Model", help="Optional: a model id or its exact name; empty = all models."
        )
        hand_market = h3.selectbox(
            "Market",
            hand_markets,
            index=hand_markets.index("CHN"),
            format_func=lambda m: MARKET_OPTIONS.get(m, m),
        )
        hand_month = h4.text_input("Month", placeholder="2026-11", help="The month the figure covers.")
        h5, h6, h7 = st.columns(3)
        hand_units = h5.number_input("Units", value=None, step=1)
        hand_qualifier = h6.radio(
            "Qualifier", list(byhand.QUALIFIERS), format_func=lambda q: byhand.QUALIFIER_LABEL.get(q, q)
        )
        hand_confidence = h7.selectbox(
            "Confidence",
            ["reported", "estimate", "lower_bound"],
            format_func=lambda c: labels.label(labels.CONFIDENCE, c),
            help="Over N is kept as a lower bound and About N as an estimate.",
        )
        hand_url = st.text_input(
            "Source URL", placeholder="https://…", help="Required: the http(s) page it comes from."
        )
        h8, h9 = st.columns([1, 3])
        hand_as_of = h8.date_input("As of", help="When the source published the figure.")
        hand_note = h9.text_input("Note")
        hand_withdraw = st.checkbox("Withdraw this source's figure for that month (as of the date above)")
        hand_submit = st.form_submit_button("Save figure", type="primary", icon=":material/save:")
    if hand_submit:
        figure = byhand.Figure(
            brand=str(hand_brand or ""),
            model=hand_model,
            market=str(hand_market or ""),
            month=hand_month,
            source_url=hand_url,
            as_of=hand_as_of if isinstance(hand_as_of, dt.date) else "",
            units=None if hand_units is None else int(hand_units),
            qualifier=str(hand_qualifier),
            confidence=str(hand_confidence),
            note=hand_note,
        )
        with st.spinner("Writing a new data version…"):
            try:
                outcome = byhand.submit(figure, user=ui.current_user(), withdraw=hand_withdraw)
            except (SeedError, importer.ImportRefused) as exc:
                show_result(None, exc.errors if isinstance(exc, SeedError) else [str(exc)])
            else:
                st.session_state["byhand_done"] = outcome.words()
                st.rerun()
