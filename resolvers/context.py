"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atlas.runtime import Runtime


@dataclass
class Principal:
    """Who is calling: a user or an API key, within one tenant, with its roles and permissions."""

    subject: str
    kind: str
    tenant_id: Any
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = frozenset()
    email: str | None = None
    display_name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """Request, response, process runtime and the authenticated principal (if any)."""

    request: Any
    response: Any
    runtime: Runtime
    principal: Principal | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
