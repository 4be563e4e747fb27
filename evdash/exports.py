"""CSV exports of exactly the frame a chart drew.

Contract:
- `csv_bytes(frame)`: UTF-8 with BOM (spreadsheets detect the encoding), comma-separated, CRLF line
  ends, ISO dates, no index. Text cells that a spreadsheet would run as a formula (starting with
  `= + - @ TAB CR`) get a leading apostrophe; numeric columns are written untouched.
- `export_filename(view, filters, as_of)`: `evdash_<view>_<k-v>_asof-<date>.csv`, safe characters only.
- `zip_bytes(...)`: `data.csv` + `README.md` (view, filters, data version and as-of, columns, sources):
  the metadata travels with the numbers.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed timestamp: the same export gives the same bytes


def escape_formula(value: object) -> object:
    """Neutralise spreadsheet formulas in a text cell; leave everything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_formula)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    text = safe_frame(frame).to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return ("\ufeff" + text).encode("utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()[:40]


def export_filename(view: str, filters: Mapping[str, object], as_of: str, ext: str = "csv") -> str:
    parts = [f"evdash_{_slug(view)}"]
    for key, value in filters.items():
        if isinstance(value, list | tuple):
            value = "+".join(str(v) for v in value) if value else "all"
        parts.append(f"{_slug(key)}-{_slug(str(value))}")
    parts.append(f"asof-{_slug(as_of)}")
    return "_".join(parts) + f".{ext}"


def readme_text(
    view: str,
    filters: Mapping[str, object],
    data_version: str,
    as_of: str,
    columns: Sequence[str],
    sources: Sequence[str] = (),
) -> str:
    lines = [
        f"# evdash export: {view}",
        "",
        f"- data as of: {as_of}",
        f"- data version: {data_version}",
        "- filters:",
        *(f"  - {k}: {v}" for k, v in filters.items()),
        "",
        "## Columns",
        *(f"- {c}" for c in columns),
        "",
        "Confidence values: `reported` (exact, stated by the company or an official body),",
        '`lower_bound` ("over N": the true value is at least N), `estimate` (third-party or derived).',
    ]
    if sources:
        lines += ["", "## Sources", *(f"- {s}" for s in sources)]
    return "\n".join(lines) + "\n"


def zip_bytes(frame: pd.DataFrame, readme: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in (("data.csv", csv_bytes(frame)), ("README.md", readme.encode("utf-8"))):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, payload)
    return buf.getvalue()
