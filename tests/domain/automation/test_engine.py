"""The run state machine: steps in order, outputs feeding later steps, conditions, retries, approvals."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import clock
from domain.automation.approvals import decide_approval, expire_approvals
from domain.automation.models import Run
from domain.automation.runs import cancel_run
from domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from domain.incidents.models import TimelineEntry
from domain.incidents.service import NewIncident, create_incident
from tests.domain.automation.helpers import (
    advance,
    events,
    outputs,
    pending_approval,
    principal_of,
    published,
    start,
    state,
)

GATED = {"name": "gated", "steps": [
    {"name": "check", "kind": "condition", "when": "run.inputs.host != ''"},
    {"name": "ok", "kind": "approval", "summary": "restart {{ inputs.host }}", "ttl_minutes": 5},
    {"name": "note", "kind": "mutation", "action": "incident.comment",
     "params": {"incident_id": "{{ subject.id }}", "body": "restarted {{ inputs.host }} after {{ steps.ok.outputs.decided_by }}"}},
], "inputs": {"type": "object", "required": ["host"], "properties": {"host": {"type": "string"}}}}


async def _incident(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="db down", severity="SEV1"), actor="t")
        return {"id": str(incident.id), "severity": "SEV1"}


async def _comments(db, tenant) -> list[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = await tx.session.scalars(select(TimelineEntry.data).where(TimelineEntry.kind == "comment"))
        return [row.get("body") for row in rows]


async def test_an_unapproved_step_never_runs_and_an_approval_lets_the_run_finish(runtime, db, make_tenant, add_member):
    # given a run waiting at its approval gate
    tenant = await make_tenant()
    approver = await add_member(tenant, ["responder"])
    runbook = await published(db, tenant, GATED)
    run_id = await start(db, tenant, runbook, inputs={"host": "db-1"}, subject=await _incident(db, tenant),
                         actor=f"owner@{tenant.slug}.example.com")
    assert await advance(runtime, tenant, run_id) == "waiting"
    assert await advance(runtime, tenant, run_id) == "waiting"  # a second look changes nothing
    assert (await state(db, tenant, run_id))[1][2] == ("note", "pending", 0)
    assert await _comments(db, tenant) == []

    # when the requester tries to approve it, they are refused; another responder approves
    gate = await pending_approval(db, tenant, run_id)
    with pytest.raises(Forbidden, match="someone else must approve it"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await decide_approval(tx, approval_id=gate, approve=True, reason="",
                                  principal=await principal_of(db, tenant, f"owner@{tenant.slug}.example.com"))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await decide_approval(tx, approval_id=gate, approve=True, reason="go",
                              principal=await principal_of(db, tenant, approver))

    # then the run goes on: the comment (templated from the inputs and the gate's outputs) is made once
    assert await advance(runtime, tenant, run_id) == "succeeded"
    assert await advance(runtime, tenant, run_id) == "succeeded"
    assert await _comments(db, tenant) == [f"restarted db-1 after {approver}"]
    assert (await state(db, tenant, run_id))[1] == [("check", "succeeded", 1), ("ok", "succeeded", 1),
                                                    ("note", "succeeded", 1)]
    assert "approved" in await events(db, tenant, run_id)


async def test_an_expired_approval_rejects_the_run(runtime, db, make_tenant):
    tenant = await make_tenant()
    runbook = await published(db, tenant, {**GATED, "steps": [{**GATED["steps"][1], "ttl_minutes": 1},
                                                              GATED["steps"][2]]})
    run_id = await start(db, tenant, runbook, inputs={"host": "db-1"}, subject=await _incident(db, tenant))
    await advance(runtime, tenant, run_id)

    # when the clock passes the gate's expiry
    with clock.clock_at(clock.now() + timedelta(minutes=2)):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            assert await expire_approvals(tx) == 1

    status, steps = await state(db, tenant, run_id)
    assert status == "failed" and steps == [("ok", "failed", 1), ("note", "skipped", 0)]
    assert "expired" in await events(db, tenant, run_id)
    assert await _comments(db, tenant) == []


async def test_a_rejection_needs_a_reason_and_fails_the_run(runtime, db, make_tenant, add_member):
    tenant = await make_tenant()
    approver = await add_member(tenant, ["responder"])
    runbook = await published(db, tenant, GATED)
    run_id = await start(db, tenant, runbook, inputs={"host": "db-1"}, subject=await _incident(db, tenant))
    await advance(runtime, tenant, run_id)
    gate, who = await pending_approval(db, tenant, run_id), await principal_of(db, tenant, approver)

    with pytest.raises(ValidationFailed, match="Say why you reject it"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await decide_approval(tx, approval_id=gate, approve=False, reason=" ", principal=who)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await decide_approval(tx, approval_id=gate, approve=False, reason="not now", principal=who)

    status, steps = await state(db, tenant, run_id)
    assert status == "failed" and steps[2] == ("note", "skipped", 0)
    with pytest.raises(Conflict, match="already rejected"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await decide_approval(tx, approval_id=gate, approve=True, reason="", principal=who)


async def test_inputs_are_validated_against_the_runbooks_json_schema(db, make_tenant):
    tenant = await make_tenant()
    runbook = await published(db, tenant, GATED)

    with pytest.raises(ValidationFailed, match="inputs: 'host' is a required property"):
        await start(db, tenant, runbook, inputs={})
    with pytest.raises(ValidationFailed, match=r"inputs\.host: 5 is not of type 'string'"):
        await start(db, tenant, runbook, inputs={"host": 5})


async def test_a_false_condition_skips_the_rest_and_a_missing_template_name_fails_the_step(runtime, db, make_tenant):
    tenant = await make_tenant()
    runbook = await published(db, tenant, {"name": "cond", "steps": [
        {"name": "only-sev1", "kind": "condition", "when": "run.subject.severity == 'SEV1'"},
        {"name": "never", "kind": "wait", "seconds": 0}]})
    broken = await published(db, tenant, {"name": "broken", "steps": [
        {"name": "w", "kind": "mutation", "action": "incident.comment",
         "params": {"incident_id": "{{ inputs.nope }}"}}]})

    skipped = await start(db, tenant, runbook, subject={"severity": "SEV3"})
    failed = await start(db, tenant, broken)

    assert await advance(runtime, tenant, skipped) == "succeeded"
    assert (await state(db, tenant, skipped))[1] == [("only-sev1", "succeeded", 1), ("never", "skipped", 0)]
    assert await outputs(db, tenant, skipped, "only-sev1") == {"result": False}
    assert await advance(runtime, tenant, failed) == "failed"
    assert (await state(db, tenant, failed))[1] == [("w", "failed", 1)]


async def test_a_cancelled_run_stops_at_once(runtime, db, make_tenant):
    tenant = await make_tenant()
    runbook = await published(db, tenant, GATED)
    run_id = await start(db, tenant, runbook, inputs={"host": "x"}, subject=await _incident(db, tenant))
    await advance(runtime, tenant, run_id)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await cancel_run(tx, run_id=run_id, actor="t", reason="wrong host")

    assert await advance(runtime, tenant, run_id) == "cancelled"
    assert (await state(db, tenant, run_id))[1][1:] == [("ok", "cancelled", 1), ("note", "cancelled", 0)]
    assert await pending_approval(db, tenant, run_id) is None
    with pytest.raises(Conflict, match="The run already cancelled"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await cancel_run(tx, run_id=run_id, actor="t")


async def test_an_unknown_run_is_not_found(db, make_tenant):
    tenant = await make_tenant()
    with pytest.raises(NotFound):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await cancel_run(tx, run_id=uuid.uuid4(), actor="t")


async def test_a_mutation_step_acts_with_the_requesters_permissions(runtime, db, make_tenant, add_member):
    # given a run started by a viewer (no incident.write) whose first step comments on an incident
    tenant = await make_tenant()
    viewer = await add_member(tenant, ["viewer"])
    runbook = await published(db, tenant, {"name": "note", "steps": [GATED["steps"][2] | {
        "params": {"incident_id": "{{ subject.id }}", "body": "hello"}}]})
    run_id = await start(db, tenant, runbook, subject=await _incident(db, tenant), actor=viewer)

    # when it runs, the comment is refused and the run fails saying why
    assert await advance(runtime, tenant, run_id) == "failed"
    assert await _comments(db, tenant) == []
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        error = await tx.session.scalar(select(Run.error).where(Run.id == run_id))
    assert error == (f"step note failed: {viewer} may not incident.comment "
                     "(the run acts with its requester's permissions).")
