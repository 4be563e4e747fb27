"""What "today" is for every page: the one place a test sets the day the dashboard believes it is
(`monkeypatch.setattr(evdash.web.clock, "today", ...)`); every part of the web package and the facade's
`ui.today` ask here."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    return dt.date.today()
