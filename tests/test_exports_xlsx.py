"""Excel exports: a golden description of the workbook (types, formats, widths, About sheet), checked
by opening it with openpyxl as a spreadsheet would."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from evdash import exports

GOLDEN = Path(__file__).parent / "golden" / "export_overview.xlsx.json"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2024, 2025],
            "delivered_units": [136854, 410000],
            "delivered_is_at_least": [False, True],
            "delivered_confidence": ["reported", "lower_bound"],
            "delivered_through": pd.to_datetime(["2024-12-31", "2025-12-31"]),
            "attainment_pct": [105.3, 102.5],
            "run_rate": [11404.5, None],
            "note": ['=HYPERLINK("https://evil.example","x")', "小米 Türkiye"],
            "delivered_source": ["https://a.example/1", "https://b.example/2 ; https://c.example/3"],
        }
    )


def _describe(data: bytes) -> dict[str, Any]:
    wb = load_workbook(io.BytesIO(data))
    out: dict[str, Any] = {"sheets": wb.sheetnames}
    ws = wb["Data"]
    out["freeze_panes"] = ws.freeze_panes
    out["header_bold"] = all(c.font.bold for c in ws[1])
    out["widths"] = {k: v.width for k, v in sorted(ws.column_dimensions.items())}
    out["cells"] = [
        [
            [repr(c.value) if isinstance(c.value, dt.datetime) else c.value, c.data_type, c.number_format]
            for c in row
        ]
        for row in ws.iter_rows()
    ]
    out["about"] = [[c.value for c in row] for row in wb["About this export"].iter_rows()]
    return out


def _workbook() -> bytes:
    return exports.xlsx_bytes(
        _frame(),
        "overview",
        {"brand": "xiaomi", "models": ["su7", "yu7"]},
        "abc123",
        "2026-05-27",
        "2026-12-01",
        exports.frame_sources(_frame()),
    )


def test_workbook_matches_the_golden_description() -> None:
    described = _describe(_workbook())
    if not GOLDEN.exists():  # first run writes it; review and commit it
        GOLDEN.write_text(json.dumps(described, ensure_ascii=False, indent=1) + "\n")
    assert described == json.loads(GOLDEN.read_text())


def test_typed_cells_as_a_spreadsheet_reads_them() -> None:
    ws = load_workbook(io.BytesIO(_workbook()))["Data"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[3], strict=True)}
    assert row["delivered_units"].value == 410000 and row["delivered_units"].number_format == '"≥ "#,##0'
    assert ws["B2"].number_format == "#,##0"  # a reported figure: no "≥"
    assert row["attainment_pct"].value == 1.025 and row["attainment_pct"].number_format == "0.0%"
    assert isinstance(row["delivered_through"].value, dt.datetime) and row["delivered_through"].is_date
    assert row["delivered_is_at_least"].value is True
    assert row["run_rate"].value is None  # missing stays empty, never 0
    formula_like = ws["H2"]
    assert formula_like.data_type == "s" and formula_like.value.startswith("=HYPERLINK")  # text, no formula
    assert ws.freeze_panes == "A2"


def test_about_sheet_carries_view_filters_dates_sources_and_legend() -> None:
    about = load_workbook(io.BytesIO(_workbook()))["About this export"]
    pairs = {r[0].value: r[1].value for r in about.iter_rows() if r[0].value}
    assert pairs["evdash export"] == "overview" and pairs["data version"] == "abc123"
    assert pairs["data as of"] == "2026-05-27" and pairs["in force on"] == "2026-12-01"
    assert pairs["filter: models"] == "su7+yu7"
    assert pairs["lower_bound"].startswith("'over N'")
    values = [r[1].value for r in about.iter_rows()]
    assert {"https://a.example/1", "https://b.example/2", "https://c.example/3"} <= set(values)


def test_the_same_export_gives_the_same_workbook() -> None:
    assert _describe(_workbook()) == _describe(_workbook())


def test_a_labelled_confidence_still_marks_lower_bounds() -> None:
    """A table's download shows the confidence's label ('At least (lower bound)'), not the code: its
    units still read '≥ N' in the workbook."""
    frame = pd.DataFrame({"units": [410000, 136854], "confidence": ["At least (lower bound)", "Reported"]})
    ws = load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "v", {}, "x", "2026-05-27", "-")))["Data"]
    assert ws["A2"].number_format.startswith('"≥ "') and not ws["A3"].number_format.startswith('"≥ "')
