"""Every incident change people care about is a delivery to each enabled target subscribed to it: created,
acknowledged, escalated, severity changed, resolved, reopened, closed; nothing else, nobody else."""

from datetime import timedelta

from sqlalchemy import select

from domain.alerting.delivery import send_delivery
from domain.alerting.models import WebhookDelivery
from domain.alerting.rules import RuleDefinition
from domain.alerting.targets import create_target, update_target
from domain.incidents.service import (
    NewIncident,
    assign_incident,
    comment,
    create_incident,
    set_triage,
    transition_incident,
)
from domain.uow import QUEUE_NAME
from tests.domain.alerting.helpers import CHECK, START, check, make_rules, send


async def _target(db, tenant, name, **subscription):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        made = await create_target(tx, name=name, url=f"https://hooks.example.com/{name}",
                                   seal=lambda secret: secret.encode(), actor="test", **subscription)
    return made.target


async def _deliveries(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = await tx.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at))
        return [(d.target_id, d.event_type, d.payload) for d in rows]


async def test_each_lifecycle_change_is_one_delivery_of_its_type_to_each_subscribed_target(db, runtime, make_tenant):
    tenant = await make_tenant()
    everything = await _target(db, tenant, "pager")
    closures = await _target(db, tenant, "archive", event_types=["incident.resolved", "incident.closed"])
    muted = await _target(db, tenant, "muted")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await update_target(tx, target_id=muted.id, event_types=["incident.created"], scope="all", enabled=False,
                            actor="test")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Checkout down", severity="SEV3"), actor="alice")
        steps = [("open", None), (None, {"priority": "P1"}), (None, {"priority": "P4"}), (None, {"severity": "SEV1"}),
                 ("resolved", None), ("open", None), ("resolved", None), ("closed", None)]
        await comment(tx, incident_id=incident.id, body="looking", actor="alice")
        await assign_incident(tx, incident_id=incident.id, assignee_id=tenant.admin_user_id, actor="alice")
        for to, triage in steps:
            if to:
                await transition_incident(tx, incident_id=incident.id, to=to, actor="alice")
            else:
                await set_triage(tx, incident_id=incident.id, actor="alice", **triage)

    sent = await _deliveries(db, tenant)
    assert [event for target, event, _ in sent if target == everything.id] == [
        "incident.created", "incident.acknowledged", "incident.escalated", "incident.severity_changed",
        "incident.resolved", "incident.reopened", "incident.resolved", "incident.closed"]
    assert [event for target, event, _ in sent if target == closures.id] == [
        "incident.resolved", "incident.resolved", "incident.closed"]
    assert not [target for target, _, _ in sent if target == muted.id]
    closed = sent[-1][2]
    assert closed["type"] == "incident.closed" and closed["incident"]["status"] == "closed"
    assert closed["incident"]["reference"] == f"INC-{incident.number}" and closed["incident"]["priority"] == "P4"
    assert (closed["change"]["kind"], closed["change"]["actor"], closed["change"]["data"]["from"]) == (
        "status_changed", "alice", "resolved")
    queued = {job.kwargs["delivery_id"] for job in await runtime.redis.queued_jobs(queue_name=QUEUE_NAME)
              if job.function == "deliver_webhook"}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        ids = {str(i) for i in await tx.session.scalars(select(WebhookDelivery.id))}
    assert ids <= queued


async def test_rule_scoped_targets_hear_only_of_incidents_their_rules_raise(db, make_tenant):
    tenant = await make_tenant()
    paging = await _target(db, tenant, "payments-team", scope="rules")
    await make_rules(db, tenant, RuleDefinition(**{**CHECK.__dict__, "notify": [paging.id]}))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_incident(tx, new=NewIncident(title="Unrelated", severity="SEV3"), actor="alice")

    await send(db, tenant, START, check(id="n1"))
    await send(db, tenant, START + timedelta(minutes=6), {"source": "synthetic-monitor", "severity": "critical",
                                                          "title": "ok now", "service": "payments",
                                                          "status": "resolved", "id": "n2"})

    sent = await _deliveries(db, tenant)
    assert [event for _, event, _ in sent] == ["incident.created", "incident.resolved"]
    created = sent[0][2]
    assert created["change"]["data"]["rule"] == "Payments check failing"
    assert created["incident"]["title"] == "Payments check failing: service=payments"
    assert created["incident"]["alert_count"] == 1


async def test_an_alert_recurring_after_a_resolve_notifies_the_reopening(db, make_tenant):
    tenant = await make_tenant()
    await _target(db, tenant, "pager", event_types=["incident.reopened"])
    await make_rules(db, tenant, CHECK)
    await send(db, tenant, START, check(id="r1"))
    await send(db, tenant, START + timedelta(minutes=1), {**check(id="r2"), "status": "resolved"})

    await send(db, tenant, START + timedelta(minutes=2), check(id="r3"))

    sent = await _deliveries(db, tenant)
    assert [(event, payload["change"]["data"]["note"]) for _, event, payload in sent] == [
        ("incident.reopened", "reopened: alert recurred")]


async def test_a_delivery_whose_secret_no_longer_opens_fails_at_once_and_says_why(db, runtime, make_tenant):
    # given a target whose secret was sealed with a key this installation no longer has
    tenant = await make_tenant()
    target = await _target(db, tenant, "rotated")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_incident(tx, new=NewIncident(title="Checkout down", severity="SEV3"), actor="alice")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        delivery = await tx.session.scalar(select(WebhookDelivery).where(WebhookDelivery.target_id == target.id))
    # when the worker sends it
    status = await send_delivery(runtime, tenant_id=tenant.tenant_id, delivery_id=delivery.id, attempt=1, final=False)
    # then it is not retried: it failed, and the reason tells the admin to set the secret again
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        recorded = await tx.session.get(WebhookDelivery, delivery.id)
    assert status == "failed" and recorded.status == "failed" and recorded.attempts == 1
    assert "set it again" in recorded.last_error and recorded.last_status_code is None
