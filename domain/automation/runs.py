"""Runs: start one, cancel one, the audit trail, and the helpers every step change uses.

A run advances in the workers (domain/automation/engine.py): every change here that lets it move on
enqueues ``automation_advance`` through the outbox, so it follows the commit even if Redis is down.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from domain import clock
from domain.automation.models import Approval, Run, Runbook, RunEvent, RunStep
from domain.automation.spec import check_inputs
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

ADVANCE = "automation_advance"
OPEN_STEP_STATES = ("pending", "running", "waiting", "leased")


def channel_for(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel of a tenant's run and approval changes."""
    return f"atlas:automation:{tenant_id}"


def record(tx: Transaction, run: Run, *, kind: str, actor: str, step: RunStep | None = None, **data: Any) -> None:
    """Append to the run's audit trail and announce the change after commit."""
    if step is not None:
        data = {"step": step.name, "position": step.position, "attempt": step.attempt, **data}
    tx.session.add(RunEvent(tenant_id=tx.tenant_id, run_id=run.id, actor=actor, kind=kind, data=data,
                            at=clock.now()))
    tx.emit(channel_for(tx.tenant_id), {"run_id": str(run.id), "kind": kind, "status": run.status, **data})


def advance_later(tx: Transaction, run_id: uuid.UUID, *, delay: float = 0) -> None:
    """Let a worker move the run on after this commit (after ``delay`` seconds)."""
    extra = {"_defer_by": delay} if delay > 0 else {}
    tx.enqueue(ADVANCE, tenant_id=str(tx.tenant_id), run_id=str(run_id), **extra)


async def start_run(tx: Transaction, *, runbook: Runbook, inputs: dict, subject: dict, actor: str,
                    workflow_id: uuid.UUID | None = None, trigger_key: str | None = None) -> Run:
    """Start ``runbook`` (published, or a draft run by hand) with validated inputs."""
    if runbook.status == "archived":
        raise Conflict(f"Version {runbook.version} of {runbook.name!r} is archived.", field="runbookId")
    run = Run(tenant_id=tx.tenant_id, runbook_id=runbook.id, workflow_id=workflow_id, trigger_key=trigger_key,
              status="running", inputs=check_inputs(runbook.inputs_schema, inputs), subject=subject,
              requested_by=actor, created_at=clock.now())
    tx.session.add(run)
    await tx.session.flush()
    for position, step in enumerate(runbook.steps):
        tx.session.add(RunStep(tenant_id=tx.tenant_id, run_id=run.id, position=position, name=step["name"],
                               kind=step["kind"], status="pending"))
    await tx.session.flush()
    record(tx, run, kind="started", actor=actor, runbook=runbook.name, version=runbook.version)
    advance_later(tx, run.id)
    return run


async def locked_run(tx: Transaction, run_id: uuid.UUID) -> Run:
    """The run, locked for this transaction."""
    run = await tx.session.scalar(select(Run).where(Run.tenant_id == tx.tenant_id, Run.id == run_id)
                                  .with_for_update())
    if run is None:
        raise NotFound("No such run.", field="runId")
    return run


async def run_steps(tx: Transaction, run_id: uuid.UUID) -> list[RunStep]:
    """The run's steps in order."""
    return list(await tx.session.scalars(select(RunStep).where(
        RunStep.tenant_id == tx.tenant_id, RunStep.run_id == run_id).order_by(RunStep.position)))


async def finish_run(tx: Transaction, run: Run, *, status: str, actor: str, error: str | None = None) -> None:
    """End the run; steps not yet done are skipped (or cancelled), open approvals are closed."""
    run.status, run.error, run.finished_at = status, error, clock.now()
    leftover = "cancelled" if status == "cancelled" else "skipped"
    await tx.session.execute(update(RunStep).where(
        RunStep.tenant_id == tx.tenant_id, RunStep.run_id == run.id, RunStep.status.in_(OPEN_STEP_STATES))
        .values(status=leftover, finished_at=clock.now(), lease_expires_at=None))
    await tx.session.execute(update(Approval).where(
        Approval.tenant_id == tx.tenant_id, Approval.run_id == run.id, Approval.status == "pending")
        .values(status="rejected", decided_by=actor, reason=f"the run {status}", decided_at=clock.now()))
    record(tx, run, kind=status, actor=actor, **({"error": error} if error else {}))
    if status == "succeeded" and isinstance(run.subject, dict) and run.subject.get("id"):
        from domain.ai.pipeline.service import remediation_finished  # a run on an incident is its remediation

        await remediation_finished(tx, subject=run.subject)


async def cancel_run(tx: Transaction, *, run_id: uuid.UUID, actor: str, reason: str = "") -> Run:
    """Cancel a run that has not ended; a step running on an agent has its result refused."""
    run = await locked_run(tx, run_id)
    if run.status not in ("running", "waiting"):
        raise Conflict(f"The run already {run.status}.", field="runId")
    await finish_run(tx, run, status="cancelled", actor=actor, error=reason[:2000] or None)
    return run


async def complete_manual_step(tx: Transaction, *, run_id: uuid.UUID, note: str, actor: str) -> Run:
    """A person ticks the manual check the run waits on."""
    run = await locked_run(tx, run_id)
    step = await step_at(tx, run)
    if run.status != "waiting" or step is None or step.kind != "manual" or step.status != "waiting":
        raise Conflict("The run is not waiting on a manual check.", field="runId")
    if len(note) > 2000:
        raise ValidationFailed("The note is longer than 2000 characters.", field="note")
    step_succeeded(step, outputs={"note": note, "by": actor}, actor=actor)
    resume(tx, run, step, kind="step_completed", actor=actor)
    return run


async def step_at(tx: Transaction, run: Run, *, lock: bool = False) -> RunStep | None:
    """The step the run is at (None past the last)."""
    query = select(RunStep).where(RunStep.tenant_id == tx.tenant_id, RunStep.run_id == run.id,
                                  RunStep.position == run.position)
    return await tx.session.scalar(query.with_for_update() if lock else query)


def step_succeeded(step: RunStep, *, outputs: dict, actor: str) -> None:
    step.status, step.outputs, step.actor, step.finished_at = "succeeded", outputs, actor, clock.now()
    step.lease_expires_at = None


def resume(tx: Transaction, run: Run, step: RunStep, *, kind: str, actor: str) -> None:
    """A waiting step settled outside the worker: let the run move on."""
    run.status = "running"
    record(tx, run, kind=kind, actor=actor, step=step)
    advance_later(tx, run.id)
