"""Heartbeat checks as Opsgenie users know them: a named check pinged every interval; a missed ping
raises an alert through the check's own rule, and the next ping resolves it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.audit import service as audit
from domain.errors import NotFound, ValidationFailed
from domain.integrations.models import Heartbeat, Integration
from domain.integrations.service import IntegrationSender, open_integration, tagged
from domain.telemetry import ingest, pipeline
from domain.telemetry.envelope import parse_envelope

if TYPE_CHECKING:
    from domain.uow import Transaction

MIN_INTERVAL, MAX_INTERVAL = 30, 7 * 86400


@dataclass(frozen=True)
class IssuedHeartbeat:
    heartbeat: Heartbeat
    key: str


async def create_heartbeat(tx: Transaction, *, name: str, interval_seconds: int, grace_seconds: int = 0,
                           service: str | None = None, actor: str) -> IssuedHeartbeat:
    """A heartbeat check with its own key (pinged at /api/heartbeats/<name>/ping)."""
    if not MIN_INTERVAL <= interval_seconds <= MAX_INTERVAL:
        raise ValidationFailed(f"intervalSeconds must be from {MIN_INTERVAL} to {MAX_INTERVAL}.",
                               field="intervalSeconds")
    if not 0 <= grace_seconds <= MAX_INTERVAL:
        raise ValidationFailed(f"graceSeconds must be from 0 to {MAX_INTERVAL}.", field="graceSeconds")
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ValidationFailed("name may hold letters, digits, '-', '_' and '.' only.", field="name")
    issued = await open_integration(tx, name=f"heartbeat {name}", kind="heartbeat", service=service,
                                      severity="SEV2", actor=actor)
    heartbeat = Heartbeat(tenant_id=tx.tenant_id, name=name, integration_id=issued.integration.id,
                          interval_seconds=interval_seconds, grace_seconds=grace_seconds, created_by=actor)
    tx.session.add(heartbeat)
    await tx.session.flush()
    return IssuedHeartbeat(heartbeat, issued.key)


async def ping(tx: Transaction, *, sender: IntegrationSender, name: str) -> Heartbeat:
    """Record a ping of the sender's heartbeat ``name``; a check that was down comes back up (resolved)."""
    heartbeat = await tx.session.scalar(select(Heartbeat).where(
        Heartbeat.tenant_id == tx.tenant_id, Heartbeat.name == name, Heartbeat.integration_id == sender.integration_id)
        .with_for_update())
    if heartbeat is None:
        raise NotFound(f"No heartbeat named {name!r} for this key.")
    if heartbeat.state == "down":
        await _emit(tx, sender, heartbeat, status="resolved", title=f"Heartbeat {name} is back")
    heartbeat.state, heartbeat.last_ping_at = "up", clock.now()
    return heartbeat


async def expire_heartbeats(tx: Transaction) -> int:
    """Every check of the tenant whose ping is overdue goes down once, raising its alert; returns how many."""
    now, expired = clock.now(), 0
    rows = await tx.session.execute(select(Heartbeat, Integration).join(
        Integration, Integration.id == Heartbeat.integration_id).where(
        Heartbeat.tenant_id == tx.tenant_id, Heartbeat.state != "down").with_for_update(of=Heartbeat))
    for heartbeat, integration in rows:
        since = heartbeat.last_ping_at or heartbeat.created_at
        if now <= since + timedelta(seconds=heartbeat.interval_seconds + heartbeat.grace_seconds):
            continue
        sender = IntegrationSender(integration.id, tx.tenant_id, "heartbeat", integration.service, {})
        await _emit(tx, sender, heartbeat, status="firing",
                    title=f"Heartbeat {heartbeat.name} missed: no ping for {int((now - since).total_seconds())} s "
                          f"(expected every {heartbeat.interval_seconds} s)")
        heartbeat.state = "down"
        await audit.record(tx, actor="system", action="heartbeat.expired", target_type="heartbeat",
                           target_id=str(heartbeat.id), data={"name": heartbeat.name})
        expired += 1
    return expired


async def _emit(tx: Transaction, sender: IntegrationSender, heartbeat: Heartbeat, *, status: str, title: str) -> None:
    """Store the check's event and queue its evaluation with this transaction."""
    event = tagged(sender, {"source": "heartbeat", "kind": "heartbeat", "status": status, "title": title,
                            "severity": "critical" if status == "firing" else "info",
                            "fingerprint": f"heartbeat:{heartbeat.name}",
                            "id": f"heartbeat:{heartbeat.id}:{status}:{uuid.uuid4().hex}"})
    stored = await ingest.store_batch(tx, parse_envelope({"events": [event]}), now=clock.now(), retention_days=30)
    tx.enqueue("telemetry_ingested", tenant_id=str(tx.tenant_id), **pipeline.job_arguments(stored.events))
