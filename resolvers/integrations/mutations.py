"""Mutations of integrations and heartbeats: create (the key is shown once) and delete."""

from __future__ import annotations

import strawberry

from domain.integrations import heartbeats, service
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id
from resolvers.integrations.types import (
    CreateHeartbeatInput,
    CreateIntegrationInput,
    Heartbeat,
    HeartbeatCreated,
    Integration,
    IntegrationCreated,
    IntegrationDeleted,
)

CreateIntegrationPayload = payload_union("CreateIntegrationPayload", IntegrationCreated)
CreateHeartbeatPayload = payload_union("CreateHeartbeatPayload", HeartbeatCreated)
DeleteIntegrationPayload = payload_union("DeleteIntegrationPayload", IntegrationDeleted)


async def create_integration(info: strawberry.Info, input: CreateIntegrationInput) -> CreateIntegrationPayload:
    """Create a drop-in integration and the alert rule it feeds; the response carries its key once."""
    return await mutate(info, lambda tx: service.create_integration(
        tx, name=input.name, kind=input.kind, service=input.service, severity=input.severity,
        actor=info.context.actor.actor),
        lambda issued: IntegrationCreated(integration=Integration.from_model(issued.integration), key=issued.key))


async def create_heartbeat(info: strawberry.Info, input: CreateHeartbeatInput) -> CreateHeartbeatPayload:
    """Create a heartbeat check with its own key (shown once)."""
    return await mutate(info, lambda tx: heartbeats.create_heartbeat(
        tx, name=input.name, interval_seconds=input.interval_seconds, grace_seconds=input.grace_seconds,
        service=input.service, actor=info.context.actor.actor),
        lambda issued: HeartbeatCreated(heartbeat=Heartbeat.from_model(issued.heartbeat), key=issued.key))


async def delete_integration(info: strawberry.Info, id: strawberry.ID) -> DeleteIntegrationPayload:
    """Delete an integration (or a heartbeat's, with the heartbeat) and its rule; its key stops working."""
    return await mutate(info, lambda tx: service.delete_integration(tx, integration_id=parse_id(id),
                                                                    actor=info.context.actor.actor),
                        lambda _: IntegrationDeleted(id=id))
