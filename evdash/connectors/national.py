"""The rows every national registration reader (KBA, RDW, DfT) produces: the `national_registrations`
import kind's columns in the analyst's names (evdash.apply), one dict per row, made into the frame a CSV
upload of that kind would give."""

from __future__ import annotations

import datetime as dt

import pandas as pd

KIND = "national_registrations"
COLUMNS = (
    "market",
    "month",
    "powertrain",
    "subject_kind",
    "subject",
    "brand",
    "units",
    "qualifier",
    "scope_note",
    "source_url",
    "as_of",
    "confidence",
    "note",
)


def row(
    market: str,
    month: dt.date,
    powertrain: str,
    subject_kind: str,
    subject: str,
    units: int | None,
    source_url: str,
    as_of: dt.date,
    confidence: str,
    *,
    brand: str | None = None,
    qualifier: str | None = None,
    scope_note: str | None = None,
    note: str | None = None,
) -> dict[str, object]:
    """One row in the import format (month as YYYY-MM, dates ISO)."""
    return {
        "market": market,
        "month": f"{month:%Y-%m}",
        "powertrain": powertrain,
        "subject_kind": subject_kind,
        "subject": subject,
        "brand": brand,
        "units": units,
        "qualifier": qualifier,
        "scope_note": scope_note,
        "source_url": source_url,
        "as_of": as_of.isoformat(),
        "confidence": confidence,
        "note": note,
    }


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The rows as the import kind's frame; `units` stays an integer column with gaps (Int64)."""
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["units"] = out["units"].astype("Int64")
    return out
