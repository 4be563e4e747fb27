"""`evdash deliver`: send every subscription that is due at an instant, each message once.

For each active subscription (evdash.subscriptions): a view is due once per period (`due_period`); an
alert when its condition holds with something not said before (`alert_items`). Each message has an
idempotency key claimed in the store first (evdash.journal.subscriptions: atomically, so the same run
twice, a restart or two servers at once send it once); it is marked `sent` only when the SMTP server
accepted it, `failed` otherwise (logged as `deliver.failed`, and claimed again by the next run).

One message per subscription: the view's summary (the brand's briefing: verdict, KPIs with their
provenance, watch list), the briefing PDF for the Overview (the view that has one), and a link back to the
view at the dashboard's base URL (`EVDASH_BASE_URL`, else `base_url` in the `[deliver]` section of the
SMTP settings file).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import duckdb

from evdash import briefing, briefing_pdf, config, logs, mailer, text
from evdash import subscriptions as subs
from evdash.journal.subscriptions import Record, Store

SUBJECT_MAX = 200
PdfMaker = Callable[[briefing.Briefing], bytes]


class DeliverError(RuntimeError):
    """A setting needed to deliver is missing or wrong (nothing was sent)."""


def base_url(smtp_config: Path | None) -> str:
    """The dashboard's address for the links back: EVDASH_BASE_URL, else `[deliver] base_url`."""
    env = config.base_url()
    if env:
        return env
    if smtp_config is not None and smtp_config.is_file():
        try:
            section = tomllib.loads(smtp_config.read_text(encoding="utf-8")).get("deliver", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DeliverError(f"{smtp_config}: not valid TOML ({exc})") from exc
        value = section.get("base_url") if isinstance(section, dict) else None
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
        if value is not None:
            raise DeliverError(
                f"{smtp_config} [deliver] base_url: an http(s) address is expected, not '{value}'"
            )
    raise DeliverError(
        "no address for the links back to the dashboard: set EVDASH_BASE_URL or base_url in the [deliver] "
        "section of the SMTP settings file (docs/subscriptions.md)"
    )


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)  # subscription ids
    failed: list[tuple[str, str]] = field(default_factory=list)  # (subscription id, why)
    recorded: list[str] = field(default_factory=list)  # first checks of rank alerts (nothing sent)


def _subject(words: str) -> str:
    return text.cut(words, SUBJECT_MAX)  # one line whatever the names hold


def _message(settings: mailer.SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _subject(subject)
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="evdash")
    msg.set_content(body)
    return msg


def render_pdf(b: briefing.Briefing) -> bytes:
    """The briefing PDF (charts rendered by Kaleido), as `evdash briefing` writes it."""
    from evdash import static_charts

    with tempfile.TemporaryDirectory() as folder, static_charts.Renderer() as render:
        out = Path(folder) / briefing_pdf.filename(b.brand_id, b.on)
        briefing_pdf.write(b, out, render)
        return out.read_bytes()


class _Run:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        settings: mailer.SmtpSettings,
        base: str,
        now: dt.datetime,
        pdf: PdfMaker,
    ) -> None:
        self.con, self.settings, self.base, self.now, self.pdf = con, settings, base, now, pdf
        self._briefings: dict[tuple[str, dt.date], briefing.Briefing] = {}
        self._pdfs: dict[tuple[str, dt.date], bytes] = {}

    def briefing(self, brand: str, on: dt.date) -> briefing.Briefing:
        if (brand, on) not in self._briefings:
            self._briefings[(brand, on)] = briefing.collect(self.con, brand, on)
        return self._briefings[(brand, on)]

    def view_message(self, record: Record) -> EmailMessage:
        on = subs.view_on(record, self.now)
        b = self.briefing(subs.view_brand(self.con, record, on), on)
        target = subs.view_target(record)
        name = str(record.body.get("name") or f"/{target}")
        has_pdf = record.body.get("path") == ""  # the Overview's PDF is the briefing
        summary = mailer.body_text(b)
        if not has_pdf:
            summary = summary.replace("The PDF is attached. ", "")
        body = (
            f"Your {record.body['every']} evdash view: {name}\n"
            f"Open it: {subs.link(self.base, target)}\n\n{summary}\n"
            f"Subscription {record.id}; cancel with: evdash subscriptions --cancel {record.id}\n"
        )
        msg = _message(
            self.settings, str(record.body["email"]), f"evdash {name}, {on:%Y-%m-%d}: {b.verdict}", body
        )
        if has_pdf:
            key = (b.brand_id, b.on)
            if key not in self._pdfs:
                self._pdfs[key] = self.pdf(b)
            filename = briefing_pdf.filename(b.brand_id, b.on)
            msg.add_attachment(self._pdfs[key], maintype="application", subtype="pdf", filename=filename)
        return msg

    def alert_message(self, record: Record, items: list[subs.AlertItem]) -> EmailMessage:
        kind = subs.ALERTS[str(record.body["alert"])]
        what = kind.words.format(n=record.body["threshold"])
        lines = [f"evdash alert on {self.now:%Y-%m-%d %H:%M} UTC: {what} ({record.body['brand']}).", ""]
        for item in items:
            lines += [f"- {item.text}", f"  {subs.link(self.base, item.target)}"]
        lines += ["", f"Subscription {record.id}; cancel with: evdash subscriptions --cancel {record.id}"]
        subject = f"evdash alert ({kind.key}, {record.body['brand']}): {items[0].text}"
        return _message(self.settings, str(record.body["email"]), subject, "\n".join(lines) + "\n")


def deliver(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    settings: mailer.SmtpSettings,
    base: str,
    now: dt.datetime,
    pdf: PdfMaker = render_pdf,
) -> Outcome:
    """Send whatever is due at `now` (see the module doc). A message that fails is reported in the outcome
    and logged; the others go on."""
    run = _Run(con, settings, base, now, pdf)
    outcome = Outcome()
    for record in subs.active(store):
        sent = store.deliveries(record.id)
        if "alert" in record.body:
            items, baseline = subs.alert_items(con, record, now.date(), sent)
            if baseline is not None:
                item = subs.AlertItem(baseline, "", "")
                token = store.claim(subs.alert_key(record, [item], sent), record.id, [baseline])
                if token is not None:
                    store.finish(subs.alert_key(record, [item], sent), token, None)
                    outcome.recorded.append(record.id)
                continue
            if not items:
                continue
            key, state = subs.alert_key(record, items, sent), [i.id for i in items]
        else:
            period = subs.due_period(str(record.body["every"]), now)
            key, state = f"{record.id}:{period}", [period]
            if any(d.key == key and d.status == "sent" for d in sent):
                continue
        token = store.claim(key, record.id, state)
        if token is None:
            continue  # sent already, or another run is sending it
        try:
            msg = run.alert_message(record, items) if "alert" in record.body else run.view_message(record)
            mailer.send(settings, msg)
        except Exception as exc:  # SMTP refused or away, a PDF not made: retried by the next run
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            store.finish(key, token, why)
            logs.error("deliver.failed", exc, subscription=record.id, key=key)
            outcome.failed.append((record.id, why))
            continue
        store.finish(key, token, None)
        logs.event("deliver.sent", subscription=record.id, key=key)
        outcome.sent.append(record.id)
    return outcome
