"""Saved views and subscriptions (`evdash subscribe`, `evdash deliver`) against a real SMTP server
(aiosmtpd): a view is delivered once per period with a link back (the Overview with its PDF), a second
run and a concurrent run send nothing more, an SMTP failure is retried by the next run and reported, a
CR/LF address is refused, and each alert kind fires where the seeded data says its condition holds and
not where it does not (the expectations are read from the data with the rules the alerts reuse)."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.message
import email.policy
import io
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from evdash import briefing, deliver, freshness, mailer, queries, serving
from evdash import subscriptions as subs
from evdash.deliveries import straight_line_path
from evdash.journal.subscriptions import LocalStore, Store
from tests import test_briefing
from tests.conftest import REPO, require_chromium
from tests.test_briefing import _Inbox

BASE = "https://evdash.example.org"
NOW = "2026-12-07T06:00:00Z"
DAY = dt.datetime(2026, 12, 7, 6, tzinfo=dt.UTC)


smtp = test_briefing.smtp  # the real local SMTP server (aiosmtpd), one per module


@pytest.fixture
def inbox(smtp: tuple[int, _Inbox]) -> tuple[int, _Inbox]:
    """The server, its inbox emptied for this test."""
    smtp[1].messages.clear()
    return smtp


def _settings_file(folder: Path, port: int) -> Path:
    path = folder / "smtp.toml"
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "evdash <d@example.org>"\n'
        f'[deliver]\nbase_url = "{BASE}"\n'
    )
    return path


def _cli(args: list[str], db: Path, store: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "EVDASH_DB": str(db), "EVDASH_IMPORTS": str(store), "EVDASH_USER": "tester"}
    env.pop("EVDASH_JOURNAL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "evdash.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(args: list[str], db: Path, store: Path) -> subprocess.CompletedProcess[str]:
    proc = _cli(args, db, store)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _parse(msg: Message) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def _parsed(box: _Inbox) -> list[email.message.EmailMessage]:
    return [_parse(m) for m in box.messages]


def _body(msg: Message) -> str:
    part = _parse(msg).get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_subscribe_then_deliver_sends_once_per_period_with_a_link_back_and_the_overview_pdf(
    seed_db_path: Path, inbox: tuple[int, _Inbox], tmp_path: Path
) -> None:
    require_chromium()
    port, box = inbox
    smtp = _settings_file(tmp_path, port)
    store = tmp_path / "imports"
    ranking = _run(
        ["subscribe", "--email", "cso@example.org", "--view", "/markets?model=xiaomi_yu7&freight_pct=10",
         "--every", "weekly", "--name", "YU7 ranking"],
        seed_db_path,
        store,
    )  # fmt: skip
    assert ranking.returncode == 0, ranking.stderr
    overview = _run(
        ["subscribe", "--email", "ceo@example.org", "--view", "/", "--every", "daily"], seed_db_path, store
    )
    assert overview.returncode == 0, overview.stderr
    listed = _run(["subscriptions"], seed_db_path, store).stdout
    assert "weekly: /markets?model=xiaomi_yu7&freight_pct=10 → cso@example.org" in listed
    assert "daily: / → ceo@example.org" in listed

    first = _run(["deliver", "--now", NOW, "--smtp-config", str(smtp)], seed_db_path, store)
    assert first.returncode == 0, first.stderr
    messages = {str(m["To"]): m for m in _parsed(box)}
    assert sorted(messages) == ["ceo@example.org", "cso@example.org"]
    weekly = messages["cso@example.org"]
    text = _body(weekly)
    assert f"Open it: {BASE}/markets?model=xiaomi_yu7&freight_pct=10" in text
    assert "YU7 ranking" in str(weekly["Subject"]) and "\n" not in str(weekly["Subject"])
    with duckdb.connect(str(seed_db_path.resolve()), read_only=True) as con:
        b = briefing.collect(con, "xiaomi", DAY.date())
    assert b.verdict in text  # the view's summary is the brand's briefing on the day
    assert not list(weekly.iter_attachments())  # the Market ranking has no PDF
    daily = messages["ceo@example.org"]
    assert f"Open it: {BASE}/\n" in _body(daily)
    pdfs = [a for a in daily.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    pages = PdfReader(io.BytesIO(pdfs[0].get_content())).pages
    assert b.verdict.split(":")[0] in " ".join(p.extract_text() for p in pages).replace("\n", " ")

    again = _run(["deliver", "--now", NOW, "--smtp-config", str(smtp)], seed_db_path, store)
    assert again.returncode == 0 and len(box.messages) == 2, again.stderr  # the same run twice: nothing
    next_day = _run(
        ["deliver", "--now", "2026-12-08T06:00:00Z", "--smtp-config", str(smtp)], seed_db_path, store
    )
    assert next_day.returncode == 0, next_day.stderr
    assert [str(m["To"]) for m in _parsed(box)[2:]] == ["ceo@example.org"]  # the weekly one waits a week


def test_two_delivers_at_once_send_each_message_once(
    seed_db_path: Path, inbox: tuple[int, _Inbox], tmp_path: Path
) -> None:
    port, box = inbox
    smtp = _settings_file(tmp_path, port)
    store = tmp_path / "imports"
    for address in ("a@example.org", "b@example.org"):
        done = _run(
            ["subscribe", "--email", address, "--view", "pricing?market=DEU", "--every", "daily"],
            seed_db_path,
            store,
        )
        assert done.returncode == 0, done.stderr
    runs = [
        _cli(["deliver", "--now", NOW, "--smtp-config", str(smtp)], seed_db_path, store) for _ in range(2)
    ]
    results = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    assert sorted(str(m["To"]) for m in box.messages) == ["a@example.org", "b@example.org"]
    sent = LocalStore(store / "subscriptions").deliveries()
    assert sorted(d.status for d in sent) == ["sent", "sent"]


def test_an_smtp_failure_is_reported_not_recorded_and_sent_by_the_next_run(
    seed_db_path: Path, inbox: tuple[int, _Inbox], tmp_path: Path
) -> None:
    port, box = inbox
    store = tmp_path / "imports"
    done = _run(
        ["subscribe", "--email", "cfo@example.org", "--view", "sources", "--every", "monthly"],
        seed_db_path,
        store,
    )
    assert done.returncode == 0, done.stderr
    down = tmp_path / "down"
    down.mkdir()
    away = _run(
        ["deliver", "--now", NOW, "--smtp-config", str(_settings_file(down, serving.free_port()))],
        seed_db_path,
        store,
    )
    assert away.returncode == 4  # documented: a message was not sent
    assert "not sent" in away.stderr and "could not reach 127.0.0.1" in away.stderr
    assert '"event": "deliver.failed"' in away.stderr
    assert [d.status for d in LocalStore(store / "subscriptions").deliveries()] == ["failed"]
    assert "1 failed: could not reach" in _run(["subscriptions"], seed_db_path, store).stdout
    smtp = _settings_file(tmp_path, port)
    for _ in range(2):
        good = _run(
            ["deliver", "--now", "2026-12-20T06:00:00Z", "--smtp-config", str(smtp)], seed_db_path, store
        )
        assert good.returncode == 0, good.stderr
    assert [str(m["To"]) for m in box.messages] == ["cfo@example.org"]
    assert f"{BASE}/sources" in _body(box.messages[0])


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("ceo@example.org\r\nBcc: all@example.org", "line break or another control character"),
        ("ceo@example.org\nX: y", "line break or another control character"),
        ("ceo@localhost", "'localhost' is not a valid mail domain"),
        ("ceo@exa mple.org", "is not a valid mail domain"),
        ("Boss <ceo@example.org>", "not a valid mailbox name"),
    ],
)
def test_a_bad_address_is_refused_at_subscribe_time_naming_the_parameter(
    seed_db_path: Path, tmp_path: Path, address: str, why: str
) -> None:
    store = tmp_path / "imports"
    refused = _run(
        ["subscribe", "--email", address, "--view", "markets", "--every", "daily"], seed_db_path, store
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("not subscribed: --email: ") and why in refused.stderr
    assert not (store / "subscriptions" / "subscriptions.jsonl").exists()  # nothing stored


def test_other_parameters_are_refused_with_their_names(seed_con: duckdb.DuckDBPyConnection) -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: subs.view_subscription("a@example.org", "nowhere", "daily", "t"), "--view: 'nowhere' is not a page"),
        (lambda: subs.view_subscription("a@example.org", "markets", "hourly", "t"), "--every: 'hourly'"),
        (lambda: subs.view_subscription("a@example.org", "markets", "daily", "t", "A\r\nBcc: x"), "--name: the name holds a line break"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "weather", "t"), "--alert: 'weather'"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "pace", "t", 0), "--threshold: 0 is out of range"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "rank", "t", brand="nobody"), "--brand: 'nobody'"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "rule_change", "t", market="XXX"), "--market: 'XXX'"),
    ]  # fmt: skip
    for make, message in cases:
        with pytest.raises(subs.SubscriptionError, match="^" + message.replace("?", r"\?")):
            make()


def test_a_huge_value_is_refused_without_being_printed_back(seed_con: duckdb.DuckDBPyConnection) -> None:
    """A 5 MB value pasted into the dashboard's alert form or given to the CLI is refused naming its
    parameter; the message shows its start, never the whole value (a terminal or a page full of it)."""
    huge = "X" * 5_000_000
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: subs.alert_subscription(seed_con, huge, "pace", "t"), "--email: 'XXX"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", huge, "t"), "--alert: 'XXX"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "rank", "t", brand=huge), "--brand: 'XXX"),
        (lambda: subs.alert_subscription(seed_con, "a@example.org", "rule_change", "t", market=huge), "--market: 'XXX"),
        (lambda: subs.view_subscription("a@example.org", huge, "daily", "t"), "--view: the view is longer than 2000"),
        (lambda: subs.view_subscription("a@example.org", "markets", huge, "t"), "--every: 'XXX"),
        (lambda: subs.view_subscription(f"a@{huge}.org", "markets", "daily", "t"), "--email: 'a@XXX"),
    ]  # fmt: skip
    for make, message in cases:
        with pytest.raises(subs.SubscriptionError, match="^" + message) as refused:
            make()
        assert len(str(refused.value)) < 1000, str(refused.value)[:300]  # the known markets are listed


# --- alerts: each kind against the data ------------------------------------------------------------------


class _Mail:
    """Settings for the real local server, and what arrived."""

    def __init__(self, port: int, box: _Inbox) -> None:
        self.settings = mailer.SmtpSettings("127.0.0.1", port, "none", "evdash <d@example.org>")
        self.box = box


def _alert(
    store: Store, con: duckdb.DuckDBPyConnection, kind: str, threshold: int, market: str | None = None
) -> None:
    store.add(
        subs.alert_subscription(con, "watcher@example.org", kind, "tester", threshold, "xiaomi", market)
    )


def _deliver(store: Store, con: duckdb.DuckDBPyConnection, mail: _Mail, on: dt.date) -> deliver.Outcome:
    now = dt.datetime.combine(on, dt.time(6), tzinfo=dt.UTC)
    return deliver.deliver(
        store, con, mail.settings, BASE, now, pdf=lambda b: pytest.fail("no PDF for alerts")
    )


@pytest.fixture
def mail(inbox: tuple[int, _Inbox]) -> _Mail:
    return _Mail(*inbox)


def test_pace_alert_fires_below_its_threshold_once_and_not_at_or_above_it(
    seed_con: duckdb.DuckDBPyConnection, mail: _Mail, tmp_path: Path
) -> None:
    on = DAY.date()
    o = briefing.pace_outlook(seed_con, "xiaomi", on)
    assert o.delivered is not None and o.current_target is not None
    share = 100 * o.delivered / straight_line_path(o.current_target, o.elapsed)  # from the data
    above, below = LocalStore(tmp_path / "above"), LocalStore(tmp_path / "below")
    _alert(below, seed_con, "pace", min(200, int(share) + 1))  # pace is below this: fires
    _alert(above, seed_con, "pace", max(1, int(share)))  # pace is at or above this: silent
    assert _deliver(above, seed_con, mail, on).sent == [] and mail.box.messages == []
    assert len(_deliver(below, seed_con, mail, on).sent) == 1
    assert _deliver(below, seed_con, mail, on).sent == []  # the same state is not sent again
    body = _body(mail.box.messages[0])
    assert f"{o.elapsed} months" in body and f"{share:.0f}% of the path" in body
    assert f"{BASE}/deliveries?brand=xiaomi" in body


def _norway_relief_change() -> tuple[dt.date, str]:
    """The day Norway's BEV VAT threshold changes, read from the seed file (the row that differs from the
    one before it)."""
    with open(REPO / "data" / "seeds" / "vat_reliefs.csv", encoding="utf-8") as fh:
        rows = sorted(
            (r for r in csv.DictReader(fh) if r["market_code"] == "NOR" and r["powertrain"] == "BEV"),
            key=lambda r: r["effective_from"],
        )
    changed = next(b for a, b in itertools.pairwise(rows) if a["exempt_up_to"] != b["exempt_up_to"])
    return dt.date.fromisoformat(changed["effective_from"]), f"{float(changed['exempt_up_to']):,.0f}"


def test_rule_change_alert_fires_within_its_days_in_the_watched_market_only(
    seed_con: duckdb.DuckDBPyConnection, mail: _Mail, tmp_path: Path
) -> None:
    effective, threshold = _norway_relief_change()
    on = effective - dt.timedelta(days=30)
    near, far, elsewhere = (LocalStore(tmp_path / n) for n in ("near", "far", "elsewhere"))
    _alert(near, seed_con, "rule_change", 30, "NOR")  # in force in 30 days: within 30
    _alert(far, seed_con, "rule_change", 29, "NOR")  # not within 29
    _alert(elsewhere, seed_con, "rule_change", 30, "CHE")  # no change in the data for Switzerland then
    assert _deliver(far, seed_con, mail, on).sent == [] and _deliver(elsewhere, seed_con, mail, on).sent == []
    assert len(_deliver(near, seed_con, mail, on).sent) == 1
    assert _deliver(near, seed_con, mail, on + dt.timedelta(days=1)).sent == []  # same change: once
    body = _body(mail.box.messages[0])
    assert "Norway" in body and threshold in body and f"{effective:%-d %b %Y}" in body
    assert f"{BASE}/pricing?market=NOR" in body


def test_overdue_alert_fires_past_its_days_and_not_for_a_source_on_time(
    seed_con: duckdb.DuckDBPyConnection, mail: _Mail, tmp_path: Path
) -> None:
    on = DAY.date()
    statuses = freshness.source_status(queries.source_status(seed_con), on)
    late = [s for s in statuses if s.overdue and s.subject == "xiaomi" and s.due is not None]
    assert late  # the seeded data has a late Xiaomi source on the day
    days = max((on - s.due).days for s in late if s.due is not None)
    fires, silent = LocalStore(tmp_path / "fires"), LocalStore(tmp_path / "silent")
    _alert(fires, seed_con, "overdue", days - 1)  # the longest-late source is later than this
    _alert(silent, seed_con, "overdue", days)  # no source is later than this
    assert _deliver(silent, seed_con, mail, on).sent == []
    assert len(_deliver(fires, seed_con, mail, on).sent) == 1
    assert _deliver(fires, seed_con, mail, on).sent == []
    body = _body(mail.box.messages[0])
    longest = next(s for s in late if s.due is not None and (on - s.due).days == days)
    assert longest.name in body and f"{BASE}/sources" in body
    on_time = min(s.due for s in statuses if s.subject in ("", "xiaomi") and s.due is not None)
    quiet = LocalStore(tmp_path / "quiet")
    _alert(quiet, seed_con, "overdue", 0)
    assert _deliver(quiet, seed_con, mail, on_time).sent == []  # on its due day nothing is late yet


def test_rank_alert_records_the_first_ranking_then_fires_on_a_change_in_the_top_n_only(
    seed_con: duckdb.DuckDBPyConnection, mail: _Mail, tmp_path: Path
) -> None:
    days = [dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2025, 1, 1)]
    tops = [subs.rank_state(seed_con, "xiaomi", 3, d)[0] for d in days]  # the Market ranking's top 3
    same = next(i for i in range(len(days) - 1) if tops[i] == tops[i + 1])
    change = next(i for i in range(same + 1, len(days)) if tops[i] != tops[same])
    store = LocalStore(tmp_path / "rank")
    _alert(store, seed_con, "rank", 3)
    first = _deliver(store, seed_con, mail, days[same])
    assert first.sent == [] and len(first.recorded) == 1  # the first check only records
    assert _deliver(store, seed_con, mail, days[same + 1]).sent == []  # the same top 3
    assert len(_deliver(store, seed_con, mail, days[change]).sent) == 1
    assert _deliver(store, seed_con, mail, days[change]).sent == []
    names = subs.market_names(seed_con)
    body = _body(mail.box.messages[0])
    codes = tops[change].split(":")[-1].split(",")
    assert ", ".join(f"{i}. {names[c]}" for i, c in enumerate(codes, start=1)) in body


def test_the_link_back_needs_a_base_url_and_says_where_to_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVDASH_BASE_URL", raising=False)
    bare = tmp_path / "bare.toml"
    bare.write_text('[smtp]\nhost = "127.0.0.1"\nsender = "d@example.org"\n')
    with pytest.raises(
        deliver.DeliverError, match="set EVDASH_BASE_URL or base_url in the \\[deliver\\] section"
    ):
        deliver.base_url(bare)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[deliver]\nbase_url = "evdash.example.org"\n')
    with pytest.raises(deliver.DeliverError, match=r"\[deliver\] base_url: an http\(s\) address"):
        deliver.base_url(wrong)
    assert deliver.base_url(_settings_file(tmp_path, 25)) == BASE
    monkeypatch.setenv("EVDASH_BASE_URL", "https://other.example.org")
    assert deliver.base_url(bare) == "https://other.example.org"
