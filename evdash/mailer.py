"""Sending the briefing by e-mail (SMTP, standard library only).

Settings live with the other secrets, in a TOML file: `--smtp-config FILE`, else env
`EVDASH_SMTP_CONFIG`, else `.streamlit/secrets.toml` — section `[smtp]`:

    [smtp]
    host = "smtp.example.com"
    port = 587
    security = "starttls"        # "starttls" (default), "tls" (implicit TLS, port 465) or "none" (tests)
    user = "briefing@example.com"
    password = "…"               # or env EVDASH_SMTP_PASSWORD (wins over the file)
    sender = "evdash <briefing@example.com>"
    timeout_seconds = 30

    [smtp.recipients]            # per brand id; "default" for brands not listed
    xiaomi = ["ceo@example.com", "strategy@example.com"]
    default = ["strategy@example.com"]

The message: subject "<Brand> briefing <date>: <verdict>", a plain-text body with the verdict, the KPIs
(with their provenance) and the watch list, and the PDF attached. Every failure raises `MailError` with
a message that says what to fix; passwords never appear in messages or logs.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from evdash import config, labels, text
from evdash.briefing import Briefing
from evdash.watch import SEVERITY_MARK

SECURITY = ("starttls", "tls", "none")


class MailError(RuntimeError):
    """The briefing could not be sent; the message names the setting or the server's answer."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    recipients: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timeout_seconds: float = 30.0
    source: str = ""  # the file the settings came from (for messages)

    def recipients_for(self, brand: str) -> tuple[str, ...]:
        return self.recipients.get(brand) or self.recipients.get("default") or ()


def _config_path(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get("EVDASH_SMTP_CONFIG")
    return Path(env) if env else config.REPO_ROOT / ".streamlit" / "secrets.toml"


def settings_path(explicit: Path | None = None) -> Path:
    """The SMTP settings file used: `explicit`, else EVDASH_SMTP_CONFIG, else .streamlit/secrets.toml."""
    return _config_path(explicit)


def settings_from_mapping(section: dict[str, Any], source: str = "") -> SmtpSettings:
    """Validate an `[smtp]` section; MailError names the key that is missing or wrong."""
    where = f"{source} [smtp]" if source else "[smtp]"
    host = section.get("host")
    if not isinstance(host, str) or not host:
        raise MailError(f"{where}: 'host' is missing (the SMTP server's name)")
    security = str(section.get("security", "starttls")).lower()
    if security not in SECURITY:
        raise MailError(f"{where}: 'security' must be one of {', '.join(SECURITY)}, not '{security}'")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    try:
        port = int(section.get("port", default_port))
    except (TypeError, ValueError) as exc:
        raise MailError(f"{where}: 'port' must be a number") from exc
    user = str(section.get("user", ""))
    sender = str(section.get("sender", user))
    if not sender:
        raise MailError(f"{where}: 'sender' (or 'user') is missing: the From address")
    raw = section.get("recipients", {})
    if not isinstance(raw, dict):
        raise MailError(f"{where}: 'recipients' must be a table of brand = [addresses]")
    recipients: dict[str, tuple[str, ...]] = {}
    for brand, addresses in raw.items():
        listed = [addresses] if isinstance(addresses, str) else addresses
        if not isinstance(listed, list) or not all(isinstance(a, str) and "@" in a for a in listed):
            raise MailError(f"{where}: recipients.{brand} must be a list of e-mail addresses")
        recipients[str(brand)] = tuple(listed)
    password = os.environ.get("EVDASH_SMTP_PASSWORD") or str(section.get("password", ""))
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        user=user,
        password=password,
        recipients=recipients,
        timeout_seconds=float(section.get("timeout_seconds", 30)),
        source=source,
    )


def load_settings(path: Path | None = None) -> SmtpSettings:
    target = _config_path(path)
    if not target.is_file():
        raise MailError(
            f"no SMTP settings: {target} does not exist (pass --smtp-config FILE or set EVDASH_SMTP_CONFIG; "
            "see docs/briefing.md)"
        )
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MailError(f"{target}: not valid TOML ({exc})") from exc
    section = data.get("smtp")
    if not isinstance(section, dict):
        raise MailError(f"{target}: no [smtp] section")
    return settings_from_mapping(section, str(target))


