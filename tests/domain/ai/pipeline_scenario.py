"""A scripted incident for the AI pipeline: a topology, a bad change on payments, the spike it causes downstream,
unrelated noise, and the incident opened on frontend."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from domain import clock
from domain.changes.service import ChangeDraft, create_change
from domain.cmdb.service import CiDraft, create_ci, create_relationship
from domain.incidents.service import NewIncident, create_incident
from domain.telemetry.models import MetricPoint

DEPENDS = [("frontend", "checkout"), ("checkout", "payments"), ("checkout", "currency"), ("payments", "payments-db")]
SERVICES = ("frontend", "checkout", "payments", "currency", "payments-db")


@dataclass
class Planted:
    incident_id: object
    change_reference: str
    ci_ids: dict


def _series(service: str, name: str) -> str:
    return hashlib.sha1(f"{service}/{name}".encode()).hexdigest()[:16]


def _value(service: str, name: str, minutes_ago: int) -> float:
    base = {"latency_ms": 40.0 + 5 * SERVICES.index(service), "cpu_percent": 30.0}[name]
    wiggle = ((minutes_ago * 7 + SERVICES.index(service) * 3) % 5 - 2) * 0.01 * base
    onset = {"payments": 11, "checkout": 10, "frontend": 9}.get(service)
    if name == "latency_ms" and onset is not None and minutes_ago <= onset:
        return base * 4 + wiggle
    if (service, name, minutes_ago) == ("currency", "cpu_percent", 5):
        return base * 5  # one-point spike: noise
    return base + wiggle


async def plant(db, tenant) -> Planted:
    now = clock.now()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        ids = {}
        for name in SERVICES:
            kind = "database" if name.endswith("-db") else "application_service"
            ids[name] = (await create_ci(tx, draft=CiDraft(class_key=kind, name=name), actor="t")).id
        for source, target in DEPENDS:
            await create_relationship(tx, type="depends_on", source_id=ids[source], target_id=ids[target], actor="t")
        bad = await create_change(tx, draft=ChangeDraft(
            title="Deploy payments v2.3", type="normal", ci_ids=[ids["payments"]],
            planned_start=now - timedelta(minutes=13), planned_end=now + timedelta(minutes=30)),
            requester_id=None, actor="t")
        await create_change(tx, draft=ChangeDraft(
            title="Rotate currency certificates", type="normal", ci_ids=[ids["currency"]],
            planned_start=now - timedelta(hours=2), planned_end=now - timedelta(hours=1)), requester_id=None, actor="t")
        tx.session.add_all([
            MetricPoint(tenant_id=tx.tenant_id, name=name, ts=now - timedelta(minutes=ago), series=_series(svc, name),
                        kind="gauge", value=_value(svc, name, ago), service=svc, labels={"service": svc})
            for svc in SERVICES for name in ("latency_ms", "cpu_percent") for ago in range(60, 0, -1)])
        incident = await create_incident(tx, new=NewIncident(
            title="frontend latency high", severity="SEV2", services=["frontend"], source="alert"), actor="rule:t")
    return Planted(incident_id=incident.id, change_reference=bad.reference, ci_ids=ids)
