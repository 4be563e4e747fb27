"""IEA Global EV Data Explorer: the 2024 edition's CSV and the workbook (XLSX) of later editions.

`parse(data, name)` gives import rows of kind `iea` (`evdash.apply`: the columns of `iea_ev_data` with the
analyst's names), one per region × category × parameter × mode × powertrain × year, each carrying its
edition as a vintage: `source_url` (the edition's own page), `as_of` (the day the edition was published)
and `confidence` (Historical = the IEA's figures, `reported`; Projection-* = scenarios, `estimate`).

The format as it is (checked on the 2024 CSV and the 2026 workbook, ../shared/facts/publishers/README.md):
- The data sheet is found by its HEADER (the sheet whose first row names the IEA columns), never by its name,
  which changes every edition (`GEVO_EV_2026`). The CSV and older editions call the region column `region`,
  the workbook `region_country`; the workbook adds `Aggregate group`.
- Aggregates are mixed with countries. World, Europe, the European Union and the 2024 edition's "Rest of
  the world" projections are market groups (`GROUPS`); other aggregates (Africa, Latin America …) are
  skipped with a count. The 2024 edition's HISTORICAL "Rest of the world" is a residual of the countries it
  does not list (126,000 EV cars in 2023), not the "world outside China, Europe and the US" its projections
  and the IEA's reports mean (1.3 million in 2024): one scope per series, so those rows are skipped.
- New vocabularies (car segments, ICEV/EREV, price percentiles with empty region and unit, a CPS
  scenario, modes such as '2 and 3 wheelers') are tolerated: rows outside what `iea_ev_data` holds
  (`CATEGORIES`, `MODES`, `POWERTRAINS`, the schema's CHECK lists) are skipped and counted in the notes,
  never fatal. `Vehicles` / `vehicles` are one unit.
- What is fatal (`FormatError`, naming the file, sheet and column): no sheet with the IEA header (a
  required column missing or renamed), a truncated or broken workbook, a file that is neither.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass

import pandas as pd
import pycountry

from evdash.connectors.base import FormatError, Parsed

SOURCE = "iea"
PARSER_VERSION = "1"
KIND = "iea"
LICENCE = "CC BY 4.0; credit the IEA: IEA (year of the edition), Global EV Outlook"
CADENCE = "yearly, with the Global EV Outlook (April-May)"

# IEA region names pycountry does not resolve (checked: lookup raises LookupError for each).
NAME_TO_ISO3: dict[str, str] = {
    "Korea": "KOR",  # the IEA means the Republic of Korea (pycountry: "Korea, Republic of")
    "Turkiye": "TUR",  # pycountry spells it "Türkiye"
    "Russia": "RUS",  # pycountry: "Russian Federation"
    "Lao PDR": "LAO",  # pycountry: "Lao People's Democratic Republic"
}
# The IEA's aggregates that are market groups (data/seeds/market_groups.csv).
GROUPS: dict[str, str] = {
    "EU27": "EU27",
    "European Union": "EU27",  # the workbook's name for the EU27
    "Europe": "EUR_IEA",  # the IEA's Europe, not the ACEA area EUR (EU27 + EFTA + UK)
    "World": "WLD",
    "Rest of the world": "ROW",  # projections only (see the module docstring)
}
# What iea_ev_data holds (its CHECK lists in evdash/schema.sql; tests/test_fetch_iea.py keeps them equal).
CATEGORIES = ("Historical", "Projection-STEPS", "Projection-APS", "Projection-CPS")
MODES = ("Cars", "Buses", "Vans", "Trucks", "EV")
POWERTRAINS = ("BEV", "PHEV", "FCEV", "EV", "Publicly available fast", "Publicly available slow")
REQUIRED = ("category", "parameter", "mode", "powertrain", "year", "unit", "value")
REGION_COLUMNS = ("region_country", "region")
COLUMNS = (
    "market",
    "region",
    "category",
    "parameter",
    "mode",
    "powertrain",
    "year",
    "unit",
    "value",
    "source_url",
    "as_of",
    "confidence",
    "source_reliability",
)
# Each edition's own page (the URL is the source's identity: data/seeds/sources.csv holds both).
EXPLORER_URL = "https://www.iea.org/data-and-statistics/data-tools/global-ev-data-explorer"
OUTLOOK_URL = "https://www.iea.org/reports/global-ev-outlook-{edition}"
# Publication days the files do not state (the CSV has no metadata): the Global EV Outlook's release.
PUBLISHED = {2024: dt.date(2024, 4, 23)}


def edition_url(edition: int) -> str:
    return EXPLORER_URL if edition == 2024 else OUTLOOK_URL.format(edition=edition)


def market_code(region: str) -> str:
    """ISO 3166 alpha-3 (or a market group code) for an IEA region name; LookupError if unknown."""
    if region in GROUPS:
        return GROUPS[region]
    if region in NAME_TO_ISO3:
        return NAME_TO_ISO3[region]
    return str(pycountry.countries.lookup(region).alpha_3)


def _header_problem(header: list[str]) -> list[str]:
    """The required columns a header lacks (empty when it is the IEA's header)."""
    missing = [c for c in REQUIRED if c not in header]
    if not any(c in header for c in REGION_COLUMNS):
        missing.insert(0, "region_country (or region)")
    return missing


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, str, dict[str, str]]:
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(f"{name}: not the IEA's CSV ({exc})") from exc
    header = [str(c).strip() for c in frame.columns]
    missing = _header_problem(header)
    if missing:
        raise FormatError(
            f"{name}: the IEA header lacks column(s) {', '.join(repr(m) for m in missing)} "
            f"(found: {', '.join(header)}); the publisher's format changed"
        )
    frame.columns = header
    return frame, "", {}


