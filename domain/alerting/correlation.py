"""The correlation engine: chain a new incident under an open one when they are probably one problem.

Reasons, strongest first, each recorded on the link (and both timelines) with its confidence:
  1. topology: their services are related in the CMDB (upstream/downstream within two hops);
  2. shared service: the open incident concerns one of the new incident's services;
  3. a recent approved change on one of its services (noted on the timeline; ITSM provides it).
Topology and changes come from providers the CMDB and ITSM register here; without them those
reasons are simply never found. People can unlink a wrong link; nothing is learned in secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.cmdb.correlation import related_services
from domain.incidents import links, timeline
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident, IncidentLink

if TYPE_CHECKING:
    from atlas.db import Transaction

WINDOW = timedelta(minutes=30)
# (tx, services, hops) -> {related service: "why they are related"}
TopologyProvider = Callable[["Transaction", list[str], int], Awaitable[dict[str, str]]]
# (tx, services, since) -> ["change description", ...]
ChangeProvider = Callable[["Transaction", list[str], object], Awaitable[list[str]]]
TOPOLOGY: list[TopologyProvider] = [related_services]
CHANGES: list[ChangeProvider] = []


async def _open_roots(tx: Transaction, incident: Incident) -> list[Incident]:
    """Active, unmerged incidents of the last WINDOW that have no parent, oldest first."""
    has_parent = select(IncidentLink.to_id).where(IncidentLink.tenant_id == tx.tenant_id,
                                                  IncidentLink.kind == "parent")
    return list(await tx.session.scalars(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.id != incident.id, Incident.status.in_(ACTIVE),
        Incident.merged_into_id.is_(None), Incident.created_at >= incident.created_at - WINDOW,
        Incident.created_at <= incident.created_at, Incident.id.not_in(has_parent),
    ).order_by(Incident.created_at, Incident.id)))


async def _related(tx: Transaction, services: list[str]) -> dict[str, str]:
    related: dict[str, str] = {}
    for provider in TOPOLOGY:
        related.update(await provider(tx, services, 2))
    return related


async def correlate(tx: Transaction, incident: Incident) -> IncidentLink | None:
    """Link ``incident`` under the best open incident, or leave it alone; returns the link made."""
    services = list(incident.services or ())
    if not services:
        return None
    candidates = await _open_roots(tx, incident)
    related = await _related(tx, services) if candidates else {}
    for candidate in candidates:
        shared = set(candidate.services) & set(related)
        if shared:
            service = sorted(shared)[0]
            return await _link(tx, candidate, incident, source="correlation:topology", confidence=0.8,
                               reason=f"{service}: {related[service]}")
    for candidate in candidates:
        shared = sorted(set(candidate.services) & set(services))
        if shared:
            minutes = int(WINDOW.total_seconds() // 60)
            return await _link(tx, candidate, incident, source="correlation:service", confidence=0.6,
                               reason=f"both concern {', '.join(shared)} within {minutes} min")
    await _note_changes(tx, incident, services)
    return None


async def _link(tx: Transaction, parent: Incident, child: Incident, *, source: str, confidence: float,
                reason: str) -> IncidentLink:
    return await links.link_incidents(tx, from_id=parent.id, to_id=child.id, kind="parent", reason=reason[:500],
                                      source=source, confidence=confidence, actor="correlation engine")


async def _note_changes(tx: Transaction, incident: Incident, services: list[str]) -> None:
    since = clock.now() - WINDOW
    for provider in CHANGES:
        for change in await provider(tx, services, since):
            await timeline.append(tx, incident, kind="change_context", actor="correlation engine",
                                  data={"change": change, "confidence": 0.5})
