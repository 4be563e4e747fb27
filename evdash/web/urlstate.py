"""The user's choices in the URL, page to page: URL-bound widgets (`url_select`, `url_int`, …), the
cross-page choices every link carries (`SHARED_PARAMS`), the sidebar's page links, the date every page
prices on (`?on=`) and the "Data as known on" date (`?known=`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from evdash import auth, config, filters, scenario, text
from evdash.web import clock, pages
from evdash.web.render import warning

T = TypeVar("T")

# --- Navigation: the user's choices, page to page. -------------------------------------------------------
# Why choices used to flip (issue #12): Streamlit gives a widget on each page its own identity (the page's
# script hash is part of every widget id), but `st.session_state["brand"]` still answered with the *previous*
# page's widget value until that widget was cleaned up at the end of the run. The URL widgets asked "is
# the key already in session_state?", saw the stale value, skipped seeding it, and the new page's widget
# started from its own default: the first option (BYD, the first brand by name) or a slider's minimum
# (0% freight). `_sync_url` then wrote that accidental value into the URL (`?brand=byd`).
#
# The mechanism now: a page's first run after arriving (`_Nav.fresh`) resolves every URL widget from
# (1) the URL, (2) the session's memory of what the user chose, (3) the page's default — and writes the
# value into the widget's key *before* the widget exists, so the widget's own default never shows.
# Memory holds only explicit choices: a valid value in the URL the user opened, or a widget the user
# changed (its on_change). Cross-page choices (`SHARED_PARAMS`) are one memory for the session and ride
# on every sidebar and in-page link; every other parameter is the page's own scenario, remembered per
# page and never put into another page's URL.

SHARED_PARAMS = ("brand", "year", "market", "model", "on", "known", "since")
_NAV_STATE = "_evdash_nav"
NOTICE_AREA = "_evdash_notice_area"
NAV_SLOT = "_evdash_nav_slot"


@dataclass
class _Nav:
    page: str = ""
    fresh: bool = True  # this run is the first on `page` since the user arrived there
    shared: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    pages: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    role: str | None = None

    def memory(self, key: str) -> dict[str, list[str]]:
        return self.shared if key in SHARED_PARAMS else self.pages.setdefault(self.page, {})


def nav_state() -> _Nav:
    nav = st.session_state.get(_NAV_STATE)
    if not isinstance(nav, _Nav):
        nav = _Nav()
        st.session_state[_NAV_STATE] = nav
    return nav


def arrive(page: str, role: str | None) -> _Nav:
    nav = nav_state()
    nav.fresh = nav.page != page
    nav.page = page
    nav.role = role
    return nav


def link_params() -> dict[str, list[str]]:
    """The query parameters every link carries: the user's cross-page choices, nothing else."""
    return {k: list(v) for k, v in nav_state().shared.items() if v}


def draw_nav() -> None:
    slot = st.session_state.get(NAV_SLOT)
    if slot is None:
        return
    nav = nav_state()
    with slot.container():
        for path, label, page_icon in pages.NAV:
            if (config.REPO_ROOT / path).exists() and auth.can_open(nav.role, path):
                st.page_link(path, label=label, icon=page_icon, query_params=link_params())


def visited_views() -> list[tuple[str, str, dict[str, list[str]]]]:
    """(script path, page label, URL query) of every page in the navigation but the Saved views page,
    each with the choices this session made there (its own and the cross-page ones): the views the Saved
    views page offers to save (evdash.subscriptions.saved_view)."""
    nav = nav_state()
    return [
        (path, label, {**link_params(), **{k: list(v) for k, v in nav.pages.get(path, {}).items() if v}})
        for path, label, _ in pages.NAV
        if path != "pages/saved_views.py" and (config.REPO_ROOT / path).exists()
    ]


def page_link(path: str, label: str, icon: str | None = None, container: Any = st) -> None:
    """An in-page link to another page that keeps the user's cross-page choices (brand, year, …)."""
    container.page_link(path, label=label, icon=icon, query_params=link_params())


def item_link(path: str, label: object, params: Mapping[str, str], container: Any = st) -> None:
    """An in-page link to the page that shows one item (a "what changed" line): the user's cross-page
    choices with the item's own parameters over them; the label is shown as text."""
    container.page_link(path, label=text.md(label), query_params={**link_params(), **params})


def _remember(key: str, raw: list[str]) -> None:
    nav = nav_state()
    nav.memory(key)[key] = raw
    if key in SHARED_PARAMS:
        draw_nav()  # the links drawn above this widget must carry the new choice


def _notice(message: str | None) -> None:
    """A URL notice in the main area (top of the page), whatever container the widget is drawn in."""
    if message:
        area = st.session_state.get(NOTICE_AREA)
        warning("{message}", icon=":material/link_off:", container=area or st, message=message)


def _sync_url(key: str, raw: list[str], default_raw: list[str]) -> None:
    """The URL holds the user's choice; a default is left out, except where the address the user opened
    already says it. Dropping it there would make Streamlit push a second history entry for the same
    view, and the browser's Back button would land on that entry, where the same page dropped it again,
    so Back never left the page (a sidebar link carrying `year=2025` into a page whose default is 2025)."""
    if raw == default_raw:
        if key in st.query_params and list(st.query_params.get_all(key)) != raw:
            del st.query_params[key]
    elif len(raw) == 1:
        st.query_params[key] = raw[0]
    else:
        st.query_params[key] = raw


def forget(*keys: str) -> None:
    """Drop URL-bound filters (their widget state, URL parameter and remembered choice) so they return
    to their defaults on this run. Use as a widget's `on_change` when another filter's default depends
    on that widget: e.g. the duty class defaults to the chosen car's class in the data, so picking
    another car must not carry the previous car's class over."""
    nav = nav_state()
    for key in keys:
        st.session_state.pop(key, None)
        nav.memory(key).pop(key, None)
        if key in st.query_params:
            del st.query_params[key]


