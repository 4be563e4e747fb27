"""What changed since a date (issue 22, item 2): an imported revision shows old → new, a duty and a VAT
change of the seeded rules are listed (each derived from the seed files), `?since=` refuses a bad date
with a message naming the parameter, and every item links to the page that shows it with the shared
parameters kept."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from pypdf import PdfReader

from evdash import (
    briefing,
    briefing_pdf,
    build,
    changes,
    db,
    freshness,
    importer,
    labels,
    mailer,
    queries,
    ui,
    visits,
)
from tests.conftest import open_page, run_page, shown

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SEEDS = REPO / "tests" / "fixtures" / "seeds"
REAL_SEEDS = REPO / "data" / "seeds"
HEADER = "brand,model,market,month,units,confidence,source_url,as_of"
FIRST = "acme,,CHN,2025-06,1234,reported,https://ir.acme.example/results,2025-07-01"
CORRECTED = FIRST.replace(",1234,", ",1240,")
# A later edition of the same source for the same month: a vintage beside the first (the picking rule
# shows the later one), i.e. a revision by publication.
LATER_EDITION = "acme,,CHN,2025-06,1300,reported,https://ir.acme.example/results,2025-08-01"


def _import(link: Path, *rows: str) -> None:
    data = "\n".join([HEADER, *rows]).encode()
    importer.import_files(
        [("deliveries", ("deliveries.csv", data))], db=link, seeds=FIXTURE_SEEDS, user="tester"
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixture seeds, then three accepted imports: a new figure, its correction (same edition, new
    units) and a later edition of it."""
    link = tmp_path_factory.mktemp("changes") / "evdash.duckdb"
    build.build(seeds=FIXTURE_SEEDS, db=link)
    _import(link, FIRST)
    _import(link, CORRECTED)
    _import(link, LATER_EDITION)
    con = db.connect_readonly(link)
    yield con
    con.close()


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_an_imported_correction_is_listed_old_to_new_by_its_acceptance_day(
    imported: duckdb.DuckDBPyConnection,
) -> None:
    today = _utc_today()
    listed = changes.collect(imported, "acme", "Acme", today - dt.timedelta(days=1), today)
    corrected = [c for c in listed if c.kind == "revision" and c.counted_by == "accepted"]
    units = [c for c in corrected if "units 1234 → 1240" in c.text]
    assert len(units) == 1, [c.text for c in listed]
    assert units[0].date == today and "brand=acme" in units[0].text and "month=2025-06" in units[0].text
    assert changes.link(units[0], {"brand": ["acme"]}) == "/data?brand=acme&table=deliveries"
    # accepted today: not "after the end of" today, so nothing of it is listed since today
    assert not [
        c for c in changes.collect(imported, "acme", "Acme", today, today) if c.counted_by == "accepted"
    ]


def test_a_later_edition_is_listed_old_to_new_by_its_publication_day(
    imported: duckdb.DuckDBPyConnection,
) -> None:
    today = _utc_today()
    listed = changes.collect(imported, "acme", "Acme", dt.date(2025, 7, 15), today)
    published = [c for c in listed if c.kind == "revision" and c.counted_by == "published"]
    # the values are the CSV rows' (FIRST corrected to CORRECTED, then LATER_EDITION); the publisher the seed's
    assert [c.text for c in published] == [
        "Acme deliveries Jun 2025 (China): 1,240 → 1,300 (revised by Acme IR)"
    ]
    assert published[0].date == dt.date(2025, 8, 1)
    assert changes.link(published[0], {"brand": ["acme"], "known": ["2025-09-01"]}) == (
        "/deliveries?brand=acme&known=2025-09-01&year=2025"
    )
    # the edition itself is a new figure, published on its as_of
    new = [c for c in listed if c.kind == "new" and c.date == dt.date(2025, 8, 1)]
    assert len(new) == 1 and "monthly deliveries figure for Acme (Jun 2025)" in new[0].text
    # before the later edition was published it had not changed
    assert not [
        c
        for c in changes.collect(imported, "acme", "Acme", dt.date(2025, 8, 1), today)
        if c.kind == "revision" and c.counted_by == "published"
    ]


def _brazil_bev_steps() -> list[tuple[dt.date, float]]:
    """(effective from, rate %) of Brazil's BEV import tax lines in the seed file, oldest first."""
    frame = pd.read_csv(REAL_SEEDS / "tariffs.csv", dtype=str)
    lines = frame[
        (frame["market_code"] == "BRA") & (frame["powertrain"] == "BEV") & (frame["status"] != "proposed")
    ]
    return sorted(
        (dt.date.fromisoformat(str(r["effective_from"])), float(r["rate_pct"])) for _, r in lines.iterrows()
    )


