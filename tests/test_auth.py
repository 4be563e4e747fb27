"""The role rules (evdash/auth.py) with fake users: no Streamlit, no provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from evdash import auth

ROLES_TOML = """
[users]
"Boss@Example.com" = "viewer"
"ana@example.com" = "analyst"
"guest@partner.org" = "viewer"

[domains]
"example.com" = "analyst"
"@viewers.example.net" = "viewer"
"""


@pytest.fixture
def roles(tmp_path: Path) -> auth.RolesConfig:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML)
    return auth.load_roles(path)


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ana@example.com", "analyst"),
        ("boss@example.com", "viewer"),  # exact address beats the domain rule (analyst)
        ("BOSS@EXAMPLE.COM", "viewer"),  # case-insensitive
        ("someone@example.com", "analyst"),  # domain rule
        ("x@viewers.example.net", "viewer"),  # a leading @ in the domain key is tolerated
        ("guest@partner.org", "viewer"),
        ("other@partner.org", None),  # unknown → refused
        ("eve@example.com.evil.org", None),  # no suffix matching
        ("eve@sub.example.com", None),  # subdomains are not implied
        ("", None),
        (None, None),
        ("not-an-address", None),
    ],
)
def test_role_for(roles: auth.RolesConfig, email: str | None, expected: str | None) -> None:
    assert roles.role_for(email) == expected


def test_roles_from_env_merge_over_secrets_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roles.toml"
    path.write_text('[users]\n"ana@example.com" = "analyst"\n')
    monkeypatch.setenv("EVDASH_ROLES", str(path))
    section = {"users": {"ana@example.com": "viewer", "bob@example.com": "viewer"}, "domains": {}}
    roles = auth.load_roles(section=section)
    assert roles.role_for("ana@example.com") == "analyst"  # the file wins
    assert roles.role_for("bob@example.com") == "viewer"


def test_no_roles_configured_means_nobody_gets_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVDASH_ROLES", raising=False)
    assert auth.load_roles().role_for("ana@example.com") is None


@pytest.mark.parametrize(
    "bad",
    [
        '[users]\n"ana@example.com" = "owner"\n',  # unknown role
        '[users]\n"example.com" = "viewer"\n',  # a domain under users
        '[domains]\n"a@example.com" = "viewer"\n',  # an address under domains
        '[groups]\n"x" = "viewer"\n',  # unknown section
        "[users\n",  # not TOML
    ],
)
def test_malformed_roles_are_rejected_with_a_message(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(bad)
    with pytest.raises(auth.RolesError):
        auth.load_roles(path)


def test_missing_roles_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(auth.RolesError, match="does not exist"):
        auth.load_roles(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("role", "page", "allowed"),
    [
        ("analyst", "pages/data.py", True),
        ("viewer", "pages/data.py", False),
        (None, "pages/data.py", False),
        ("analyst", "app.py", True),
        ("viewer", "app.py", True),
        ("viewer", "pages/deliveries.py", True),
        ("viewer", "pages/sources.py", True),
        (None, "app.py", False),
        ("root", "app.py", False),  # not a role
    ],
)
def test_can_open(role: str | None, page: str, allowed: bool) -> None:
    assert auth.can_open(role, page) is allowed


def test_stricter_and_has_role() -> None:
    assert auth.stricter("viewer", "analyst") == "analyst"
    assert auth.stricter("viewer", "viewer") == "viewer"
    assert auth.has_role("analyst", "viewer")
    assert not auth.has_role("viewer", "analyst")
    with pytest.raises(auth.RolesError):
        auth.stricter("viewer", "owner")


@pytest.mark.parametrize(
    ("value", "on"), [("on", True), ("1", True), ("TRUE", True), ("off", False), ("", False)]
)
def test_auth_env_switch(monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv("EVDASH_AUTH", value)
    assert auth.auth_env_enabled() is on


def test_a_session_ends_at_token_expiry_or_maximum_age_whichever_first() -> None:
    claims = {"iss": "https://idp", "sub": "ana", "iat": 1000, "exp": 1020}  # a 20-second ID token
    assert auth.session_ends_at(claims, max_age_s=3600) == 1020
    assert auth.session_ends_at(claims, max_age_s=10) == 1010
    assert auth.session_problem(claims, 1019, 3600, revoked=False) is None
    assert auth.session_problem(claims, 1020, 3600, revoked=False) == "expired"
    assert auth.session_problem(claims, 1095, 3600, revoked=False) == "expired"  # 75 s later: refused
    assert auth.session_problem(claims, 1001, 3600, revoked=True) == "signed out"
    assert auth.session_problem({"sub": "ana"}, 0, 3600, revoked=False) == "expired"  # no claims: never valid
    assert auth.session_ends_at({"iat": "1000"}, 60) == 1060


def test_a_session_id_names_one_sign_in() -> None:
    first = {"iss": "https://idp", "sub": "ana", "iat": 1000, "nonce": "n1"}
    assert auth.session_id(first) == auth.session_id(dict(first, email="other@x"))
    assert auth.session_id(first) != auth.session_id(dict(first, iat=1001))
    assert auth.session_id(first) != auth.session_id(dict(first, nonce="n2"))
    assert auth.session_id({"sub": "ana"}) is None


def test_admin_is_above_analyst() -> None:
    roles = auth.parse_roles({"users": {"root@example.com": "Admin"}})
    assert roles.role_for("root@example.com") == "admin"
    assert auth.can_open("admin", "pages/data.py") and auth.may_import("admin")
    assert not auth.may_import("viewer") and not auth.may_import(None)


def test_every_websocket_message_of_streamlit_has_a_rule() -> None:
    """Each BackMsg type of the installed Streamlit (and each backend operation): page runs for every
    session, upload URLs for who may import, everything else (clear_cache, …) only for an administrator.
    With sign-in off the guard passes `analyst` (everyone's role then): no administrator. A message type a
    new Streamlit adds is refused until it is given a rule here and in docs/security.md."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    kinds = [f.name for f in BackMsg.DESCRIPTOR.oneofs_by_name["type"].fields]
    operation_type = BackMsg.DESCRIPTOR.fields_by_name["backend_operation_request"].message_type
    operations = [f.name for f in operation_type.oneofs_by_name["payload"].fields]
    allowed = {
        role: sorted(
            [k for k in kinds if k != "backend_operation_request" and auth.message_allowed(k, None, role)]
            + [f"op:{o}" for o in operations if auth.message_allowed("backend_operation_request", o, role)]
        )
        for role in (None, "viewer", "analyst", "admin")
    }
    page = ["app_heartbeat", "op:dataframe_chunk", "op:deferred_file", "rerun_script", "stop_script"]
    assert allowed[None] == allowed["viewer"] == page
    assert allowed["analyst"] == sorted([*page, "file_urls_request"])
    assert "clear_cache" in kinds and "clear_cache" not in allowed["analyst"]
    assert len(allowed["admin"]) == len(kinds) - 1 + len(operations)
    assert not auth.message_allowed("some_future_message", None, "analyst")
    security = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    assert [k for k in kinds + operations if f"`{k}`" not in security] == []
