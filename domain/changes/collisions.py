"""Collision detection: overlapping changes on the same or dependent CIs, and freeze windows.

Two changes collide when their windows overlap and one touches a CI that the other touches, or a CI
within two dependency hops of one (either direction: what they need, or what needs them). A window
that overlaps one of the tenant's freeze (blackout) windows collides too. The tenant's policy says
whether a collision is a warning recorded on the change or blocks it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.changes.lifecycle import OPEN_STATES
from domain.changes.models import ChangePolicy, ChangeRequest
from domain.cmdb import graph
from domain.cmdb.queries import load_cis
from domain.errors import Conflict

if TYPE_CHECKING:
    from domain.uow import Transaction

DEPENDENCY_HOPS = 2


@dataclass(frozen=True)
class Collision:
    kind: str  # "change" or "freeze"
    message: str
    change_id: uuid.UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "change_id": str(self.change_id or "") or None}


class ChangeCollision(Conflict):
    """The tenant's policy blocks changes that collide, and this one does."""

    code = "CHANGE_COLLISION"

    def __init__(self, collisions: list[Collision]) -> None:
        super().__init__("The change collides and the change policy blocks collisions: "
                         + "; ".join(c.message for c in collisions), field="plannedStart")
        self.collisions = collisions


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open windows [start, end) that share at least a moment."""
    return a_start < b_end and b_start < a_end


def freeze_collisions(windows: list[dict[str, Any]], start: datetime, end: datetime) -> list[Collision]:
    """The freeze windows ``[start, end)`` overlaps."""
    found = []
    for window in windows:
        w_start, w_end = datetime.fromisoformat(window["starts_at"]), datetime.fromisoformat(window["ends_at"])
        if overlaps(start, end, w_start, w_end):
            found.append(Collision("freeze", f"inside the freeze window {window['name']!r} "
                                             f"({w_start:%Y-%m-%d %H:%M} - {w_end:%Y-%m-%d %H:%M} UTC)"))
    return found


async def _neighbourhood(tx: Transaction, ci_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The CIs and everything within two dependency hops of them, both ways."""
    near = set(ci_ids)
    for mode in ("dependencies", "impact"):
        near |= set(await graph.walk(tx, seeds=list(ci_ids), mode=mode, depth=DEPENDENCY_HOPS))
    return near


async def change_collisions(tx: Transaction, change: ChangeRequest) -> list[Collision]:
    """Other open changes whose windows overlap this one's on the same or dependent CIs."""
    if not change.ci_ids or change.planned_start is None or change.planned_end is None:
        return []
    near = await _neighbourhood(tx, list(change.ci_ids))
    others = await tx.session.scalars(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.id != change.id,
        ChangeRequest.state.in_(OPEN_STATES), ChangeRequest.ci_ids.overlap(list(near)),
        ChangeRequest.planned_start < change.planned_end, ChangeRequest.planned_end > change.planned_start,
    ).order_by(ChangeRequest.number))
    found = []
    for other in others:
        shared = set(other.ci_ids) & set(change.ci_ids)
        names = await load_cis(tx, list(shared or (set(other.ci_ids) & near)))
        how = "the same CI" if shared else "a dependent CI"
        listed = ", ".join(sorted(row["name"] for row in names.values()))
        found.append(Collision("change", f"{other.reference} ({other.state}) touches {how} ({listed}) "
                                         "in an overlapping window", other.id))
    return found


async def detect(tx: Transaction, change: ChangeRequest, *, enforce: bool) -> list[Collision]:
    """Every collision of ``change``; raises ChangeCollision when ``enforce`` and the policy blocks."""
    policy = await tx.session.get(ChangePolicy, tx.tenant_id)
    found = await change_collisions(tx, change)
    if change.planned_start and change.planned_end:
        found += freeze_collisions(policy.freeze_windows if policy else [], change.planned_start, change.planned_end)
    if found and enforce and policy is not None and policy.collision_mode == "block":
        raise ChangeCollision(found)
    return found
