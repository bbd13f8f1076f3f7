"""Outgoing webhooks: every incident change a target subscribes to becomes a delivery, sent by a job.

Every change of an incident goes through its timeline (domain/incidents/timeline.py), which hands
it here: the changes people care about map to an event type (``EVENT_TYPES``), and each enabled
target subscribed to that type gets one delivery, recorded in the same transaction and queued for
sending after commit. A target hears of every incident of the tenant (scope ``all``) or only of the
incidents raised by rules naming it in ``notify`` (scope ``rules``).

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
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from domain.alerting.models import WebhookDelivery

if TYPE_CHECKING:
    from domain.incidents.models import Incident, TimelineEntry
    from domain.uow import Transaction

EVENT_TYPES = ("incident.created", "incident.acknowledged", "incident.escalated", "incident.severity_changed",
               "incident.resolved", "incident.reopened", "incident.closed", "incident.sla_warning",
               "incident.sla_breached")
_SLA_EVENTS = {"sla_warning": "incident.sla_warning", "sla_breached": "incident.sla_breached"}  # ITSM
TEST_EVENT = "test"
_STATUS_EVENTS = {"resolved": "incident.resolved", "closed": "incident.closed"}

SUBSCRIBED_SQL = text(
    "SELECT t.id FROM notification_targets t WHERE t.tenant_id = :t AND t.enabled AND :event = ANY(t.event_types) "
    "AND (t.scope = 'all' OR EXISTS (SELECT 1 FROM alert_rules r WHERE r.tenant_id = :t AND t.id = ANY(r.notify) "
    "AND (r.id = ANY(CAST(:rules AS uuid[])) OR r.id IN (SELECT a.rule_id FROM alerts a "
    "WHERE a.tenant_id = :t AND a.incident_id = :i)))) ORDER BY t.name")


SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of X-Atlas-Signature for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_type_of(kind: str, data: dict[str, Any]) -> str | None:
    """The notification a timeline entry is, if any (escalated: its priority was made more urgent)."""
    if kind == "created":
        return "incident.created"
    if kind == "severity_changed":
        return "incident.severity_changed"
    if kind == "priority_changed" and str(data.get("to", "")) < str(data.get("from", "")):
        return "incident.escalated"
    if kind == "merged_into":
        return "incident.resolved"
    if kind in _SLA_EVENTS:
        return _SLA_EVENTS[kind]
    if kind != "status_changed":
        return None
    before, after = data.get("from"), data.get("to")
    if after in _STATUS_EVENTS:
        return _STATUS_EVENTS[after]
    if before == "resolved" and after == "open":
        return "incident.reopened"
    return "incident.acknowledged" if before == "triggered" else None


def incident_payload(incident: Incident, entry: TimelineEntry) -> dict[str, Any]:
    """What a delivery says: the incident as it is after the change, and the change itself."""
    def when(value):
        return value.isoformat() if value is not None else None

    return {"occurred_at": when(entry.occurred_at),
            "incident": {"id": str(incident.id), "reference": incident.reference, "title": incident.title,
                         "status": incident.status, "severity": incident.severity, "priority": incident.priority,
                         "services": list(incident.services or ()), "alert_count": incident.alert_count,
                         "created_at": when(incident.created_at), "resolved_at": when(incident.resolved_at)},
            "change": {"seq": entry.stream_seq, "kind": entry.kind, "actor": entry.actor, "data": entry.data}}


async def notify_incident_change(tx: Transaction, incident: Incident, entry: TimelineEntry) -> list[uuid.UUID]:
    """One delivery per enabled target subscribed to what this change is (none for other changes)."""
    event = event_type_of(entry.kind, entry.data or {})
    if event is None:
        return []
    rules = [str(r) for r in (entry.data or {}).get("rule_ids", ())]
    targets = list(await tx.session.scalars(SUBSCRIBED_SQL, {"t": tx.tenant_id, "event": event, "rules": rules,
                                                             "i": incident.id}))
    return await notify_targets(tx, targets, event, incident_payload(incident, entry)) if targets else []


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
