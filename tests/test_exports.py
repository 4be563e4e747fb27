"""CSV exports: exact bytes, formula injection, non-ASCII, metadata."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from evdash import exports


def test_csv_exact_bytes() -> None:
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-04-01", "2024-05-01"]),
            "units": [7058, 8646],
            "confidence": ["reported", "lower_bound"],
        }
    )
    assert exports.csv_bytes(frame) == (
        b"\xef\xbb\xbfmonth,units,confidence\r\n2024-04-01,7058,reported\r\n2024-05-01,8646,lower_bound\r\n"
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Xiaomi SU7", "Xiaomi SU7"),
    ],
)
def test_formula_like_text_is_neutralised(cell: str, written: str) -> None:
    frame = pd.DataFrame({"note": [cell], "units": [-5]})
    back = pd.read_csv(io.BytesIO(exports.csv_bytes(frame)), encoding="utf-8-sig", keep_default_na=False)
    assert back.loc[0, "note"] == written
    assert back.loc[0, "units"] == -5  # numbers are never touched, even negative ones


def test_non_ascii_round_trips_with_bom() -> None:
    frame = pd.DataFrame({"market": ["Türkiye", "Österreich", "小米"], "price_eur": [1.5, 2.25, 3.0]})
    data = exports.csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, frame)


def test_filename_carries_view_filters_and_as_of() -> None:
    name = exports.export_filename(
        "deliveries", {"brand": "xiaomi", "models": ["xiaomi_su7", "xiaomi_yu7"], "year": 2024}, "2026-02-01"
    )
    assert name == "evdash_deliveries_brand-xiaomi_models-xiaomi-su7-xiaomi-yu7_year-2024_asof-2026-02-01.csv"
    assert exports.export_filename("x", {"m": []}, "2026-01-01") == "evdash_x_m-all_asof-2026-01-01.csv"


def test_zip_holds_same_csv_and_readme_and_is_reproducible() -> None:
    frame = pd.DataFrame({"year": [2024], "units": [136854], "source": ["=HYPERLINK(1)"]})
    readme = exports.readme_text(
        "overview",
        {"brand": "xiaomi"},
        "abc123",
        "2026-02-01",
        list(frame.columns),
        ["https://example.org/a"],
    )
    blob = exports.zip_bytes(frame, readme)
    assert blob == exports.zip_bytes(frame, readme)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert sorted(zf.namelist()) == ["README.md", "data.csv"]
        assert zf.read("data.csv") == exports.csv_bytes(frame)
        text = zf.read("README.md").decode()
    assert "data as of: 2026-02-01" in text and "brand: xiaomi" in text and "https://example.org/a" in text
