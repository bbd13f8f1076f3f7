"""Workflow triggers: conditions over the incident, a storm bounded by the concurrency limit, a job run twice."""

from sqlalchemy import func, select

from domain.automation.models import Run, Workflow
from domain.automation.runbooks import save_workflow
from domain.automation.spec import WorkflowSpec
from domain.automation.triggers import trigger_workflows
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
