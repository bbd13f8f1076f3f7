"""Integrations: create one (its alert rule and its key), authenticate its key, and take what it sends.

An integration feeds one event rule of its own (``event.attributes.integration == <id>``, grouped by
service and the sender's dedup key), so PagerDuty, Alertmanager and Opsgenie alerts go through the
same engine as everything else: silences, grouping, notifications, correlation, the alert that clears.
What a sender sends is stored as events (one transaction with the raw payload, its evaluation queued
through the outbox), so a retried request, a worker restart or a Redis outage loses nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from domain import clock, credentials
from domain.alerting.rules import RuleDefinition, create_rule, delete_rule
from domain.audit import service as audit
from domain.billing.plans import entitlements_for
from domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from domain.incidents.models import SEVERITIES
from domain.integrations.models import INTEGRATION_KINDS, Integration, IntegrationPayload
from domain.telemetry import ingest, limits, pipeline
from domain.telemetry.envelope import parse_envelope
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from domain.uow import Transaction, UnitOfWork

LABELS = {"pagerduty": "PagerDuty", "alertmanager": "Alertmanager", "opsgenie": "Opsgenie", "heartbeat": "Heartbeat"}
SENDER_KINDS = ("pagerduty", "alertmanager", "opsgenie")
PAYLOADS_KEPT = 50
_KEY_SQL = "SELECT id, tenant_id, kind, service, secret_hash FROM integrations WHERE id = $1"
_TENANT_SQL = "SELECT slug, status, plan FROM tenants WHERE id = $1"


@dataclass(frozen=True)
class IssuedIntegration:
    """A new integration and its key, shown once."""

    integration: Integration
    key: str


@dataclass(frozen=True)
class IntegrationSender:
    """Who is sending: an integration's key, checked."""

    integration_id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    service: str | None
    limits: dict[str, Any]


def _check(name: str, kind: str, severity: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("name must be 1 to 100 characters.", field="name")
    if kind not in INTEGRATION_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(INTEGRATION_KINDS)}.", field="kind")
    if severity not in SEVERITIES:
        raise ValidationFailed(f"severity must be one of {', '.join(SEVERITIES)}.", field="severity")
    return name


async def create_integration(tx: Transaction, *, name: str, kind: str, service: str | None, severity: str = "SEV2",
                             actor: str) -> IssuedIntegration:
    """Create a drop-in integration (PagerDuty, Alertmanager or Opsgenie), its rule and its key."""
    if kind not in SENDER_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(SENDER_KINDS)}.", field="kind")
    return await open_integration(tx, name=name, kind=kind, service=service, severity=severity, actor=actor)


async def open_integration(tx: Transaction, *, name: str, kind: str, service: str | None, severity: str,
                           actor: str) -> IssuedIntegration:
    """An integration of any kind (heartbeats too), the event rule it feeds, and its key (returned once)."""
    name = _check(name, kind, severity)
    if await tx.session.scalar(select(Integration.id).where(Integration.tenant_id == tx.tenant_id,
                                                            Integration.name == name)):
        raise Conflict(f"An integration named {name!r} exists already.", field="name")
    integration_id = uuid.uuid4()
    rule = await create_rule(tx, actor=actor, definition=RuleDefinition(
        name=f"{LABELS[kind]}: {name}", kind="event", severity=severity, service=service or None,
        description=f"Alerts sent by the {LABELS[kind]} integration {name!r}.",
        condition=f'event.attributes.integration == "{integration_id}"', group_by=["service", "fingerprint"],
        fingerprint_template="{rule}:{fingerprint}"))
    credential = credentials.new_credential(credentials.INTEGRATION_KEY, integration_id)
    integration = Integration(id=integration_id, tenant_id=tx.tenant_id, name=name, kind=kind, service=service or None,
                              rule_id=rule.id, secret_hash=credentials.hash_secret(credential.secret), created_by=actor)
    tx.session.add(integration)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="integration.created", target_type="integration",
                       target_id=str(integration_id), data={"name": name, "kind": kind})
    return IssuedIntegration(integration, str(credential))


async def delete_integration(tx: Transaction, *, integration_id: uuid.UUID, actor: str) -> None:
    """Delete an integration with its rule; its key stops working at once."""
    integration = await tx.session.get(Integration, integration_id)
    if integration is None or integration.tenant_id != tx.tenant_id:
        raise NotFound("No such integration.", field="id")
    await delete_rule(tx, rule_id=integration.rule_id, actor=actor)  # cascades to the integration
    await audit.record(tx, actor=actor, action="integration.deleted", target_type="integration",
                       target_id=str(integration_id), data={"name": integration.name})


