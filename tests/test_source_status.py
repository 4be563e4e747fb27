"""Every recurring source has a freshness promise (data/seeds/source_feeds.csv): `evdash status` says for each
the newest figure held, when the next is due and whether it is overdue (exit 3 when any is), and the
Overview, the Data page and the briefing say in the same words which sources are late and since when."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evdash import briefing, cli, freshness, queries
from evdash.web import clock
from tests.conftest import run_page, shown

DECEMBER = dt.date(2026, 12, 6)  # the day of the issue: Xiaomi's newest monthly figure is months old
MARCH = dt.date(2026, 3, 5)


# --- due / overdue arithmetic ---------------------------------------------------------------------------


def test_monthly_by_the_3rd_is_due_on_the_3rd_of_the_month_after_the_next() -> None:
    # Feb held: March's figure is due on 3 Apr; late from 4 Apr.
    assert freshness.due_date("month", dt.date(2026, 2, 1), 1, 3) == dt.date(2026, 4, 3)
    assert freshness.due_date("month", dt.date(2025, 12, 1), 1, 3) == dt.date(2026, 2, 3)  # across a year
    assert freshness.cadence_words("month", 1, 3) == "monthly, by the 3rd"
    frame = _feed("month", 1, 3, dt.date(2026, 2, 1))
    on_the_day, day_after = (
        freshness.source_status(frame, d)[0] for d in (dt.date(2026, 4, 3), dt.date(2026, 4, 4))
    )
    assert not on_the_day.overdue and on_the_day.overdue_since is None
    assert day_after.overdue and day_after.overdue_since == dt.date(2026, 4, 4)
    assert day_after.words == "Xiaomi monthly deliveries: due 3 Apr 2026, overdue 1 day"
    late = freshness.source_status(frame, DECEMBER)[0]
    assert late.words == "Xiaomi monthly deliveries: due 3 Apr 2026, overdue 8 months"


def test_a_due_day_past_the_month_end_is_the_month_end() -> None:
    # "by the 31st" (or no day: the last day) in February is the 28th, the 29th in a leap year.
    assert freshness.due_date("month", dt.date(2026, 12, 1), 1, 31) == dt.date(2027, 2, 28)
    assert freshness.due_date("month", dt.date(2027, 12, 1), 1, None) == dt.date(2028, 2, 29)
    assert freshness.due_date("month", dt.date(2026, 3, 1), 1, None) == dt.date(2026, 5, 31)
    assert freshness.cadence_words("month", 1, None) == "monthly, by the end of the next month"
    assert freshness.cadence_words("month", 0, None) == "monthly, by the end of the month"


def test_yearly_in_may_and_quarterly() -> None:
    # The IEA: 2023 held, the 2024 figures due by the end of May 2025.
    assert freshness.due_date("year", dt.date(2023, 12, 1), 5, None) == dt.date(2025, 5, 31)
    assert freshness.cadence_words("year", 5, None) == "yearly, May"
    assert freshness.cadence_words("year", 5, 15) == "yearly, by 15 May"
    # Tesla: Q4 2025 held, Q1 2026 due on 2 Apr 2026; Xiaomi's results: Q1 held, Q2 due by 31 Aug.
    assert freshness.due_date("quarter", dt.date(2025, 12, 1), 1, 2) == dt.date(2026, 4, 2)
    assert freshness.due_date("quarter", dt.date(2026, 3, 1), 2, None) == dt.date(2026, 8, 31)
    assert freshness.cadence_words("quarter", 1, 2) == "quarterly, by the 2nd of the month after the quarter"
    assert (
        freshness.cadence_words("quarter", 2, None)
        == "quarterly, by the end of the 2nd month after the quarter"
    )


def test_only_whole_periods_count_as_held() -> None:
    # Months held through Aug: the newest whole quarter is Q2 (ends Jun), the newest whole year the last.
    assert freshness.newest_complete_period("quarter", dt.date(2026, 8, 1)) == dt.date(2026, 6, 1)
    assert freshness.newest_complete_period("quarter", dt.date(2026, 9, 1)) == dt.date(2026, 9, 1)
    assert freshness.newest_complete_period("year", dt.date(2026, 8, 1)) == dt.date(2025, 12, 1)
    status = freshness.source_status(_feed("quarter", 3, None, dt.date(2026, 8, 1)), DECEMBER)[0]
    assert (status.newest_label, status.newest) == ("Q2 2026", dt.date(2026, 6, 30))
    assert status.due == dt.date(2026, 12, 31) and not status.overdue


def test_a_source_with_nothing_held_is_listed_but_not_late() -> None:
    status = freshness.source_status(_feed("month", 1, 5, None), DECEMBER)[0]
    assert status.due is None and not status.overdue
    assert status.words == "Xiaomi monthly deliveries: no figure held yet (monthly, by the 5th)"


def test_overdue_words_name_the_brand_first_and_count_the_rest() -> None:
    frame = pd.concat(
        [
            _feed("month", 1, 1, dt.date(2025, 10, 1), feed="xpeng", name="XPeng monthly deliveries"),
            _feed("month", 1, 3, dt.date(2026, 2, 1)),
            _feed("month", 1, 3, dt.date(2026, 11, 1), feed="on_time", name="On time"),
        ]
    )
    statuses = freshness.source_status(frame, DECEMBER)
    assert [s.source for s in statuses] == [
        "xpeng",
        "xiaomi_monthly_deliveries",
        "on_time",
    ]  # longest late first
    assert freshness.overdue_words(statuses, limit=1, first="xiaomi") == (
        "Overdue: Xiaomi monthly deliveries: due 3 Apr 2026, overdue 8 months; and 1 more source (Data page)."
    )
    assert freshness.overdue_words(statuses[-1:]) == ""


def _feed(
    period: str,
    lag: int,
    day: int | None,
    newest: dt.date | None,
    feed: str = "xiaomi_monthly_deliveries",
    name: str = "Xiaomi monthly deliveries",
) -> pd.DataFrame:
    """One row as queries/source_status.sql returns it."""
    return pd.DataFrame(
        [
            {
                "feed_id": feed,
                "name": name,
                "publisher": "p",
                "publishes": "p",
                "url": "https://example.org/",
                "licence": "l",
                "period": period,
                "lag_months": lag,
                "due_day": day,
                "parser": None,
                "newest_measure": "deliveries",
                "newest_subject": feed.split("_")[0],
                "note": None,
                "newest_month": pd.Timestamp(newest) if newest else pd.NaT,
            }
        ]
    )


# --- the registry on the real seeds ---------------------------------------------------------------------


def _xiaomi_newest_month(con: duckdb.DuckDBPyConnection) -> dt.date:
    value = con.execute("select max(month) from deliveries_monthly where brand_id = 'xiaomi'").fetchall()[0][
        0
    ]
    return pd.Timestamp(value).date()


def test_every_recurring_source_has_a_cadence_and_its_newest_figure_resolves(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    frame = queries.source_status(seed_con)
    registry = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "seeds" / "source_feeds.csv")
    assert sorted(frame["feed_id"]) == sorted(registry["feed_id"])
    for status in freshness.source_status(frame, DECEMBER):
        assert status.cadence.split(",")[0] in ("monthly", "quarterly", "yearly"), status.source
        assert status.url.startswith("https://") and status.licence, status.source
        # A source whose figures are entered by hand must find them: a typo in its measure or subject
        # would make it look "never held" instead of late. Only a connector's source may hold nothing yet.
        assert status.newest is not None or status.parser, status.source
    by_feed = frame.set_index("feed_id")
    newest = pd.Timestamp(str(by_feed.loc["xiaomi_monthly_deliveries", "newest_month"])).date()
    assert newest == _xiaomi_newest_month(seed_con)
    iea = seed_con.execute("select max(year) from iea_ev_data where category = 'Historical'").fetchall()[0][0]
    assert pd.Timestamp(str(by_feed.loc["iea_global_ev_data", "newest_month"])).year == iea


def _status(args: list[str], db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["status", *args, "--db", str(db)])
    return code, capsys.readouterr().out


def test_status_json_in_december_exits_3_and_lists_xiaomi_monthly_deliveries_overdue(
    seed_db_path: Path, seed_con: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _status(["--json", "--today", DECEMBER.isoformat()], seed_db_path, capsys)
    assert code == cli.STATUS_OVERDUE == 3
    entries = {e["source"]: e for e in json.loads(out)}
    xiaomi = entries["xiaomi_monthly_deliveries"]
    held = _xiaomi_newest_month(seed_con)
    due = freshness.add_months(held, 2).replace(day=3)  # the next month's figure, by the 3rd after it
    assert xiaomi["overdue"] is True
    assert xiaomi["cadence"] == "monthly, by the 3rd"
    assert xiaomi["newest"] == (freshness.add_months(held, 1) - dt.timedelta(days=1)).isoformat()
    assert xiaomi["due"] == due.isoformat()
    assert xiaomi["overdue_since"] == (due + dt.timedelta(days=1)).isoformat()
    assert xiaomi["words"].startswith(f"Xiaomi monthly deliveries: due {due.day} {due:%b %Y}, overdue ")
    for entry in entries.values():
        assert {"source", "cadence", "newest", "due", "overdue", "overdue_since", "words"} <= set(entry)


def test_status_in_early_march_has_xiaomi_on_time(
    seed_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _status(["--json", "--today", MARCH.isoformat()], seed_db_path, capsys)
    xiaomi = next(e for e in json.loads(out) if e["source"] == "xiaomi_monthly_deliveries")
    assert xiaomi["overdue"] is False and xiaomi["overdue_since"] is None
    assert code == (3 if any(e["overdue"] for e in json.loads(out)) else 0)


def test_status_exits_0_when_every_source_is_on_time_and_prints_a_table(
    fixture_db_path: Path, fixture_con: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    statuses = freshness.source_status(queries.source_status(fixture_con), DECEMBER)
    first_due = min(s.due for s in statuses if s.due is not None)
    code, out = _status(["--today", first_due.isoformat()], fixture_db_path, capsys)
    assert code == 0
    assert "No source is overdue." in out and "Acme monthly deliveries: next due" in out
    code, out = _status(["--today", (first_due + dt.timedelta(days=1)).isoformat()], fixture_db_path, capsys)
    assert code == 3 and "OVERDUE" in out


def test_a_bad_today_is_refused_with_the_format_named(
    seed_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["status", "--today", "6 Dec 2026", "--db", str(seed_db_path)])
    assert exc.value.code == 2
    assert "'6 Dec 2026' is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


def test_status_without_a_database_says_to_build_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status", "--db", str(tmp_path / "none.duckdb")]) == 1
    err = capsys.readouterr().err
    assert "status not read:" in err and "none.duckdb" in err and "evdash build" in err


def test_the_briefing_names_the_overdue_sources(seed_con: duckdb.DuckDBPyConnection) -> None:
    b = briefing.collect(seed_con, "xiaomi", DECEMBER)
    expected = freshness.overdue_words(
        freshness.source_status(queries.source_status(seed_con), DECEMBER),
        briefing.BRIEFING_OVERDUE_NAMED,
        first="xiaomi",
    )
    assert b.overdue_sources == expected
    assert b.overdue_sources.startswith("Overdue: Xiaomi monthly deliveries: due ")


# --- the pages, with today injected ---------------------------------------------------------------------


@pytest.fixture
def december(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Pages treat 6 Dec 2026 as today (every page gets "today" from `evdash.ui.today`, i.e. evdash.web.clock)."""
    monkeypatch.setattr(clock, "today", lambda: DECEMBER)
    return DECEMBER


