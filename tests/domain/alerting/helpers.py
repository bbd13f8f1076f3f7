"""Driving the alerting engine as production does: rules saved, events stored then delivered, ticks at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain import clock
from domain.alerting.evaluation import evaluate_ingested, resolve_quiet_alerts
from domain.alerting.models import Alert
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.windows import evaluate_windowed_rules
from domain.incidents.models import Incident, IncidentLink, TimelineEntry
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch

START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
CHECK = RuleDefinition(name="Payments check failing", kind="event", severity="SEV2", group_by=["service"],
                       condition="event.source == 'synthetic-monitor' && event.severity == 'critical'",
                       fingerprint_template="{rule}:{service}", auto_resolve_minutes=5)


async def make_rules(db, tenant, *definitions: RuleDefinition) -> list:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return [await create_rule(tx, definition=RuleDefinition(**d.__dict__), actor="test") for d in definitions]


async def send(db, tenant, at: datetime, *events: dict) -> None:
    """Store events at ``at`` as the ingest endpoint does and deliver them as the worker does."""
    body = [{"time": at.isoformat(), **event} for event in events]
    with clock.clock_at(at):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            stored = await store_batch(tx, parse_envelope({"events": body}), now=datetime.now(UTC), retention_days=7)
        await evaluate_ingested(db, tenant_id=tenant.tenant_id, keys=stored.events)


def check(service: str = "payments", **fields) -> dict:
    """A failing synthetic check of ``service`` (what CHECK matches)."""
    return {"source": "synthetic-monitor", "severity": "critical", "title": f"{service} check failed",
            "service": service, **fields}


async def points(db, tenant, name: str, service: str, start: datetime, minutes: float, value: float) -> None:
    """A metric sample every 15 s from ``start`` for ``minutes``."""
    batch = [{"name": name, "value": value, "labels": {"service": service},
              "time": (start + timedelta(seconds=15 * n)).isoformat()} for n in range(int(minutes * 4))]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, parse_envelope({"metrics": batch}), now=datetime.now(UTC), retention_days=7)


async def tick(db, tenant, at: datetime) -> None:
    """The worker's minute: windowed rules, then quiet event alerts."""
    with clock.clock_at(at):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await evaluate_windowed_rules(tx)
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await resolve_quiet_alerts(tx)


async def state(db, tenant):
    """(incidents by number, alerts by first seen, links) of the tenant."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incidents = list(await tx.session.scalars(select(Incident).order_by(Incident.number)))
        alerts = list(await tx.session.scalars(select(Alert).order_by(Alert.first_seen, Alert.id)))
        links = list(await tx.session.scalars(select(IncidentLink).order_by(IncidentLink.created_at)))
    return incidents, alerts, links


async def timeline(db, tenant, incident_id) -> list[TimelineEntry]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
                                             .order_by(TimelineEntry.stream_seq)))
