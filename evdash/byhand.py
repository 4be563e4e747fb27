"""One monthly delivery figure added, corrected or withdrawn by hand (the Data page's form).

The form's values become a one-row file of the `deliveries` import kind and go through
`importer.import_files(..., user=...)`: the same validation (and messages, with the form's field names),
the same journal (a new vintage, audited with who), the same all-or-nothing build. Nothing here
overwrites or deletes: the deliveries key includes `as_of`, so a correction with a later as-of is kept
beside the earlier value, and a withdrawal is a row with `withdrawn = true` repeating the withdrawn
figure, which the picking rule (models/10_staging_deliveries.sql) honours from its as-of on.
No Streamlit here (the page only lays the form out).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evdash import db as db_mod
from evdash import importer, labels, queries
from evdash.csvread import SeedError

FILE_NAME = "figure-by-hand.csv"
# Import column -> the form's label for it (messages name the field as the form does).
FIELDS: dict[str, str] = {
    "brand": "Brand",
    "model": "Model",
    "market": "Market",
    "month": "Month",
    "units": "Units",
    "qualifier": "Qualifier",
    "confidence": "Confidence",
    "source_url": "Source URL",
    "as_of": "As of",
    "note": "Note",
    "withdrawn": "Withdraw",
}
# The form's qualifier -> the confidence it stands for (the data model has no separate qualifier:
# "over N" is a lower bound, "about N" an estimate); "exact" keeps the chosen confidence. "Over N" with
# the confidence "estimate" is refused (a lower bound would claim more than the analyst said).
QUALIFIERS: dict[str, str | None] = {"exact": None, "over": "lower_bound", "about": "estimate"}
QUALIFIER_LABEL: dict[str, str] = {"exact": "Exactly N", "over": "Over N", "about": "About N"}
_WHERE = re.compile(rf"^{re.escape(FILE_NAME)}(?:, lines? [\d, ]+)?(?:, column '(\w+)')?: ")


@dataclass(frozen=True)
class Figure:
    brand: str
    market: str
    month: str  # YYYY-MM
    source_url: str
    as_of: dt.date | str
    units: int | None = None  # not needed to withdraw
    model: str = ""  # "" = the brand total
    qualifier: str = "exact"
    confidence: str = "reported"
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """What happened, in words: state is 'new', 'corrected', 'withdrawn',
    'kept' (a new vintage the picking rule does not show) or 'unchanged'."""

    state: str
    figure: str  # "Xiaomi · all models · CHN · November 2026"
    old: str | None
    new: str | None
    batch_id: int
    version: str

    def words(self) -> str:
        if self.state == "withdrawn":
            now = f"now shown: {self.new}" if self.new else "no figure is shown for it now"
            return f"Withdrawn: {self.figure}, {self.old} ({now})."
        if self.state == "corrected":
            return f"Corrected: {self.figure}, {self.old} → {self.new}."
        if self.state == "new":
            return f"New figure: {self.figure}, {self.new}."
        if self.state == "kept":
            return (
                f"Added as a new vintage: {self.figure}; the figure shown stays {self.old} "
                "(the picking rule prefers it)."
            )
        return f"Already in the data: {self.figure}, {self.old}; nothing changed."


def confidence_for(qualifier: str, confidence: str) -> str:
    """The stored confidence of a figure given as exactly / over / about N."""
    if qualifier not in QUALIFIERS:
        raise SeedError([f"{FIELDS['qualifier']}: '{qualifier}' is not one of {', '.join(QUALIFIERS)}"])
    return QUALIFIERS[qualifier] or confidence


def shown_units(units: object, confidence: object) -> str:
    """A figure in words with its confidence: ≥ for a lower bound, ≈ for an estimate."""
    mark = {"lower_bound": "≥ ", "estimate": "≈ "}.get(str(confidence), "")
    return f"{mark}{int(float(str(units))):,} ({labels.label(labels.CONFIDENCE, confidence)})"


def for_the_form(errors: list[str]) -> list[str]:
    """Import messages with the file/line/column prefix replaced by the form's field name."""
    out = []
    for message in errors:
        m = _WHERE.match(message)
        if m is None:
            out.append(message)
            continue
        rest = message[m.end() :]
        column = m.group(1)
        out.append(f"{FIELDS.get(column, column)}: {rest}" if column else rest)
    return out


