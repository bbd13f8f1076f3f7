"""Outgoing webhooks: deliveries recorded with the alert, sent by a job, signed with HMAC-SHA256.

Each POST carries two signatures over the same body, with the target's secret (stored sealed; see
atlas/sealing.py):

- Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` (the delivery's id, the same
  on every retry, so receivers drop resends), ``webhook-timestamp`` (unix seconds) and
  ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, keyed with the
  base64-decoded part of the ``whsec_...`` secret, so any Standard Webhooks library verifies it.
- ``X-Atlas-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed with the whole
  secret text (AtlasAI's original scheme, kept for receivers built on it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from typing import TYPE_CHECKING

from domain.alerting.models import WebhookDelivery

if TYPE_CHECKING:
    from atlas.db import Transaction


SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of X-Atlas-Signature for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks key of ``secret``: its base64 part decoded as the reference libraries do.

    Secrets made before targets used standard base64 (URL-safe text) decode as URL-safe base64 when
    the standard decoding fails.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded + "==")
    except (binascii.Error, ValueError):
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def standard_headers(secret: str, *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one POST (``webhook-id`` stays the same across retries)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,{digest}"}


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
