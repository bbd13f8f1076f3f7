"""Change use cases: raise, edit, move through the lifecycle, vote, link to incidents.

Each change locks the change row (``SELECT ... FOR UPDATE``) so concurrent moves and votes of one
change are serialised; ``expected_version`` refuses a move made on stale data. Every move is kept in
the change's history and announced on the tenant's change channel after commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from domain import clock
from domain.changes import collisions, risk
from domain.changes.models import TYPES, ChangeRequest
from domain.cmdb.queries import load_cis
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_CIS = 50


def channel_for(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel of a tenant's change events (moves and votes)."""
    return f"atlas:changes:{tenant_id}"


@dataclass
class ChangeDraft:
    """What a change request says."""

    title: str
    type: str
    description: str = ""
    backout_plan: str = ""
    ci_ids: list[uuid.UUID] = field(default_factory=list)
    planned_start: datetime | None = None
    planned_end: datetime | None = None


def _text(value: str, name: str, *, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationFailed(f"{name} must be {low}-{high} characters.", field=name)
    return value


async def _checked(tx: Transaction, draft: ChangeDraft) -> ChangeDraft:
    """The draft with its text trimmed, or a validation error naming the field."""
    if draft.type not in TYPES:
        raise ValidationFailed(f"type must be one of {', '.join(TYPES)}.", field="type")
    if (draft.planned_start is None) != (draft.planned_end is None):
        raise ValidationFailed("Give both ends of the planned window, or neither.", field="plannedEnd")
    if draft.planned_start and draft.planned_end and draft.planned_start >= draft.planned_end:
        raise ValidationFailed("The planned window must end after it starts.", field="plannedEnd")
    ci_ids = list(dict.fromkeys(draft.ci_ids))
    if len(ci_ids) > MAX_CIS:
        raise ValidationFailed(f"At most {MAX_CIS} CIs per change.", field="ciIds")
    if len(await load_cis(tx, ci_ids)) != len(ci_ids):
        raise ValidationFailed("Some CI ids are not configuration items of this tenant.", field="ciIds")
    return ChangeDraft(title=_text(draft.title, "title", low=1, high=300), type=draft.type, ci_ids=ci_ids,
                       description=_text(draft.description, "description", low=0, high=20_000),
                       backout_plan=_text(draft.backout_plan, "backoutPlan", low=0, high=20_000),
                       planned_start=draft.planned_start, planned_end=draft.planned_end)


async def _next_number(tx: Transaction) -> int:
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('atlas:changes:' || :t))"),
                             {"t": str(tx.tenant_id)})
    last = await tx.session.scalar(text("SELECT max(number) FROM change_requests WHERE tenant_id = :t"),
                                   {"t": tx.tenant_id})
    return (last or 0) + 1


async def reassess(tx: Transaction, change: ChangeRequest, *, enforce: bool = False) -> None:
    """Recompute the change's risk and collisions (raises ChangeCollision when ``enforce`` and blocked)."""
    reasons = await risk.assess(tx, change)
    change.risk_score = risk.total(reasons)
    change.risk_reasons = [r.as_dict() for r in reasons]
    change.collisions = [c.as_dict() for c in await collisions.detect(tx, change, enforce=enforce)]


async def create_change(tx: Transaction, *, draft: ChangeDraft, requester_id: uuid.UUID | None,
                        actor: str) -> ChangeRequest:
    """Raise a change request in ``draft``, with its risk and collisions assessed."""
    checked = await _checked(tx, draft)
    now = clock.now()
    change = ChangeRequest(tenant_id=tx.tenant_id, id=uuid.uuid4(), number=await _next_number(tx),
                           title=checked.title, type=checked.type, description=checked.description,
                           backout_plan=checked.backout_plan, ci_ids=checked.ci_ids,
                           planned_start=checked.planned_start, planned_end=checked.planned_end,
                           requester_id=requester_id, requested_by=actor, created_at=now, updated_at=now,
                           history=[{"to": "draft", "at": now.isoformat(), "actor": actor}])
    await reassess(tx, change)
    tx.session.add(change)
    await tx.session.flush()
    announce(tx, change, "created")
    return change


async def update_change(tx: Transaction, *, change_id: uuid.UUID, draft: ChangeDraft, actor: str,
                        expected_version: int | None = None) -> ChangeRequest:
    """Edit a change still in draft or assessment (later, the CAB has seen it: raise a new one)."""
    change = await locked_change(tx, change_id, expected_version=expected_version)
    if change.state not in ("draft", "assessment"):
        raise Conflict(f"{change.reference} is {change.state}; only draft or assessment changes can be edited.",
                       field="id")
    checked = await _checked(tx, draft)
    for name in ("title", "type", "description", "backout_plan", "ci_ids", "planned_start", "planned_end"):
        setattr(change, name, getattr(checked, name))
    await reassess(tx, change)
    record_move(change, to=change.state, actor=actor, note="edited")
    announce(tx, change, "updated")
    return change


async def locked_change(tx: Transaction, change_id: uuid.UUID, *, expected_version: int | None = None,
                        field: str = "id") -> ChangeRequest:
    """The change, locked for this transaction; refuses a stale ``expected_version``."""
    change = await tx.session.scalar(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.id == change_id).with_for_update())
    if change is None:
        raise NotFound("No such change.", field=field)
    if expected_version is not None and change.version != expected_version:
        raise Conflict(f"The change moved on since you loaded it (you had version {expected_version}, it is now "
                       f"{change.version}); reload and try again.", field="expectedVersion")
    return change


def record_move(change: ChangeRequest, *, to: str, actor: str, note: str = "") -> None:
    """Bump the version and keep the move in the change's history."""
    entry = {"from": change.state, "to": to, "at": clock.now().isoformat(), "actor": actor}
    change.history = [*change.history, {**entry, "note": note} if note else entry]
    change.state = to
    change.version += 1
    change.updated_at = clock.now()


def announce(tx: Transaction, change: ChangeRequest, kind: str, **extra) -> None:
    """Publish a change event (created, updated, moved, voted, lapsed) on the tenant's channel after commit."""
    tx.emit(channel_for(tx.tenant_id), {"tenant_id": str(tx.tenant_id), "change_id": str(change.id), "kind": kind,
                                        "state": change.state, "version": change.version, **extra})
