"""Imports: every bad input is rejected with file/line/column and leaves the database byte-identical;
good files apply together, corrections keep old → new, imports survive rebuilds, exports import back
unchanged, a second import waits or fails cleanly."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import build, config, exports, importer, queries
from evdash.csvread import SeedError
from evdash.journal import local, open_journal

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"
GOOD_ROW = "acme,,CHN,2025-06,1234,reported,https://ir.acme.example/results,2025-07-01"


def snapshot(db: Path) -> tuple[str, str, str]:
    """(resolved file name, its sha256, manifest bytes hash): equal before and after = nothing changed."""
    target = db.resolve()
    manifest = config.imports_dir(db) / local.MANIFEST
    mhash = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else ""
    return target.name, hashlib.sha256(target.read_bytes()).hexdigest(), mhash


def run(db: Path, *files: tuple[str, str | bytes], **kw: object) -> importer.ImportResult:
    pairs: list[tuple[str, Path | tuple[str, bytes]]] = []
    for n, (kind, content) in enumerate(files):
        data = content.encode("utf-8") if isinstance(content, str) else content
        pairs.append((kind, (f"{kind}_{n}.csv", data)))
    return importer.import_files(pairs, db=db, seeds=FIXTURE_SEEDS, user="tester", **kw)  # type: ignore[arg-type]


def con_of(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db.resolve()), read_only=True)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fixture-seed database for the rejection cases (a rejection must not change it anyway)."""
    link = tmp_path_factory.mktemp("import_shared") / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    return link


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[Path]:
    link = tmp_path / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    yield link


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


