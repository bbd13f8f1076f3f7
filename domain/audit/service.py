from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from domain.audit.models import AuditEvent

if TYPE_CHECKING:
    from domain.uow import Transaction


async def record(
    tx: Transaction, *, actor: str, action: str, target_type: str | None = None,
    target_id: str | None = None, data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the transaction's tenant."""
    event = AuditEvent(
        tenant_id=tx.tenant_id, actor=actor, action=action, target_type=target_type,
        target_id=target_id, data=data or {},
    )
    tx.session.add(event)
    await tx.session.flush()
    return event


async def prune(tx: Transaction, *, older_than: datetime) -> int:
    """Delete the tenant's audit events that occurred before ``older_than``; return how many."""
    result = await tx.session.execute(
        delete(AuditEvent).where(
            AuditEvent.tenant_id == tx.tenant_id, AuditEvent.occurred_at < older_than
        )
    )
    return result.rowcount or 0