def body_text(b: Briefing) -> str:
    """The plain-text body: verdict, KPIs with provenance, watch list, filters and data version."""
    lines = [
        f"{b.brand_name} executive briefing, in force on {b.on:%-d %B %Y}",
        "",
        b.verdict,
        b.attainment_note,
        *([b.overdue_sources] if b.overdue_sources else []),
        "",
    ]
    for title, kpis in (
        ("Overview", b.overview_kpis),
        (f"Deliveries vs target, {b.year}", b.deliveries_kpis),
    ):
        lines.append(f"{title}:")
        for k in kpis:
            extra = " · ".join(x for x in (k.delta, k.change) if x)
            lines.append(f"- {k.label}: {k.value}" + (f" ({extra})" if extra else ""))
            if k.provenance:
                lines.append(f"  {k.provenance}")
        lines.append("")
    lines.append("Watch list:")
    lines += [f"- {SEVERITY_MARK[i.severity]}: {i.text}" for i in b.watch] or ["- nothing to watch"]
    if b.analyst_notes:  # the newest analyst notes (their whole text and history: the Sources page)
        lines += ["", "Analyst notes:"] + [f"- {n}" for n in b.analyst_notes]
    if b.changed_text:  # what changed since the date, each item with the day it is counted by
        lines += ["", f"{b.changed_text}:"] + [f"- {labels.day(c.date)}: {c.text}" for c in b.changed]
    lines += [
        "",
        "Filters: " + " · ".join(f"{k}: {v}" for k, v in b.filters.items()),
        f"Data as of {b.data_as_of} · version {b.version} · {b.newest_text}",
        "",
        "The PDF is attached. Sent by evdash.",
    ]
    return "\n".join(lines) + "\n"


SUBJECT_MAX = 200
BRAND_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # line breaks and every other control character


def subject(b: Briefing) -> str:
    """The subject, "<Brand> briefing <date>: <verdict>", on one line whatever the brand's name holds (no
    CR, LF or other control character can reach the header); the name cut to BRAND_MAX characters so that
    the date and the verdict stay, the whole at most SUBJECT_MAX characters, cut with an ellipsis."""
    brand = text.cut(_CONTROL.sub(" ", b.brand_name), BRAND_MAX)
    return text.cut(_CONTROL.sub(" ", f"{brand} briefing {b.on:%Y-%m-%d}: {b.verdict}"), SUBJECT_MAX)


def message(
    settings: SmtpSettings, b: Briefing, pdf: bytes, filename: str, to: Sequence[str]
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(b)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="evdash")
    msg.set_content(body_text(b))
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


def send_briefing(settings: SmtpSettings, b: Briefing, pdf_path: Path) -> tuple[str, ...]:
    """Send the PDF at `pdf_path` to the brand's recipients; returns them. MailError on any failure."""
    to = settings.recipients_for(b.brand_id)
    if not to:
        raise MailError(
            f"no recipients for brand '{b.brand_id}' in {settings.source or 'the SMTP settings'} "
            f'(add [smtp.recipients] {b.brand_id} = ["…"] or default = ["…"])'
        )
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        msg = message(settings, b, pdf_path.read_bytes(), pdf_path.name, to)
    except (ValueError, TypeError, OSError) as exc:  # a header the e-mail library refuses, an unreadable PDF
        raise MailError(f"the message to {where} could not be made: {exc}") from exc
    send(settings, msg)
    return tuple(to)


def send(settings: SmtpSettings, msg: EmailMessage) -> None:
    """Hand one message to the SMTP server; MailError (naming the server and its answer) on any failure,
    including a recipient it refused."""
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        if settings.security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password)
            refused = server.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{where} refused the login of '{settings.user}': {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"{where} refused every recipient: {', '.join(exc.recipients)}") from exc
    except smtplib.SMTPException as exc:
        raise MailError(f"{where}: {type(exc).__name__}: {exc}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"could not reach {where}: {exc}") from exc
    if refused:
        raise MailError(f"{where} refused {', '.join(refused)} (the others were sent)")


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
