"""Moving a change: by hand through the lifecycle, by the CAB's votes, and by a lapsed approval."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.changes import cab, lifecycle
from domain.changes.models import DECISIONS, ChangePolicy, ChangeRequest, ChangeVote
from domain.changes.service import announce, locked_change, reassess, record_move
from domain.errors import Conflict, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

STAMPS = {"approved": "approved_at", "implementing": "started_at", "implemented": "implemented_at",
          "closed": "closed_at"}


def _needs_window(change: ChangeRequest, to: str) -> None:
    if to in ("submitted", "scheduled", "implementing") and change.planned_start is None:
        raise ValidationFailed(f"{change.reference} needs a planned window before it is {to}.", field="plannedStart")
    if to in ("scheduled", "implementing") and change.planned_end <= clock.now():
        raise Conflict(f"{change.reference}'s window has passed; its approval lapses. Plan a new window.",
                       field="plannedEnd", code="WINDOW_PASSED")


async def transition_change(tx: Transaction, *, change_id: uuid.UUID, to: str, actor: str, note: str = "",
                            expected_version: int | None = None) -> ChangeRequest:
    """Move a change by hand (see domain/changes/lifecycle.py); submitting and scheduling check collisions."""
    change = await locked_change(tx, change_id, expected_version=expected_version)
    lifecycle.check_manual(change.state, to, change.type)
    _needs_window(change, to)
    if change.type == "emergency" and to == "closed" and change.approved_at and not note.strip():
        raise ValidationFailed(f"{change.reference} went through the emergency CAB: close it with its "
                               "post-implementation review as the note.", field="note")
    if to in ("submitted", "assessment", "scheduled"):
        await reassess(tx, change, enforce=to in ("submitted", "scheduled"))
    record_move(change, to=to, actor=actor, note=note[:2000])
    _stamp(change, to)
    announce(tx, change, "moved")
    return change


def _stamp(change: ChangeRequest, to: str) -> None:
    now = clock.now()
    if to in STAMPS:
        setattr(change, STAMPS[to], now)
    if to in lifecycle.FAILED_STATES and change.implemented_at is None:
        change.implemented_at = now  # it was applied: correlation looks from here


async def cab_rule(tx: Transaction, change_type: str) -> cab.CabRule:
    policy = await tx.session.get(ChangePolicy, tx.tenant_id)
    return cab.rule_for(change_type, policy.cab_rules if policy else None)


async def _check_voter(tx: Transaction, change: ChangeRequest, voter_id: uuid.UUID | None,
                       roles: Iterable[str]) -> None:
    if voter_id is None:
        raise Forbidden("Only people vote on changes, not API keys.", field="id", code="NOT_A_PERSON")
    if voter_id == change.requester_id:
        raise Forbidden(f"You requested {change.reference}; nobody approves their own change.", field="id",
                        code="SELF_APPROVAL")
    policy = await tx.session.get(ChangePolicy, tx.tenant_id)
    if policy is not None and policy.cab_role and policy.cab_role not in roles:
        raise Forbidden(f"Only members of the CAB role {policy.cab_role!r} vote on changes.", field="id",
                        code="NOT_CAB_MEMBER")
    earlier = await tx.session.get(ChangeVote, (change.id, change.cab_round, voter_id))
    if earlier is not None:
        raise Conflict(f"You already voted {earlier.decision} on {change.reference}.", field="id", code="ALREADY_VOTED")


async def cast_vote(tx: Transaction, *, change_id: uuid.UUID, voter_id: uuid.UUID | None, roles: Iterable[str],
                    decision: str, comment: str, actor: str) -> ChangeRequest:
    """One CAB member's vote with a comment; the CAB rule decides the change once the votes suffice."""
    if decision not in DECISIONS:
        raise ValidationFailed("decision must be approve or reject.", field="decision")
    comment = (comment or "").strip()
    if not 1 <= len(comment) <= 2000:
        raise ValidationFailed("Every vote needs a comment (1-2000 characters).", field="comment")
    change = await locked_change(tx, change_id)
    if change.state != "cab_review":
        raise Conflict(f"{change.reference} is {change.state}, not under CAB review.", field="id",
                       code="NOT_UNDER_REVIEW")
    await _check_voter(tx, change, voter_id, roles)
    tx.session.add(ChangeVote(tenant_id=tx.tenant_id, change_id=change.id, cab_round=change.cab_round,
                              voter_id=voter_id, voter=actor, decision=decision, comment=comment,
                              created_at=clock.now()))
    await tx.session.flush()
    decisions = await tx.session.scalars(select(ChangeVote.decision).where(
        ChangeVote.tenant_id == tx.tenant_id, ChangeVote.change_id == change.id,
        ChangeVote.cab_round == change.cab_round))
    outcome = cab.tally(await cab_rule(tx, change.type), decisions)
    if outcome == cab.PENDING:
        change.version += 1
    else:
        record_move(change, to=outcome, actor="CAB", note=f"decided by the CAB after {actor}'s vote")
        _stamp(change, outcome)
    announce(tx, change, "voted", decision=decision, voter=actor, outcome=outcome)
    return change


async def lapse_approvals(tx: Transaction) -> list[ChangeRequest]:
    """Approved or scheduled changes whose window ended unstarted go back to assessment for a new round."""
    lapsed = list(await tx.session.scalars(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.state.in_(("approved", "scheduled")),
        ChangeRequest.planned_end <= clock.now()).with_for_update(skip_locked=True)))
    for change in lapsed:
        record_move(change, to="assessment", actor="change policy", note="approval lapsed: the window passed unstarted")
        change.cab_round += 1
        change.approved_at = None
        announce(tx, change, "lapsed")
    return lapsed