def _read_xlsx(data: bytes, name: str) -> tuple[pd.DataFrame, str, dict[str, str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bad = zf.testzip()
            core = (
                zf.read("docProps/core.xml").decode("utf-8", "replace")
                if "docProps/core.xml" in zf.namelist()
                else ""
            )
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise FormatError(f"{name}: truncated or broken workbook (not a complete XLSX zip: {exc})") from exc
    if bad:
        raise FormatError(f"{name}: truncated or broken workbook (member {bad} fails its CRC check)")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as exc:
        raise FormatError(f"{name}: the workbook cannot be read ({exc})") from exc
    tried: list[str] = []
    for sheet in book.sheet_names:
        ws = book.get_sheet_by_name(sheet)  # parses the sheet once; read its header, then its body
        rows = ws.to_python(nrows=1)
        header = [str(c).strip() for c in rows[0]] if rows else []
        missing = _header_problem(header)
        if not missing:
            body = ws.to_python()[1:]
            frame = pd.DataFrame(body, columns=header, dtype=object)
            meta = (
                {"modified": m.group(1)} if (m := re.search(r"<dcterms:modified[^>]*>([^<]+)<", core)) else {}
            )
            return frame, sheet, meta
        if header and ({"category", "value", "year"} & set(header)):
            tried.append(f"sheet '{sheet}' lacks {', '.join(repr(m) for m in missing)}")
    detail = "; ".join(tried) or f"sheets: {', '.join(book.sheet_names)}"
    raise FormatError(
        f"{name}: no sheet has the IEA data header (region_country, {', '.join(REQUIRED)}) — {detail}; "
        "the publisher's layout changed"
    )


def _edition(sheet: str, frame: pd.DataFrame) -> int:
    """The edition year: the data sheet's name says it (GEVO_EV_2026); else the year after the last
    historical year (the 2024 edition's history ends in 2023)."""
    m = re.search(r"(20\d\d)", sheet)
    if m:
        return int(m.group(1))
    years = pd.to_numeric(frame.loc[frame["category"] == "Historical", "year"], errors="coerce")
    return int(years.max()) + 1 if years.notna().any() else dt.date.today().year


def _published(edition: int, meta: dict[str, str], where: str) -> tuple[dt.date, list[str]]:
    """The edition's publication day (`PUBLISHED`, else the workbook's own modified date, else 1 January
    of the edition year) and the note saying where a day not in `PUBLISHED` came from."""
    notes: list[str] = []
    published: dt.date | None = PUBLISHED.get(edition)
    if published is None and meta.get("modified"):
        published = dt.date.fromisoformat(meta["modified"][:10])
        notes.append(
            f"{where}: edition {edition}, dated {published.isoformat()} by the workbook's own properties"
        )
    if published is None:
        published = dt.date(edition, 1, 1)
        notes.append(
            f"{where}: edition {edition} states no publication date; as-of set to {published.isoformat()}"
        )
    return published, notes


@dataclass(frozen=True)
class _Columns:
    """The file's columns as evdash reads them: text stripped, 'vehicles' spelt 'Vehicles', year and value
    numeric (NaN where not), the workbook's `Aggregate group` (None in the CSV)."""

    region: pd.Series
    category: pd.Series
    parameter: pd.Series
    mode: pd.Series
    powertrain: pd.Series
    unit: pd.Series
    year: pd.Series
    value: pd.Series
    aggregate: pd.Series | None


def _columns(frame: pd.DataFrame, region_col: str) -> _Columns:
    """The columns of `frame` (the IEA's header) as `_Columns`."""
    text = {c: frame[c].astype(str).str.strip() for c in (region_col, *REQUIRED)}
    unit = text["unit"]
    return _Columns(
        region=text[region_col],
        category=text["category"],
        parameter=text["parameter"],
        mode=text["mode"],
        powertrain=text["powertrain"],
        unit=unit.where(unit.str.lower() != "vehicles", "Vehicles"),
        year=pd.to_numeric(frame["year"], errors="coerce"),
        value=pd.to_numeric(frame["value"], errors="coerce"),
        aggregate=(
            frame["Aggregate group"].astype(str).str.strip() if "Aggregate group" in frame.columns else None
        ),
    )


class _Skips:
    """Which rows are kept, and how many were skipped for each reason (a row counts under the first
    reason that drops it)."""

    def __init__(self, index: pd.Index) -> None:
        self.keep = pd.Series(True, index=index)
        self.counts: Counter[str] = Counter()

    def drop(self, mask: pd.Series, why: str) -> None:
        """Stop keeping the rows of `mask`, counting the ones still kept until now under `why`."""
        hit = self.keep & mask
        if hit.any():
            self.counts[why] += int(hit.sum())
        self.keep = self.keep & ~mask


def _drop_outside_scope(cols: _Columns, skips: _Skips) -> None:
    """Skip the rows `iea_ev_data` does not hold: no region or unit, a category, mode or powertrain outside
    its lists, no numeric year or value, a negative value or share over 100 %, the historical residual
    'Rest of the world' (see the module docstring)."""
    region, category, unit, value = cols.region, cols.category, cols.unit, cols.value
    skips.drop(region == "", "no region (e.g. the price-distribution rows)")
    skips.drop(
        ~category.isin(CATEGORIES),
        "a category evdash does not hold (" + ", ".join(sorted(set(category) - set(CATEGORIES))) + ")",
    )
    skips.drop(
        ~cols.mode.isin(MODES), "a mode evdash does not hold (e.g. car segments, 2 and 3 wheelers, EVSE)"
    )
    skips.drop(~cols.powertrain.isin(POWERTRAINS), "a powertrain evdash does not hold (e.g. ICEV, EREV)")
    skips.drop(unit == "", "no unit")
    skips.drop(cols.year.isna() | value.isna(), "no numeric year or value")
    skips.drop(value < 0, "a negative value")
    skips.drop((unit == "percent") & (value > 100), "a share over 100 percent (the publisher's error)")
    skips.drop(
        (region == "Rest of the world") & (category == "Historical"),
        "the historical 'Rest of the world' (a residual of unlisted countries, not the group's scope)",
    )


def _markets(cols: _Columns, skips: _Skips) -> pd.Series:
    """Each row's market code (`market_code` of its region); kept rows whose region has none are skipped,
    named as aggregates (the workbook's `Aggregate group` says so) or as unknown region names."""
    region, aggregate = cols.region, cols.aggregate
    codes: dict[str, str | None] = {}
    for r in region[skips.keep].unique():
        try:
            codes[r] = market_code(r)
        except LookupError:
            codes[r] = None
    mapped = region.map(codes)
    unknown = skips.keep & mapped.isna()
    if unknown.any():
        names = sorted(set(region[unknown]))
        if aggregate is not None:
            agg_names = sorted(set(region[unknown & (aggregate != "Other")]))
            other = [n for n in names if n not in agg_names]
        else:
            agg_names, other = [], names
        if agg_names:
            skips.drop(
                unknown & region.isin(agg_names),
                "an aggregate that is not an evdash market group (" + ", ".join(agg_names) + ")",
            )
        if other:
            skips.drop(
                unknown & region.isin(other),
                "a region name neither ISO 3166 (pycountry) nor in NAME_TO_ISO3 (" + ", ".join(other) + ")",
            )
    return mapped


def _rows(
    cols: _Columns, mapped: pd.Series, keep: pd.Series, edition: int, published: dt.date
) -> pd.DataFrame:
    """The kept rows as import rows of kind `iea` (`COLUMNS`), carrying the edition as their vintage."""
    value = cols.value
    return pd.DataFrame(
        {
            "market": mapped[keep],
            "region": cols.region[keep],
            "category": cols.category[keep],
            "parameter": cols.parameter[keep],
            "mode": cols.mode[keep],
            "powertrain": cols.powertrain[keep],
            "year": cols.year[keep].astype(int).astype(str),
            "unit": cols.unit[keep],
            "value": [repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in value[keep]],
            "source_url": edition_url(edition),
            "as_of": published.isoformat(),
            "confidence": ["reported" if c == "Historical" else "estimate" for c in cols.category[keep]],
            "source_reliability": "primary",
        },
        columns=list(COLUMNS),
    )


def _without_repeats(out: pd.DataFrame, where: str, skips: _Skips) -> pd.DataFrame:
    """`out` sorted, each series point once: an exact repeat is skipped (counted), two different values for
    one point are a FormatError naming it."""
    out = out.sort_values(["market", "category", "parameter", "mode", "powertrain", "year"], key=_sort_key)
    key = ["market", "category", "parameter", "mode", "powertrain", "year"]
    conflicting = out.drop_duplicates().duplicated(subset=key, keep=False)
    if conflicting.any():
        first = out.drop_duplicates()[conflicting].iloc[0]
        raise FormatError(
            f"{where}: two rows give different values for {first['region']}, {first['category']}, "
            f"{first['parameter']}, {first['mode']}, {first['powertrain']}, {first['year']}"
        )
    dupes = out.duplicated(subset=key, keep="first")
    if dupes.any():
        skips.counts["an exact repeat of an earlier row"] += int(dupes.sum())
        out = out[~dupes]
    return out


def parse(data: bytes, name: str) -> Parsed:
    """One IEA file -> import rows of kind `iea` (see the module docstring). Pure: no I/O, no clock."""
    is_zip = data[:2] == b"PK"
    frame, sheet, meta = _read_xlsx(data, name) if is_zip else _read_csv(data, name)
    where = f"{name}, sheet '{sheet}'" if sheet else name
    region_col = next(c for c in REGION_COLUMNS if c in frame.columns)
    edition = _edition(sheet, frame)
    published, notes = _published(edition, meta, where)
    cols = _columns(frame, region_col)
    skips = _Skips(frame.index)
    _drop_outside_scope(cols, skips)
    mapped = _markets(cols, skips)
    out = _without_repeats(_rows(cols, mapped, skips.keep, edition, published), where, skips)
    for why, n in sorted(skips.counts.items()):
        notes.append(f"{where}: {n:,} rows skipped: {why}")
    years = pd.to_numeric(out.loc[out["category"] == "Historical", "year"])
    period = f"{years.min()}-{years.max()}" if len(years) else "no historical years"
    return Parsed(
        KIND, out.reset_index(drop=True), f"edition {edition}, historical {period}", published, tuple(notes)
    )


def _sort_key(col: pd.Series) -> pd.Series:
    return pd.to_numeric(col) if col.name == "year" else col
