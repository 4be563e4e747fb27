"""The Data page's quality panel as a person reads it: which figures are lower bounds or estimates, and
which months have stored figures that disagree, with labels instead of the data's codes. Pure: the
frames come from queries/data_quality_*.sql. No Streamlit, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from evdash import labels


def uncertain_for_people(uncertain: pd.DataFrame) -> pd.DataFrame:
    """queries/data_quality_uncertain.sql rows with the period kind, the scope and the confidence as
    labels ('Quarter', 'NEV only', 'At least (lower bound)')."""
    return labels.for_people(
        uncertain, period_kind=labels.PERIOD, scope=labels.SCOPE, confidence=labels.CONFIDENCE
    )


def versions_text(versions: Iterable[Mapping[str, Any]] | None) -> str:
    """The stored figures of one month, oldest first: '8,630 (Reported, CnEVPost, as of 1 Jun 2024);
    8,646 (Reported, CnEVPost, as of 2 Jun 2024)'."""
    return "; ".join(
        f"{int(v['units']):,} ({labels.label(labels.CONFIDENCE, v['confidence'])}, {v['publisher']}, "
        f"as of {labels.day(v['as_of'])})"
        for v in (versions if versions is not None else ())
    )


def conflicts_for_people(conflicts: pd.DataFrame) -> pd.DataFrame:
    """queries/data_quality_conflicts.sql rows with `versions` written out (`versions_text`)."""
    out = conflicts.copy()
    out["versions"] = [versions_text(v) for v in conflicts["versions"]]
    return out
