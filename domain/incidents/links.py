"""Links between incidents: parent/child chains, related incidents, and merging duplicates."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from domain.alerting.release import move_open_alerts
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents import timeline
from domain.incidents.lifecycle import is_active
from domain.incidents.models import LINK_KINDS, Incident, IncidentLink
from domain.incidents.service import locked_incident, touch, utcnow

if TYPE_CHECKING:
    from domain.uow import Transaction


def relation_of(link: IncidentLink, viewpoint: uuid.UUID) -> tuple[str, uuid.UUID]:
    """What the other end of ``link`` is to the incident ``viewpoint`` (``parent``, ``child`` or
    ``related``), and which incident that is."""
    other = link.to_id if link.from_id == viewpoint else link.from_id
    if link.kind != "parent":
        return "related", other
    return ("child" if link.from_id == viewpoint else "parent"), other


def parent_of(links: list[IncidentLink], incident_id: uuid.UUID) -> uuid.UUID | None:
    """The parent among an incident's links (an incident has at most one)."""
    return next((other for link in links for relation, other in [relation_of(link, incident_id)]
                 if relation == "parent"), None)


def children_of(links: list[IncidentLink], incident_id: uuid.UUID) -> list[uuid.UUID]:
    """The children among an incident's links."""
    return [other for link in links for relation, other in [relation_of(link, incident_id)] if relation == "child"]


async def _locked_pair(tx: Transaction, first: uuid.UUID, second: uuid.UUID, *, fields: tuple[str, str],
                       closed_ok: bool = False) -> tuple[Incident, Incident]:
    """Lock two incidents in id order (no deadlocks between concurrent links); closed ones are refused
    (naming the field that holds them) unless ``closed_ok``."""
    if first == second:
        raise ValidationFailed("An incident cannot be linked to itself.", field=fields[1])
    named = {first: fields[0], second: fields[1]}
    locked = {i: await locked_incident(tx, i, closed_ok=closed_ok, field=named[i]) for i in sorted((first, second))}
    return locked[first], locked[second]


async def would_cycle(tx: Transaction, *, parent_id: uuid.UUID, child_id: uuid.UUID) -> bool:
    """True if ``child`` is already an ancestor of ``parent`` (the link would make a cycle)."""
    found = await tx.session.scalar(text(
        "WITH RECURSIVE up(id, depth) AS ("
        "  SELECT CAST(:parent AS uuid), 0"
        "  UNION ALL SELECT l.from_id, up.depth + 1 FROM incident_links l JOIN up ON l.to_id = up.id"
        "  WHERE l.kind = 'parent' AND l.tenant_id = :tenant AND up.depth < 100"
        ") SELECT 1 FROM up WHERE id = :child LIMIT 1"
    ), {"parent": parent_id, "child": child_id, "tenant": tx.tenant_id})
    return found is not None


async def link_incidents(
    tx: Transaction, *, from_id: uuid.UUID, to_id: uuid.UUID, kind: str, actor: str, reason: str = "",
    source: str = "manual", confidence: float | None = None, closed_ok: bool = False,
) -> IncidentLink:
    """Link two incidents: ``parent`` makes ``to`` a child of ``from``; ``related`` is symmetric. People
    cannot link a closed incident; the engine may (``closed_ok``: a recurrence names the closed one)."""
    if kind not in LINK_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(LINK_KINDS)}.", field="kind")
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise ValidationFailed("confidence must be between 0 and 1.", field="confidence")
    if len(reason) > 500:
        raise ValidationFailed("The reason is at most 500 characters.", field="reason")
    source_incident, target = await _locked_pair(tx, from_id, to_id, fields=("fromId", "toId"), closed_ok=closed_ok)
    await _check_new_link(tx, kind, from_id, to_id)
    link = IncidentLink(tenant_id=tx.tenant_id, kind=kind, from_id=from_id, to_id=to_id, reason=reason,
                        source=source[:100], confidence=confidence, created_by=actor)
    tx.session.add(link)
    await tx.session.flush()
    data = {"link_id": str(link.id), "kind": kind, "from": str(from_id), "to": str(to_id), "reason": link.reason,
            "source": link.source, "confidence": confidence}
    for incident in (source_incident, target):
        touch(incident)
        await timeline.append(tx, incident, kind="linked", actor=actor, data=data)
    return link


async def _check_new_link(tx: Transaction, kind: str, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    existing = await tx.session.scalar(select(IncidentLink.id).where(
        IncidentLink.tenant_id == tx.tenant_id,
        ((IncidentLink.from_id == from_id) & (IncidentLink.to_id == to_id))
        | ((IncidentLink.from_id == to_id) & (IncidentLink.to_id == from_id))))
    if existing is not None:
        raise Conflict("These incidents are already linked.", field="toId")
    if kind != "parent":
        return
    has_parent = await tx.session.scalar(select(IncidentLink.id).where(
        IncidentLink.tenant_id == tx.tenant_id, IncidentLink.kind == "parent", IncidentLink.to_id == to_id))
    if has_parent is not None:
        raise Conflict("That incident already has a parent; unlink it first.", field="toId")
    if await would_cycle(tx, parent_id=from_id, child_id=to_id):
        raise Conflict("Linking would make an incident its own ancestor.", field="toId")


async def unlink_incidents(tx: Transaction, *, link_id: uuid.UUID, actor: str, reason: str = "",
                           closed_ok: bool = False) -> IncidentLink:
    """Remove a link (for instance a wrong correlation); both timelines record it (with ``reason``)."""
    link = await tx.session.scalar(select(IncidentLink).where(
        IncidentLink.tenant_id == tx.tenant_id, IncidentLink.id == link_id))
    if link is None:
        raise NotFound("No such link.", field="linkId")
    first, second = await _locked_pair(tx, link.from_id, link.to_id, fields=("linkId", "linkId"), closed_ok=closed_ok)
    await tx.session.delete(link)
    data = {"link_id": str(link.id), "kind": link.kind, "from": str(link.from_id), "to": str(link.to_id),
            **({"reason": reason[:500]} if reason else {})}
    for incident in (first, second):
        touch(incident)
        await timeline.append(tx, incident, kind="unlinked", actor=actor, data=data)
    return link


async def merge_incidents(
    tx: Transaction, *, duplicate_id: uuid.UUID, into_id: uuid.UUID, actor: str
) -> tuple[Incident, Incident]:
    """Merge a duplicate into another incident: the duplicate is resolved and keeps its timeline; its
    open alerts go on counting in the incident it was merged into."""
    duplicate, target = await _locked_pair(tx, duplicate_id, into_id, fields=("duplicateId", "intoId"))
    if duplicate.merged_into_id is not None:
        raise Conflict("That incident was already merged.", field="duplicateId")
    if target.merged_into_id is not None:
        raise Conflict("Cannot merge into an incident that was itself merged.", field="intoId")
    if not is_active(duplicate.status):
        raise Conflict("Only an active incident can be merged into another.", field="duplicateId")
    duplicate.merged_into_id = target.id
    duplicate.status, duplicate.resolved_at = "resolved", utcnow()
    await move_open_alerts(tx, from_id=duplicate.id, to_id=target.id)
    target.services = list(dict.fromkeys([*target.services, *duplicate.services]))
    for incident, kind, other in ((duplicate, "merged_into", target), (target, "merged_from", duplicate)):
        touch(incident)
        await timeline.append(tx, incident, kind=kind, actor=actor,
                              data={"incident_id": str(other.id), "number": other.number})
    return duplicate, target
