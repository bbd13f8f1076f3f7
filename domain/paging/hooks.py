"""What an incident's timeline tells paging: created (escalate), assigned (restart), acknowledged or resolved (stop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.incidents.models import Incident, TimelineEntry
    from domain.uow import Transaction


async def on_incident_change(tx: Transaction, incident: Incident, entry: TimelineEntry) -> None:
    """Start, restart or stop the incident's escalation as the change asks."""
    if entry.kind not in ("created", "assigned", "status_changed"):
        return
    from domain.paging import escalation  # imports the incident services, which import the timeline
    from domain.paging.models import IncidentEscalation

    if entry.kind == "created":
        await escalation.start_escalation(tx, incident)
    elif entry.kind == "assigned" and entry.actor != "escalation":
        await escalation.restart_for_assignee(tx, incident)
    else:
        escalation.settle_on_status(await tx.session.get(IncidentEscalation, incident.id), incident.status)
