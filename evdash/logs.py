"""Structured logs: one JSON object per line on stderr, via the standard library.

    from evdash import logs
    logs.event("import.done", batch=12, version="ab12", rows=340, user="ana@example.com")
    logs.error("import.failed", exc, user=...)

Every line has `ts` (UTC, ISO 8601), `level`, `logger`, `event` and the given fields. Level from
env `EVDASH_LOG_LEVEL` (default INFO). Only the `evdash` logger tree is configured; Streamlit's
own logging is left alone. Never log secrets, tokens or cell values of imported data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import traceback
from typing import Any, TextIO

LOGGER_NAME = "evdash"
_HANDLER_FLAG = "_evdash_json"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update({k: v for k, v in fields.items() if k not in payload})
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            payload["error"] = f"{type(exc).__name__}: {exc}"
            payload["traceback"] = "".join(traceback.format_exception(exc)).rstrip()
        return json.dumps(payload, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a line is logged, not the one it was when the handler was
    made: a command run in-process after stderr was redirected (a test's capture, a wrapper) logs where
    its other messages go, instead of to a stream nobody reads any more."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure(stream: TextIO | None = None, level: str | None = None) -> logging.Logger:
    """Attach the JSON handler to the `evdash` logger once (idempotent); returns that logger."""
    logger = logging.getLogger(LOGGER_NAME)
    chosen = (level or os.environ.get("EVDASH_LOG_LEVEL", "INFO")).upper()
    logger.setLevel(chosen if chosen in logging.getLevelNamesMapping() else "INFO")
    if not any(getattr(h, _HANDLER_FLAG, False) for h in logger.handlers):
        handler: logging.StreamHandler = (  # type: ignore[type-arg]
            logging.StreamHandler(stream) if stream is not None else _StderrHandler()
        )
        handler.setFormatter(JsonFormatter())
        setattr(handler, _HANDLER_FLAG, True)
        logger.addHandler(handler)
        logger.propagate = False
    return logger


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event, e.g. `event("build.done", version=..., seconds=...)`."""
    configure().log(level, name, extra={"fields": fields})


def error(name: str, exc: BaseException | None = None, **fields: Any) -> None:
    """Log an error event, with the exception's type, message and traceback when given."""
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    configure().error(name, exc_info=exc_info, extra={"fields": fields})
