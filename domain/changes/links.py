"""Changes and incidents: caused-by and resolved-by links, by hand or found by correlation.

Correlation (registered as the alerting engine's ``CHANGES`` provider): an incident that starts within
the window after a change was implemented on the same CI as one of its services, or on a CI such a
service depends on, is linked to the change as ``caused_by``, with the reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.alerting import correlation
from domain.alerting.settings import alerting_policy
from domain.changes.models import LINK_KINDS, ChangeIncidentLink, ChangeRequest
from domain.cmdb.correlation import dependency_view
from domain.cmdb.graph import walk
from domain.cmdb.impact import cis_named
from domain.cmdb.queries import load_cis
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents.models import Incident

if TYPE_CHECKING:
    from domain.uow import Transaction

APPLIED = ("implemented", "failed", "rolled_back", "closed")


async def link_change_incident(tx: Transaction, *, change_id: uuid.UUID, incident_id: uuid.UUID, kind: str,
                               actor: str, reason: str = "", source: str = "manual") -> ChangeIncidentLink:
    """Record that a change caused (or resolved) an incident."""
    if kind not in LINK_KINDS:
        raise ValidationFailed("kind must be caused_by or resolved_by.", field="kind")
    change = await tx.session.scalar(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.id == change_id))
    incident = await tx.session.scalar(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.id == incident_id))
    if change is None or incident is None:
        raise NotFound("No such change." if change is None else "No such incident.",
                       field="changeId" if change is None else "incidentId")
    existing = await tx.session.scalar(select(ChangeIncidentLink).where(
        ChangeIncidentLink.tenant_id == tx.tenant_id, ChangeIncidentLink.change_id == change_id,
        ChangeIncidentLink.incident_id == incident_id, ChangeIncidentLink.kind == kind))
    if existing is not None:
        raise Conflict(f"{change.reference} is already linked to {incident.reference} as {kind}.", field="kind",
                       code="ALREADY_LINKED")
    link = ChangeIncidentLink(tenant_id=tx.tenant_id, change_id=change_id, incident_id=incident_id, kind=kind,
                              reason=reason[:500], source=source, created_by=actor)
    tx.session.add(link)
    await tx.session.flush()
    return link


def _reason(change: ChangeRequest, ci_name: str, path: str, started: datetime) -> str:
    minutes = max(0, int((started - change.implemented_at).total_seconds() // 60))
    where = f"on {ci_name}" if not path else f"on {ci_name}: {path}"
    return f"{change.reference} ({change.title}) was implemented {where}, {minutes} min before the incident started"


async def correlated_changes(tx: Transaction, incident: Incident, since: datetime) -> list[str]:
    """Link ``incident`` to the changes implemented since ``since`` on its services or what they depend on."""
    services = list(incident.services or ())
    seeds = await cis_named(tx, services)
    if not seeds:
        return []
    hops = (await alerting_policy(tx)).correlation_hops
    reached = await walk(tx, seeds=seeds, mode="dependencies", depth=hops)
    changes = list(await tx.session.scalars(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.state.in_(APPLIED),
        ChangeRequest.implemented_at >= since, ChangeRequest.implemented_at <= incident.created_at,
        ChangeRequest.ci_ids.overlap(list(reached))).order_by(ChangeRequest.implemented_at.desc())))
    if not changes:
        return []
    view = await dependency_view(tx, services, hops)
    names = dict(await _names(tx, reached))
    found = []
    for change in changes:
        ci_id = min((c for c in change.ci_ids if c in reached), key=lambda c: reached[c].depth)
        name = names.get(ci_id, "a CI")
        cause = view.causes.get(name.lower())
        reason = _reason(change, name, cause.path if cause and reached[ci_id].depth else "", incident.created_at)
        await link_change_incident(tx, change_id=change.id, incident_id=incident.id, kind="caused_by",
                                   actor="correlation engine", reason=reason, source="correlation")
        found.append(reason)
    return found


async def _names(tx: Transaction, reached) -> list[tuple[uuid.UUID, str]]:
    return [(ci_id, row["name"]) for ci_id, row in (await load_cis(tx, list(reached))).items()]


def register_change_provider() -> None:
    """Let the alerting engine's correlation note and link recent changes (idempotent)."""
    if correlated_changes not in correlation.CHANGES:
        correlation.CHANGES.append(correlated_changes)