def test_a_seeded_duty_change_is_listed_with_its_rates(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Brazil's BEV import tax steps, read from the seed file: every step after the date is listed with
    the rate before and after, counted by the day it takes effect."""
    since, today = dt.date(2026, 1, 1), dt.date(2026, 12, 7)
    rows = _brazil_bev_steps()
    steps = [(day, before, after) for (_, before), (day, after) in itertools.pairwise(rows) if day > since]
    assert steps, "the seeds hold a Brazilian step after the date"
    listed = changes.collect(seed_con, "xiaomi", "Xiaomi", since, today)
    duties = [c for c in listed if c.kind == "duty" and c.text.startswith("Brazil:")]
    assert [c.date for c in duties] == [day for day, _, _ in steps]
    for change, (day, before, after) in zip(duties, steps, strict=True):
        assert f"{before:g}% → {after:g}%" in change.text
        assert change.counted_by == "takes effect"
        assert (
            changes.link(change, {"brand": ["xiaomi"]})
            == f"/pricing?brand=xiaomi&market=BRA&on={day.isoformat()}"
        )
    # the same timeline the Expansion page shows for Brazil
    timeline = queries.expansion_duty_changes(seed_con, "xiaomi", "BEV", "BRA")
    assert {d for d in pd.to_datetime(timeline["on_date"]).dt.date if d > since} == {c.date for c in duties}


def test_a_seeded_vat_change_is_listed(seed_con: duckdb.DuckDBPyConnection) -> None:
    since, today = dt.date(2025, 6, 1), dt.date(2025, 12, 1)
    vat = pd.read_csv(REAL_SEEDS / "vat_rates.csv", dtype={"market_code": str, "rate_pct": float})
    vat["effective_from"] = pd.to_datetime(vat["effective_from"]).dt.date
    expected = set()
    for code, rows in vat.groupby("market_code"):
        rows = rows.sort_values("effective_from")
        before = rows[rows["effective_from"] <= since]
        after = rows[rows["effective_from"] <= today + dt.timedelta(days=90)]
        if not before.empty and before.iloc[-1]["rate_pct"] != after.iloc[-1]["rate_pct"]:
            expected.add((str(code), f"{before.iloc[-1]['rate_pct']:g}% → {after.iloc[-1]['rate_pct']:g}%"))
    assert expected, "the seeds hold a VAT change in the window"
    listed = [c for c in changes.collect(seed_con, "xiaomi", "Xiaomi", since, today) if c.kind == "vat"]
    assert {(dict(c.params)["market"], c.text.split("VAT/GST ")[1].split(",")[0]) for c in listed} == expected


def test_sources_gone_overdue_after_the_date(seed_con: duckdb.DuckDBPyConnection) -> None:
    today = dt.date(2026, 12, 7)
    statuses = freshness.source_status(queries.source_status(seed_con), today)
    late = sorted(s.overdue_since for s in statuses if s.overdue_since is not None)
    assert len(late) >= 2
    since = late[len(late) // 2]
    listed = [c for c in changes.collect(seed_con, "xiaomi", "Xiaomi", since, today) if c.kind == "overdue"]
    assert len(listed) == sum(1 for day in late if day > since)
    assert all(c.date > since and c.page == "pages/data.py" for c in listed)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("2026-13-01", "'2026-13-01' is not a date (YYYY-MM-DD) for since."),
        ("last week", "'last week' is not a date (YYYY-MM-DD) for since."),
        ("2026-02-30", "'2026-02-30' is not a date"),
        ("2026-12-07", "since must be between 2000-01-01 and 2026-12-06, not 2026-12-07."),
        ("2027-01-01", "not 2027-01-01"),
        ("1999-12-31", "not 1999-12-31"),
    ],
)
def test_since_refuses_a_bad_date_naming_the_parameter(raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"^since") as error:
        changes.parse_since(raw, dt.date(2026, 12, 7))
    assert says in str(error.value)


def test_since_accepts_a_day_before_today() -> None:
    assert changes.parse_since(" 2026-12-01 ", dt.date(2026, 12, 7)) == dt.date(2026, 12, 1)


def test_summary_counts_each_kind_in_words() -> None:
    day = dt.date(2026, 1, 1)
    items = [
        changes.Change("duty", "a", day, "takes effect", "pages/pricing.py"),
        changes.Change("revision", "b", day, "accepted", "pages/data.py"),
        changes.Change("duty", "c", day, "takes effect", "pages/pricing.py"),
    ]
    assert changes.summary(changes.ordered(items)) == "1 revision · 2 duty changes"
    assert changes.summary(()) == "Nothing changed"
    assert changes.counted_by(items) == (
        "revisions: counted by the day the import was accepted; duty changes: counted by the day it takes effect"
    )


# --- On the Overview ---------------------------------------------------------------------------------


def _main_kinds(at: Any) -> list[str]:
    """The kinds of the Overview's main-area blocks, top to bottom (a card row is 'metric')."""
    kinds: list[str] = []

    def walk(node: Any) -> None:
        kind = getattr(node, "type", "")
        if kind in {"metric", "expander", "plotly_chart", "caption", "markdown"}:
            kinds.append(kind)
            if kind == "expander":
                return
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return kinds


@pytest.mark.usefixtures("app_env")
def test_the_overview_says_what_changed_right_under_the_cards(seed_con: duckdb.DuckDBPyConnection) -> None:
    """The count line sits right under the KPI cards (before the chart: a phone shows it without scrolling
    past anything but the cards), says the date, and folds the items, each linked to its page."""
    since = dt.date(2026, 1, 1)
    at = run_page("app.py", since=since.isoformat())
    assert not at.exception, at.exception
    expected = changes.collect(seed_con, "xiaomi", "Xiaomi", since, ui.today())
    assert expected
    label = shown(at.expander[0].label)
    assert label == f"What changed since 1 Jan 2026: {changes.summary(expected)}"
    kinds = _main_kinds(at)
    first_card, block = kinds.index("metric"), kinds.index("expander")
    assert first_card < block < kinds.index("plotly_chart")
    assert set(kinds[first_card:block]) <= {"metric", "caption"}  # only the cards (and their captions) above
    lines = [shown(m.value) for m in at.expander[0].markdown]
    assert lines == [f"**{labels.day(c.date)}** · {c.text}" for c in expected]
    links = at.expander[0].get("page_link")
    assert len(links) == len(expected)
    assert at.sidebar.date_input(key="since").value == since


@pytest.mark.usefixtures("app_env")
def test_a_bad_since_in_the_url_says_so_and_shows_the_last_week() -> None:
    at = run_page("app.py", since="2026-13-01")
    assert not at.exception, at.exception
    notices = " ".join(shown(w.value) for w in at.main.warning)
    assert "'2026-13-01' is not a date (YYYY-MM-DD) for what changed since" in notices
    default = changes.default_since(ui.today())
    assert shown(at.expander[0].label).startswith(f"What changed since {labels.day(default)}")


# --- In the briefing ---------------------------------------------------------------------------------


def _blank_png(fig: object, width_mm: float, height_mm: float) -> bytes:
    """A chart stand-in of the asked size (the layout, not the drawing, is under test here)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (max(1, int(width_mm * 4)), max(1, int(height_mm * 4))), "white").save(out, "PNG")
    return out.getvalue()


def test_the_briefing_says_what_changed_and_keeps_three_pages(seed_con: duckdb.DuckDBPyConnection) -> None:
    """The briefing's section: the same items as the Overview's block, every one in the e-mail, the first
    few in the PDF, which keeps to three pages for the featured brand."""
    on, since = dt.date(2026, 12, 1), dt.date(2026, 1, 1)
    b = briefing.collect(seed_con, "xiaomi", on, since=since)
    assert b.changed == changes.collect(seed_con, "xiaomi", "Xiaomi", since, on)
    assert len(b.changed) > briefing_pdf.CHANGED_ITEMS
    heading = f"What changed since 1 Jan 2026: {changes.summary(b.changed)}"
    assert b.changed_text == heading
    body = mailer.body_text(b)
    assert heading in body and all(c.text in body for c in b.changed)
    pdf, pages = briefing_pdf.build_pdf(b, _blank_png)
    assert pages == 3
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert heading in words
    assert f"and {len(b.changed) - briefing_pdf.CHANGED_ITEMS} more on the Overview" in words
    # by default: the week before the briefing's date
    assert briefing.collect(seed_con, "xiaomi", on).changed_since == dt.date(2026, 11, 24)


# --- A signed-in user's last visit -------------------------------------------------------------------


def test_a_visit_returns_the_users_previous_day(tmp_path: Path) -> None:
    record = visits.Visits(tmp_path, None)
    first, second = dt.date(2026, 12, 1), dt.date(2026, 12, 4)
    assert record.visit("exec@example.com", first) is None  # a first visit
    assert record.visit("exec@example.com", first) is None  # the same day again: still none before it
    assert record.visit("exec@example.com", second) == first
    assert record.visit("exec@example.com", second) == first  # every run of the day counts from the same day
    assert record.visit("cfo@example.com", second) is None  # per user
    with open(record.path, "a", encoding="utf-8") as fh:
        fh.write('{"user": "exec@exa')  # a torn last line (a crash mid-write) is skipped
    assert visits.Visits(tmp_path, None).visit("exec@example.com", dt.date(2026, 12, 7)) == second


def test_the_last_visit_is_known_on_every_server_of_a_shared_journal(
    tmp_path: Path, journal_dsn: str
) -> None:
    one, two = visits.Visits(tmp_path / "one", journal_dsn), visits.Visits(tmp_path / "two", journal_dsn)
    assert one.visit("exec@example.com", dt.date(2026, 12, 1)) is None
    assert two.visit("exec@example.com", dt.date(2026, 12, 4)) == dt.date(
        2026, 12, 1
    )  # recorded on the other


def test_a_signed_in_users_overview_counts_from_their_last_visit(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = app_env.parent / f"roles-{uuid.uuid4().hex[:8]}.toml"
    roles.write_text('[domains]\n"example.com" = "viewer"\n')
    monkeypatch.setenv("EVDASH_AUTH", "on")
    monkeypatch.setenv("EVDASH_ROLES", str(roles))
    email = f"visitor-{uuid.uuid4().hex[:8]}@example.com"
    before = ui.today() - dt.timedelta(days=3)
    visits.for_server().visit(email, before)
    user = {"is_logged_in": True, "email": email, "iss": "https://idp.example", "sub": email}
    user |= {"iat": int(time.time()) - 60, "exp": int(time.time()) + 3600}
    at = open_page("app.py", user=user)
    assert not at.exception, at.exception
    assert shown(at.expander[0].label).startswith(
        f"What changed since your last visit, {labels.day(before)}: "
    )
    # a chosen date still wins
    at = open_page("app.py", {"since": "2026-01-01"}, user=user)
    assert shown(at.expander[0].label).startswith("What changed since 1 Jan 2026: ")


def test_rank_changes_say_up_down_new_and_gone() -> None:
    """Each market whose rank moved is one item, in the order of today's ranking, with its direction."""
    then = pd.DataFrame({"market_code": ["DEU", "FRA", "NOR"], "rank": [1, 2, 3]})
    now = pd.DataFrame({"market_code": ["FRA", "DEU", "NLD"], "rank": [1, 2, 3]})
    names = {"DEU": "Germany", "FRA": "France", "NOR": "Norway", "NLD": "Netherlands"}
    items = changes.rank_changes(then, now, names, "Xiaomi YU7", "xiaomi_yu7", dt.date(2026, 12, 7))
    assert [i.text for i in items] == [
        "France: rank 2 → 1 (up 1) for the Xiaomi YU7 on the Market ranking",
        "Germany: rank 1 → 2 (down 1) for the Xiaomi YU7 on the Market ranking",
        "Netherlands: newly ranked 3 for the Xiaomi YU7 on the Market ranking",
        "Norway: no longer ranked (was 3) for the Xiaomi YU7 on the Market ranking",
    ]
    assert {i.kind for i in items} == {"rank"} and {i.page for i in items} == {"pages/markets.py"}
    assert changes.summary(items) == "4 rank changes"
    assert changes.rank_changes(then, then, names, "Xiaomi YU7", "xiaomi_yu7", dt.date(2026, 12, 7)) == []


def test_the_overview_lists_rank_changes_only_when_asked(app_env: Path) -> None:
    """With `?since_ranks=yes` the Overview adds the Market ranking's moves between the data as known on
    the `since` day (before KBA's and the IEA 2026 files were kept) and today's; without it, none."""
    from evdash import pricing_service, ranking_service

    since = dt.date(2026, 12, 6)
    plain = run_page("app.py", since=since.isoformat())
    assert not plain.exception, plain.exception
    assert "rank change" not in shown(plain.expander[0].label)
    at = run_page("app.py", since=since.isoformat(), since_ranks="yes")
    assert not at.exception, at.exception
    today = ui.today()
    expected = []
    for path, on in ((build.known_version(since, app_env), since), (app_env, today)):
        con = db.connect_readonly(Path(path))
        try:
            reader = pricing_service.ConnectionReader(con)
            model = ranking_service.brand_model(reader, "xiaomi", on)
            expected.append(ranking_service.default_ranking(reader, on, model).result.table)
        finally:
            con.close()
    then, now = (dict(zip(t["market_code"], t["rank"], strict=True)) for t in expected)
    moved = sorted(c for c in set(then) | set(now) if then.get(c) != now.get(c))
    lines = [shown(m.value) for m in at.expander[0].markdown]
    ranked = [line for line in lines if "on the Market ranking" in line]
    assert moved, "the files kept on 7 Dec 2026 move some market on the ranking"
    assert len(ranked) == len(moved), (ranked, moved)
    for line in ranked:
        assert "rank " in line or "ranked" in line