async def authenticate(db: UnitOfWork, raw_key: str | None, *, kind: str) -> IntegrationSender:
    """The integration a key belongs to, if the key is right, of ``kind``, and its tenant is active."""
    presented = credentials.parse_credential(raw_key or "", credentials.INTEGRATION_KEY)
    if presented is None:
        raise Unauthenticated("Malformed integration key.")
    async with db.transaction(tenant_id=None) as tx:
        await credentials.reveal_credential_row(tx.session, presented.id)
        rows = await fetch_sql(tx.session, _KEY_SQL, presented.id)
        row = rows[0] if rows else None
        if row is None or not credentials.secret_matches(row["secret_hash"], presented.secret) or row["kind"] != kind:
            raise Unauthenticated("Unknown integration key.")
        await tx.enter_tenant(row["tenant_id"])
        slug, status, plan = (await fetch_sql(tx.session, _TENANT_SQL, row["tenant_id"]))[0]
    if status != "active":
        raise Unauthenticated(f"Tenant {slug!r} is suspended.")
    return IntegrationSender(row["id"], row["tenant_id"], row["kind"], row["service"],
                             entitlements_for(plan).get("limits", {}))


def without_key(body: Any, key: str | None) -> Any:
    """``body`` with the integration's key (PagerDuty sends it in the body) replaced by its public part."""
    if isinstance(body, dict):
        return {k: without_key(v, key) for k, v in body.items()}
    if isinstance(body, list):
        return [without_key(v, key) for v in body]
    if key and isinstance(body, str) and body == key:
        return key.rsplit("_", 1)[0] + "_[redacted]"
    return body


def tagged(sender: IntegrationSender, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` marked as the integration's (what its rule matches), with the integration's service."""
    attributes = {**event.get("attributes", {}), "integration": str(sender.integration_id)}
    return {**event, "attributes": attributes, "service": event.get("service") or sender.service}


async def receive(db: UnitOfWork, redis: Redis, *, sender: IntegrationSender, action: str, events: list[dict],
                  body: dict) -> None:
    """Store the events with the payload that carried them and queue their evaluation, in one transaction."""
    batch = parse_envelope({"events": [tagged(sender, e) for e in events]})
    if batch.rejected:
        raise ValidationFailed(f"event {batch.rejected[0].index}: {batch.rejected[0].reason}")
    await limits.take(redis, tenant_id=sender.tenant_id, items=batch.item_count,
                      per_minute=int(sender.limits.get("ingest_events_per_minute", 0)))
    async with db.transaction(tenant_id=sender.tenant_id) as tx:
        stored = await ingest.store_batch(tx, batch, now=clock.now(),
                                          retention_days=int(sender.limits.get("retention_days", 7)))
        await _remember(tx, sender, action=action, body=body, outcome="accepted", status_code=202, detail="")
        if stored.events:
            tx.enqueue("telemetry_ingested", tenant_id=str(sender.tenant_id), **pipeline.job_arguments(stored.events))


async def remember_refusal(db: UnitOfWork, *, sender: IntegrationSender, action: str, body: dict, status_code: int,
                           detail: str) -> None:
    """Keep a refused payload (and why) for the integrations page; nothing else is stored."""
    async with db.transaction(tenant_id=sender.tenant_id) as tx:
        await _remember(tx, sender, action=action, body=body, outcome="rejected", status_code=status_code,
                        detail=detail)


async def _remember(tx: Transaction, sender: IntegrationSender, *, action: str, body: dict, outcome: str,
                    status_code: int, detail: str) -> None:
    now = clock.now()
    tx.session.add(IntegrationPayload(tenant_id=tx.tenant_id, integration_id=sender.integration_id, received_at=now,
                                      action=action[:32], outcome=outcome, status_code=status_code,
                                      detail=detail[:2000], body=body))
    integration = await tx.session.get(Integration, sender.integration_id)
    integration.last_received_at = now
    await tx.session.flush()
    keep = (select(IntegrationPayload.id).where(IntegrationPayload.tenant_id == tx.tenant_id,
                                                IntegrationPayload.integration_id == sender.integration_id)
            .order_by(IntegrationPayload.received_at.desc()).limit(PAYLOADS_KEPT))
    await tx.session.execute(delete(IntegrationPayload).where(
        IntegrationPayload.tenant_id == tx.tenant_id, IntegrationPayload.integration_id == sender.integration_id,
        IntegrationPayload.id.not_in(keep)))
