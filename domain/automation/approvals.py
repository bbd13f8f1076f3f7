"""Approval gates: a person holding the gate's permission approves or rejects, before the gate expires.

The run's requester may not decide their own gate unless the runbook says so. Rejection needs a
reason; expiry rejects (the run fails, saying so). An unapproved step never runs: the run waits at
the gate and every later step stays pending until the decision.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.automation.engine import attempt_failed
from domain.automation.models import Approval, RunStep
from domain.automation.runs import locked_run, record, resume, step_succeeded
from domain.errors import Conflict, Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import Transaction


async def _locked(tx: Transaction, approval_id: uuid.UUID) -> Approval:
    approval = await tx.session.scalar(select(Approval).where(
        Approval.tenant_id == tx.tenant_id, Approval.id == approval_id).with_for_update())
    if approval is None:
        raise NotFound("No such approval.", field="id")
    return approval


def _check_decider(approval: Approval, principal: Principal) -> None:
    if approval.status != "pending":
        raise Conflict(f"The approval is already {approval.status}.", field="id")
    if approval.expires_at <= clock.now():
        raise Conflict("The approval expired; the run was rejected.", field="id")
    if not principal.can(approval.permission):
        raise Forbidden(f"Deciding this approval needs the {approval.permission!r} permission.", field="id")
    if not approval.allow_requester and principal.actor == approval.requested_by:
        raise Forbidden("You requested this run; someone else must approve it.", field="id")


async def decide_approval(tx: Transaction, *, approval_id: uuid.UUID, approve: bool, reason: str,
                          principal: Principal) -> Approval:
    """Approve (the run goes on) or reject (the run fails) a pending gate."""
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationFailed("Say why you reject it.", field="reason")
    if len(reason) > 2000:
        raise ValidationFailed("The reason is longer than 2000 characters.", field="reason")
    approval = await _locked(tx, approval_id)
    _check_decider(approval, principal)
    approval.status = "approved" if approve else "rejected"
    approval.decided_by, approval.reason, approval.decided_at = principal.actor, reason or None, clock.now()
    await _settle_gate(tx, approval, actor=principal.actor)
    return approval


async def _settle_gate(tx: Transaction, approval: Approval, *, actor: str) -> None:
    run = await locked_run(tx, approval.run_id)
    step = await tx.session.get(RunStep, approval.step_id, with_for_update=True)
    if approval.status == "approved":
        step_succeeded(step, outputs={"decided_by": actor, "reason": approval.reason}, actor=actor)
        resume(tx, run, step, kind="approved", actor=actor)
        return
    record(tx, run, kind=approval.status, actor=actor, step=step, reason=approval.reason)
    await attempt_failed(tx, run, step, f"{approval.status} by {actor}: {approval.reason}", final=True)


async def expire_approvals(tx: Transaction) -> int:
    """Reject every pending gate of this tenant past its expiry; returns how many."""
    due = list(await tx.session.scalars(select(Approval).where(
        Approval.tenant_id == tx.tenant_id, Approval.status == "pending", Approval.expires_at <= clock.now())
        .with_for_update(skip_locked=True)))
    for approval in due:
        approval.status, approval.decided_by, approval.decided_at = "expired", "automation", clock.now()
        approval.reason = "nobody decided before it expired"
        await _settle_gate(tx, approval, actor="automation")
    return len(due)
