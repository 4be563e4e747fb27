"""Every role × every page, with auth on (EVDASH_AUTH=on + a roles file, `AppTest.user` seeds
`st.user`) and off: allowed, hidden from navigation, refused when reached by URL."""

from __future__ import annotations

import getpass
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evdash import auth, config, revocations, ui
from evdash.web import pages as web_pages
from tests.conftest import open_page, shown

REPO = Path(__file__).resolve().parent.parent
PAGES = [path for path, _label, _icon in ui.NAV if (REPO / path).exists()]
LABELS = {path: label for path, label, _icon in ui.NAV}

NOW = int(time.time())


def signed_in(email: str, iat: int = NOW - 60, exp: int = NOW + 3600) -> dict[str, object]:
    """`st.user` as Streamlit fills it from an ID token: the claims plus its login flag."""
    return {
        "is_logged_in": True,
        "email": email,
        "iss": "https://idp.example",
        "sub": email,
        "iat": iat,
        "exp": exp,
    }


USERS: dict[str, dict[str, object]] = {
    "anonymous": {"is_logged_in": False},
    "stranger": signed_in("someone@elsewhere.org"),
    "viewer": signed_in("exec@example.com"),
    "analyst": signed_in("ana@example.com"),
}
ROLES_TOML = '[users]\n"ana@example.com" = "analyst"\n\n[domains]\n"example.com" = "viewer"\n'


@pytest.fixture
def auth_on(app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES_TOML)
    monkeypatch.setenv("EVDASH_AUTH", "on")
    monkeypatch.setenv("EVDASH_ROLES", str(roles))
    yield roles


def run_as(script: str, user: dict[str, object] | None) -> AppTest:
    return open_page(script, user=user)  # what a visitor typing the page's URL gets


def nav_labels(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.sidebar.get("page_link")]


def shows_no_data(at: AppTest) -> None:
    assert not at.dataframe
    assert not at.metric
    assert not at.get("plotly_chart")
    assert not at.get("download_button")
    assert not any("Data as of" in shown(c.value) for c in at.sidebar.caption)


def errors(at: AppTest) -> str:
    return " ".join(shown(e.value) for e in at.error)


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize("page", PAGES)
def test_anonymous_sees_only_the_sign_in_screen(page: str) -> None:
    at = run_as(page, USERS["anonymous"])
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert nav_labels(at) == []
    shows_no_data(at)


@pytest.mark.usefixtures("auth_on")
def test_appt_default_user_without_login_flag_is_anonymous() -> None:
    at = run_as("app.py", None)  # AppTest's default user has an e-mail but no is_logged_in
    assert [b.label for b in at.button] == ["Sign in"]
    shows_no_data(at)


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize("page", PAGES)
def test_signed_in_without_a_role_is_refused(page: str) -> None:
    at = run_as(page, USERS["stranger"])
    assert not at.exception
    assert "has no access" in errors(at)
    assert "someone@elsewhere.org" in errors(at)
    assert nav_labels(at) == []
    shows_no_data(at)


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize("role", ["viewer", "analyst"])
@pytest.mark.parametrize("page", PAGES)
def test_role_by_page(page: str, role: str) -> None:
    at = run_as(page, USERS[role])
    assert not at.exception
    expected_nav = [LABELS[p] for p in PAGES if auth.can_open(role, p)]
    if auth.can_open(role, page):
        assert "role" not in errors(at)
        assert nav_labels(at) == expected_nav
        captions = " ".join(shown(c.value) for c in at.sidebar.caption)
        assert "Data as of" in captions and f"Signed in as {USERS[role]['email']} · {role}" in captions
    else:  # reached by URL although hidden from navigation
        assert f"needs the {auth.min_role(page)} role" in errors(at)
        shows_no_data(at)


