"""Resolving an import file's analyst values to table ids (brand, model, source_url → ids; every other
foreign key checked), with messages an analyst can act on, and the error list kept to the first problems
in file order."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import duckdb
import pandas as pd

from evdash import csvread, note_rules
from evdash.import_checks import bad_cell
from evdash.import_formats import EXCLUDED, KINDS, OWN_ID, RENAMES, analyst_name, constraint_info


def keep_first(errors: csvread.Problems) -> None:
    """Keep the first MAX_ERRORS problems in file order (the rest counted in `hidden`), so a file with
    a problem on every line holds no more messages than one chunk makes."""
    if len(errors) > 2 * csvread.MAX_ERRORS:
        first = by_line(errors)
        errors.hidden += len(first) - csvread.MAX_ERRORS
        errors[:] = first[: csvread.MAX_ERRORS]


def by_line(errors: list[str]) -> list[str]:
    """Errors in file order (line, then as found), so an analyst can fix them top to bottom."""

    def line_of(message: str) -> int:
        m = re.search(r", lines? (\d+)", message)
        return int(m.group(1)) if m else 0

    return sorted(errors, key=line_of)


@dataclass
class Lookups:
    """What resolving a file's chunks looks up in the database, read once per file."""

    refs: dict[str, tuple[str, str]]
    brand_map: dict[str, str]
    models: list[tuple[str, str, str]]
    known: dict[str, set[str]]  # referenced table.column -> its values
    sources: _SourceIds

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, kind: str) -> Lookups:
        _, _, refs = constraint_info(con, KINDS[kind])
        brands = con.execute("select brand_id, name from brands").fetchall()
        known = {
            f"{ref_table}.{ref_col}": {
                r[0] for r in con.execute(f'select "{ref_col}" from {ref_table}').fetchall()
            }
            for ref_table, ref_col in refs.values()
        }
        return cls(
            refs,
            {bid: bid for bid, _ in brands} | {name: bid for bid, name in brands},
            con.execute("select model_id, brand_id, name from models").fetchall(),
            known,
            _SourceIds(con),
        )


def resolve(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    frame: pd.DataFrame,
    where: str,
    errors: csvread.Problems,
    looked_up: Lookups,
) -> pd.DataFrame | None:
    """Map analyst columns onto the table's columns (brand → brand_id, model → model_id, source_url →
    source_id), check every foreign key with a message an analyst can act on (appended to `errors`).
    Returns the frame in table columns + `_line`, or None when this file has problems so far."""
    lines = frame["_line"]
    if "brand" in frame:
        frame = frame.assign(brand=_resolve_brands(frame, where, errors, looked_up))
    if "model" in frame:
        frame = frame.assign(model=_resolve_models(frame, where, errors, looked_up))
    if "source_url" in frame and kind != "sources":
        url = _checked_links(frame, "source_url", where, errors, _SOURCE_URL_TAIL)
        if not errors:
            frame = frame.assign(source_url=looked_up.sources.ids(url, frame.get("source_reliability")))
    if kind == "sources" and "url" in frame:
        _checked_links(frame, "url", where, errors, "")
    if kind == "notes":  # text and link rules (evdash.note_rules), one home for the form and the CLI
        for i, row in zip(frame.index, frame.to_dict("records"), strict=True):
            for column, message in note_rules.problems(row):
                errors.append(bad_cell(where, int(lines[i]), column, message))
    _check_other_references(kind, frame, where, errors, looked_up)
    if errors:
        return None
    return _in_table_columns(con, kind, frame)


def _resolve_brands(
    frame: pd.DataFrame, where: str, errors: csvread.Problems, looked_up: Lookups
) -> pd.Series:
    """The `brand` column as brand ids (an id or an exact name); an unknown brand is named with the
    closest known one, or told to be added first."""
    brand_map = looked_up.brand_map
    lines = frame["_line"]
    resolved = frame["brand"].map(brand_map)
    bad = frame["brand"].notna() & resolved.isna()
    for i in csvread.first_bad(bad, errors):
        value = str(frame.at[i, "brand"])
        hint = difflib.get_close_matches(value, list(brand_map), n=1)
        tip = f"; did you mean '{hint[0]}'?" if hint else "; add it first with a brands import (same command)"
        errors.append(
            bad_cell(
                where,
                int(lines[i]),
                "brand",
                f"unknown brand {csvread.shown(value)} (not a brand id or name{tip})",
            )
        )
    return resolved


def _resolve_models(
    frame: pd.DataFrame, where: str, errors: csvread.Problems, looked_up: Lookups
) -> pd.Series:
    """The `model` column as model ids (an id, or an exact name within the row's brand, already resolved);
    an unknown model, or one of another brand, is named."""
    lines = frame["_line"]
    models = looked_up.models
    by_id = {mid: bid for mid, bid, _ in models}
    by_name = {f"{bid}\x1f{name}": mid for mid, bid, name in models}
    given = frame["model"]
    as_id = given.where(given.isin(list(by_id)))
    if "brand" in frame:
        as_name = (frame["brand"].fillna("") + "\x1f" + given.fillna("")).map(by_name)
    else:
        as_name = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    resolved = as_id.where(as_id.notna(), as_name)
    bad = given.notna() & resolved.isna()
    names = list(by_id) + [n.split("\x1f")[1] for n in by_name]
    for i in csvread.first_bad(bad, errors):
        value = str(given[i])
        hint = difflib.get_close_matches(value, names, n=1)
        tip = f"; did you mean '{hint[0]}'?" if hint else "; add it first with a models import"
        errors.append(bad_cell(where, int(lines[i]), "model", f"unknown model {csvread.shown(value)}{tip}"))
    if "brand" in frame:
        owner = resolved.map(by_id)
        wrong = resolved.notna() & frame["brand"].notna() & owner.ne(frame["brand"])
        for i in csvread.first_bad(wrong, errors):
            errors.append(
                bad_cell(
                    where,
                    int(lines[i]),
                    "model",
                    f"model '{given[i]!s}' belongs to brand '{owner[i]!s}', not '{frame.at[i, 'brand']!s}'",
                )
            )
    return resolved


