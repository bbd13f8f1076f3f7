"""Queries of integrations and heartbeats."""

from __future__ import annotations

import strawberry

from domain.integrations.queries import list_heartbeats, list_integrations
from resolvers.integrations.types import Heartbeat, Integration


async def resolve_integrations(info: strawberry.Info) -> list[Integration]:
    """The tenant's drop-in alert integrations, by name."""
    async with info.context.transaction() as tx:
        return [Integration.from_model(row) for row in await list_integrations(tx)]


async def resolve_heartbeats(info: strawberry.Info) -> list[Heartbeat]:
    """The tenant's heartbeat checks, by name."""
    async with info.context.transaction() as tx:
        return [Heartbeat.from_model(row) for row in await list_heartbeats(tx)]
