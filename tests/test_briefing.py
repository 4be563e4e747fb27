"""`evdash briefing`: the PDF (offline, 1–3 pages, fonts embedded, the Overview's numbers, the map drawn)
and its e-mail through a real local SMTP server (aiosmtpd), started by the test."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import email
import email.header
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pypdf import PdfReader

from evdash import briefing, labels, mailer, serving
from tests.conftest import EVIL, REPO, require_chromium

ON = "2026-12-01"


def _run(args: list[str], db_link: Path, offline: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would. Where the machine allows it (root, util-linux `unshare`), in a
    network namespace of its own: no route to anything, so a CDN fetch would fail the export."""
    cmd = [sys.executable, "-m", "evdash.cli", *args]
    if offline and os.geteuid() == 0 and shutil.which("unshare"):
        cmd = ["unshare", "--net", *cmd]
    env = {**os.environ, "EVDASH_DB": str(db_link)}
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False)


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, _Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = serving.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture(scope="module")
def emailed(
    seed_db_path: Path, smtp: tuple[int, _Inbox], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """One real run: `evdash briefing --email` to the local server (not offline: it must reach it)."""
    require_chromium()
    port, inbox = smtp
    folder = tmp_path_factory.mktemp("briefing")
    settings = folder / "smtp.toml"
    settings.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "evdash <b@example.org>"\n'
        '[smtp.recipients]\nxiaomi = ["ceo@example.org", "cfo@example.org"]\n'
    )
    out = folder / "briefing.pdf"
    result = _run(
        [
            "briefing",
            "--brand",
            "xiaomi",
            "--on",
            ON,
            "--out",
            str(out),
            "--email",
            "--smtp-config",
            str(settings),
        ],
        seed_db_path,
        offline=False,
    )
    assert result.returncode == 0, result.stderr
    return {"pdf": out.read_bytes(), "inbox": inbox, "stdout": result.stdout}


def test_pdf_holds_the_overviews_numbers_on_one_to_three_pages(
    emailed: dict[str, object], seed_con: duckdb.DuckDBPyConnection
) -> None:
    reader, text = _text(emailed["pdf"])  # type: ignore[arg-type]
    assert 1 <= len(reader.pages) <= 3
    # The Overview's year table: 2024 delivered 136,854 against the final target 130,000 (105.3%) …
    for number in ("136,854", "130,000", "105.3%", "≥ 410,000", "550,000"):
        assert number in text, number
    # … and every KPI value the Overview and Deliveries pages show, as they show it ("≥" included).
    b = briefing.collect(seed_con, "xiaomi", dt.date(2026, 12, 1))
    for kpi in (*b.overview_kpis, *b.deliveries_kpis):
        assert kpi.value in text, kpi.label
    assert b.verdict.split(":")[0] in text  # the verdict sentence ("Behind target 550,000")
    assert "23 Apr: target 76,000 → ≥ 100,000" not in text  # chart text is in the image, not duplicated
    assert "Watch list" in text and "straight-line path" in text
    # The sources that are late, in the words of `evdash status` and the Overview (issue 23).
    words = " ".join(text.split())
    assert b.overdue_sources.startswith("Overdue: Xiaomi monthly deliveries: due ")
    assert " ".join(b.overdue_sources.split()[:12]) in words
    assert "Sources used" in reader.pages[-1].extract_text()


def test_every_page_carries_brand_filters_as_of_version_and_page_number(
    emailed: dict[str, object], seed_con: duckdb.DuckDBPyConnection
) -> None:
    reader, _ = _text(emailed["pdf"])  # type: ignore[arg-type]
    version = seed_con.execute("select version, data_as_of::varchar from build_info").fetchone()
    assert version is not None
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Xiaomi" in text and "Filters:" in text and "in force on: 1 Dec 2026" in text
        found = seed_con.execute("select tariff_company from brands where brand_id = 'xiaomi'").fetchone()
        assert found is not None
        xiaomi_class = str(found[0])
        assert (
            xiaomi_class not in text and f"duty class {labels.label(labels.DUTY_CLASS, xiaomi_class)}" in text
        )
        assert f"data as of {labels.day(version[1])}" in text and f"version {version[0]}" in text
        assert "latest deliveries figure to 31 Mar 2026" in text
        assert f"page {number} of {len(reader.pages)}" in text


def test_fonts_are_embedded_and_the_charts_and_map_are_images(emailed: dict[str, object]) -> None:
    reader, _ = _text(emailed["pdf"])  # type: ignore[arg-type]
    fonts = set()
    images = 0
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # TrueType program inside the file
            fonts.add(str(descendant["/BaseFont"]))
        images += len(page.images)
    assert any("DejaVuSans" in f for f in fonts)
    assert images >= 3  # cumulative chart, years chart, expansion map


