"""The stable facade over `evdash.web`: the names pages, app.py and asgi.py use (`ui.frame`, `ui.query`,
`ui.table`, …), re-exported from the web package where each job lives (see evdash/web/__init__.py).
Add new Streamlit code to the web module of its job and re-export its public name here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evdash import config
from evdash.web import clock
from evdash.web.cache import (
    ALT_ATTRIBUTE,
    FIGURE_CACHE_ENTRIES,
    QUERY_CACHE_ENTRIES,
    RESULT_TTL,
    Context,
    computed,
    current_db_file,
    cursor,
    figure,
    known_context,
    query,
    reader,
    reader_view,
    safe_figure,
    view,
)
from evdash.web.frame import FAVICON, frame
from evdash.web.lineage import frame_digest
from evdash.web.pages import NAV
from evdash.web.render import (
    caption,
    chart,
    error,
    expander,
    header,
    info,
    kpis,
    markdown,
    metric,
    subheader,
    success,
    tabs,
    title,
    warning,
)
from evdash.web.session import auth_enabled, current_role, current_user, role_for
from evdash.web.status import freshness, overdue_sources
from evdash.web.tables import (
    DUTY_CHANGE_COLUMNS,
    IMPORT_FORMAT_ALT,
    MISSING_CELL,
    REGISTRATION_COLUMNS,
    TABLE_CACHE_MAX_ROWS,
    analyst_notes,
    download_buttons,
    registered_columns,
    table,
)
from evdash.web.urlstate import (
    IN_FORCE_PARAM,
    IN_FORCE_RANGE,
    KNOWN_FIRST,
    SHARED_PARAMS,
    forget,
    in_force_date,
    item_link,
    known_date,
    link_params,
    page_link,
    set_choice,
    url_date,
    url_int,
    url_multiselect,
    url_select,
    visited_views,
)


def today() -> dt.date:
    """Today for every page (`evdash.web.clock.today`, where tests set it)."""
    return clock.today()


def repo_path(relative: str) -> Path:
    return config.REPO_ROOT / relative


__all__ = [
    "ALT_ATTRIBUTE",
    "DUTY_CHANGE_COLUMNS",
    "FAVICON",
    "FIGURE_CACHE_ENTRIES",
    "IMPORT_FORMAT_ALT",
    "IN_FORCE_PARAM",
    "IN_FORCE_RANGE",
    "KNOWN_FIRST",
    "MISSING_CELL",
    "NAV",
    "QUERY_CACHE_ENTRIES",
    "REGISTRATION_COLUMNS",
    "RESULT_TTL",
    "SHARED_PARAMS",
    "TABLE_CACHE_MAX_ROWS",
    "Context",
    "analyst_notes",
    "auth_enabled",
    "caption",
    "chart",
    "computed",
    "current_db_file",
    "current_role",
    "current_user",
    "cursor",
    "download_buttons",
    "error",
    "expander",
    "figure",
    "forget",
    "frame",
    "frame_digest",
    "freshness",
    "header",
    "in_force_date",
    "info",
    "item_link",
    "known_context",
    "known_date",
    "kpis",
    "link_params",
    "markdown",
    "metric",
    "overdue_sources",
    "page_link",
    "query",
    "reader",
    "reader_view",
    "registered_columns",
    "repo_path",
    "role_for",
    "safe_figure",
    "set_choice",
    "subheader",
    "success",
    "table",
    "tabs",
    "title",
    "today",
    "url_date",
    "url_int",
    "url_multiselect",
    "url_select",
    "view",
    "visited_views",
    "warning",
]
