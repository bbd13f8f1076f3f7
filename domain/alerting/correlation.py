"""The correlation engine: causes are parents, effects are children, along dependency direction.

A new incident is compared with the tenant's active incidents of the correlation window (alerting
policy). Another incident explains it only along dependency direction in the CMDB
(domain/cmdb/correlation.py), within the policy's hops:
  - the new incident's service depends on the other's (or they concern the same service): the other is
    a cause, and the new incident becomes the child of the nearest cause;
  - the other's service depends on the new incident's: the new incident is the root, noticed second,
    so every such incident that has no parent yet is re-parented under it.
Two services that a third depends on are siblings, never cause and effect. Every link records its
reason as the directed path from the child to the parent ("web depends on checkout; checkout
depends on payments"), with a confidence that falls with the distance, and appears on both
timelines; people can unlink a wrong one. A recent approved change on the incident's services is
noted on its timeline (ITSM registers a ``CHANGES`` provider).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from domain import clock
from domain.alerting.settings import alerting_policy
from domain.cmdb.correlation import DependencyView, dependency_view
from domain.incidents import links, timeline
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident, IncidentLink

if TYPE_CHECKING:
    from domain.uow import Transaction

# (tx, incident, since) -> ["why a change may explain it", ...]; a provider may link the change too
ChangeProvider = Callable[["Transaction", Incident, datetime], Awaitable[list[str]]]
CHANGES: list[ChangeProvider] = []
SAME_SERVICE_CONFIDENCE = 0.6
ILLUSTRATIVE = "demo"  # seeded demo stories (atlas/demo_incidents.py) explain nothing


@dataclass(frozen=True)
class Relation:
    """How a candidate relates to the new incident: ``cause`` (0 hops: the same service) or ``effect``."""

    incident: Incident
    role: str
    depth: int
    reason: str
    has_parent: bool

    @property
    def confidence(self) -> float:
        return SAME_SERVICE_CONFIDENCE if self.depth == 0 else round(max(0.5, 1.0 - 0.1 * self.depth), 2)


async def _candidates(tx: Transaction, incident: Incident, window: timedelta) -> list[Incident]:
    """Active, unmerged incidents other than this one, created or still alerting within the window (demo
    stories left out)."""
    since = clock.now() - window
    return list(await tx.session.scalars(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.id != incident.id, Incident.status.in_(ACTIVE),
        Incident.merged_into_id.is_(None), Incident.source != ILLUSTRATIVE,
        or_(Incident.created_at >= since, func.coalesce(Incident.last_seen_at, Incident.created_at) >= since),
    ).order_by(Incident.created_at, Incident.id)))


async def _with_parent(tx: Transaction, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(await tx.session.scalars(select(IncidentLink.to_id).where(
        IncidentLink.tenant_id == tx.tenant_id, IncidentLink.kind == "parent", IncidentLink.to_id.in_(ids))))


def _relation(candidate: Incident, services: set[str], view: DependencyView, has_parent: bool) -> Relation | None:
    """The strongest relation of a candidate, through any of its services (a cause before an effect)."""
    found: list[Relation] = []
    for service in candidate.services or ():
        key = service.lower()
        if key in services:
            found.append(Relation(candidate, "cause", 0, f"both concern {service}", has_parent))
        elif key in view.causes:
            found.append(Relation(candidate, "cause", view.causes[key].depth, view.causes[key].path, has_parent))
        elif key in view.effects:
            found.append(Relation(candidate, "effect", view.effects[key].depth, view.effects[key].path, has_parent))
    return min(found, key=lambda r: (r.role != "cause", r.depth), default=None)


async def relations(tx: Transaction, incident: Incident) -> list[Relation]:
    """How each active incident of the window relates to ``incident`` (unrelated ones left out)."""
    policy = await alerting_policy(tx)
    candidates = await _candidates(tx, incident, timedelta(minutes=policy.correlation_window_minutes))
    if not candidates or not incident.services:
        return []
    view = await dependency_view(tx, list(incident.services), policy.correlation_hops)
    parented = await _with_parent(tx, [c.id for c in candidates])
    services = {s.lower() for s in incident.services}
    found = [_relation(c, services, view, c.id in parented) for c in candidates]
    return [r for r in found if r is not None]


async def correlate(tx: Transaction, incident: Incident) -> list[IncidentLink]:
    """Link ``incident`` under its nearest cause and re-parent the root-less incidents it causes."""
    found = await relations(tx, incident)
    # nearest first; at one distance a cause already explained by a deeper root (it has a parent) first
    causes = sorted((r for r in found if r.role == "cause"),
                    key=lambda r: (r.depth, not r.has_parent, r.incident.created_at))
    made = []
    if causes:
        made.append(await _link(tx, parent=causes[0].incident, child=incident, relation=causes[0]))
    for effect in (r for r in found if r.role == "effect" and not r.has_parent):
        if not causes or effect.incident.id != causes[0].incident.id:
            link = await _reparent(tx, root=incident, effect=effect)
            made += [link] if link else []
    if not made:
        await _note_changes(tx, incident)
    return made


async def recorrelate(tx: Transaction, incident: Incident) -> list[IncidentLink]:
    """An incident reopened by a recurrence: a parent that is no longer active explains nothing now, so
    the link goes and the incident is correlated anew (an active parent keeps it)."""
    link = await tx.session.scalar(select(IncidentLink).where(
        IncidentLink.tenant_id == tx.tenant_id, IncidentLink.kind == "parent", IncidentLink.to_id == incident.id))
    if link is not None:
        parent = await tx.session.get(Incident, link.from_id)
        if parent is not None and parent.status in ACTIVE:
            return []
        await links.unlink_incidents(tx, link_id=link.id, actor="correlation engine", closed_ok=True,
                                     reason=f"{parent.reference if parent else 'INC-?'} is no longer active; "
                                            "the recurrence is correlated anew")
    return await correlate(tx, incident)


async def _link(tx: Transaction, *, parent: Incident, child: Incident, relation: Relation) -> IncidentLink:
    source = "correlation:service" if relation.depth == 0 else "correlation:topology"
    return await links.link_incidents(tx, from_id=parent.id, to_id=child.id, kind="parent", source=source,
                                      reason=relation.reason[:500], confidence=relation.confidence,
                                      actor="correlation engine")


async def _reparent(tx: Transaction, *, root: Incident, effect: Relation) -> IncidentLink | None:
    """Put an earlier incident under the root noticed after it (unless that would make a cycle)."""
    if await links.would_cycle(tx, parent_id=root.id, child_id=effect.incident.id):
        return None
    return await _link(tx, parent=root, child=effect.incident, relation=effect)


async def _note_changes(tx: Transaction, incident: Incident) -> None:
    since = clock.now() - timedelta(minutes=30)
    for provider in CHANGES:
        for change in await provider(tx, incident, since):
            await timeline.append(tx, incident, kind="change_context", actor="correlation engine",
                                  data={"change": change, "confidence": 0.5})
