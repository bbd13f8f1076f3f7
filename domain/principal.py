"""Who is calling: a user or an API key in one tenant, with the permissions its roles give now.

Resolved per request by domain/auth/principals.py; the rules that change what someone may do
(domain/roles/grants.py) reason about it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

USER, API_KEY = "user", "api_key"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller in one tenant."""

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

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return self.email or self.subject

    @property
    def features(self) -> frozenset[str]:
        return frozenset(self.entitlements.get("features", ()))

    def can(self, permission: str) -> bool:
        return permission in self.permissions
