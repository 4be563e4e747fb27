"""Tables and their downloads: every table a page shows (full width, no index, "—" for a missing cell,
whole days as dates), the column configurations shared by several pages, and the CSV / ZIP / Excel
buttons whose files hold exactly the frame the table drew."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from evdash import exports
from evdash.columns import Column
from evdash.web import clock
from evdash.web.cache import QUERY_CACHE_ENTRIES, RESULT_TTL, Context
from evdash.web.lineage import frame_digest, has_lineage
from evdash.web.render import subheader

MISSING_CELL = "—"
# A table of at most this many rows whose frame came from `query`/`computed` (it has a lineage key) is
# converted to Arrow once per data version and inputs: the conversion `st.dataframe` did on every run
# was 60–70 % of `table`'s time (py-spy, /markets and /expansion). Streamlit sends a pyarrow.Table as
# the same bytes it makes of the frame (it converts with this same function); larger frames, which
# Streamlit may page lazily, keep its own path.
TABLE_CACHE_MAX_ROWS = 10_000


def _whole_day_columns(frame_: pd.DataFrame) -> tuple[str, ...]:
    """The datetime columns holding whole days only (shown as dates, not '2025-09-04 00:00:00').
    By dtype first: selecting every column of every table (a new Series each) was a third of
    `table`'s time on /expansion (py-spy)."""
    found = []
    for name, dtype in zip(frame_.columns.tolist(), frame_.dtypes.tolist(), strict=True):
        if pd.api.types.is_datetime64_any_dtype(dtype):
            days = frame_[name].dropna()
            if (days == days.dt.normalize()).all():
                found.append(name)
    return tuple(found)


@st.cache_resource(max_entries=QUERY_CACHE_ENTRIES, ttl=RESULT_TTL, show_spinner=False)
def _cached_table(key: bytes, _frame: pd.DataFrame) -> tuple[Any, tuple[str, ...]]:
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(_frame), _whole_day_columns(_frame)


# The description (for screen readers) of a table that shows an import format: the file's own column
# names and codes, on purpose (Data → Browse tables; tests/test_words.py lets these keep their codes).
IMPORT_FORMAT_ALT = "Import format"


def table(
    frame_: pd.DataFrame,
    columns: Mapping[str, Any] | None = None,
    *,
    import_format: str | None = None,
    container: Any = st,
    **kwargs: Any,
) -> Any:
    """Every table goes through here: full width, no index, a missing value shown as "—" (Streamlit
    writes "None" into an empty cell unless told otherwise) and a column of whole days shown as dates
    (not "2025-09-04 00:00:00"). `columns` is the `column_config` (headers a person reads, number
    formats, links; None hides a column). Show codes as their labels first (`evdash.labels.for_people`);
    the download beside a table is the same frame. A table of an import format (`import_format`: what
    it is, e.g. "deliveries") keeps the file's column names and codes and says so."""
    config: dict[str, Any] = dict(columns or {})
    data: Any = frame_
    if has_lineage(frame_) and len(frame_) <= TABLE_CACHE_MAX_ROWS and "on_select" not in kwargs:
        data, days = _cached_table(frame_digest(frame_), frame_)
    else:
        days = _whole_day_columns(frame_)
    for name in days:
        if name not in config:
            config[name] = st.column_config.DateColumn(str(name))
    if import_format is not None:
        kwargs["alt"] = f"{IMPORT_FORMAT_ALT} of {import_format}: the file's columns and codes"
    return container.dataframe(
        data,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=MISSING_CELL,
        **kwargs,
    )


# Tables shown on more than one page, with the same headers everywhere.
DUTY_CHANGE_COLUMNS: Mapping[str, Any] = {
    "on_date": st.column_config.DateColumn("From"),
    "duty_before": "Duty before",
    "duty_after": "Duty from then",
    "what_changed": "What changed",
    "when": "When",
}
REGISTRATION_COLUMNS: Mapping[str, Any] = {
    "market_code": None,
    "market_name": "Market",
    "period_label": "Period",
    "month_from": None,
    "month_to": None,
    "subject_kind": "Counts",
    "subject": "Brand, model or group",
    "brand_id": None,
    "units": st.column_config.NumberColumn("Registrations", format="localized"),
    "qualifier": "As the source words it",
    "share_pct": st.column_config.NumberColumn("Share of market %", format="%.1f"),
    "scope_note": "What it counts",
    "confidence": "Confidence",
    "as_of": st.column_config.DateColumn("As of"),
    "source_url": st.column_config.LinkColumn("Source"),
}


def registered_columns(
    registry: Mapping[str, Column],
    *,
    only: Collection[str] | None = None,
    hide: Collection[str] = (),
    bars: Mapping[str, tuple[float, float]] | None = None,
    renamed: Mapping[str, str] | None = None,
    **values: str,
) -> dict[str, Any]:
    """The `column_config` of a table whose columns are registered in `evdash.columns` (`registry`): each
    column's header (`{currency}` and the like filled from `values`), number format and help text, as the
    registry writes them once. `only`: the registered codes this table has (default: all); `hide`: codes
    not shown (still in the download); `bars`: number codes drawn as a bar from min to max; `renamed`:
    code → the frame's column where the frame names it otherwise (e.g. `price_eur` for `price_converted`).
    A text column gets Streamlit's plain column, as a header string would (its values shown as they are).
    Merge a page's own columns after it: `{**ui.registered_columns(...), "other": "Other"}`."""
    bars = bars or {}
    renamed = renamed or {}
    config: dict[str, Any] = {}
    for code, column in registry.items():
        if only is not None and code not in only:
            continue
        name = renamed.get(code, code)
        config[name] = None if code in hide else _column_config(column, bars.get(code), values)
    return config


