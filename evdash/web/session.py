"""Who is visiting and whether they may: the auth switch, the signed-in user and role, the sign-in
screen, sign-out (recorded where every server sees it) and the gate every page passes before any data is
read. The rules themselves live in `evdash.auth`."""

from __future__ import annotations

import getpass
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

from evdash import auth, config, logs, revocations
from evdash.web import pages


def _secrets_section(*keys: str) -> Mapping[str, Any]:
    """A section of `.streamlit/secrets.toml`, or {} when there is no secrets file or no section."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        node: Any = st.secrets
        for key in keys:
            node = node.get(key) if hasattr(node, "get") else None
            if node is None:
                return {}
        return node if isinstance(node, Mapping) else {}
    except Exception:  # a malformed secrets file must not take the whole app down
        return {}


def auth_enabled() -> bool:
    """Auth is on when Streamlit's `[auth]` secrets section exists, or env EVDASH_AUTH=on (tests)."""
    return auth.enabled(bool(_secrets_section("auth")))


def _logged_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def current_user() -> str:
    """Who is acting: the signed-in e-mail when auth is on, else the OS user (for import history)."""
    if auth_enabled():
        email = st.user.get("email") if _logged_in() else None
        return str(email) if email else "anonymous"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def current_role() -> auth.Role | None:
    """Role of the visitor: `analyst` for everyone when auth is off; from the roles config when on."""
    if not auth_enabled():
        return "analyst"
    if not _logged_in():
        return None
    email = st.user.get("email")
    return role_for(str(email) if email else None)


def role_for(email: str | None) -> auth.Role | None:
    """Role of a signed-in address from the roles config (EVDASH_ROLES over `[evdash.roles]` in the
    secrets); also asked by the HTTP and websocket guard in asgi.py. Raises auth.RolesError."""
    return auth.load_roles(section=_secrets_section("evdash", "roles")).role_for(email)


def _login_buttons() -> None:
    section = _secrets_section("auth")
    providers = [k for k, v in section.items() if isinstance(v, Mapping)]
    if "client_id" in section or not providers:
        st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)
    else:
        for name in providers:
            st.button(
                f"Sign in with {name.title()}",
                icon=":material/login:",
                type="primary",
                key=f"login-{name}",
                on_click=st.login,
                args=(name,),
            )


def _session_problem() -> auth.SessionProblem | None:
    """Why the signed-in session may not be used any more (its ID token expired, it is older than the
    maximum session age, or it was signed out on any server), or None (evdash/auth.py decides)."""
    claims = st.user.to_dict()
    session = auth.session_id(claims)
    revoked = session is not None and revocations.for_server().is_revoked(session)
    return auth.session_problem(claims, time.time(), config.max_session_age(), revoked)


def sign_out() -> None:
    """Record the sign-out where every server sees it (so a copy of this cookie is refused afterwards),
    then Streamlit's own sign-out (clears the cookie, ends the provider session)."""
    claims = st.user.to_dict()
    session = auth.session_id(claims)
    if session is not None:
        ends = auth.session_ends_at(claims, config.max_session_age()) or time.time()
        revocations.for_server().revoke(session, max(ends, time.time()) + 60)
    st.logout()


def _sign_in_screen(problem: auth.SessionProblem | None) -> None:
    st.title("evdash")
    st.subheader("Sign in to see the EV expansion dashboards")
    if problem == "expired":
        st.caption("Your session has ended (sign-ins last until the identity provider's token expires).")
    elif problem == "signed out":
        st.caption("This session was signed out.")
    st.caption("This dashboard is private. Use your organisation account.")
    _login_buttons()
    st.stop()


def gate(required_role: str, page: str) -> auth.Role | None:
    """Sign-in screen or refusal, then `st.stop()`, before any data is read. Returns the role."""
    if not auth_enabled():
        return "analyst"
    if not _logged_in():
        _sign_in_screen(None)
    problem = _session_problem()
    if problem is not None:
        logs.event("auth.session_ended", user=current_user(), reason=problem, page=page)
        _sign_in_screen(problem)
    try:
        role = current_role()
    except auth.RolesError as exc:
        logs.error("auth.roles_invalid", exc)
        st.error(f"The roles configuration is invalid: {exc}", icon=":material/error:")
        st.stop()
    needed = auth.stricter(required_role, auth.min_role(page))
    if not auth.has_role(role, needed):
        logs.event("auth.refused", user=current_user(), role=role, page=page, needed=needed)
        with st.sidebar:
            st.button("Sign out", icon=":material/logout:", on_click=sign_out, key="logout-refused")
        if role is None:
            st.error(
                f"{current_user()} is signed in but has no access to evdash. "
                "Ask an administrator to add you to the roles file.",
                icon=":material/block:",
            )
        else:
            st.error(
                f"This page needs the {needed} role; you are signed in as {current_user()} ({role}).",
                icon=":material/block:",
            )
            for path, label, page_icon in pages.NAV[:1]:
                st.page_link(path, label=f"Back to the {label.lower()}", icon=page_icon)
        st.stop()
    return role
