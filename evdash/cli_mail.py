"""The e-mail side of the `evdash` command line: `evdash briefing` (the PDF, optionally e-mailed),
`evdash subscribe`, `evdash subscriptions` and `evdash deliver`, each a parser-building step and its
handler. `evdash.cli` lists them with the other subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import TypeAlias

from evdash import importer, logs

# The subparsers of `evdash`, to which each subcommand adds its parser.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from exc


def _cmd_briefing(args: argparse.Namespace) -> int:
    from evdash import briefing_pdf, db, mailer, static_charts
    from evdash.services import briefing, overview

    on = args.on or dt.date.today()
    try:
        with db.connect_readonly(args.db) as con:
            data = briefing.briefing_view(con, overview.Scenario(args.brand, on))
    except ValueError as exc:
        print(f"briefing not made: {exc}", file=sys.stderr)
        return 2
    out = args.out or Path(briefing_pdf.filename(args.brand, on))
    started = time.perf_counter()
    try:
        with static_charts.Renderer() as render:
            pages = briefing_pdf.write(data, out, render, paper=args.paper)
    except (static_charts.ChartExportError, briefing_pdf.BriefingError) as exc:
        logs.error("briefing.failed", exc, brand=args.brand, on=on.isoformat())
        print(f"briefing not made: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    logs.event(
        "briefing.written",
        brand=args.brand,
        on=on.isoformat(),
        path=str(out),
        pages=pages,
        seconds=round(seconds, 2),
    )
    print(f"wrote {out} ({pages} page{'s' if pages != 1 else ''}, {args.paper}, data version {data.version})")
    if not args.email:
        return 0
    try:
        settings = mailer.load_settings(args.smtp_config)
        sent = mailer.send_briefing(settings, data, out)
    except Exception as exc:  # every failure to send (MailError says what to fix) exits 4, logged
        logs.error("briefing.email_failed", exc, brand=args.brand, on=on.isoformat())
        print(f"briefing e-mail not sent: {exc}", file=sys.stderr)
        return 4
    logs.event("briefing.emailed", brand=args.brand, on=on.isoformat(), recipients=len(sent))
    print(f"sent to {len(sent)} recipient{'s' if len(sent) != 1 else ''}: {', '.join(sent)}")
    return 0


def _owner(user: str | None) -> str:
    import getpass

    return user or os.environ.get("EVDASH_USER") or getpass.getuser()


def _cmd_subscribe(args: argparse.Namespace) -> int:
    """Check and store one subscription (a view or an alert); exit 2 naming the parameter refused."""
    from evdash import db, subscriptions
    from evdash.journal import open_store

    try:
        if args.view is not None:
            if args.alert or args.threshold is not None or args.brand or args.market:
                raise subscriptions.SubscriptionError("--view: give either --view and --every, or --alert")
            if not args.every:
                raise subscriptions.SubscriptionError(
                    "--every: daily, weekly or monthly is needed with --view"
                )
            record = subscriptions.view_subscription(
                args.email, args.view, args.every, _owner(args.user), args.name
            )
        elif args.alert:
            if args.every:
                raise subscriptions.SubscriptionError(
                    "--every: an alert is sent when it holds, not on a schedule"
                )
            with db.connect_readonly(args.db) as con:
                record = subscriptions.alert_subscription(
                    con, args.email, args.alert, _owner(args.user), args.threshold, args.brand, args.market
                )
        else:
            raise subscriptions.SubscriptionError("--view or --alert: say what to send")
        store = open_store(args.db)
        store.add(record)
    except subscriptions.SubscriptionError as exc:
        print(f"not subscribed: {exc}", file=sys.stderr)
        return 2
    except importer.ImportRefused as exc:  # the shared journal is away
        print(f"not subscribed: {exc}", file=sys.stderr)
        return 3
    logs.event("subscription.added", subscription=record.id)
    print(f"subscribed {record.id}: {subscriptions.describe(record)}")
    return 0


def _cmd_subscriptions(args: argparse.Namespace) -> int:
    """List the active subscriptions (and saved views), or cancel one."""
    from evdash import subscriptions
    from evdash.journal import open_store

    try:
        store = open_store(args.db)
        if args.cancel:
            if not store.cancel(args.cancel, _owner(args.user)):
                print(f"--cancel: no active subscription or saved view '{args.cancel}'", file=sys.stderr)
                return 2
            logs.event("subscription.cancelled", subscription=args.cancel)
            print(f"cancelled {args.cancel}")
            return 0
        records = [r for r in store.records() if r.active]
        deliveries = store.deliveries()
    except importer.ImportRefused as exc:
        print(f"subscriptions not read: {exc}", file=sys.stderr)
        return 3
    for r in records:
        mine = [d for d in deliveries if d.subscription_id == r.id]
        last = max((d.at for d in mine if d.status == "sent"), default="never")
        failed = [d for d in mine if d.status == "failed"]
        tail = f" (last sent {last}" + (f", {len(failed)} failed: {failed[-1].error}" if failed else "") + ")"
        print(f"{r.id}  {subscriptions.describe(r)}" + (tail if r.kind == "subscription" else ""))
    if not records:
        print("no subscriptions")
    return 0


DELIVER_FAILED = 4  # `evdash deliver`: at least one message was not sent (retried by the next run)


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 8601 instant (2026-12-07T06:00Z)") from exc
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _cmd_deliver(args: argparse.Namespace) -> int:
    import duckdb

    from evdash import db, deliver, mailer
    from evdash.journal import open_store

    now = args.now or dt.datetime.now(dt.UTC)
    try:
        settings = mailer.load_settings(args.smtp_config)
        base = deliver.base_url(mailer.settings_path(args.smtp_config))
    except (mailer.MailError, deliver.DeliverError) as exc:
        print(f"nothing delivered: {exc}", file=sys.stderr)
        return 2
    try:
        with db.connect_readonly(args.db) as con:
            outcome = deliver.deliver(open_store(args.db), con, settings, base, now)
    except importer.ImportRefused as exc:
        print(f"nothing delivered: {exc}", file=sys.stderr)
        return 3
    except (duckdb.Error, OSError) as exc:
        print(f"nothing delivered: the database could not be read ({exc}); run evdash build", file=sys.stderr)
        return 1
    logs.event("deliver.done", now=now.isoformat(), sent=len(outcome.sent), failed=len(outcome.failed))
    print(
        f"delivered {len(outcome.sent)} message(s) due at {now.isoformat()}"
        + (f"; first check recorded for {len(outcome.recorded)} rank alert(s)" if outcome.recorded else "")
    )
    for sub_id, why in outcome.failed:
        print(f"not sent {sub_id}: {why} (retried by the next run)", file=sys.stderr)
    return DELIVER_FAILED if outcome.failed else 0


def add_briefing(sub: Subcommands) -> None:
    """`evdash briefing`: the brand, the day, the PDF's path and paper, and whether to e-mail it."""
    p_brief = sub.add_parser(
        "briefing",
        help="write the executive briefing PDF for a brand (optionally e-mail it)",
        description="Exit codes: 0 written (and sent), 1 PDF not made (charts/fonts), 2 bad brand or "
        "date, 4 e-mail not sent (the PDF is kept). Scheduling: docs/briefing.md.",
    )
    p_brief.add_argument("--brand", default="xiaomi", help="brand id (default xiaomi)")
    p_brief.add_argument(
        "--on",
        type=date_arg,
        default=None,
        help="duties, VAT, FX and statuses in force on YYYY-MM-DD (default today)",
    )
    p_brief.add_argument(
        "--out", type=Path, default=None, help="PDF path (default evdash-briefing-<brand>-<date>.pdf)"
    )
    p_brief.add_argument("--paper", choices=["A4", "Letter"], default="A4")
    p_brief.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_brief.add_argument("--email", action="store_true", help="send it by SMTP to the brand's recipients")
    p_brief.add_argument(
        "--smtp-config",
        type=Path,
        default=None,
        help="TOML with an [smtp] section (default $EVDASH_SMTP_CONFIG, else .streamlit/secrets.toml)",
    )
    p_brief.set_defaults(func=_cmd_briefing)