def _column_config(column: Column, bar: tuple[float, float] | None, values: Mapping[str, str]) -> Any:
    """One registered column as Streamlit's column configuration."""
    label, help_ = column.header(**values), column.help.format(**values) or None
    if bar is not None:
        low, high = bar
        return st.column_config.ProgressColumn(
            label, help=help_, min_value=low, max_value=high, format=column.format or None
        )
    if column.kind == "number":
        return st.column_config.NumberColumn(label, help=help_, format=column.format or None)
    if column.kind == "date":
        return st.column_config.DateColumn(label, help=help_)
    if column.kind == "link":
        return st.column_config.LinkColumn(label, help=help_)
    if column.kind == "flag":
        return st.column_config.CheckboxColumn(label, help=help_)
    return st.column_config.Column(label, help=help_)


def download_buttons(
    ctx: Context,
    frame_: pd.DataFrame,
    view: str,
    filters_: Mapping[str, object],
    key: str,
    sources: Sequence[str] = (),
    container: Any = st,
) -> None:
    """CSV of exactly `frame_`, a ZIP with the same CSV plus a README of filters and provenance, and an
    Excel workbook of the same rows (typed columns, an "About this export" sheet: `exports.xlsx_bytes`)."""
    if ctx.known is not None:  # the vintage: the file says which day's knowledge it holds
        filters_ = {**filters_, "known": ctx.known.isoformat()}
    csv_name = exports.export_filename(view, filters_, ctx.as_of)
    # What the downloads are made of, as of this run; the README, the source list and every file are
    # built only when a button is clicked (the source scan alone was a fifth of a page's downloads).
    snapshot = frame_.copy(deep=False)  # copy-on-write: the page's later changes never reach it
    _button_row(container, csv_name, key, _export_files(ctx, snapshot, view, dict(filters_), tuple(sources)))


@dataclass(frozen=True)
class _ExportFiles:
    """The bytes of the three downloads of one table, each made only when its button is clicked."""

    csv: Callable[[], bytes]
    zip: Callable[[], bytes]
    xlsx: Callable[[], bytes]


def _export_files(
    ctx: Context, snapshot: pd.DataFrame, view: str, filters_: dict[str, object], sources: tuple[str, ...]
) -> _ExportFiles:
    """The CSV of `snapshot`, the ZIP of that CSV with its README (filters and provenance) and the Excel
    workbook of the same rows."""

    def readme() -> str:
        return exports.readme_text(view, filters_, ctx.version, ctx.as_of, list(snapshot.columns), sources)

    on = filters_.get("on")
    in_force = str(on) if on is not None else f"not used by this view (exported {clock.today():%Y-%m-%d})"

    def all_sources() -> list[str]:
        return list(dict.fromkeys([*sources, *exports.frame_sources(snapshot)]))

    return _ExportFiles(
        csv=_csv_callable(snapshot),
        zip=lambda: exports.zip_bytes(snapshot, readme()),
        xlsx=lambda: exports.xlsx_bytes(
            snapshot, view, filters_, ctx.version, ctx.as_of, in_force, all_sources()
        ),
    )


def _button_row(container: Any, csv_name: str, key: str, files: _ExportFiles) -> None:
    """The three download buttons of one table, side by side."""
    # One horizontal flex row, not st.columns(3): a columns row is four blocks Streamlit builds and sends
    # (the row and a block per column) against one here, on every run, for every table; the buttons
    # share the row's width and wrap under each other on a narrow screen, as the columns stacked.
    row = container.container(horizontal=True, gap="small")
    row.download_button(
        "Download CSV",
        data=files.csv,
        file_name=csv_name,
        mime="text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    row.download_button(
        "CSV + notes (.zip)",
        data=files.zip,
        file_name=csv_name.removesuffix(".csv") + ".zip",
        mime="application/zip",
        key=f"{key}-zip",
        on_click="ignore",
        icon=":material/folder_zip:",
        width="stretch",
    )
    row.download_button(
        "Excel (.xlsx)",
        data=files.xlsx,
        file_name=csv_name.removesuffix(".csv") + ".xlsx",
        mime=exports.XLSX_MIME,
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        width="stretch",
    )


def _csv_callable(snapshot: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: exports.csv_bytes(snapshot)


def analyst_notes(
    ctx: Context, marks: pd.DataFrame, view: str, filters_: Mapping[str, object], key: str
) -> None:
    """Analyst notes on what this view shows (rows of `evdash.notes.for_markets` / `chart_marks`): a
    table of the whole note, what it is attached to and its link, with its download; nothing when there
    are none. Notes are written on the Sources page."""
    if marks.empty:
        return
    subheader("Analyst notes")
    table(
        marks,
        {
            "note_id": None,
            "attached_to": None,
            "date": None,
            "end": None,
            "attached": "Attached to",
            "what": None,
            "detail": "Note",
            "link": st.column_config.LinkColumn("Link"),
            "author": None,
        },
    )
    download_buttons(ctx, marks, view, filters_, key=key)
