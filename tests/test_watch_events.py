"""The watch list, the chart events and the change against a year earlier: pure functions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd

from evdash import deliveries, events, queries, watch
from evdash.figures.deliveries import cumulative_vs_target
from evdash.figures.overview import year_events, years_vs_target

ON = dt.date(2026, 12, 1)


def _outlook(**changes: object) -> deliveries.Outlook:
    base = deliveries.Outlook(
        year=2026,
        through_month=12,
        scope="all",
        elapsed=3,
        delivered=80_000.0,
        delivered_is_at_least=True,
        delivered_confidence="lower_bound",
        delivered_basis="quarters",
        delivered_basis_label="reported quarters",
        delivered_detail="Q1",
        delivered_through=dt.date(2026, 3, 31),
        delivered_source="x",
        delivered_as_of=dt.date(2026, 5, 27),
        coverage_note="",
        is_partial=False,
        months_covered=3,
        months_missing=0,
        months_units=39_000.0,
        months_counted=1,
        current_target=550_000.0,
        current_target_is_at_least=False,
        current_target_confidence="reported",
        current_target_announced_on=dt.date(2026, 1, 3),
        original_target=550_000.0,
        revisions_so_far=1,
        revisions_total=1,
        attainment_current_pct=14.5,
        attainment_kind="at_least",
        attainment_original_pct=14.5,
        window=3,
        window_months=(1, 2, 3),
        window_average_of="Q1",
        run_rate=26_667.0,
        projection=320_000.0,
        required_rate=52_222.0,
        required_from_month=4,
        reached_month=None,
        reached_basis="not_projected",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_pace_against_the_straight_line_path() -> None:
    behind = watch.pace_item(_outlook())
    assert behind is not None and behind.severity == "alert"
    # 550,000 × 3/12 = 137,500; an "over 80,000" figure is at most 57,500 behind.
    assert "137,500" in behind.text and "at most 57,500 behind" in behind.text
    ahead = watch.pace_item(_outlook(delivered=150_000.0, delivered_is_at_least=False))
    assert ahead is not None and ahead.severity == "note" and "12,500 ahead" in ahead.text
    assert watch.pace_item(_outlook(current_target=None)) is None
    assert watch.pace_item(_outlook(elapsed=0)) is None


def test_watch_list_windows() -> None:
    changes = [
        watch.RuleChange("Canada", "quota", ON + dt.timedelta(days=90), "starts"),
        watch.RuleChange("Norway", "VAT", ON + dt.timedelta(days=91), "changes"),
        watch.RuleChange("Spain", "old", ON, "starts"),  # already in force: not news
    ]
    headlines = [
        watch.Headline("Fresh", ON - dt.timedelta(days=183)),
        watch.Headline("Old", ON - dt.timedelta(days=184)),
    ]
    revisions = [
        watch.Revision(2026, ON - dt.timedelta(days=30), "target 500,000 → 550,000"),
        watch.Revision(2026, ON - dt.timedelta(days=31), "target 400,000 → 500,000"),
    ]
    items = watch.watch_list(ON, None, headlines, changes, revisions)
    kinds = [(i.kind, i.text.split(":")[0]) for i in items]
    assert kinds == [
        ("rule_change", "Canada"),
        ("stale", "Old is 6 months old (as of 31 May 2026)."),
        ("target_revision", "2026 target revised on 1 Nov 2026"),
    ]
    assert "in 90 days" in items[0].text


def test_duty_changes_come_from_the_duty_mart_timeline() -> None:
    """The watch list reads the mart's own change timeline (queries.pricing_duty_changes), not a second
    copy of the rule: changes inside the window are news, earlier and later ones are not."""
    timeline = pd.DataFrame(
        {
            "on_date": [dt.date(2024, 1, 1), ON + dt.timedelta(days=10), ON + dt.timedelta(days=120)],
            "duty_before": ["none in the data", "6.1%", "x"],
            "duty_after": ["6.1%", "inside the quota: 6.1% · outside the quota: 106.1%", "y"],
            "what_changed": ["a starts", "quota starts", "late"],
        }
    )
    changes = watch.duty_changes("Canada", timeline, ON)
    assert [(c.what, c.change, c.effective) for c in changes] == [
        (
            "import duty 6.1% → inside the quota: 6.1% · outside the quota: 106.1% (quota starts)",
            "changes",
            ON + dt.timedelta(days=10),
        )
    ]


def test_vat_changes() -> None:
    now = pd.DataFrame(
        {"market_code": ["NOR", "DEU"], "rate_pct": [25.0, 19.0], "effective_from": ["2024-01-01"] * 2}
    )
    later = pd.DataFrame(
        {
            "market_code": ["NOR", "DEU"],
            "rate_pct": [20.0, 19.0],
            "effective_from": ["2027-01-01", "2024-01-01"],
        }
    ).assign(source_url="https://example.org/vat")
    changes = watch.vat_changes({"NOR": "Norway", "DEU": "Germany"}, now, later, ON)
    assert [(c.market, c.what, c.effective) for c in changes] == [
        ("Norway", "VAT/GST 25% → 20%", dt.date(2027, 1, 1))
    ]


def test_change_vs_year_earlier_is_honest_about_lower_bounds() -> None:
    f = deliveries.change_vs_year_earlier
    assert f(110.0, False, 100.0, False, "2025") == "+10.0% vs 2025 (100)"
    assert f(110.0, True, 100.0, False, "2025") == "at least +10.0% vs 2025 (100)"
    assert f(110.0, False, 100.0, True, "2025") == "at most +10.0% vs 2025 (≥ 100)"
    assert f(110.0, True, 100.0, True, "2025") == "vs 2025 (≥ 100): both lower bounds, change not known"
    assert f(None, False, 100.0, False, "2025") is None and f(1.0, False, 0.0, False, "2025") is None


def test_2024_target_revisions_are_marked_old_to_new(seed_con: duckdb.DuckDBPyConnection) -> None:
    rows = queries.chart_events(seed_con, "xiaomi")
    marks = events.markers(rows, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    revisions = marks[marks["kind"] == "target_revision"]
    assert list(revisions["short"]) == [
        "28 Mar: target set at 76,000",
        "23 Apr: target 76,000 → ≥ 100,000",
        "23 May: target ≥ 100,000 → 120,000",
        "18 Nov: target 120,000 → 130,000",
    ]
    assert "SU7 launch" in set(marks["what"])
    # A launch event on the model's launch date is one launch, not two.
    assert (marks["what"].str.contains("SU7") & (marks["kind"] == "launch")).sum() == 1

    fig = cumulative_vs_target(pd.DataFrame({"series": ["delivered"], "date": [pd.Timestamp("2024-04-30")],
                                             "units": [7058.0], "month_units": [7058.0],
                                             "confidence": ["reported"], "is_at_least": [False],
                                             "label": ["Apr 2024"], "source": ["s"], "as_of": ["2024-05-01"],
                                             "note": [""]}), "Xiaomi", 2024, marks)  # fmt: skip
    names = [t.name for t in fig.data if t.legendgroup == "events"]
    # Legend entries cut to a phone's width; the whole detail in the hover.
    assert names[0] == "1 · 28 Mar: SU7 launch; targe…"
    first = next(t for t in fig.data if t.legendgroup == "events")
    assert "76,000" in first.hovertext[0] and "SU7" in first.hovertext[0]
    assert any(n.startswith("2 · 23 Apr: target 76,000 →") for n in names)
    for trace in fig.data:
        if trace.legendgroup == "events":
            assert trace.line.dash in {"dot", "dash", "dashdot"}  # told apart without colour


def test_years_chart_events_row_carries_the_revision_path(seed_con: duckdb.DuckDBPyConnection) -> None:
    # The year labels stay one short upright line (five lines of events under each year were turned on
    # their side on a phone); what happened is a marked row under the bars, the path in its hover.
    marks = events.markers(queries.chart_events(seed_con, "xiaomi"), dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    happened = year_events(pd.Series([2024, 2025]), marks)
    year, count, hover = happened[0]
    assert (year, count) == (2024, 5)
    assert "target 3× revised: 76k → ≥100k → 120k → 130k" in hover
    assert "28 Mar: SU7 launch" in hover
    years = queries.overview_years(seed_con, "xiaomi")
    fig = years_vs_target(years, "Xiaomi", marks)
    # Year labels stay short and upright: the events live in their own row, a partial year says so.
    assert fig.layout.xaxis.tickangle == 0
    assert list(fig.layout.xaxis.ticktext) == ["2024", "2025", "2026<br>Jan–Mar only"]
    row = next(t for t in fig.data if t.name == "What happened")
    assert row.text[0] == "5 events" and row.hovertext[0] == hover


def test_event_titles_stay_literal() -> None:
    rows = pd.DataFrame(
        {
            "event_date": [dt.date(2024, 5, 1)],
            "kind": ["milestone"],
            "year": [2024],
            "revision_no": [None],
            "units": [None],
            "previous_units": [None],
            "is_at_least": [False],
            "previous_is_at_least": [None],
            "title": ["<a href='https://evil.example'>x</a> %{y}"],
            "confidence": ["reported"],
            "source_url": ["https://example.org"],
            "as_of": [dt.date(2024, 5, 1)],
        }
    )
    marks = events.markers(rows, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    values = ["delivered", pd.Timestamp("2024-05-31"), 10.0, 10.0, "reported", False, "May", "s", "x", ""]
    frame = pd.DataFrame([values], columns=deliveries.CUMULATIVE_COLUMNS)
    fig = cumulative_vs_target(frame, "X", 2024, marks)
    event = next(t for t in fig.data if t.legendgroup == "events")
    assert "<a" not in event.name and "&lt;a" in event.name
    assert event.hovertemplate is None and "%{y}" in event.hovertext[0]  # shown as text, not a template