# (case id, kind, file content, substrings the message must contain)
BAD_INPUTS: list[tuple[str, str, str | bytes, tuple[str, ...]]] = [
    (
        "missing column",
        "deliveries",
        csv(
            "acme,,CHN,2025-06,reported,https://ir.acme.example/results,2025-07-01",
            header="brand,model,market,month,confidence,source_url,as_of",
        ),
        ("line 1", "required column 'units' is missing"),
    ),
    (
        "misspelt column",
        "deliveries",
        csv(GOOD_ROW, header=HEADER.replace("units", "unit")),
        ("line 1", "unknown column 'unit'", "did you mean 'units'"),
    ),
    (
        "wrong type",
        "deliveries",
        csv(GOOD_ROW.replace("1234", "many")),
        ("line 2", "column 'units'", "not a whole number"),
    ),
    (
        "negative units",
        "deliveries",
        csv(GOOD_ROW, GOOD_ROW.replace("2025-06", "2025-07").replace("1234", "-5")),
        ("line 3", "column 'units'", "below the minimum 0"),
    ),
    (
        "non-integer units",
        "deliveries",
        csv(GOOD_ROW.replace("1234", "12.5")),
        ("line 2", "column 'units'", "whole number"),
    ),
    (
        "bad month",
        "deliveries",
        csv(GOOD_ROW.replace("2025-06", "06/2025")),
        ("line 2", "column 'month'", "YYYY-MM"),
    ),
    (
        "month 13",
        "deliveries",
        csv(GOOD_ROW.replace("2025-06", "2025-13")),
        ("line 2", "column 'month'", "YYYY-MM"),
    ),
    (
        "bad date",
        "deliveries",
        csv(GOOD_ROW.replace("2025-07-01", "1.7.2025")),
        ("line 2", "column 'as_of'", "YYYY-MM-DD"),
    ),
    (
        "unknown country",
        "deliveries",
        csv(GOOD_ROW.replace(",CHN,", ",XXY,")),
        ("line 2", "column 'market'", "ISO 3166-1"),
    ),
    (
        "unknown currency",
        "prices",
        csv(
            "acme_s_std,DEU,EUO,39990,launch,2025-01-01,true,https://ir.acme.example/results,2025-01-01,reported",
            header="variant,market,currency,price,price_type,effective_from,includes_vat,source_url,as_of,confidence",
        ),
        ("line 2", "column 'currency'", "ISO 4217"),
    ),
    (
        "unknown brand",
        "deliveries",
        csv(GOOD_ROW.replace("acme,", "Acmee,", 1)),
        ("line 2", "column 'brand'", "unknown brand 'Acmee'", "did you mean"),
    ),
    (
        "unknown model",
        "deliveries",
        csv(GOOD_ROW.replace("acme,,", "acme,Q9,", 1)),
        ("line 2", "column 'model'", "unknown model 'Q9'"),
    ),
    (
        "model of another brand",
        "deliveries",
        csv(GOOD_ROW.replace("acme,,", "acme,zeta_one,", 1)),
        ("line 2", "column 'model'", "belongs to brand 'zeta'"),
    ),
    (
        "duplicate keys",
        "deliveries",
        csv(GOOD_ROW, GOOD_ROW.replace("1234", "999")),
        ("lines 2, 3", "same key"),
    ),
    (
        "confidence",
        "deliveries",
        csv(GOOD_ROW.replace("reported", "guess")),
        ("line 2", "column 'confidence'", "not one of"),
    ),
    (
        "missing source",
        "deliveries",
        csv(GOOD_ROW.replace("https://ir.acme.example/results", "")),
        ("line 2", "column 'source_url'", "required"),
    ),
    (
        "ftp source",
        "deliveries",
        csv(GOOD_ROW.replace("https://", "ftp://")),
        ("line 2", "column 'source_url'", "http(s)"),
    ),
    (
        "javascript source",
        "deliveries",
        csv(GOOD_ROW.replace("https://ir.acme.example/results", "javascript:alert(1)")),
        ("line 2", "column 'source_url'", "http(s)"),
    ),
    ("empty file", "deliveries", b"", ("deliveries_0.csv", "empty")),
    ("header only", "deliveries", csv(), ("deliveries_0.csv", "no data rows")),
    (
        "not utf-8",
        "deliveries",
        csv(GOOD_ROW).encode()
        + "acme,,DEU,2025-08,1,reported,https://a.example/Citroën,2025-09-01\n".encode("latin-1"),
        ("deliveries_0.csv", "line 3", "not UTF-8"),
    ),
    (
        "decimal comma in a comma file",
        "fx",
        csv(
            '2025-02-01,CNY,EUR,"0,1348",fixing,https://news.example/acme,2025-02-01,reported',
            header="rate_date,base,quote,rate,rate_kind,source_url,as_of,confidence",
        ),
        ("line 2", "column 'rate'", "decimal comma"),
    ),
    (
        "semicolon file with an error",
        "deliveries",
        csv(GOOD_ROW.replace("1234", "x").replace(",", ";"), header=HEADER.replace(",", ";")),
        ("line 2", "column 'units'"),
    ),
    (
        "database check",
        "models",
        csv(
            "acme_z,acme,Z,limousine,D,BEV,2025-01-01,CHN,https://ir.acme.example/results,2025-01-01,reported",
            header="model_id,brand,name,body_type,segment,powertrain,launch_date,production_country,source_url,as_of,confidence",
        ),
        ("line 2", "column 'body_type'", "not one of"),
    ),
]


