"""The build: deterministic, atomic, and precise about bad seed rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from evdash import build, csvread, db
from tests.conftest import FIXTURE_SEEDS, mutated_seeds


def _copy_seeds(tmp_path: Path) -> Path:
    return mutated_seeds(tmp_path)  # an unchanged copy: the tests below edit it between builds


def _rows(link: Path, sql: str) -> list[tuple[object, ...]]:
    con = db.connect_readonly(link)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_creates_current_link_and_build_info(tmp_path: Path) -> None:
    link = tmp_path / "evdash.duckdb"
    result = build.build(seeds=FIXTURE_SEEDS, db=link)
    assert link.is_symlink() and link.resolve() == result.path.resolve()
    version, as_of = db.data_version(db.connect_readonly(link))
    assert version == result.version
    assert as_of == "2026-01-03"  # latest as_of among the fixture's figures (Zeta's 2025 annual total)
    assert result.rows["deliveries_monthly"] == 12


def test_same_inputs_same_version_and_reuse(tmp_path: Path) -> None:
    first = build.build(seeds=FIXTURE_SEEDS, db=tmp_path / "a" / "evdash.duckdb")
    second = build.build(seeds=FIXTURE_SEEDS, db=tmp_path / "b" / "evdash.duckdb")
    again = build.build(seeds=FIXTURE_SEEDS, db=tmp_path / "a" / "evdash.duckdb")
    assert first.version == second.version == again.version
    assert again.reused
    same_sql = "select * from v_brand_month order by brand_id, month"
    assert _rows(tmp_path / "a" / "evdash.duckdb", same_sql) == _rows(
        tmp_path / "b" / "evdash.duckdb", same_sql
    )


@pytest.mark.parametrize(
    ("table", "old", "new", "expected"),
    [
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,",
            "acme,,CHN,2024-03-01,-5,",
            "line 2: rejected by the database: Constraint Error: CHECK constraint failed",
        ),
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,",
            "acme,,CHN,2024-03-01,1000.5,",
            "line 2, column 'units': '1000.5' is not a whole number",
        ),
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,",
            "acme,,CHN,2024/03/01,1000,",
            "line 2, column 'month': '2024/03/01' is not a date (YYYY-MM-DD)",
        ),
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,acme_ir,2024-04-01,reported",
            "acme,,CHN,2024-03-01,1000,acme_ir,2024-04-01,guess",
            "line 2, column 'confidence': 'guess' is not one of reported, lower_bound, estimate",
        ),
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,acme_ir",
            "acme,,XXX,2024-03-01,1000,acme_ir",
            "line 2: rejected by the database: Constraint Error: Violates foreign key constraint",
        ),
        (
            "deliveries_monthly",
            "acme,,CHN,2024-03-01,1000,acme_ir",
            "acme,,CHN,2024-03-01,1000,",
            "line 2, column 'source_id': value is required but empty",
        ),
        (
            "sources",
            "https://blog.example/acme",
            "javascript:alert(1)",
            "line 4: rejected by the database: Constraint Error: CHECK constraint failed",
        ),
        (
            "deliveries_monthly",
            "brand_id,model_id",
            "brand,model_id",
            "line 1: unknown column 'brand' (did you mean 'brand_id'?)",
        ),
    ],
)
def test_bad_seed_names_file_line_column_and_keeps_previous(
    tmp_path: Path, table: str, old: str, new: str, expected: str
) -> None:
    seeds = _copy_seeds(tmp_path)
    link = tmp_path / "evdash.duckdb"
    good = build.build(seeds=seeds, db=link)
    path = seeds / f"{table}.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(csvread.SeedError) as info:
        build.build(seeds=seeds, db=link)
    message = str(info.value)
    assert f"{table}.csv" in message
    assert expected in message
    # The previous version keeps serving, and no partial file is left behind.
    assert link.resolve() == good.path.resolve()
    assert _rows(link, "select count(*) from deliveries_monthly") == [(12,)]
    assert not list(link.parent.joinpath("versions").glob(".building-*"))


def test_missing_seed_file_is_named(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "targets.csv").unlink()
    with pytest.raises(csvread.SeedError, match=r"missing seed file\(s\): targets.csv"):
        build.build(seeds=seeds, db=tmp_path / "evdash.duckdb")


def test_database_rejects_bad_rows_directly(fixture_db_path: Path, tmp_path: Path) -> None:
    """Constraints live in the schema, not only in the loader."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db_path.resolve(), copy)
    con = duckdb.connect(str(copy))
    for sql in (
        "insert into deliveries_monthly values (999, 'acme', null, 'CHN', '2024-01-01', -1, 'acme_ir', '2024-01-01', 'reported', null)",
        "insert into deliveries_monthly values (999, 'acme', null, 'CHN', '2024-01-15', 1, 'acme_ir', '2024-01-01', 'reported', null)",
        "insert into deliveries_monthly values (999, 'nobody', null, 'CHN', '2024-01-01', 1, 'acme_ir', '2024-01-01', 'reported', null)",
        "insert into prices values ('acme_s_std', 'CHN', 'XYZ', 1, 'list', '2024-01-01', true, 'acme_ir', '2024-01-01', 'reported', null)",
        "insert into targets values (999, 'acme', 2024, 1, '2024-01-01', 'company', 'acme_ir', '2024-01-01', 'certain', null)",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    con.close()
