"""Replaying recorded telemetry gives exactly the expected incidents, groupings and chain links;
repeated delivery changes nothing; a restarted worker neither fires twice nor forgets."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain import clock
from domain.alerting import evaluation
from domain.alerting.evaluation import evaluate_ingested
from domain.alerting.models import Alert
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.silences import SilenceDefinition, create_silence
from domain.alerting.windows import evaluate_windowed_rules
from domain.incidents.models import Incident, IncidentLink, TimelineEntry
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from domain.uow import AI_QUEUE

RECORDING = json.loads((Path(__file__).parent / "fixtures" / "checkout_outage.json").read_text())
START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _recent_start():
    """Each test replays the recording as if it began five minutes ago (not when the suite started)."""
    global START
    START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
CHECKS = RuleDefinition(name="Checkout checks failing", kind="event", severity="SEV2", group_by=["service"],
                        condition="event.source == 'synthetic-monitor' && event.severity == 'critical'",
                        fingerprint_template="{rule}:{service}", threshold_count=3, auto_resolve_minutes=10)
DATABASE = RuleDefinition(name="Database agent errors", kind="event", severity="SEV3", group_by=["service"],
                          condition="event.source == 'db-agent' && event.severity == 'error'")


async def _rules(db, tenant, *definitions):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return [await create_rule(tx, definition=RuleDefinition(**d.__dict__), actor="test") for d in definitions]


async def _replay(db, tenant, events):
    """Store each event as the ingest endpoint does, then deliver it as the worker does; return keys."""
    keys = []
    for item in events:
        body = {k: v for k, v in item.items() if k != "at"}
        body["time"] = (START + timedelta(seconds=item["at"])).isoformat()
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            stored = await store_batch(tx, parse_envelope({"events": [body]}), now=datetime.now(UTC), retention_days=7)
        await evaluate_ingested(db, tenant_id=tenant.tenant_id, keys=stored.events)
        keys += stored.events
    return keys


async def _state(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incidents = list(await tx.session.scalars(select(Incident).order_by(Incident.number)))
        alerts = list(await tx.session.scalars(select(Alert).order_by(Alert.first_seen)))
        links = list(await tx.session.scalars(select(IncidentLink)))
    return incidents, alerts, links


async def test_the_recorded_outage_raises_and_groups_two_rules_of_one_service_into_one_incident(runtime, make_tenant):
    db, tenant = runtime.db, await make_tenant()
    await _rules(db, tenant, CHECKS, DATABASE)

    await _replay(db, tenant, RECORDING["events"])

    incidents, alerts, links = await _state(db, tenant)
    assert [(i.title, i.severity, i.alert_count, i.source, i.group_key) for i in incidents] == [
        ("Checkout checks failing: service=payments", "SEV2", 5, "alert", "service:payments")]
    assert [(a.group_key, a.status, a.count, a.incident_id) for a in alerts] == [
        ("service=payments", "firing", 4, incidents[0].id), ("service=payments", "firing", 1, incidents[0].id),
        ("service=search", "pending", 1, None)]
    assert links == []
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        grouped = [e.data for e in await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == incidents[0].id, TimelineEntry.kind == "alert_grouped"))]
    assert [(d["rule"], d["by"]) for d in grouped] == [("Database agent errors", "group")]
    queued = [job for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)
              if job.kwargs.get("tenant_id") == str(tenant.tenant_id)]
    assert [job.kwargs["incident_id"] for job in queued] == [str(incidents[0].id)]


async def test_delivering_the_same_events_again_changes_nothing(runtime, make_tenant):
    db, tenant = runtime.db, await make_tenant()
    await _rules(db, tenant, CHECKS, DATABASE)
    keys = await _replay(db, tenant, RECORDING["events"])
    before = await _state(db, tenant)

    await evaluate_ingested(db, tenant_id=tenant.tenant_id, keys=keys)
    again = await _replay(db, tenant, RECORDING["events"])

    after = await _state(db, tenant)
    assert again == []
    assert [(i.id, i.alert_count, i.version) for i in after[0]] == [(i.id, i.alert_count, i.version) for i in before[0]]
    assert [(a.id, a.count, a.status) for a in after[1]] == [(a.id, a.count, a.status) for a in before[1]]


async def test_a_silenced_service_records_alerts_but_raises_nothing(runtime, make_tenant):
    db, tenant = runtime.db, await make_tenant()
    await _rules(db, tenant, CHECKS)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_silence(tx, actor="test", definition=SilenceDefinition(
            name="payments maintenance", starts_at=START - timedelta(hours=1), ends_at=START + timedelta(hours=1),
            service="payments"))

    await _replay(db, tenant, RECORDING["events"])

    incidents, alerts, _ = await _state(db, tenant)
    assert incidents == []
    assert [(a.group_key, a.status, a.count) for a in alerts] == [("service=payments", "silenced", 4),
                                                                  ("service=search", "pending", 1)]


ERROR_RATE = RuleDefinition(name="Payments error rate", kind="metric", severity="SEV2", group_by=["service"],
                            window={"metric": "http.server.error_rate", "aggregation": "avg", "minutes": 2,
                                    "operator": ">", "threshold": 0.2, "for_minutes": 1},
                            fingerprint_template="{rule}:{service}", auto_resolve_minutes=2)


async def _points(db, tenant, start, minutes, value):
    points = [{"name": "http.server.error_rate", "value": value, "labels": {"service": "payments"},
               "time": (start + timedelta(seconds=15 * n)).isoformat()} for n in range(minutes * 4)]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, parse_envelope({"metrics": points}), now=datetime.now(UTC), retention_days=7)


async def _tick(db, tenant, at):
    with clock.clock_at(at):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return await evaluate_windowed_rules(tx)


async def test_a_restarted_worker_neither_refires_nor_misses_a_firing_rule(runtime, make_tenant):
    db, tenant = runtime.db, await make_tenant()
    await _rules(db, tenant, ERROR_RATE)
    t0 = START
    await _points(db, tenant, t0 - timedelta(minutes=2), 4, 0.5)

    await _tick(db, tenant, t0)                              # pending
    await _tick(db, tenant, t0 + timedelta(minutes=1))       # held for a minute: fires
    evaluation._rule_sets.clear()                            # a new worker process has no memory
    await _tick(db, tenant, t0 + timedelta(minutes=2))       # still firing, nothing new
    incidents, alerts, _ = await _state(db, tenant)
    assert len(incidents) == 1 and incidents[0].status == "triggered"
    assert [(a.status, a.count) for a in alerts] == [("firing", 3)]

    await _points(db, tenant, t0 + timedelta(minutes=2), 4, 0.0)
    await _tick(db, tenant, t0 + timedelta(minutes=5))       # clear for the first time
    evaluation._rule_sets.clear()
    await _tick(db, tenant, t0 + timedelta(minutes=7))       # clear for 2 minutes: resolves

    incidents, alerts, _ = await _state(db, tenant)
    assert len(incidents) == 1 and incidents[0].status == "resolved"
    assert [a.status for a in alerts] == ["resolved"]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(Incident)) == 1
