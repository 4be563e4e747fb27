"""One figure by hand: the Data page form's core (evdash.byhand) lands a new vintage through the import
journal, refuses bad values naming the form's field with nothing changed, keeps a correction beside the
earlier value and withdraws a figure with a vintage, never a delete."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from evdash import build, byhand, queries
from evdash.csvread import SeedError
from tests.test_import import FIXTURE_SEEDS, snapshot

URL = "https://ir.acme.example/results"  # tests/fixtures/seeds/sources.csv: acme_ir
TODAY = dt.date(2026, 12, 7)
NEW = byhand.Figure(
    brand="acme", market="CHN", month="2025-06", source_url=URL, as_of="2025-07-01", units=1234
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    link = tmp_path / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    yield link


def submit(db: Path, figure: byhand.Figure, withdraw: bool = False) -> byhand.Outcome:
    return byhand.submit(
        figure, user="ana@example.com", withdraw=withdraw, db=db, seeds=FIXTURE_SEEDS, today=TODAY
    )


def rows(db: Path, sql: str, **params: object) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


SHOWN = (
    "select units, confidence, as_of::varchar from v_deliveries_monthly "
    "where brand_id = 'acme' and model_id is null and market_code = 'CHN' and month = $month"
)
STORED = (
    "select units, as_of::varchar, coalesce(withdrawn, false) from deliveries_monthly "
    "where brand_id = 'acme' and model_id is null and market_code = 'CHN' and month = $month order by as_of"
)


def test_a_new_figure_lands_as_a_vintage_audited_with_the_user(db: Path) -> None:
    outcome = submit(db, NEW)
    assert outcome.state == "new"
    assert outcome.words() == "New figure: acme · all models · CHN · Jun 2025, 1,234 (Reported)."
    assert rows(db, SHOWN, month=dt.date(2025, 6, 1)) == [(1234, "reported", "2025-07-01")]
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        browse = queries.data_deliveries(con, "acme", "CHN")  # the Data page's Browse table
        who = con.execute("select imported_by, file_name from import_history").fetchall()
    finally:
        con.close()
    assert ("2025-06", 1234) in set(zip(browse["month"], browse["units"], strict=True))
    assert who == [("ana@example.com", byhand.FILE_NAME)]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"source_url": "ftp://ir.acme.example/results"}, "Source URL", "not an http(s) link"),
        ({"source_url": "javascript:alert(1)"}, "Source URL", "not an http(s) link"),
        ({"source_url": " "}, "Source URL", "required"),
        ({"as_of": "2027-01-02"}, "As of", "in the future"),
        ({"units": -5}, "Units", ""),
        ({"brand": "acmee"}, "Brand", "unknown brand 'acmee'"),
        ({"market": "XXX"}, "Market", "not an ISO 3166-1 alpha-3"),
        ({"qualifier": "over", "confidence": "estimate"}, "Confidence", "kept as a lower bound"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_changes(
    db: Path, change: dict[str, object], field: str, says: str
) -> None:
    before = snapshot(db)
    with pytest.raises(SeedError) as exc:
        submit(db, dataclasses.replace(NEW, **change))  # type: ignore[arg-type]
    assert any(m.startswith(f"{field}: ") and says in m for m in exc.value.errors), exc.value.errors
    assert not any(byhand.FILE_NAME in m for m in exc.value.errors)  # the form's words, not the file's
    assert snapshot(db) == before


def test_qualifiers_map_to_the_data_models_confidence(db: Path) -> None:
    over = submit(db, dataclasses.replace(NEW, qualifier="over", units=80000))
    assert over.new == "≥ 80,000 (At least (lower bound))"
    assert rows(db, SHOWN, month=dt.date(2025, 6, 1)) == [(80000, "lower_bound", "2025-07-01")]
    about = submit(db, dataclasses.replace(NEW, qualifier="about", units=81000, as_of="2025-08-01"))
    assert (about.old, about.new) == ("≥ 80,000 (At least (lower bound))", "≈ 81,000 (Estimate)")
    assert about.state == "corrected"
    assert byhand.confidence_for("about", "reported") == "estimate"
    assert byhand.confidence_for("exact", "estimate") == "estimate"


def test_a_correction_keeps_the_earlier_value_and_shows_the_later_publication(db: Path) -> None:
    submit(db, NEW)
    outcome = submit(db, dataclasses.replace(NEW, units=1300, as_of="2025-08-01", note="revised"))
    assert outcome.state == "corrected"
    assert "1,234 (Reported) → 1,300 (Reported)" in outcome.words()
    june = dt.date(2025, 6, 1)
    assert rows(db, STORED, month=june) == [(1234, "2025-07-01", False), (1300, "2025-08-01", False)]
    assert rows(db, SHOWN, month=june) == [(1300, "reported", "2025-08-01")]
    assert [r[0] for r in rows(db, "select imported_by from import_history")] == ["ana@example.com"] * 2


def test_a_withdrawal_is_a_vintage_that_removes_the_figure_from_the_current_view(db: Path) -> None:
    submit(db, NEW)
    submit(db, dataclasses.replace(NEW, units=1300, as_of="2025-08-01"))
    outcome = submit(
        db, dataclasses.replace(NEW, units=None, as_of="2025-09-01", note="wrong"), withdraw=True
    )
    assert outcome.state == "withdrawn"
    assert outcome.words() == (
        "Withdrawn: acme · all models · CHN · Jun 2025, 1,300 (Reported) (no figure is shown for it now)."
    )
    june = dt.date(2025, 6, 1)
    assert rows(db, SHOWN, month=june) == []
    assert rows(db, STORED, month=june) == [
        (1234, "2025-07-01", False),
        (1300, "2025-08-01", False),
        (1300, "2025-09-01", True),
    ]
    # A rebuild replays the journal: the withdrawal still holds.
    build.build(seeds=FIXTURE_SEEDS, db=db)
    assert rows(db, SHOWN, month=june) == []
    # A vintage published after the withdrawal counts again.
    again = submit(db, dataclasses.replace(NEW, units=1310, as_of="2025-10-01"))
    assert again.state == "new"
    assert rows(db, SHOWN, month=june) == [(1310, "reported", "2025-10-01")]


def test_withdrawing_one_source_shows_the_next_figure_by_the_picking_rule(db: Path) -> None:
    may = dt.date(2024, 5, 1)
    # tests/fixtures/seeds/deliveries_monthly.csv: Acme IR reported 3,000 and Example News estimated 2,900.
    assert rows(db, SHOWN, month=may) == [(3000, "reported", "2024-06-02")]
    figure = byhand.Figure(brand="Acme", market="chn", month="2024-05", source_url=URL, as_of="2024-07-01")
    outcome = submit(db, figure, withdraw=True)
    assert (outcome.old, outcome.new) == ("3,000 (Reported)", "≈ 2,900 (Estimate)")
    assert rows(db, SHOWN, month=may) == [(2900, "estimate", "2024-06-01")]


def test_nothing_to_withdraw_is_refused_naming_the_source(db: Path) -> None:
    before = snapshot(db)
    with pytest.raises(SeedError) as exc:
        submit(db, dataclasses.replace(NEW, units=None), withdraw=True)
    assert exc.value.errors[0].startswith("Source URL: no figure from this source")
    assert snapshot(db) == before
