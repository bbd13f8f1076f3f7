"""Workflow triggers: conditions over the incident, a storm bounded by the concurrency limit, a job run twice."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain import clock
from domain.automation.models import Run, Workflow
from domain.automation.runbooks import save_workflow
from domain.automation.spec import WorkflowSpec, parse
from domain.automation.triggers import fire_schedules, trigger_workflows
from domain.errors import ValidationFailed
from domain.incidents.service import NewIncident, create_incident
from domain.outbox.models import OutboxJob
from tests.domain.automation.helpers import published

GATE = {"name": "page-dba", "steps": [{"name": "ok", "kind": "approval"}]}


async def _workflow(db, tenant, **spec):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await save_workflow(tx, actor="t", spec=WorkflowSpec.model_validate(
            {"name": "sev1", "trigger": "incident.created", "runbook": "page-dba",
             "condition": 'incident.severity == "SEV1"', **spec}))


async def _incident(db, tenant, severity):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return (await create_incident(tx, new=NewIncident(title="db down", severity=severity), actor="t")).id


async def _trigger(db, tenant, incident_id, key):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await trigger_workflows(tx, event="incident.created", subject_id=incident_id, trigger_key=key)


async def test_an_incident_change_enqueues_the_trigger_only_when_a_workflow_listens(db, make_tenant):
    quiet, listening = await make_tenant(), await make_tenant()
    await published(db, listening, GATE)
    await _workflow(db, listening)

    for tenant in (quiet, listening):
        await _incident(db, tenant, "SEV3")

    async def triggers(tenant):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return await tx.session.scalar(select(func.count()).select_from(OutboxJob).where(
                OutboxJob.function == "workflow_trigger"))
    assert (await triggers(quiet), await triggers(listening)) == (0, 1)


async def test_the_condition_decides_and_a_job_run_twice_starts_one_run(db, make_tenant):
    tenant = await make_tenant()
    await published(db, tenant, GATE)
    await _workflow(db, tenant)
    sev1, sev3 = await _incident(db, tenant, "SEV1"), await _incident(db, tenant, "SEV3")

    assert len(await _trigger(db, tenant, sev3, "job-a")) == 0
    [run] = await _trigger(db, tenant, sev1, "job-b")
    again = await _trigger(db, tenant, sev1, "job-b")  # the same job, run again after a crash

    assert again == [] and run.subject["severity"] == "SEV1" and run.requested_by == "workflow:sev1"


async def test_a_storm_of_triggers_starts_at_most_max_concurrent_runs(db, make_tenant):
    tenant = await make_tenant()
    await published(db, tenant, GATE)
    await _workflow(db, tenant, max_concurrent=2)
    incident = await _incident(db, tenant, "SEV1")

    for n in range(10):
        await _trigger(db, tenant, incident, f"storm-{n}")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        runs = await tx.session.scalar(select(func.count()).select_from(Run))
        skipped = await tx.session.scalar(select(Workflow.skipped))
    assert (runs, skipped) == (2, 8)


async def test_a_scheduled_workflow_fires_once_per_due_occurrence(db, make_tenant):
    tenant = await make_tenant()
    await published(db, tenant, GATE)
    await _workflow(db, tenant, name="nightly", trigger="schedule", schedule="0 3 * * *", condition="")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        saved = await tx.session.scalar(select(Workflow.last_fired_at).where(Workflow.name == "nightly"))

    async def tick(at):
        with clock.clock_at(at):
            async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                return await fire_schedules(tx)

    next_3am = saved.replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=1 if saved.hour >= 3 else 0)
    before, due, again = (await tick(next_3am - timedelta(seconds=1)), await tick(next_3am + timedelta(seconds=5)),
                          await tick(next_3am + timedelta(hours=1)))
    days_later = await tick(next_3am + timedelta(days=3, hours=1))  # three missed days fire once, not three times
    right_after = await tick(next_3am + timedelta(days=3, hours=2))

    assert (before, due, again, days_later, right_after) == (0, 1, 0, 1, 0)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        keys = list(await tx.session.scalars(select(Run.trigger_key).order_by(Run.created_at)))
    assert keys[0] == f"schedule:{next_3am.isoformat()}" and len(keys) == 2


def test_a_schedule_needs_a_valid_cron_and_only_schedules_take_one():
    with pytest.raises(ValidationFailed, match="is not a cron expression"):
        parse(WorkflowSpec, {"name": "w", "trigger": "schedule", "schedule": "every day", "runbook": "r"})
    with pytest.raises(ValidationFailed, match="only it takes one"):
        parse(WorkflowSpec, {"name": "w", "trigger": "manual", "schedule": "0 3 * * *", "runbook": "r"})