def add_subscribe(sub: Subcommands) -> None:
    """`evdash subscribe`: the address and either a view with its schedule or an alert with its N."""
    p_sub = sub.add_parser(
        "subscribe",
        help="subscribe an address to a view (daily, weekly, monthly) or to an alert",
        description="Alert kinds: pace (below N%% of the path to the target), rule_change (a duty or VAT "
        "change within N days), overdue (a source overdue by more than N days), rank (a change in the top "
        "N markets). Exit codes: 0 stored, 2 a parameter refused (named), 3 the shared journal is away. "
        "docs/subscriptions.md.",
    )
    p_sub.add_argument("--email", required=True, help="one address (name@example.com)")
    p_sub.add_argument(
        "--view", default=None, help="page path and its query, e.g. 'markets?model=xiaomi_yu7'"
    )
    p_sub.add_argument("--every", default=None, help="daily, weekly or monthly (with --view)")
    p_sub.add_argument("--name", default="", help="a name for the view (the messages' subject)")
    p_sub.add_argument("--alert", default=None, help="pace, rule_change, overdue or rank")
    p_sub.add_argument("--threshold", type=int, default=None, help="the alert's N (see above)")
    p_sub.add_argument("--brand", default=None, help="brand id (default xiaomi)")
    p_sub.add_argument("--market", default=None, help="watched market, ISO 3166 alpha-3 (rule_change)")
    p_sub.add_argument("--user", default=None, help="owner recorded (default $EVDASH_USER)")
    p_sub.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_sub.set_defaults(func=_cmd_subscribe)


def add_subscriptions(sub: Subcommands) -> None:
    """`evdash subscriptions`: list them, or --cancel one."""
    p_subs = sub.add_parser("subscriptions", help="list subscriptions and saved views, or cancel one")
    p_subs.add_argument("--cancel", default=None, metavar="ID", help="cancel this subscription or view")
    p_subs.add_argument("--user", default=None, help="who cancels (default $EVDASH_USER)")
    p_subs.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_subs.set_defaults(func=_cmd_subscriptions)


def add_deliver(sub: Subcommands) -> None:
    """`evdash deliver`: the instant whose due messages are sent and the SMTP settings."""
    p_deliver = sub.add_parser(
        "deliver",
        help="send every subscription due at an instant (each message once, whatever runs it)",
        description="Exit codes: 0 everything due was sent (or nothing was due), 4 a message was not sent "
        "(logged as deliver.failed; the next run sends it), 2 SMTP settings or base URL missing, 1 the "
        "database could not be read, 3 the shared journal is away. docs/subscriptions.md.",
    )
    p_deliver.add_argument("--now", type=_instant, default=None, help="ISO 8601 instant (default now, UTC)")
    p_deliver.add_argument(
        "--smtp-config",
        type=Path,
        default=None,
        help="TOML with [smtp] and [deliver] base_url (default $EVDASH_SMTP_CONFIG, else "
        ".streamlit/secrets.toml)",
    )
    p_deliver.add_argument("--db", type=Path, default=None, help="database link path (default $EVDASH_DB)")
    p_deliver.set_defaults(func=_cmd_deliver)