def test_the_map_is_drawn_offline(seed_db_path: Path, tmp_path: Path) -> None:
    """In a network namespace (no route anywhere) the map still has its country shapes: Kaleido reads
    the shipped topology file. A blank map would leave the image nearly one colour."""
    require_chromium()
    from PIL import Image

    out = tmp_path / "tesla.pdf"
    result = _run(
        ["briefing", "--brand", "tesla", "--on", ON, "--out", str(out), "--paper", "Letter"], seed_db_path
    )
    assert result.returncode == 0, result.stderr
    reader, text = _text(out.read_bytes())
    assert 1 <= len(reader.pages) <= 3 and "Tesla" in text
    assert abs(float(reader.pages[0].mediabox.width) - 612) < 1  # US Letter
    maps = [img for page in reader.pages for img in page.images]
    colours = [len(Image.open(io.BytesIO(img.data)).convert("RGB").getcolors(1 << 20) or []) for img in maps]
    assert min(colours) > 20, colours  # every chart, the map included, has drawn content


def test_email_arrives_with_the_pdf_and_the_kpis_in_the_body(
    emailed: dict[str, object], seed_con: duckdb.DuckDBPyConnection
) -> None:
    inbox: _Inbox = emailed["inbox"]  # type: ignore[assignment]
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "ceo@example.org, cfo@example.org"
    # The subject leads with the gap in data (Xiaomi's newest 2026 figure ends in March), then the pace.
    verdict = briefing.collect(seed_con, "xiaomi", dt.date.fromisoformat(ON)).verdict
    assert verdict.startswith("No figure for ") and "Behind target 550,000" in verdict
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    whole = f"Xiaomi briefing 2026-12-01: {verdict}"
    # At most 200 characters; a longer verdict is cut with an ellipsis, never mid-word without a mark.
    expected = whole if len(whole) <= 200 else whole[:199].rstrip() + "…"
    assert " ".join(subject.split()) == " ".join(expected.split())
    parts = list(msg.walk())
    plain: Any = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True)
    body = plain.decode()
    assert "2025 delivered vs final target: ≥ 410,000" in body and "Watch list:" in body
    assert "Overdue: Xiaomi monthly deliveries: due " in body
    attachment = next(p for p in parts if p.get_content_type() == "application/pdf")
    pdf: Any = attachment.get_payload(decode=True)
    assert pdf == emailed["pdf"]
    _, text = _text(pdf)
    assert "136,854" in text and "130,000" in text


def _send(db_link: Path, folder: Path, port: int) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`evdash briefing --email` of the default brand to the SMTP server on `port` (it may be closed)."""
    settings = folder / "smtp.toml"
    settings.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "b@example.org"\n'
        '[smtp.recipients]\ndefault = ["ceo@example.org"]\n'
    )
    out = folder / "b.pdf"
    result = _run(
        ["briefing", "--on", ON, "--out", str(out), "--email", "--smtp-config", str(settings)],
        db_link,
        offline=False,
    )
    return result, out


def test_a_failed_send_exits_non_zero_with_a_clear_message_and_a_log_line(
    seed_db_path: Path, tmp_path: Path
) -> None:
    require_chromium()
    closed = serving.free_port()  # nothing listens there
    result, out = _send(seed_db_path, tmp_path, closed)
    assert result.returncode == 4
    assert f"briefing e-mail not sent: could not reach 127.0.0.1:{closed} (none)" in result.stderr
    logged = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    failure = next(e for e in logged if e["event"] == "briefing.email_failed")
    assert failure["level"] == "error" and failure["brand"] == "xiaomi" and "error" in failure
    assert out.exists()  # the PDF is kept for a retry


def test_smtp_settings_are_checked_with_the_key_named(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[smtp]\nhost = "mail"\nsecurity = "ssl3"\n')
    with pytest.raises(mailer.MailError, match=r"'security' must be one of starttls, tls, none, not 'ssl3'"):
        mailer.load_settings(bad)
    with pytest.raises(mailer.MailError, match="does not exist"):
        mailer.load_settings(tmp_path / "missing.toml")
    settings = mailer.settings_from_mapping({"host": "mail", "user": "u@example.org", "password": "pw"})
    assert settings.port == 587 and settings.security == "starttls" and "pw" not in repr(settings)


def test_bad_brand_or_date_changes_nothing(seed_db_path: Path, tmp_path: Path) -> None:
    result = _run(["briefing", "--brand", "nosuch", "--out", str(tmp_path / "x.pdf")], seed_db_path)
    assert result.returncode == 2 and "brand 'nosuch' is not in the data" in result.stderr
    assert not (tmp_path / "x.pdf").exists()
    result = _run(["briefing", "--on", "2026-13-01"], seed_db_path)
    assert result.returncode == 2 and "'2026-13-01' is not a date in the form YYYY-MM-DD" in result.stderr


def test_collect_uses_the_date_for_every_in_force_rule(seed_con: duckdb.DuckDBPyConnection) -> None:
    b = briefing.collect(seed_con, "xiaomi", dt.date(2026, 12, 1))
    assert b.focus_model.startswith("Xiaomi ")  # the latest-launched model with a home price
    assert list(b.landed["market_code"]) == ["DEU", "ESP"]  # announced first, then under evaluation
    assert b.overview_kpis[1].label == "2025 delivered vs final target"
    assert b.overview_kpis[1].change == "at least +199.6% vs 2024 (136,854)"
    earlier = briefing.collect(seed_con, "xiaomi", dt.date(2025, 1, 1))
    assert earlier.year == 2025 and earlier.overview_kpis[1].label == "2024 delivered vs final target"
    assert earlier.overview_kpis[1].value == "136,854" and "of 130,000" in str(earlier.overview_kpis[1].delta)


def test_a_peer_without_figures_this_year_is_briefed_on_its_latest_year(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    """BYD has no 2026 figure or target in the seeds: its deliveries section is 2025 (as the Deliveries page
    opens), said in the filters, while the Overview's cards still speak of this year."""
    b = briefing.collect(seed_con, "byd", dt.date(2026, 12, 1))
    assert b.year == 2025
    assert b.filters["year"].startswith("2025 (no 2026 figures or target yet)")
    assert b.deliveries_kpis[0].value == "4,602,436"
    assert b.overview_kpis[0].label.startswith("2026 deliveries so far")
    assert not b.cumulative.empty