@pytest.mark.usefixtures("auth_on")
def test_viewer_never_sees_the_data_page_in_navigation() -> None:
    at = run_as("app.py", USERS["viewer"])
    assert "Data" not in nav_labels(at)
    if "pages/data.py" in PAGES:
        assert "Data" in nav_labels(run_as("app.py", USERS["analyst"]))


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize(("role", "refused"), [("viewer", True), ("analyst", False)])
def test_frame_required_role_refuses_lower_roles(
    role: str, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page declaring `ui.frame(..., required_role="analyst")` (as the import page does)."""
    monkeypatch.setattr(web_pages, "NAV", ())  # a script from a string has no sibling pages to link
    script = (
        "from evdash import ui\n"
        "import streamlit as st\n"
        "ctx = ui.frame('Import', required_role='analyst')\n"
        "st.write('secret import form')\n"
        "st.caption(f'acting as {ui.current_user()}')\n"
    )
    at = AppTest.from_string(script, default_timeout=60)
    at.user = dict(USERS[role])
    at.run()
    assert not at.exception
    body = " ".join(m.value for m in at.markdown)
    if refused:
        assert "needs the analyst role" in errors(at)
        assert "secret import form" not in body
    else:
        assert "secret import form" in body
        assert any("acting as ana@example.com" in c.value for c in at.caption)


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("page", PAGES)
def test_auth_off_everything_open_as_before(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVDASH_AUTH", raising=False)
    monkeypatch.delenv("EVDASH_ROLES", raising=False)
    at = run_as(page, None)
    assert not at.exception
    assert not at.error
    assert nav_labels(at) == [LABELS[p] for p in PAGES]
    assert not [b for b in at.button if "Sign" in b.label]
    assert any("Data as of" in shown(c.value) for c in at.sidebar.caption)


@pytest.mark.usefixtures("app_env")
def test_current_user_is_the_os_user_when_auth_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVDASH_AUTH", raising=False)
    monkeypatch.setattr(web_pages, "NAV", ())
    at = AppTest.from_string(
        "from evdash import ui\nimport streamlit as st\nui.frame('X')\nst.caption(ui.current_user())\n"
    ).run()
    assert getpass.getuser() in [shown(c.value) for c in at.caption]


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize(
    ("user", "why"),
    [
        (signed_in("ana@example.com", exp=NOW - 5), "ID token expired"),
        (
            signed_in("ana@example.com", iat=NOW - 13 * 3600, exp=NOW + 3600),
            "older than the maximum session age",
        ),
        ({"is_logged_in": True, "email": "ana@example.com"}, "no expiry claims at all"),
    ],
)
def test_an_ended_session_gets_the_sign_in_screen(user: dict[str, object], why: str) -> None:
    at = run_as("pages/data.py", user)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"], why
    assert any("Your session has ended" in shown(c.value) for c in at.caption), why
    shows_no_data(at)


@pytest.mark.usefixtures("auth_on")
def test_the_maximum_session_age_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    user = signed_in("ana@example.com", iat=NOW - 600)
    assert "Sign in" not in [b.label for b in run_as("app.py", user).button]
    monkeypatch.setenv("EVDASH_MAX_SESSION_AGE", "300")
    assert [b.label for b in run_as("app.py", user).button] == ["Sign in"]


@pytest.mark.usefixtures("auth_on")
def test_signing_out_refuses_a_copy_of_the_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign out revokes the session server-side: the same cookie (the same claims) is refused afterwards,
    while another sign-in of the same person is not."""
    store = revocations.Revocations(tmp_path / "auth", None)
    monkeypatch.setattr(revocations, "for_server", lambda db=None: store)
    session = signed_in("ana@example.com")
    at = run_as("pages/data.py", session)
    assert "Sign in" not in [b.label for b in at.button]
    monkeypatch.setattr("streamlit.logout", lambda: None)  # AppTest has no auth endpoints to leave to
    at.sidebar.button(key="logout").click().run()
    copy = run_as("pages/data.py", session)
    assert [b.label for b in copy.button] == ["Sign in"]
    assert any("This session was signed out" in shown(c.value) for c in copy.caption)
    shows_no_data(copy)
    again = run_as("pages/data.py", signed_in("ana@example.com", iat=NOW))
    assert "Sign in" not in [b.label for b in again.button]
    assert config.max_session_age() == 12 * 3600  # the default this suite ran with
