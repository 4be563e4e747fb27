"""The page frame: what every page calls first (`frame`): page config, the access gate, the shared
sidebar (navigation, data as-of, "Data as known on"), the notice area, and the not-found page. The page
is the one Streamlit is running (its script path), never read from the caller's stack."""

from __future__ import annotations

import gc
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from evdash import auth, config, labels, text
from evdash.web import pages
from evdash.web.cache import Context, current_db_file, data_version, known_db_file
from evdash.web.render import caption, info, markdown, title
from evdash.web.session import auth_enabled, current_user, gate, sign_out
from evdash.web.status import data_updates_notice
from evdash.web.urlstate import NAV_SLOT, NOTICE_AREA, arrive, draw_nav, known_date, nav_state, page_link

_startup_objects_frozen = False


def _freeze_startup_objects() -> None:
    """A full garbage collection (Python's own gen-2 pass, or Streamlit's `gc.collect(2)` after every
    script run where `runner.postScriptGC` is left on; this repo's config turns it off) walks every
    tracked object. With pandas, Plotly, DuckDB and pycountry loaded, that is ~120k long-lived
    import-time objects (50–90 ms of CPU measured here, more than an empty app's whole run).
    `gc.freeze()` moves the objects that exist at the first page run (modules, Plotly validators, ...)
    to the permanent generation once per process, so each later collection scans only what the runs
    create. Reference counting still frees everything as before; only cycles among these startup
    objects would never be collected."""
    global _startup_objects_frozen
    if not _startup_objects_frozen:
        _startup_objects_frozen = True
        gc.collect()
        gc.freeze()


FAVICON = config.REPO_ROOT / "static" / "favicon.png"


def current_page() -> str:
    """Script path (relative to the repo) of the page Streamlit is running, for `auth.min_role`: the page
    of this run's script hash in Streamlit's page registry (the main script when it has none)."""
    run = get_script_run_ctx()
    if run is None:
        return ""
    page = run.pages_manager.get_pages().get(run.page_script_hash)
    script = Path(page["script_path"] if page else run.main_script_path).resolve()
    try:
        return script.relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return script.name


def _unknown_page() -> str | None:
    """The page name the browser asked for when no page has it (`/nosuchpage`), else None. Streamlit
    then runs the main script (the Overview) behind a small "page not found" dialog and rewrites the
    address to `/`; the frame shows a proper not-found page with links instead of the Overview."""
    run = get_script_run_ctx()
    asked = run.pages_manager.intended_page_name if run is not None else None
    known = {Path(path).stem for path, _, _ in pages.NAV if path != "app.py"}
    return asked if asked and asked not in known else None


def _not_found(asked: str) -> None:
    title("This page does not exist")
    markdown("There is no page called **{asked}**. These are the pages of evdash:", asked=text.cut(asked))
    nav = nav_state()
    for path, label, page_icon in pages.NAV:
        if (config.REPO_ROOT / path).exists() and auth.can_open(nav.role, path):
            page_link(path, label=label, icon=page_icon)
    st.stop()


def frame(title: str, *, required_role: str = "viewer") -> Context:
    """Call first on every page: page config, access check, shared sidebar (navigation, data as-of), the
    main-area slot where URL notices appear (visible on a phone, where the sidebar is collapsed).
    With auth on, an anonymous visitor sees a sign-in screen and a visitor without `required_role`
    (or the role `auth.PAGE_MIN_ROLE` gives this page) a refusal; both stop before any data is read.
    The favicon is a local file: a Material icon here would make the browser fetch it from a CDN."""
    st.set_page_config(page_title=f"{title} · evdash", page_icon=str(FAVICON), layout="wide")
    page = current_page()
    role = gate(required_role, page)
    arrive(page, role)
    _freeze_startup_objects()
    data_updates_notice()
    st.session_state[NOTICE_AREA] = st.container()
    with st.sidebar:
        # Each pair is one element (the name over its tagline, the rule over the as-of line): every
        # element is built and sent on every run of every page (server_bench, issue 13 item 7).
        st.markdown("### evdash\n:gray[:small[EV expansion dashboard]]")
        st.session_state[NAV_SLOT] = st.empty()
        draw_nav()
        as_of_slot = st.empty()
        known = known_date()
    db_file = current_db_file() if known is None else known_db_file(known, current_db_file())
    version, as_of = data_version(db_file)
    ctx = Context(db_file, version, as_of, known)
    caption(
        "---\n\nData as of **{as_of}** · version {version}",
        container=as_of_slot,
        as_of=labels.day(as_of),
        version=version,
    )
    if known is not None:
        info(
            "**Data as evdash knew it on {known}** (version {version}): figures and files that arrived later "
            "are left out. Set *Data as known on* in the sidebar back to today for the current data.",
            icon=":material/history:",
            container=st.session_state[NOTICE_AREA],
            known=labels.day(known),
            version=version,
        )
    with st.sidebar:
        if auth_enabled():
            caption("Signed in as {user} · {role}", user=current_user(), role=role or "no role")
            st.button("Sign out", icon=":material/logout:", on_click=sign_out, key="logout")
    asked = _unknown_page() if page == "app.py" else None
    if asked:
        _not_found(asked)
    return ctx
