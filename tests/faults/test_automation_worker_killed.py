"""A worker killed with SIGKILL in the middle of a run's HTTP step: another worker resumes the run at that step,
sends the same attempt with the same idempotency key, and every side effect of the run happens once."""

import time

from sqlalchemy import select

from domain.automation.models import Run, RunStep
from domain.automation.runbooks import publish_runbook, save_runbook
from domain.automation.runs import start_run
from domain.automation.spec import RunbookSpec
from domain.incidents.models import TimelineEntry
from domain.incidents.service import NewIncident, create_incident
from tests.faults.lab import wait_for


async def _run_state(runtime, tenant_id, run_id):
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        run = await tx.session.get(Run, run_id)
        steps = (await tx.session.execute(select(RunStep.name, RunStep.status, RunStep.attempt)
                                          .where(RunStep.run_id == run_id).order_by(RunStep.position))).all()
        comments = list(await tx.session.scalars(select(TimelineEntry.data).where(TimelineEntry.kind == "comment")))
        return run.status, [tuple(s) for s in steps], comments


async def test_a_run_whose_worker_dies_mid_call_resumes_and_does_each_side_effect_once(
        lab_runtime, tenant, receiver, workers):
    # given a worker running a run's HTTP step, the receiver holding its answer
    first = workers()
    await first.wait_for_log("Starting worker")
    receiver.hold()
    async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="db down", severity="SEV1"), actor="test")
        runbook = await save_runbook(tx, actor="test", spec=RunbookSpec.model_validate({"name": "notify", "steps": [
            {"name": "page", "kind": "http", "url": receiver.url, "body": {"incident": "{{ subject.id }}"}},
            {"name": "note", "kind": "mutation", "action": "incident.comment",
             "params": {"incident_id": "{{ subject.id }}", "body": "paged: {{ steps.page.outputs.status }}"}}]}))
        await publish_runbook(tx, runbook_id=runbook.id)
        run = await start_run(tx, runbook=runbook, inputs={}, subject={"id": str(incident.id)},
                              actor=f"owner@{tenant.slug}.example.com")
    await wait_for(lambda: len(receiver.requests) == 1, timeout=30, what="the HTTP step in flight")

    # when that worker is killed, the receiver answers from now on, and a new worker starts
    first.kill()
    killed_at = time.monotonic()
    receiver.release()
    workers()

    # then the run finishes within a minute, the step's one attempt was resent with the same key, and the
    # comment after it was made once
    async def finished():
        state = await _run_state(lab_runtime, tenant.tenant_id, run.id)
        return state[0] in ("succeeded", "failed") and state
    status, steps, comments = await wait_for(finished, timeout=60, what="the run to finish")
    assert time.monotonic() - killed_at < 60
    assert (status, steps) == ("succeeded", [("page", "succeeded", 1), ("note", "succeeded", 1)])
    keys = [r["headers"]["idempotency-key"] for r in receiver.requests]
    assert len(keys) >= 2 and set(keys) == {f"{await _step_id(lab_runtime, tenant, run.id)}:1"}
    assert [r["payload"] for r in receiver.requests] == [{"incident": str(incident.id)}] * len(keys)
    assert [c["body"] for c in comments] == ["paged: 200"]


async def _step_id(runtime, tenant, run_id):
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(RunStep.id).where(RunStep.run_id == run_id, RunStep.position == 0))
