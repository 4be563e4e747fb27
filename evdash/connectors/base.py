"""The contract every publisher reader keeps: `parse(data, name) -> Parsed`, pure (no I/O, no clock).

A reader finds its data by its header (not by a sheet name or a column position), tolerates values it
does not use, and raises `FormatError` naming what was wrong (file, sheet, row, column) when the
publisher's format changed or the file is truncated. Its `PARSER_VERSION` changes whenever the rows it
produces from the same bytes could change, so a kept raw file can be replayed and compared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd


class FormatError(ValueError):
    """The file is not in the publisher's format this reader knows; the message says where and what."""


@dataclass(frozen=True)
class Parsed:
    """What a reader made of one publisher file.

    `kind` is an import kind (`evdash.apply.KINDS`), and `frame` has that kind's import columns (the
    analyst's format, as a CSV upload would), so the rows take the same validated, journalled path as
    an upload. `period` says what the file covers in words a person reads ("Dec 2025", "2010-2025");
    `published` is the publisher's own date for the file when the file states it (it becomes `as_of`).
    """

    kind: str
    frame: pd.DataFrame
    period: str
    published: dt.date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


class Reader(Protocol):
    """A publisher's file format (module-level functions and constants of a connector module)."""

    SOURCE: str  # the command-line name: `evdash fetch SOURCE`
    PARSER_VERSION: str

    def parse(self, data: bytes, name: str) -> Parsed: ...