def test_every_brand_in_the_data_has_a_briefing(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Peers without monthly figures, targets, prices or launched models still get a briefing that says
    what is missing (a brand whose models have no launch date once raised here)."""
    for brand in seed_con.execute("select brand_id from brands order by 1").fetchall():
        b = briefing.collect(seed_con, str(brand[0]), dt.date(2026, 12, 1))
        assert b.verdict and len(b.overview_kpis) >= 3, brand


@pytest.mark.usefixtures("app_env")
def test_overview_shows_the_watch_list_and_offers_the_briefing() -> None:
    from tests.conftest import run_page, shown

    at = run_page("app.py", brand="xiaomi")
    assert not at.exception
    texts = [shown(m.value) for m in at.markdown]
    assert any("straight-line path" in t and t.startswith("**▲ Watch** · 2026 pace") for t in texts), texts
    buttons = [b for b in at.get("download_button") if "Briefing (PDF)" in str(b.proto.label)]
    assert len(buttons) == 1


# --- A hostile brand (issue 25, cases 9 and 10). ----------------------------------------------------------------
# The hostile seeds (every name, note and statement carrying Markdown, HTML and links: tests/conftest.py) with
# Xiaomi's name also holding its Chinese name, Hebrew, emoji and a 60-character word.
LONG_WORD = "Supercalifragilistic-Electric-Vehicle-Manufacturing-Company-Ltd"
HOSTILE_NAME = f"Xiaomi 小米 シャオミ 샤오미 שיאומי 🚗⚡ {LONG_WORD}"


@pytest.fixture(scope="module")
def hostile_brand(
    hostile_db_path: Path, smtp: tuple[int, _Inbox], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """`evdash briefing --email` for that brand, as a user runs it, to the local SMTP server."""
    require_chromium()
    from tests.conftest import _build, hostile_name, mutated_seeds

    folder = tmp_path_factory.mktemp("hostile_briefing")
    seeds = mutated_seeds(folder, base=hostile_db_path.parent.parent / "seeds")
    # The longest name the build accepts (EVDASH_IMPORT_MAX_NAME): four scripts, emoji, a long word and
    # as many hostile fragments as fit.
    with (seeds / "brands.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["brand_id"] == "xiaomi":
            row["name"] = hostile_name(HOSTILE_NAME)
    with (seeds / "brands.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    db_link = _build(seeds, folder)
    port, inbox = smtp
    before = len(inbox.messages)
    result, out = _send(db_link, folder, port)
    with duckdb.connect(str(db_link), read_only=True) as con:
        name = con.execute("select name from brands where brand_id = 'xiaomi'").fetchone()
    return {"result": result, "pdf": out.read_bytes(), "messages": inbox.messages[before:], "name": name}


def test_a_hostile_brands_briefing_keeps_its_three_pages_and_prints_every_script(
    hostile_brand: dict[str, Any], emailed: dict[str, object]
) -> None:
    result = hostile_brand["result"]
    assert result.returncode == 0, result.stderr
    name = hostile_brand["name"][0]
    assert name.startswith(HOSTILE_NAME) and f"<https://{EVIL}/a>" in name and len(name) > 180
    reader, text = _text(hostile_brand["pdf"])
    featured, _ = _text(emailed["pdf"])  # type: ignore[arg-type]
    assert len(reader.pages) == len(featured.pages) == 3
    first = reader.pages[0].extract_text().splitlines()
    # The title and the page header are one line each, cut with an ellipsis, never run off the page.
    header = next(line for line in first if line.startswith("evdash executive briefing"))
    title = next(line for line in first if line.endswith(": executive briefing, 1 December 2026"))
    assert "…" in header and "in force on 1 Dec 2026" in header
    assert title.startswith("Xiaomi") and "…: executive briefing" in title
    # Chinese, Japanese, Korean and Hebrew are in the text (Hebrew drawn right to left, so stored reversed).
    # (pypdf puts a space or a NUL between the glyphs of a run from a fallback font: compare without them;
    # the page drawn shows none, docs/briefing.md.)
    compact = "".join(text.replace("\x00", "").split())
    for script in ("小米", "シャオミ", "샤오미"):
        assert script in compact, script
    assert "שיאומי" in compact or "שיאומי"[::-1] in compact
    # Each from a font that has it: DejaVu Sans, Noto Sans CJK, and the colour emoji font (Type 3 glyphs).
    fonts: set[str] = set()
    kinds: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            kinds.add(str(font["/Subtype"]))
            if "/DescendantFonts" in font:
                fonts.add(str(font["/DescendantFonts"][0].get_object()["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts) and any("NotoSansCJK" in f for f in fonts), fonts
    assert "/Type3" in kinds  # the emoji, drawn from Noto Color Emoji's bitmaps
    # The charts are drawn, not blank.
    from PIL import Image

    colours = [
        len(Image.open(io.BytesIO(img.data)).convert("RGB").getcolors(1 << 20) or [])
        for page in reader.pages
        for img in page.images
    ]
    assert len(colours) >= 3 and min(colours) > 20, colours


def test_a_hostile_brands_briefing_is_sent_with_a_one_line_subject(hostile_brand: dict[str, Any]) -> None:
    messages = hostile_brand["messages"]
    assert len(messages) == 1
    subject = str(email.header.make_header(email.header.decode_header(messages[0]["Subject"])))
    assert "\n" not in subject and "\r" not in subject and len(subject) <= mailer.SUBJECT_MAX
    assert subject.startswith("Xiaomi 小米 シャオミ 샤오미") and "… briefing 2026-12-01: " in subject


def test_every_failure_to_send_exits_4_with_the_log_line(
    hostile_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not only MailError: whatever goes wrong while sending (here an error the e-mail library might raise
    for a header) exits 4, says so, and logs briefing.email_failed; the PDF is kept."""
    from evdash import briefing_pdf, cli, static_charts

    class _NoCharts:
        def __enter__(self) -> Any:
            return lambda fig, w, h: _PNG

        def __exit__(self, *exc: object) -> None:
            return None

    def broken(*args: object, **kwargs: object) -> tuple[str, ...]:
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(static_charts, "Renderer", _NoCharts)
    monkeypatch.setattr(mailer, "send_briefing", broken)
    monkeypatch.setattr(mailer, "load_settings", lambda path: None)
    out = tmp_path / "b.pdf"
    code = cli.main(["briefing", "--db", str(hostile_db_path), "--on", ON, "--out", str(out), "--email"])
    err = capsys.readouterr().err
    assert code == 4 and "briefing e-mail not sent: Header values may not contain" in err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(e["event"] == "briefing.email_failed" and e["level"] == "error" for e in logged)
    assert out.exists() and briefing_pdf.filename("xiaomi", dt.date(2026, 12, 1)).endswith(".pdf")


def test_a_subject_never_carries_a_line_break(seed_con: duckdb.DuckDBPyConnection) -> None:
    import dataclasses

    b = briefing.collect(seed_con, "xiaomi", dt.date(2026, 12, 1))
    hostile = dataclasses.replace(b, brand_name="Evil\r\nBcc: all@example.org\n" + "x" * 500)
    subject = mailer.subject(hostile)
    assert "\r" not in subject and "\n" not in subject and len(subject) <= mailer.SUBJECT_MAX
    assert subject.startswith("Evil Bcc: all@example.org x") and "… briefing 2026-12-01: " in subject


_PNG = base64.b64decode(  # one white pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
