"""Outgoing webhooks: deliveries recorded with the alert, sent by a job, signed with HMAC-SHA256.

The signature header is ``X-Atlas-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the target's secret (stored sealed; see atlas/sealing.py), so receivers can check origin and
freshness.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import TYPE_CHECKING

from domain.alerting.models import WebhookDelivery

if TYPE_CHECKING:
    from atlas.db import Transaction


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of X-Atlas-Signature for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def notify_targets(tx: Transaction, targets: tuple[uuid.UUID, ...] | list[uuid.UUID], event_type: str,
                         payload: dict) -> list[uuid.UUID]:
    """Record one delivery per target and queue its sending after commit."""
    made = []
    for target_id in targets:
        delivery = WebhookDelivery(tenant_id=tx.tenant_id, target_id=target_id, event_type=event_type,
                                   payload={"type": event_type, **payload})
        tx.session.add(delivery)
        await tx.session.flush()
        tx.enqueue("deliver_webhook", job_id=f"webhook:{delivery.id}", tenant_id=str(tx.tenant_id),
                   delivery_id=str(delivery.id))
        made.append(delivery.id)
    return made
