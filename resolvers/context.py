"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.ports import Runtime
from domain.principal import Principal
from domain.uow import Transaction


class UnguardedAccess(RuntimeError):
    """A resolver used tenant data without the @tenantScoped guard."""


@dataclass
class Context:
    """Request, response, process runtime, the authenticated principal and the bound tenant."""

    request: Any
    response: Any
    runtime: Runtime
    principal: Principal | None = None
    tenant_id: uuid.UUID | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    connection_params: Mapping[str, Any] | None = None

    @property
    def long_lived(self) -> bool:
        """True for a websocket connection: loaders must not cache across its many events."""
        return self.connection_params is not None

    def bind_tenant(self, tenant_id: uuid.UUID) -> None:
        """Called by the @tenantScoped guard: from now on transactions see only this tenant."""
        if self.tenant_id is not None and self.tenant_id != tenant_id:
            raise UnguardedAccess("a request cannot switch tenants")
        self.tenant_id = tenant_id

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction bound to the guarded tenant; refuses to run for an unguarded field."""
        if self.tenant_id is None:
            raise UnguardedAccess("this field has no @tenantScoped guard: it may not touch tenant data")
        async with self.runtime.db.transaction(tenant_id=self.tenant_id) as tx:
            yield tx

    @contextlib.asynccontextmanager
    async def platform_transaction(self) -> AsyncIterator[Transaction]:
        """A transaction with no tenant bound, for platform-operator fields (platform tables only)."""
        async with self.runtime.db.transaction(tenant_id=None) as tx:
            yield tx

    @property
    def actor(self) -> Principal:
        """The principal of a guarded field (the guard has ensured there is one)."""
        if self.principal is None:
            raise UnguardedAccess("no principal: the field lacks a guard")
        return self.principal
