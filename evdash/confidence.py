"""The confidence order, defined once for Python (its SQL twin is the `confidence_rank` /
`confidence_of_rank` macro pair in evdash/models/00_macros.sql; tests/test_confidence.py checks that the
two agree). `reported` = exact figure stated by the company or an official body; `lower_bound` = "over N";
`estimate` = third-party, derived or media figure (and every projection)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Confidence = Literal["reported", "lower_bound", "estimate"]
ORDER: tuple[Confidence, ...] = get_args(Confidence)  # most certain first
RANK: dict[str, int] = {c: i + 1 for i, c in enumerate(ORDER)}  # 1 = reported, as the SQL macro
UNKNOWN_RANK = len(ORDER) + 1  # anything else sorts after every known confidence


def rank(confidence: object) -> int:
    """1 for reported, 2 lower_bound, 3 estimate; unknown values last."""
    return RANK.get(str(confidence), UNKNOWN_RANK)


def worst(confidences: Iterable[object]) -> Confidence:
    """The least certain of several figures combined into one (a sum with one estimate is an estimate).
    An empty input is `reported` (nothing uncertain went in)."""
    ranks = [min(rank(c), len(ORDER)) for c in confidences]
    return ORDER[max(ranks, default=1) - 1]