_SOURCE_URL_TAIL = " (only http:// and https:// sources are accepted)"


def _checked_links(
    frame: pd.DataFrame, column: str, where: str, errors: csvread.Problems, tail: str
) -> pd.Series:
    """The links of `column`, stripped; each one that is not http(s) is named (`tail` ends the message)."""
    lines = frame["_line"]
    url = frame[column].astype("string").str.strip()
    bad = url.notna() & ~url.str.match(r"^https?://[^\s/]+", na=False)
    for i in csvread.first_bad(bad, errors):
        errors.append(bad_cell(where, int(lines[i]), column, f"'{url[i]}' is not an http(s) link{tail}"))
    return url


def _check_other_references(
    kind: str, frame: pd.DataFrame, where: str, errors: csvread.Problems, looked_up: Lookups
) -> None:
    """Every other foreign key: ISO-3 countries, market groups, ISO 4217 currencies, variants."""
    lines = frame["_line"]
    for table_col, (ref_table, ref_col) in looked_up.refs.items():
        col = table_col if table_col == OWN_ID.get(kind) else RENAMES.get(table_col, table_col)
        if col in {"brand", "model", "source_url"} or col not in frame:
            continue
        known = looked_up.known[f"{ref_table}.{ref_col}"]
        values = frame[col]
        bad = values.notna() & ~values.isin(list(known))
        for i in csvread.first_bad(bad, errors):
            errors.append(bad_cell(where, int(lines[i]), col, _unknown_code(str(values[i]), ref_table)))


def _in_table_columns(con: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The resolved frame in the table's columns (the kind's excluded ones left out) + `_line`."""
    out = pd.DataFrame(index=frame.index)
    for seed_col in csvread.table_columns(con, KINDS[kind]):
        if seed_col.name in EXCLUDED.get(kind, frozenset()):
            continue
        out[seed_col.name] = frame[analyst_name(kind, seed_col.name)]
    out["_line"] = frame["_line"]
    return out


def _unknown_code(value: str, ref_table: str) -> str:
    if ref_table == "countries":
        return f"'{value}' is not an ISO 3166-1 alpha-3 country code (pycountry), e.g. DEU, FRA, CHN"
    if ref_table == "markets":
        return (
            f"'{value}' is not an ISO 3166-1 alpha-3 country code (pycountry) or a market group (EU27, ...)"
        )
    if ref_table == "currencies":
        return f"'{value}' is not an ISO 4217 currency code (pycountry), e.g. EUR, USD, CNY"
    return f"'{value}' is not a known {ref_table} id; add it first with a {ref_table} import"


def source_id_for(url: str) -> str:
    """Stable id of a source created from a `source_url`: the same URL always gives the same id."""
    host = (urlsplit(url).hostname or "web").removeprefix("www.")
    slug = re.sub(r"[^a-z0-9]+", "_", host.lower()).strip("_")[:30]
    return f"{slug}_{hashlib.sha256(url.encode()).hexdigest()[:10]}"


class _SourceIds:
    """source_url → source_id across a file's chunks: an existing source with that URL, else a new
    `sources` row (reliability: the first one the file gives for that URL), inserted by `insert`."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.existing: dict[str, str] = dict(
            con.execute("select url, min(source_id) from sources group by url").fetchall()
        )
        self.taken = {r[0] for r in con.execute("select source_id from sources").fetchall()}
        self.new: dict[str, list[str | None]] = {}  # url -> [source_id, reliability], in file order

    def ids(self, url: pd.Series, reliability: pd.Series | None) -> pd.Series:
        rel = pd.Series(reliability if reliability is not None else None, index=url.index, dtype=object)
        for u in url.dropna().unique().tolist():
            if u in self.existing:
                continue
            sid = source_id_for(u)
            if sid in self.taken:  # an older source holds this id for another URL: keep ids unique
                sid = f"{sid}_{len(self.taken)}"
            self.new[u] = [sid, None]
            self.existing[u] = sid
            self.taken.add(sid)
        for u, entry in self.new.items():
            if entry[1] is None:
                picked = rel[url == u].dropna()
                entry[1] = picked.iloc[0] if len(picked) else None
        return url.map(self.existing)

    def insert(self, con: duckdb.DuckDBPyConnection) -> int:
        """Insert the new sources; returns how many."""
        if not self.new:
            return 0
        new_rows = [
            (sid, u, (urlsplit(u).hostname or "web").removeprefix("www."), rel or "secondary")
            for u, (sid, rel) in self.new.items()
        ]
        frame = pd.DataFrame(new_rows, columns=["source_id", "url", "publisher", "reliability"])
        frame["note"] = "created by an import from source_url"
        con.register("_new_sources", frame)
        try:
            con.execute(
                "insert into sources select source_id, url, publisher, reliability, note from _new_sources"
            )
        finally:
            con.unregister("_new_sources")
        return len(new_rows)