def set_choice(key: str, value: object) -> None:
    """Set a URL widget's value from code (a preset button, a click on the map) as if the user had
    chosen it: usable in a callback or before the widget is drawn in this run."""
    st.session_state[key] = value
    _remember(key, _to_raw(value))


def _to_raw(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, dt.date):
        return [value.isoformat()]
    return [str(value)]


def _changed(key: str, user_callback: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    """on_change of every URL widget: the user chose this value, so remember it. Callbacks run before
    the page script, so the previous run's navigation slot is dropped first (frame() draws a new one)."""
    st.session_state.pop(NAV_SLOT, None)
    _remember(key, _to_raw(st.session_state.get(key)))
    if user_callback is not None:
        user_callback(*args)


def _url_widget(
    key: str,
    parse: Callable[[list[str]], tuple[T, str | None]],
    valid: Callable[[Any], bool],
    default: T,
    draw: Callable[..., Any],
    kwargs: dict[str, Any],
) -> Any:
    """The one path every URL widget takes (see the section comment above)."""
    nav = nav_state()
    if nav.fresh or key not in st.session_state or not valid(st.session_state[key]):
        from_url = list(st.query_params.get_all(key))
        remembered = nav.memory(key).get(key, [])
        value, notice = parse(from_url or remembered)
        if notice:
            _notice(notice)
        elif from_url and from_url != remembered:
            _remember(key, from_url)  # an explicit choice: a link or a URL the user opened
        st.session_state[key] = value
    user_callback = kwargs.pop("on_change", None)
    user_args = tuple(kwargs.pop("args", ()))
    value = draw(key=key, on_change=_changed, args=(key, user_callback, user_args), **kwargs)
    _sync_url(key, _to_raw(value), _to_raw(default))
    return value


def url_select(
    label: str, key: str, options: Mapping[str, str], default: str, container: Any = st, **kwargs: Any
) -> str:
    """A selectbox whose value lives in the URL as a stable code (`?key=CODE`). A bad or inapplicable
    code falls back to the default with a notice in the main area."""
    codes = list(options)
    if default not in options:
        default = codes[0]
    value = _url_widget(
        key,
        lambda raw: filters.parse_choice(raw, options, default, label.lower()),
        lambda v: v in options,
        default,
        lambda **kw: container.selectbox(text.md(label), codes, format_func=lambda c: options[c], **kw),
        kwargs,
    )
    return str(value)


def url_multiselect(
    label: str,
    key: str,
    options: Mapping[str, str],
    default: Sequence[str],
    container: Any = st,
    **kwargs: Any,
) -> list[str]:
    codes = list(options)
    chosen_default = [d for d in default if d in options]
    value = _url_widget(
        key,
        lambda raw: filters.parse_multi(raw, options, chosen_default, label.lower()),
        lambda v: all(c in options for c in v),
        chosen_default,
        lambda **kw: container.multiselect(text.md(label), codes, format_func=lambda c: options[c], **kw),
        kwargs,
    )
    return list(value)


def url_int(
    label: str, key: str, default: int, minimum: int, maximum: int, container: Any = st, **kwargs: Any
) -> int:
    value = _url_widget(
        key,
        lambda raw: filters.parse_int(raw, default, label.lower(), minimum, maximum),
        lambda v: isinstance(v, int) and minimum <= v <= maximum,
        default,
        lambda **kw: container.slider(text.md(label), min_value=minimum, max_value=maximum, **kw),
        kwargs,
    )
    return int(value)


def url_date(
    label: str,
    key: str,
    default: dt.date,
    minimum: dt.date,
    maximum: dt.date,
    container: Any = st,
    **kwargs: Any,
) -> dt.date:
    """A date input whose value lives in the URL as `?key=YYYY-MM-DD` (same pattern as url_int)."""
    value = _url_widget(
        key,
        lambda raw: filters.parse_date(raw, default, label.lower(), minimum, maximum),
        lambda v: isinstance(v, dt.date) and minimum <= v <= maximum,
        default,
        lambda **kw: container.date_input(text.md(label), min_value=minimum, max_value=maximum, **kw),
        kwargs,
    )
    assert isinstance(value, dt.date)
    return value


IN_FORCE_PARAM = "on"
IN_FORCE_RANGE = scenario.IN_FORCE_RANGE


def in_force_date(container: Any = None) -> dt.date:
    """The one date every page prices on (duties, VAT, FX, the brand's status): today by default, or
    the user's choice, carried from page to page as `?on=YYYY-MM-DD`. Pages that price call this once
    and pass the date to the core; the page states it in its main area."""
    return url_date(
        "Duties, VAT and FX in force on",
        IN_FORCE_PARAM,
        clock.today(),
        *IN_FORCE_RANGE,
        container=container if container is not None else st.sidebar,
        help="Every duty, VAT rate and exchange rate on this page is the one in force on this date.",
    )


KNOWN_FIRST = scenario.KNOWN_FIRST  # the earliest `?known=` date offered


def known_date() -> dt.date | None:
    """The sidebar's "Data as known on" date (`?known=YYYY-MM-DD`, carried by every link like the brand);
    None for today's data (the default)."""
    chosen = url_date(
        "Data as known on",
        "known",
        clock.today(),
        KNOWN_FIRST,
        clock.today(),
        help="Shows the data as evdash knew it at the end of that day: figures and files that arrived "
        "later (fetches, imports, figures entered by hand) are left out.",
    )
    return None if chosen >= clock.today() else chosen