def import_file(figure: Figure, withdraw: bool, units: int | None, confidence: str) -> bytes:
    """The one-row `deliveries` import file for `figure`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "brand",
            "model",
            "market",
            "month",
            "units",
            "source_url",
            "as_of",
            "confidence",
            "note",
            "withdrawn",
        ]
    )
    writer.writerow(
        [
            figure.brand.strip(),
            figure.model.strip(),
            figure.market.strip(),
            figure.month.strip(),
            "" if units is None else units,
            figure.source_url.strip(),
            str(figure.as_of).strip(),
            confidence,
            figure.note.strip(),
            "true" if withdraw else "",
        ]
    )
    return out.getvalue().encode()


def _vintages(figure: Figure, db: Path | None) -> pd.DataFrame:
    try:
        month = dt.date.fromisoformat(f"{figure.month.strip()}-01")
    except ValueError:
        return pd.DataFrame(columns=["shown", "withdrawn", "units", "confidence", "as_of", "source_url"])
    con = db_mod.connect_readonly(db)
    try:
        return queries.byhand_vintages(
            con, figure.brand.strip(), figure.model.strip(), figure.market.strip(), month
        )
    finally:
        con.close()


def _shown(vintages: pd.DataFrame) -> str | None:
    current = vintages[vintages["shown"].astype(bool)]
    return None if current.empty else shown_units(current.iloc[0]["units"], current.iloc[0]["confidence"])


def submit(
    figure: Figure,
    *,
    user: str,
    withdraw: bool = False,
    db: Path | None = None,
    seeds: Path | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Add, correct (a new vintage) or withdraw `figure` as `user`. Raises SeedError (messages naming
    the form's fields; nothing changes) or importer.ImportRefused."""
    as_of = str(figure.as_of).strip()
    errors = _form_problems(figure, as_of, today)
    confidence = confidence_for(figure.qualifier, figure.confidence)
    before = _vintages(figure, db)
    units = figure.units
    if withdraw:
        withdrawn = _withdrawn(figure, before, as_of)
        if withdrawn is None:
            errors.append(
                f"{FIELDS['source_url']}: no figure from this source on or before {as_of} for this "
                "brand, model, market and month to withdraw"
            )
        else:
            units, confidence = withdrawn
    elif units is None:
        errors.append(f"{FIELDS['units']}: required")
    if errors:
        raise SeedError(errors)
    data = import_file(figure, withdraw, units, confidence)
    try:
        result = importer.import_files([("deliveries", (FILE_NAME, data))], db=db, seeds=seeds, user=user)
    except SeedError as exc:
        raise SeedError(for_the_form(exc.errors)) from exc
    after = _vintages(figure, db)
    model = figure.model.strip() or "all models"
    name = (
        f"{figure.brand.strip()} · {model} · {figure.market.strip().upper()} · {labels.month(figure.month)}"
    )
    old, new = _shown(before), _shown(after)
    if withdraw:
        state, old = "withdrawn", shown_units(units, confidence)
    else:
        state = _state(result.files[0], old, new)
    return Outcome(state, name, old, new, result.batch.batch_id, result.version)


def _form_problems(figure: Figure, as_of: str, today: dt.date | None) -> list[str]:
    """What the form itself gets wrong, named by its fields: a date in the future, no source, an
    'over' figure called an estimate."""
    errors: list[str] = []
    try:
        if dt.date.fromisoformat(as_of) > (today or dt.date.today()):
            errors.append(
                f"{FIELDS['as_of']}: {as_of} is in the future; a figure is known on or before today"
            )
    except ValueError:
        pass  # the import names a malformed date
    if not figure.source_url.strip():
        errors.append(f"{FIELDS['source_url']}: required (the http(s) page the figure comes from)")
    if figure.qualifier == "over" and figure.confidence == "estimate":
        # Stored as a lower bound, which would claim more than the analyst said.
        errors.append(
            f"{FIELDS['confidence']}: an '{QUALIFIER_LABEL['over']}' figure is kept as a lower bound, "
            f"more certain than an estimate; choose '{QUALIFIER_LABEL['about']}' or another confidence"
        )
    return errors


def _withdrawn(figure: Figure, before: pd.DataFrame, as_of: str) -> tuple[int, str] | None:
    """(units, confidence) of the latest figure from this source known on or before `as_of` and not
    withdrawn yet: the one a withdrawal takes back; None when there is none."""
    mine = before[
        (before["source_url"] == figure.source_url.strip())
        & ~before["withdrawn"].astype(bool)
        & (before["as_of"].astype(str) <= as_of)
    ]
    if mine.empty:
        return None
    return int(mine.iloc[-1]["units"]), str(mine.iloc[-1]["confidence"])


def _state(stats: importer.FileStats, old: str | None, new: str | None) -> str:
    """What an add or correction did, as the form reports it: unchanged, new, corrected or kept."""
    if stats.added == 0 and stats.changed == 0:
        return "unchanged"
    if old is None:
        return "new"
    if old != new or stats.changed:
        return "corrected"
    return "kept"
