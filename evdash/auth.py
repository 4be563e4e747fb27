"""Who may open what. Pure: no Streamlit, no network.

Roles, lowest to highest: `viewer` (all dashboards and exports), `analyst` (also imports data).
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

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Role = Literal["viewer", "analyst"]
ROLES: tuple[Role, ...] = ("viewer", "analyst")  # ascending privilege
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
    role: Role = "analyst" if value.strip().lower() == "analyst" else "viewer"
    return role


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


def auth_env_enabled() -> bool:
    return os.environ.get("EVDASH_AUTH", "").strip().lower() in {"1", "on", "true", "yes"}