@pytest.mark.usefixtures("app_env", "december")
def test_the_overview_says_xiaomis_monthly_deliveries_are_overdue_after_the_kpis(
    seed_con: duckdb.DuckDBPyConnection,
) -> None:
    at = run_page("app.py")
    assert not at.exception
    statuses = freshness.source_status(queries.source_status(seed_con), DECEMBER)
    words = freshness.overdue_words(statuses, limit=1, first="xiaomi")
    children = list(at.main.children.values())
    values = [getattr(e, "value", None) for e in children]
    text = [shown(v) if isinstance(v, str) else "" for v in values]
    line = next(i for i, t in enumerate(text) if "Overdue:" in t)
    assert words.split(": ", 1)[1] in text[line]
    assert "Xiaomi monthly deliveries: due " in text[line] and "more sources (Data page)" in text[line]
    # The KPI cards come before it: a phone shows the KPIs first.
    cards = next(i for i, e in enumerate(children) if hasattr(e, "children") and len(e.get("metric")) > 0)
    assert cards < line


@pytest.mark.usefixtures("app_env", "december")
def test_the_data_page_lists_every_overdue_source_and_the_registry() -> None:
    at = run_page("pages/data.py")
    assert not at.exception
    lines = [shown(c.value) for c in at.main.caption if "Overdue:" in shown(c.value)]
    assert len(lines) == 1 and "Xiaomi monthly deliveries: due " in lines[0]
    assert "more source" not in lines[0]  # the Data page names them all
    table = next(t.value for t in at.dataframe if "cadence" in t.value.columns)
    xiaomi = table[table["name"] == "Xiaomi monthly deliveries"].iloc[0]
    assert xiaomi["cadence"] == "monthly, by the 3rd" and xiaomi["state"].startswith("overdue ")


def test_the_parser_version_is_the_connectors_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry names the connector; its version is read from the connector (one home), and a source
    whose connector is not written yet, or that has none, has no version."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "evdash.connectors.recorded", types.SimpleNamespace(PARSER_VERSION="7"))
    assert freshness.connector_version("recorded") == "7"
    assert freshness.connector_version("not_written_yet") is None
    assert freshness.connector_version("") is None
    status = freshness.source_status(_feed("month", 1, 3, dt.date(2026, 2, 1)), DECEMBER)[0]
    assert status.as_json()["parser_version"] is None
