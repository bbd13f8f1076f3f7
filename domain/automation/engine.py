"""The run state machine: a worker moves a run from step to step, persisting each change first.

``advance`` is what the ``automation_advance`` job runs. Each hop is one short transaction that locks
the run, looks at the step it is at and decides. Side effects outside the database (HTTP) happen
between two transactions: the step is marked ``running`` with the job that claimed it and its
attempt, the call is made with the idempotency key ``<step id>:<attempt>``, and the result is
recorded. A worker killed mid-call leaves the step ``running``; the job's re-run (arq runs a dead
worker's job again) finds its own claim and makes the same call with the same key, so the receiver
sees one attempt once; another job finding someone else's claim leaves it alone until the step's
timeout has passed, then counts the attempt as failed. Mutations run inside the hop's transaction
(exactly once); waits, approvals, manual checks and agent steps park the run until a timer, a
person or an agent settles them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.alerting.cel import compile_condition
from domain.automation import actions
from domain.automation.models import Approval, Run, Runbook, RunStep
from domain.automation.runs import advance_later, finish_run, locked_run, record, run_steps, step_at, step_succeeded
from domain.automation.templates import TemplateError, render
from domain.errors import DomainError

if TYPE_CHECKING:
    from domain.ports import Runtime
    from domain.uow import Transaction

MAX_HOPS = 200
STOP, NEXT = "stop", "next"
ENGINE = "automation"


async def advance(runtime: Runtime, *, tenant_id: uuid.UUID, run_id: uuid.UUID, job_id: str) -> str:
    """Move the run on as far as it can go now; returns its status."""
    for _ in range(MAX_HOPS):
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            outcome = await _hop(tx, run_id, job_id)
        if isinstance(outcome, actions.HttpCall):
            result = await actions.call_http(outcome, secrets=runtime.secrets, tenant_id=tenant_id)
            async with runtime.db.transaction(tenant_id=tenant_id) as tx:
                outcome = await _settle_call(tx, run_id, outcome, result)
        if outcome == STOP:
            break
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        return await tx.session.scalar(select(Run.status).where(Run.id == run_id)) or "missing"


async def _hop(tx: Transaction, run_id: uuid.UUID, job_id: str):
    run = await locked_run(tx, run_id)
    if run.status != "running":
        return STOP
    step = await step_at(tx, run, lock=True)
    if step is None:
        await finish_run(tx, run, status="succeeded", actor=ENGINE)
        return STOP
    if step.status in ("succeeded", "skipped"):
        run.position += 1
        return NEXT
    if step.status == "failed":
        await finish_run(tx, run, status="failed", actor=ENGINE, error=f"step {step.name} failed: {step.error}")
        return STOP
    if step.status == "pending":
        return await _begin(tx, run, step, job_id)
    if step.status == "running":
        return await _running(tx, run, step, job_id)
    if step.status == "waiting" and step.kind == "wait" and clock.now().isoformat() >= step.outputs.get("until", ""):
        step_succeeded(step, outputs={"waited": step.inputs.get("seconds")}, actor=ENGINE)
        return NEXT
    return STOP


async def _definition(tx: Transaction, run: Run, step: RunStep) -> dict:
    runbook = await tx.session.get(Runbook, run.runbook_id)
    return dict(runbook.steps[step.position])


async def _context(tx: Transaction, run: Run) -> dict:
    done = {s.name: {"status": s.status, "outputs": s.outputs} for s in await run_steps(tx, run.id)
            if s.position < run.position}
    return {"inputs": run.inputs, "subject": run.subject, "steps": done}


async def _begin(tx: Transaction, run: Run, step: RunStep, job_id: str):
    definition = await _definition(tx, run, step)
    context = await _context(tx, run)
    try:
        step.inputs = render({k: v for k, v in definition.items() if k not in ("when",)}, context)
    except TemplateError as bad:
        step.attempt += 1
        return await attempt_failed(tx, run, step, str(bad), final=True)
    step.attempt += 1
    step.started_at, step.error = clock.now(), None
    record(tx, run, kind="step_started", actor=ENGINE, step=step)
    return await BEGIN[step.kind](tx, run, step, definition, context, job_id)


async def _begin_http(tx, run, step, definition, context, job_id):
    step.status, step.claimed_by = "running", job_id
    return actions.HttpCall.of(step)


async def _begin_mutation(tx, run, step, definition, context, job_id):
    try:
        outputs = await actions.run_mutation(tx, run, step.inputs, actor=f"run:{run.id}:{run.requested_by}")
    except DomainError as refused:
        return await attempt_failed(tx, run, step, refused.message, final=True)
    step_succeeded(step, outputs=outputs, actor=ENGINE)
    record(tx, run, kind="step_succeeded", actor=ENGINE, step=step)
    return NEXT


async def _begin_wait(tx, run, step, definition, context, job_id):
    seconds = float(step.inputs.get("seconds", 0))
    step.status, step.outputs = "waiting", {"until": (clock.now() + timedelta(seconds=seconds)).isoformat()}
    advance_later(tx, run.id, delay=seconds)
    return STOP


async def _begin_condition(tx, run, step, definition, context, job_id):
    holds = compile_condition(definition["when"], root="run").matches(context)
    step_succeeded(step, outputs={"result": holds}, actor=ENGINE)
    record(tx, run, kind="step_succeeded", actor=ENGINE, step=step)
    if holds:
        return NEXT
    await finish_run(tx, run, status="succeeded", actor=ENGINE)
    return STOP


async def _begin_approval(tx, run, step, definition, context, job_id):
    ttl = timedelta(minutes=int(step.inputs.get("ttl_minutes", 60)))
    approval = Approval(tenant_id=tx.tenant_id, run_id=run.id, step_id=step.id, status="pending",
                        permission=step.inputs.get("permission", "automation.run"),
                        allow_requester=bool(step.inputs.get("allow_requester")), requested_by=run.requested_by,
                        summary=str(step.inputs.get("summary", "")), expires_at=clock.now() + ttl,
                        created_at=clock.now())
    tx.session.add(approval)
    await tx.session.flush()
    return _park(tx, run, step, kind="approval_requested", approval_id=str(approval.id))


async def _begin_waiting_for_someone(tx, run, step, definition, context, job_id):
    if step.kind == "agent":
        step.attempt = 0  # an agent's claim counts the attempts (a lease per attempt)
    return _park(tx, run, step, kind="step_waiting")


def _park(tx: Transaction, run: Run, step: RunStep, *, kind: str, **data) -> str:
    step.status, run.status = "waiting", "waiting"
    record(tx, run, kind=kind, actor=ENGINE, step=step, **data)
    return STOP


BEGIN = {"http": _begin_http, "mutation": _begin_mutation, "wait": _begin_wait, "condition": _begin_condition,
         "approval": _begin_approval, "manual": _begin_waiting_for_someone, "agent": _begin_waiting_for_someone}


async def _running(tx: Transaction, run: Run, step: RunStep, job_id: str):
    if step.claimed_by == job_id:  # this job died mid-call and runs again: the same call, the same key
        return actions.HttpCall.of(step)
    overdue = step.started_at + timedelta(seconds=float(step.inputs.get("timeout", 60)) + 30)
    if clock.now() < overdue:
        return STOP  # another job is on it
    return await attempt_failed(tx, run, step, "timed out")


async def _settle_call(tx: Transaction, run_id: uuid.UUID, call: actions.HttpCall, result: actions.Result) -> str:
    run = await locked_run(tx, run_id)
    step = await tx.session.get(RunStep, call.step_id, with_for_update=True)
    if run.status != "running" or step.status != "running" or step.attempt != call.attempt:
        return STOP  # cancelled meanwhile, or settled by another job
    if not result.ok:
        return await attempt_failed(tx, run, step, result.error)  # a retry waits for its deferred job
    step_succeeded(step, outputs=result.outputs, actor=ENGINE)
    record(tx, run, kind="step_succeeded", actor=ENGINE, step=step)
    return NEXT


async def attempt_failed(tx: Transaction, run: Run, step: RunStep, error: str, *, final: bool = False) -> str:
    """Count a failed attempt: retry it later (doubling delays) while tries remain, else fail the run."""
    retries, delay = int(step.inputs.get("retries", 0)), float(step.inputs.get("retry_delay", 1.0))
    step.error, step.claimed_by, step.lease_expires_at, step.agent_id = error[:2000], None, None, None
    if not final and step.attempt <= retries:
        step.status = "waiting" if step.kind == "agent" else "pending"
        record(tx, run, kind="step_retry", actor=ENGINE, step=step, error=step.error)
        if step.kind != "agent":
            advance_later(tx, run.id, delay=delay * 2 ** (step.attempt - 1))
        return STOP
    step.status, step.finished_at = "failed", clock.now()
    record(tx, run, kind="step_failed", actor=ENGINE, step=step, error=step.error)
    await finish_run(tx, run, status="failed", actor=ENGINE, error=f"step {step.name} failed: {step.error}")
    return STOP
