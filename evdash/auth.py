"""Who may open what. Pure: no Streamlit, no network.

Roles, lowest to highest: `viewer` (all dashboards and exports), `analyst` (also imports data), `admin`
(also Streamlit's server-wide control messages, such as clearing every cache: `message_allowed`).
A roles file is TOML (path in env `EVDASH_ROLES`) or the same mapping passed in (for instance the
`[evdash.roles]` section of `.streamlit/secrets.toml`):

    [users]                       # exact addresses; beat domain rules
    "ana@example.com" = "analyst"

    [domains]                     # everyone at a domain
    "example.com" = "viewer"

Unknown addresses get no role and are refused. Auth is on when Streamlit's `[auth]` secrets section
exists or env `EVDASH_AUTH=on`; the decision itself lives in `evdash.ui`, which passes it in here.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")  # ascending privilege
_RANK: dict[str, int] = {role: i for i, role in enumerate(ROLES)}

# The ONE place that says which page needs which role. Keys are script paths relative to the repo
# (as in `ui.NAV`). Pages not listed need the lowest role.
PAGE_MIN_ROLE: dict[str, Role] = {
    "pages/data.py": "analyst",
}
DEFAULT_MIN_ROLE: Role = "viewer"


class RolesError(ValueError):
    """The roles configuration is malformed."""


@dataclass(frozen=True)
class RolesConfig:
    users: Mapping[str, Role] = field(default_factory=dict)
    domains: Mapping[str, Role] = field(default_factory=dict)

    def role_for(self, email: str | None) -> Role | None:
        """Role of a signed-in address: exact address first, then its domain, else None."""
        if not email or "@" not in email:
            return None
        address = email.strip().lower()
        if address in self.users:
            return self.users[address]
        domain = address.rsplit("@", 1)[1]
        return self.domains.get(domain)


def _role(value: object, where: str) -> Role:
    if not isinstance(value, str) or value.strip().lower() not in _RANK:
        raise RolesError(f"{where}: role must be one of {', '.join(ROLES)}, got {value!r}")
    return ROLES[_RANK[value.strip().lower()]]


def parse_roles(data: Mapping[str, Any]) -> RolesConfig:
    """Build a RolesConfig from a `{users: {...}, domains: {...}}` mapping (keys case-insensitive)."""
    unknown = set(data) - {"users", "domains"}
    if unknown:
        raise RolesError(f"unknown roles section(s): {sorted(unknown)} (expected 'users', 'domains')")
    users: dict[str, Role] = {}
    domains: dict[str, Role] = {}
    for address, role in dict(data.get("users", {})).items():
        key = str(address).strip().lower()
        if "@" not in key:
            raise RolesError(f"users: '{address}' is not an e-mail address (put domains under [domains])")
        users[key] = _role(role, f"users.{address}")
    for domain, role in dict(data.get("domains", {})).items():
        key = str(domain).strip().lower().removeprefix("@")
        if not key or "@" in key:
            raise RolesError(f"domains: '{domain}' is not a domain")
        domains[key] = _role(role, f"domains.{domain}")
    return RolesConfig(users, domains)


def load_roles(path: Path | str | None = None, section: Mapping[str, Any] | None = None) -> RolesConfig:
    """Roles from a TOML file (`path`, else env EVDASH_ROLES) merged over `section` (e.g. secrets).
    No file and no section → empty config: nobody has a role."""
    merged: dict[str, dict[str, Any]] = {"users": {}, "domains": {}}
    if section:
        for key in ("users", "domains"):
            merged[key].update(dict(section.get(key, {})))
        extra = set(section) - {"users", "domains"}
        if extra:
            raise RolesError(f"unknown roles section(s): {sorted(extra)}")
    chosen = path if path is not None else os.environ.get("EVDASH_ROLES")
    if chosen:
        file = Path(chosen)
        try:
            data = tomllib.loads(file.read_text())
        except FileNotFoundError as exc:
            raise RolesError(f"roles file {file} does not exist (EVDASH_ROLES)") from exc
        except tomllib.TOMLDecodeError as exc:
            raise RolesError(f"roles file {file}: {exc}") from exc
        for key in ("users", "domains"):
            merged[key].update(dict(data.get(key, {})))
        extra = set(data) - {"users", "domains"}
        if extra:
            raise RolesError(f"roles file {file}: unknown section(s) {sorted(extra)}")
    return parse_roles(merged)


def min_role(page: str) -> Role:
    return PAGE_MIN_ROLE.get(page, DEFAULT_MIN_ROLE)


def has_role(role: str | None, required: str) -> bool:
    """True when `role` is at least `required`. None (no role) never passes."""
    if role is None or role not in _RANK:
        return False
    if required not in _RANK:
        raise RolesError(f"unknown required role {required!r}")
    return _RANK[role] >= _RANK[required]


def stricter(a: str, b: str) -> Role:
    """The higher of two roles (for a page that asks for one role while the map says another)."""
    for role in (a, b):
        if role not in _RANK:
            raise RolesError(f"unknown role {role!r}")
    return ROLES[max(_RANK[a], _RANK[b])]


def can_open(role: str | None, page: str) -> bool:
    """May a user with `role` open `page` (script path relative to the repo)?"""
    return has_role(role, min_role(page))


def may_import(role: str | None) -> bool:
    """May a user with `role` upload files (the Data page's role)?"""
    return can_open(role, "pages/data.py")


# --- Websocket messages. -----------------------------------------------------------------------------------
# Streamlit's browser-to-server messages (the `type` of its BackMsg protobuf; for `backend_operation_request`
# the `payload` of the operation). What a session needs to show its own pages is open to every session (the
# page gate in evdash.ui then decides what the page shows); asking for upload URLs needs the role that may
# import; everything else changes the whole server (clear_cache empties every session's caches) or is a
# developer's tool, and is refused except for an administrator. docs/security.md lists them all.
PAGE_MESSAGES = frozenset({"rerun_script", "stop_script", "app_heartbeat"})
PAGE_OPERATIONS = frozenset({"deferred_file", "dataframe_chunk"})  # this session's download, table chunk
IMPORT_MESSAGES = frozenset({"file_urls_request"})
ADMIN_ROLE: Role = "admin"


def message_allowed(kind: str | None, operation: str | None, role: str | None) -> bool:
    """May a session whose user has `role` send a BackMsg of `kind` (with `operation`, the payload of a
    backend_operation_request)? With sign-in off the caller passes `analyst` (the role everyone has
    then), so the administrator's messages are refused for everyone."""
    if kind in PAGE_MESSAGES:
        return True
    if kind == "backend_operation_request" and operation in PAGE_OPERATIONS:
        return True
    if kind in IMPORT_MESSAGES:
        return may_import(role)
    return has_role(role, ADMIN_ROLE)


def auth_env_enabled() -> bool:
    return os.environ.get("EVDASH_AUTH", "").strip().lower() in {"1", "on", "true", "yes"}


def enabled(has_auth_section: bool) -> bool:
    """Auth is on when Streamlit's `[auth]` secrets section exists, or env EVDASH_AUTH=on (tests). The
    page gate (`evdash.ui`) and the HTTP guard (`asgi.py`) both ask this."""
    return auth_env_enabled() or has_auth_section


# --- Sessions. ---------------------------------------------------------------------------------------
# A signed-in session is Streamlit's signed auth cookie holding the provider's ID-token claims. Streamlit
# keeps it for 30 days and never looks at the token's expiry; evdash does, here, for every page run (the
# gate in evdash.ui) and every download request (the guard in asgi.py): the session ends when the ID
# token expires or `max_age` seconds after sign-in, whichever comes first, and when it was signed out
# (the revocation list, evdash/revocations.py).

SessionProblem = Literal["expired", "signed out"]


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def session_id(claims: Mapping[str, object]) -> str | None:
    """A stable id of one sign-in (issuer, subject, issue time, nonce of its ID token): the key under
    which a sign-out is recorded. None without the claims that make it (no such session to revoke)."""
    iss, sub, iat = claims.get("iss"), claims.get("sub"), _number(claims.get("iat"))
    if not sub or iat is None:
        return None
    raw = f"{iss}|{sub}|{iat:.0f}|{claims.get('nonce', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def session_ends_at(claims: Mapping[str, object], max_age_s: float) -> float | None:
    """Epoch seconds when the session ends: the ID token's `exp`, or sign-in (`iat`) + `max_age_s`,
    whichever is first. None when the claims carry neither (such a session is never valid)."""
    expires, signed_in = _number(claims.get("exp")), _number(claims.get("iat"))
    ends = [t for t in (expires, None if signed_in is None else signed_in + max_age_s) if t is not None]
    return min(ends) if ends else None


def session_problem(
    claims: Mapping[str, object], now: float, max_age_s: float, revoked: bool
) -> SessionProblem | None:
    """Why a signed-in session may no longer be used, or None when it is valid."""
    if revoked:
        return "signed out"
    ends = session_ends_at(claims, max_age_s)
    if ends is None or now >= ends:
        return "expired"
    return None
