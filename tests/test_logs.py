"""Structured logs are one JSON object per line with the event's fields."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from evdash import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    logger = logging.getLogger(logs.LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    out = io.StringIO()
    logs.configure(stream=out)
    yield out
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


def test_event_is_one_json_line_with_fields(stream: io.StringIO) -> None:
    logs.event("import.done", batch=3, user="ana@example.com", rows=120)
    logs.configure(stream=io.StringIO())  # idempotent: no second handler
    logs.event("build.done", version="ab12")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["event"] == "import.done" and first["level"] == "info"
    assert first["batch"] == 3 and first["user"] == "ana@example.com" and first["rows"] == 120
    assert first["ts"].endswith("+00:00")


def test_error_carries_exception_type_and_traceback(stream: io.StringIO) -> None:
    try:
        raise ValueError("bad seed row")
    except ValueError as exc:
        logs.error("import.failed", exc, user="ana@example.com")
    record = json.loads(stream.getvalue())
    assert record["level"] == "error"
    assert record["error"] == "ValueError: bad seed row"
    assert "Traceback" in record["traceback"]


def test_a_log_line_goes_to_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The JSON handler made while stderr was one stream logs to the stream stderr is now: `evdash
    briefing --email` run in-process after an earlier command had set up logging wrote its
    `briefing.email_failed` line to the first command's stderr, where nobody read it."""
    import io
    import logging
    import sys

    logger = logging.getLogger(logs.LOGGER_NAME)
    kept = list(logger.handlers)
    for handler in kept:
        logger.removeHandler(handler)
    try:
        first, now = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", first)
        logs.configure()
        monkeypatch.setattr(sys, "stderr", now)
        logs.event("test.where", level=logging.WARNING, n=1)
        assert first.getvalue() == ""
        assert json.loads(now.getvalue())["event"] == "test.where"
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        for handler in kept:
            logger.addHandler(handler)
