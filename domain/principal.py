"""Who is calling: a user or an API key in one tenant, with the permissions its roles give now.

Resolved per request by domain/auth/principals.py; the rules that change what someone may do
(domain/roles/grants.py) reason about it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

USER, API_KEY = "user", "api_key"
_ENTITLEMENTS: dict[str, dict[str, Any]] = {}


def _shared_entitlements(entitlements: dict[str, Any]) -> dict[str, Any]:
    """One copy of each distinct entitlement set (every token of a plan carries the same one), read-only."""
    key = json.dumps(entitlements, sort_keys=True, default=str)
    shared = _ENTITLEMENTS.get(key)
    if shared is None:
        if len(_ENTITLEMENTS) >= 1024:
            _ENTITLEMENTS.clear()
        shared = _ENTITLEMENTS[key] = entitlements
    return shared


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller in one tenant (thousands live at once, one per open subscription)."""

    kind: str
    subject: str
    tenant_id: uuid.UUID
    roles: tuple[str, ...]
    permissions: frozenset[str]
    entitlements: dict[str, Any] = field(default_factory=dict)
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    email: str | None = None
    display_name: str | None = None
    is_platform_admin: bool = False
    expires_at: float | None = None
    time_zone: str = "UTC"   # the user's own setting (IANA name); how the console shows times
    theme: str = "system"    # the console's colours: system, light or dark

    def __post_init__(self) -> None:
        object.__setattr__(self, "entitlements", _shared_entitlements(self.entitlements))

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return self.email or self.subject

    @property
    def features(self) -> frozenset[str]:
        return frozenset(self.entitlements.get("features", ()))

    def can(self, permission: str) -> bool:
        return permission in self.permissions