@pytest.mark.parametrize(("case", "kind", "content", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_rejected_with_place_and_nothing_changes(
    shared_db: Path, case: str, kind: str, content: str | bytes, expected: tuple[str, ...]
) -> None:
    before = snapshot(shared_db)
    with pytest.raises(SeedError) as info:
        run(shared_db, (kind, content))
    message = "\n".join(info.value.errors)
    for part in expected:
        assert part in message, f"{case}: {part!r} not in {message!r}"
    assert snapshot(shared_db) == before


def test_file_over_the_size_limit(shared_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVDASH_IMPORT_MAX_BYTES", "100")
    before = snapshot(shared_db)
    with pytest.raises(SeedError, match=r"deliveries_0.csv: file is .* over the limit of 100 bytes"):
        run(shared_db, ("deliveries", csv(GOOD_ROW, GOOD_ROW.replace("2025-06", "2025-07"))))
    assert snapshot(shared_db) == before


def test_one_bad_file_rejects_the_whole_batch(shared_db: Path) -> None:
    before = snapshot(shared_db)
    bad_target = csv(
        "acme,2026,-1,2026-01-05,reported,https://ir.acme.example/results",
        header="brand,year,target_units,announced_on,confidence,source_url",
    )
    with pytest.raises(SeedError, match=r"targets_1.csv, line 2, column 'target_units'"):
        run(shared_db, ("deliveries", csv(GOOD_ROW)), ("targets", bad_target))
    assert snapshot(shared_db) == before


def test_dry_run_shows_the_diff_and_writes_nothing(shared_db: Path) -> None:
    before = snapshot(shared_db)
    changed = "acme,,CHN,2024-03,1100,reported,https://ir.acme.example/results,2024-04-01"
    result = run(shared_db, ("deliveries", csv(GOOD_ROW, changed)), dry_run=True)
    stats = result.files[0]
    assert (stats.added, stats.changed, stats.unchanged) == (1, 1, 0)
    assert stats.changes == [
        {
            "key": "brand=acme, model=, market=CHN, month=2024-03-01, source_url=acme_ir, as_of=2024-04-01",
            "column": "units",
            "old": "1000",
            "new": "1100",
        }
    ]
    assert stats.new_rows[0]["units"] == "1234" and stats.new_rows[0]["month"] == "2025-06"
    assert snapshot(shared_db) == before


def test_new_brand_entirely_through_imports(fresh_db: Path) -> None:
    brands = csv(
        "nova,Nova Motors,,DEU,none,", header="brand_id,name,parent_group,home_market,tariff_company,note"
    )
    models = csv(
        "nova_one,Nova Motors,One,suv,C,BEV,2025-01-15,DEU,https://nova.example/press,2025-01-15,reported",
        header="model_id,brand,name,body_type,segment,powertrain,launch_date,production_country,source_url,as_of,confidence",
    )
    deliveries = csv(
        "Nova Motors,One,DEU,2025-02,300,reported,https://nova.example/press,2025-03-01",
        "nova,,DEU,2025-02,310,lower_bound,https://nova.example/press,2025-03-01",
    )
    targets = csv(
        "nova,2025,5000,2025-01-15,reported,https://nova.example/press",
        header="brand,year,target_units,announced_on,confidence,source_url",
    )
    # Given in reverse order on purpose: a batch is applied in foreign-key order.
    result = run(
        fresh_db, ("targets", targets), ("deliveries", deliveries), ("models", models), ("brands", brands)
    )
    assert [s.kind for s in result.files] == ["brands", "models", "deliveries", "targets"]
    assert [s.added for s in result.files] == [1, 1, 2, 1]
    con = con_of(fresh_db)
    try:
        assert queries.data_targets(con, "nova")["target_units"].tolist() == [5000]
        assert con.execute(
            "select issuer, as_of::varchar from targets where brand_id = 'nova'"
        ).fetchall() == [("company", "2025-01-15")]
        rows = queries.data_deliveries(con, "nova", "")
        assert sorted(zip(rows["units"], rows["model"].fillna(""), strict=True)) == [
            (300, "nova_one"),
            (310, ""),
        ]
        src = con.execute(
            "select publisher, reliability from sources where url = 'https://nova.example/press'"
        ).fetchall()
        assert src == [("nova.example", "secondary")]
        history = queries.data_import_history(con)
        assert history["kind"].tolist() == ["brands", "models", "deliveries", "targets"]
        assert set(history["imported_by"]) == {"tester"} and set(history["batch_id"]) == {1}
    finally:
        con.close()


def test_correction_keeps_history_and_survives_rebuild(fresh_db: Path) -> None:
    first = run(fresh_db, ("deliveries", csv(GOOD_ROW)))
    assert first.files[0].added == 1
    corrected = run(
        fresh_db, ("deliveries", csv(GOOD_ROW.replace("1234", "1240").replace(",reported,", ",estimate,")))
    )
    assert (corrected.files[0].added, corrected.files[0].changed) == (0, 1)
    served_before_rebuild = fresh_db.resolve().name
    # `evdash build` = seeds + accepted imports: the correction is still there.
    build.build(seeds=FIXTURE_SEEDS, db=fresh_db, force=True)
    assert fresh_db.resolve().name == served_before_rebuild
    con = con_of(fresh_db)
    try:
        units = con.execute(
            "select units, confidence::varchar from deliveries_monthly where brand_id = 'acme' and month = '2025-06-01'"
        ).fetchall()
        assert units == [(1240, "estimate")]
        changes = queries.data_import_changes(con)
        assert sorted(
            zip(changes["column_name"], changes["old_value"], changes["new_value"], strict=True)
        ) == [
            ("confidence", "reported", "estimate"),
            ("units", "1234", "1240"),
        ]
        assert set(changes["batch_id"]) == {2}
        assert queries.data_import_history(con)["rows_changed"].tolist() == [1, 0]
    finally:
        con.close()


def test_european_spreadsheet_bom_quotes_and_formula_text(fresh_db: Path) -> None:
    text = (
        "\ufeffrate_date;base;quote;rate;rate_kind;source_url;as_of;confidence;note\r\n"
        '2025-02-01;CNY;EUR;0,1352;fixing;https://news.example/acme;2025-02-01;reported;"two\nlines"\r\n'
        "2025-02-02;CNY;USD;0,1391;fixing;https://news.example/acme;2025-02-02;reported;=cmd|' /C calc'!A0\r\n"
    )
    result = run(fresh_db, ("fx", text.encode("utf-8")))
    assert result.files[0].added == 2
    assert any("semicolon" in n for n in result.files[0].notes)
    con = con_of(fresh_db)
    try:
        frame = queries.data_fx(con)
        rates = dict(zip(frame["quote"] + frame["rate_date"].astype(str), frame["rate"], strict=True))
        assert rates["EUR2025-02-01"] == pytest.approx(0.1352) and rates["USD2025-02-02"] == pytest.approx(
            0.1391
        )
        notes = set(frame["note"].dropna())
        assert "two\nlines" in notes and "=cmd|' /C calc'!A0" in notes  # stored as plain text
        exported = exports.csv_bytes(frame).decode("utf-8-sig")
        assert "'=cmd|' /C calc'!A0" in exported  # escaped on export
    finally:
        con.close()
    # ... and the escaped export imports back unchanged.
    again = run(fresh_db, ("fx", exports.csv_bytes(frame)), dry_run=True)
    assert (again.files[0].added, again.files[0].changed) == (0, 0)


def test_error_after_a_quoted_newline_names_the_spreadsheet_row(shared_db: Path) -> None:
    content = csv(
        GOOD_ROW + ',"first\nsecond"',
        GOOD_ROW.replace("2025-06", "2025-07").replace("1234", "x") + ",",
        header=HEADER + ",note",
    )
    with pytest.raises(SeedError, match=r"line 3, column 'units'"):
        run(shared_db, ("deliveries", content))


ROUND_TRIP: dict[str, Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]] = {
    "sources": lambda c: queries.data_sources(c),
    "brands": lambda c: queries.data_brands(c, ""),
    "models": lambda c: queries.data_models(c, ""),
    "variants": lambda c: queries.data_variants(c),
    "prices": lambda c: queries.data_prices(c, ""),
    "deliveries": lambda c: queries.data_deliveries(c, "", ""),
    "targets": lambda c: queries.data_targets(c, ""),
    "markets": lambda c: queries.data_markets(c, ""),
    "tariffs": lambda c: queries.data_tariffs(c, ""),
    "fx": lambda c: queries.data_fx(c),
    "expansion": lambda c: queries.data_expansion(c, "", ""),
    "registrations": lambda c: queries.data_registrations(c, "", ""),
}


def test_every_table_exported_and_imported_back_changes_nothing(fresh_db: Path) -> None:
    run(
        fresh_db, ("deliveries", csv(GOOD_ROW + ',"=1+1"', header=HEADER + ",note"))
    )  # an import-made source too
    con = con_of(fresh_db)
    try:
        frames = {kind: fn(con) for kind, fn in ROUND_TRIP.items()}
    finally:
        con.close()
    files = [(kind, exports.csv_bytes(frame)) for kind, frame in frames.items() if not frame.empty]
    assert {k for k, _ in files} >= {"sources", "brands", "models", "deliveries", "targets", "prices", "fx"}
    before = snapshot(fresh_db)
    result = run(fresh_db, *files, dry_run=True)
    for stats in result.files:
        assert (stats.kind, stats.added, stats.changed, stats.sources_added) == (stats.kind, 0, 0, 0), (
            stats.changes[:3]
        )
        assert stats.unchanged == len(frames[stats.kind])
    assert snapshot(fresh_db) == before


def test_second_import_waits_then_fails_cleanly(shared_db: Path) -> None:
    before = snapshot(shared_db)
    with (
        open_journal(shared_db).lock(60),
        pytest.raises(importer.ImportBusy, match="another import or build is running"),
    ):
        run(shared_db, ("deliveries", csv(GOOD_ROW)), lock_timeout=0.3)
    assert snapshot(shared_db) == before


def test_torn_manifest_line_is_ignored_and_repaired(fresh_db: Path) -> None:
    run(fresh_db, ("deliveries", csv(GOOD_ROW)))
    manifest = config.imports_dir(fresh_db) / local.MANIFEST
    with open(manifest, "ab") as fh:
        fh.write(b'{"batch_id": 2, "files": [{"kind": "deliv')  # a killed append
    assert [b.batch_id for b in open_journal(fresh_db).batches()] == [1]
    run(fresh_db, ("deliveries", csv(GOOD_ROW.replace("2025-06", "2025-08"))))
    lines = manifest.read_text().splitlines()
    assert len(lines) == 2 and all(line.startswith("{") and line.endswith("}") for line in lines)


def test_replay_refuses_a_tampered_import_file(fresh_db: Path) -> None:
    run(fresh_db, ("deliveries", csv(GOOD_ROW)))
    stored = next(config.imports_dir(fresh_db).glob("deliveries-*.csv"))
    stored.write_text(csv(GOOD_ROW.replace("1234", "9999")))
    before = snapshot(fresh_db)
    with pytest.raises(SeedError, match="does not match its recorded sha256"):
        build.build(seeds=FIXTURE_SEEDS, db=fresh_db, force=True)
    assert snapshot(fresh_db) == before


def test_cli_import_dry_run_and_exit_codes(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from evdash import cli

    monkeypatch.setenv("EVDASH_SEEDS", str(FIXTURE_SEEDS))
    good = tmp_path / "next_month.csv"
    good.write_text(csv(GOOD_ROW))
    bad = tmp_path / "broken.csv"
    bad.write_text(csv(GOOD_ROW.replace("CHN", "XXY")))
    assert cli.main(["import", "--db", str(fresh_db), "deliveries", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err and "broken.csv, line 2, column 'market'" in err
    assert cli.main(["import", "--dry-run", "--db", str(fresh_db), "deliveries", str(good)]) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 changed, 0 unchanged" in out and "dry run: nothing written" in out
    assert cli.main(["import", "--db", str(fresh_db), "deliveries", str(good)]) == 0
    assert "imported as batch #1" in capsys.readouterr().out
    assert open_journal(fresh_db).batches()[0].files[0].file_name == "next_month.csv"


def test_imports_folder_can_be_moved_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVDASH_IMPORTS", str(tmp_path / "elsewhere"))
    link = tmp_path / "db" / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    run(link, ("deliveries", csv(GOOD_ROW)))
    assert (tmp_path / "elsewhere" / local.MANIFEST).exists()
    assert not (link.parent / "imports" / local.MANIFEST).exists()
    shutil.rmtree(tmp_path / "elsewhere")
    os.environ.pop("EVDASH_IMPORTS", None)


def test_examples_import_together_and_real_tables_round_trip(seed_db_path: Path, tmp_path: Path) -> None:
    """Every file in data/examples/ is valid against the real seeds, in one command; and every real
    table exported from the Data page imports back with nothing new or changed."""
    link = tmp_path / "evdash.duckdb"
    shutil.copytree(seed_db_path.parent / "versions", tmp_path / "versions")
    os.symlink(os.readlink(seed_db_path), link)
    examples = REPO / "data" / "examples"
    files: list[tuple[str, Path | tuple[str, bytes]]] = [(k, examples / f"{k}.csv") for k in importer.KINDS]
    result = importer.import_files(files, db=link, dry_run=True)
    assert all(s.added > 0 and s.changed == 0 for s in result.files)
    con = con_of(link)
    try:
        frames = {kind: fn(con) for kind, fn in ROUND_TRIP.items()}
    finally:
        con.close()
    exported: list[tuple[str, Path | tuple[str, bytes]]] = [
        (kind, (f"{kind}.csv", exports.csv_bytes(frame))) for kind, frame in frames.items() if not frame.empty
    ]
    back = importer.import_files(exported, db=link, dry_run=True)
    assert [(s.kind, s.added, s.changed) for s in back.files] == [(s.kind, 0, 0) for s in back.files]
