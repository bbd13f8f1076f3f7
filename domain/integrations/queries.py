"""Read side of integrations: the tenant's integrations, heartbeats and recent payloads."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.integrations.models import Heartbeat, Integration, IntegrationPayload

if TYPE_CHECKING:
    from domain.uow import Transaction


async def list_integrations(tx: Transaction, *, include_heartbeats: bool = False) -> list[Integration]:
    """The tenant's integrations by name (heartbeat keys are listed with their heartbeats)."""
    query = select(Integration).where(Integration.tenant_id == tx.tenant_id).order_by(Integration.name)
    if not include_heartbeats:
        query = query.where(Integration.kind != "heartbeat")
    return list(await tx.session.scalars(query))


async def list_heartbeats(tx: Transaction) -> list[Heartbeat]:
    return list(await tx.session.scalars(select(Heartbeat).where(Heartbeat.tenant_id == tx.tenant_id)
                                         .order_by(Heartbeat.name)))


async def recent_payloads(tx: Transaction, integration_ids: list[uuid.UUID],
                          limit: int = 10) -> list[list[IntegrationPayload]]:
    """The newest payloads of each integration, in the order asked (a loader batch function)."""
    rows = await tx.session.scalars(select(IntegrationPayload).where(
        IntegrationPayload.tenant_id == tx.tenant_id, IntegrationPayload.integration_id.in_(integration_ids))
        .order_by(IntegrationPayload.received_at.desc()))
    found: dict[uuid.UUID, list[IntegrationPayload]] = {i: [] for i in integration_ids}
    for row in rows:
        if len(found[row.integration_id]) < limit:
            found[row.integration_id].append(row)
    return [found[i] for i in integration_ids]
