"""The Sources page's service: the sources behind the figures (by reliability), the figures a later
edition revised, and the analyst notes with every version, each a small view model cached on its own
parameters, so choosing a reliability reads the source list only."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from evdash import labels, notes, queries


@dataclass(frozen=True)
class SourcesScenario:
    reliability: tuple[str, ...]  # the reliabilities shown (codes of labels.RELIABILITY)


@dataclass(frozen=True)
class SourcesUsage:
    sources: int  # how many sources
    figure_rows: int  # figure rows citing them
    uncertain_rows: int  # of which lower bounds or estimates
    shown: pd.DataFrame  # the table and its download: reliability as its label, no source id


def usage(con: duckdb.DuckDBPyConnection, scenario: SourcesScenario) -> SourcesUsage:
    """The sources of the chosen reliabilities and how many figures cite them. The source id is the
    import files' key (Data → Browse tables → sources), not something to read here."""
    frame = queries.sources_usage(con, reliability=list(scenario.reliability))
    return SourcesUsage(
        sources=len(frame),
        figure_rows=int(frame["figures"].sum()),
        uncertain_rows=int(frame["lower_bound"].sum() + frame["estimate"].sum()),
        shown=labels.for_people(frame.drop(columns=["source_id"]), reliability=labels.RELIABILITY),
    )


def revisions(con: duckdb.DuckDBPyConnection, scenario: None = None) -> pd.DataFrame:
    """Market figures a later edition of their publisher revised, both values side by side, in words
    (the same for every scenario)."""
    return labels.for_people(
        queries.sources_revisions(con),
        drop=["market_code"],
        metric=labels.METRIC,
        confidence=labels.CONFIDENCE,
    )


@dataclass(frozen=True)
class AnalystNotes:
    current: pd.DataFrame  # the notes in force (queries/notes_current.sql): what an edit starts from
    shown: pd.DataFrame  # the same as the page's list (notes.table_frame)
    history: pd.DataFrame  # every version of every note (notes.history_frame)


def analyst_notes(con: duckdb.DuckDBPyConnection, scenario: None = None) -> AnalystNotes:
    """The analyst notes and their history (the same for every scenario)."""
    current = queries.notes_current(con)
    return AnalystNotes(
        current=current,
        shown=notes.table_frame(current),
        history=notes.history_frame(queries.notes_history(con)),
    )
