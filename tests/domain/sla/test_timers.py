"""SLA timers over time: warnings and breaches at their exact moments, once, even after a long gap (a
restart); escalation; pauses; responses stopped by acknowledgement; compliance per service."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain import clock
from domain.incidents.models import Incident, TimelineEntry
from domain.incidents.service import NewIncident, create_incident, transition_incident
from domain.sla.compliance import sla_compliance
from domain.sla.models import SlaTimer
from domain.sla.policies import PolicyDraft, create_sla_policy
from domain.sla.timers import tick

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(minutes: float):
    return clock.clock_at(T0 + timedelta(minutes=minutes))


async def _policy(db, tenant, **changes):
    draft = PolicyDraft(name="Standard", response_minutes=10, resolution_minutes=60, **changes)
    with at(-60):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return await create_sla_policy(tx, draft=draft, actor="test")


async def _incident(db, tenant, services=("checkout",), priority="P3"):
    with at(0):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return await create_incident(tx, new=NewIncident(title="down", severity="SEV3", priority=priority,
                                                             services=list(services)), actor="test")


async def _tick(db, tenant, minutes):
    with at(minutes):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return await tick(tx)


async def _move(db, tenant, incident, to, minutes):
    with at(minutes):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await transition_incident(tx, incident_id=incident.id, to=to, actor="test")


async def _entries(db, tenant, incident):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.actor == "SLA").order_by(TimelineEntry.stream_seq))
        return [(e.kind, e.data.get("metric"), e.data.get("at") or e.data.get("to")) for e in rows]


async def test_a_warning_then_a_breach_at_their_exact_moments_recorded_once_and_escalated(db, make_tenant):
    tenant = await make_tenant()
    await _policy(db, tenant)
    incident = await _incident(db, tenant)

    started = await _tick(db, tenant, 1)
    warned = await _tick(db, tenant, 8)
    breached = await _tick(db, tenant, 15)
    again = await _tick(db, tenant, 16)

    assert (started.started, warned.warned, breached.breached, again.breached, again.warned) == (2, 1, 1, 0, 0)
    assert await _entries(db, tenant, incident) == [
        ("sla_warning", "response", (T0 + timedelta(minutes=7.5)).isoformat()),
        ("sla_breached", "response", (T0 + timedelta(minutes=10)).isoformat()),
        ("priority_changed", None, "P2")]


async def test_a_tick_after_a_long_outage_records_every_missed_deadline_once(db, make_tenant):
    tenant = await make_tenant()
    await _policy(db, tenant)
    incident = await _incident(db, tenant)

    first = await _tick(db, tenant, 180)  # the worker was down for three hours
    second = await _tick(db, tenant, 181)

    assert (first.warned, first.breached, second.warned, second.breached) == (2, 2, 0, 0)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        timers = {t.metric: t for t in await tx.session.scalars(select(SlaTimer))}
        assert (await tx.session.get(Incident, incident.id)).priority == "P1"  # escalated once per breach
    assert timers["response"].breached_at == T0 + timedelta(minutes=10)
    assert timers["resolution"].breached_at == T0 + timedelta(minutes=60)


async def test_acknowledging_in_time_stops_the_response_timer_as_met(db, make_tenant):
    tenant = await make_tenant()
    await _policy(db, tenant, services=["checkout"])
    incident = await _incident(db, tenant)
    await _tick(db, tenant, 1)
    await _move(db, tenant, incident, "open", 5)

    await _tick(db, tenant, 30)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        report = await sla_compliance(tx, since=T0, until=T0 + timedelta(days=1))
        response = await tx.session.scalar(select(SlaTimer).where(SlaTimer.metric == "response"))

    assert (response.elapsed_seconds, response.breached_at) == (300, None)
    assert [(c.metric, c.priority, c.service, c.total, c.met, c.percent) for c in report] == [
        ("response", "P3", "checkout", 1, 1, 100.0)]


async def test_a_paused_timer_stops_counting_and_its_deadline_moves_by_the_pause(db, make_tenant):
    tenant = await make_tenant()
    await _policy(db, tenant, pause_when=["open"])
    incident = await _incident(db, tenant)
    await _tick(db, tenant, 1)
    await _move(db, tenant, incident, "open", 10)
    await _tick(db, tenant, 10)  # pauses resolution after 10 minutes

    await _move(db, tenant, incident, "investigating", 100)
    await _tick(db, tenant, 100)  # resumes: 50 minutes left
    before = await _tick(db, tenant, 149)
    after = await _tick(db, tenant, 151)

    assert (before.breached, after.breached) == (0, 1)
    assert await _entries(db, tenant, incident) == [
        ("sla_warning", "response", (T0 + timedelta(minutes=7.5)).isoformat()),  # acknowledged at 10: met
        ("sla_warning", "resolution", (T0 + timedelta(minutes=135)).isoformat()),
        ("sla_breached", "resolution", (T0 + timedelta(minutes=150)).isoformat()),
        ("priority_changed", None, "P2")]


async def test_a_policy_only_covers_the_incidents_it_names(db, make_tenant):
    tenant = await make_tenant()
    await _policy(db, tenant, priorities=["P1"], services=["payments"])
    await _incident(db, tenant, services=("payments",), priority="P3")
    await _incident(db, tenant, services=("checkout",), priority="P1")

    result = await _tick(db, tenant, 1)

    assert result.started == 0


async def test_warnings_and_breaches_go_to_the_targets_subscribed_to_them(db, make_tenant):
    from domain.alerting.models import WebhookDelivery
    from domain.alerting.targets import create_target

    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_target(tx, name="pager", url="https://hooks.example.com/sla", seal=lambda s: s.encode(),
                            actor="t", event_types=["incident.sla_warning", "incident.sla_breached"])
    await _policy(db, tenant)
    await _incident(db, tenant)

    await _tick(db, tenant, 15)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        sent = sorted(await tx.session.scalars(select(WebhookDelivery.event_type)))
    assert sent == ["incident.sla_breached", "incident.sla_warning"]  # the escalation is not subscribed to
