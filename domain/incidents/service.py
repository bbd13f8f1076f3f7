"""Incident use cases: create, transition, assign, triage, respond, comment.

Each change locks the incident row (``SELECT ... FOR UPDATE``), so concurrent changes of one
incident are serialised; callers may pass ``expected_version`` to refuse a change made on stale
data. Every change bumps ``version`` and appends a timeline entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain import clock
from domain.alerting.release import release_alerts
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents import timeline
from domain.incidents.lifecycle import STATE_TIMESTAMPS, IncidentClosed, check_transition
from domain.incidents.models import PRIORITIES, RESPONDER_ROLES, SEVERITIES, Incident, IncidentResponder
from domain.members.models import Membership

if TYPE_CHECKING:
    from domain.uow import Transaction

DEFAULT_PRIORITY = {"SEV1": "P1", "SEV2": "P2", "SEV3": "P3", "SEV4": "P4"}
MAX_SERVICES, MAX_LABELS = 50, 50


def utcnow() -> datetime:
    """Now, by the domain clock (see domain/clock.py)."""
    return clock.now()


@dataclass
class NewIncident:
    """What a new incident starts with."""

    title: str
    severity: str
    description: str = ""
    priority: str | None = None
    services: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    source: str = "manual"
    fingerprint: str | None = None
    assignee_id: uuid.UUID | None = None
    group_key: str | None = None
    alert_count: int = 0
    last_seen_at: datetime | None = None
    origin: dict[str, Any] = field(default_factory=dict)  # what raised it (rule, alert), for the timeline


def _choice(value: str, options: tuple[str, ...], field_name: str) -> str:
    if value not in options:
        raise ValidationFailed(f"{field_name} must be one of {', '.join(options)}.", field=field_name)
    return value


def _text(value: str, field_name: str, *, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationFailed(f"{field_name} must be {low}-{high} characters.", field=field_name)
    return value


def _services(services: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(s.strip() for s in services if s and s.strip()))
    if len(cleaned) > MAX_SERVICES or any(len(s) > 200 for s in cleaned):
        raise ValidationFailed(f"At most {MAX_SERVICES} services of up to 200 characters.", field="services")
    return cleaned


def _labels(labels: dict[str, Any]) -> dict[str, str]:
    if len(labels) > MAX_LABELS or any(not k or len(str(k)) > 100 or len(str(v)) > 500 for k, v in labels.items()):
        raise ValidationFailed(f"At most {MAX_LABELS} labels; keys up to 100, values up to 500 characters.",
                               field="labels")
    return {str(k): str(v) for k, v in labels.items()}


async def check_member(tx: Transaction, user_id: uuid.UUID | None, *, field_name: str) -> None:
    """Raise unless ``user_id`` (when given) is a member of the tenant."""
    if user_id is None:
        return
    found = await tx.session.scalar(select(Membership.user_id).where(
        Membership.tenant_id == tx.tenant_id, Membership.user_id == user_id))
    if found is None:
        raise ValidationFailed("That person is not a member of this tenant.", field=field_name)


async def create_incident(tx: Transaction, *, new: NewIncident, actor: str) -> Incident:
    """Open a new incident in ``triggered`` state."""
    severity = _choice(new.severity, SEVERITIES, "severity")
    priority = _choice(new.priority or DEFAULT_PRIORITY[severity], PRIORITIES, "priority")
    await check_member(tx, new.assignee_id, field_name="assigneeId")
    incident = Incident(
        tenant_id=tx.tenant_id, number=await timeline.next_incident_number(tx), created_at=utcnow(),
        updated_at=utcnow(),
        title=_text(new.title, "title", low=1, high=300),
        description=_text(new.description, "description", low=0, high=20_000),
        severity=severity, priority=priority, source=_text(new.source, "source", low=1, high=64),
        fingerprint=(new.fingerprint or None) and _text(new.fingerprint, "fingerprint", low=1, high=200),
        services=_services(new.services), labels=_labels(new.labels), assignee_id=new.assignee_id,
        group_key=new.group_key, alert_count=new.alert_count, last_seen_at=new.last_seen_at,
    )
    tx.session.add(incident)
    await tx.session.flush()
    await timeline.append(tx, incident, kind="created", actor=actor, data={
        "title": incident.title, "severity": severity, "priority": priority, "services": incident.services,
        "assignee_id": str(new.assignee_id) if new.assignee_id else None, "source": incident.source, **new.origin,
    })
    return incident


async def locked_incident(tx: Transaction, incident_id: uuid.UUID, *, expected_version: int | None = None,
                          closed_ok: bool = False, field: str = "id") -> Incident:
    """The incident, locked for this transaction; refuses a stale ``expected_version`` and, unless
    ``closed_ok``, a closed incident (closed is read-only)."""
    incident = await tx.session.scalar(
        select(Incident).where(Incident.tenant_id == tx.tenant_id, Incident.id == incident_id).with_for_update())
    if incident is None:
        raise NotFound("No such incident.", field=field)
    if incident.status == "closed" and not closed_ok:
        raise IncidentClosed(number=incident.number, field=field)
    if expected_version is not None and incident.version != expected_version:
        raise Conflict(f"The incident changed since you loaded it (you had version {expected_version}, "
                       f"it is now {incident.version}); reload and try again.", field="expectedVersion")
    return incident


def touch(incident: Incident) -> None:
    """Record that the incident changed: new version, new update time."""
    incident.version += 1
    incident.updated_at = utcnow()


async def transition_incident(
    tx: Transaction, *, incident_id: uuid.UUID, to: str, actor: str, expected_version: int | None = None,
    note: str = "",
) -> Incident:
    """Move an incident through its lifecycle (see domain/incidents/lifecycle.py); resolving or closing it
    resolves the alerts it holds, so a later match opens a new alert instead of counting into it."""
    incident = await locked_incident(tx, incident_id, expected_version=expected_version, closed_ok=True)
    before = incident.status
    check_transition(before, to)
    incident.status = to
    stamp = STATE_TIMESTAMPS.get(to)
    if stamp and (stamp != "acknowledged_at" or incident.acknowledged_at is None):
        setattr(incident, stamp, utcnow())
    if before == "resolved" and to == "open":
        incident.resolved_at = None
    touch(incident)
    await timeline.append(tx, incident, kind="status_changed", actor=actor,
                          data={"from": before, "to": to, "note": note[:2000]})
    if to in ("resolved", "closed"):
        await release_alerts(tx, incident_id=incident.id)
    return incident


async def assign_incident(
    tx: Transaction, *, incident_id: uuid.UUID, assignee_id: uuid.UUID | None, actor: str,
    expected_version: int | None = None,
) -> Incident:
    """Give the incident to a member (or take it from everyone with None)."""
    incident = await locked_incident(tx, incident_id, expected_version=expected_version)
    await check_member(tx, assignee_id, field_name="assigneeId")
    before = incident.assignee_id
    incident.assignee_id = assignee_id
    touch(incident)
    await timeline.append(tx, incident, kind="assigned", actor=actor, data={
        "from": str(before) if before else None, "to": str(assignee_id) if assignee_id else None})
    return incident


async def set_triage(
    tx: Transaction, *, incident_id: uuid.UUID, actor: str, severity: str | None = None,
    priority: str | None = None, expected_version: int | None = None,
) -> Incident:
    """Change severity and/or priority."""
    if severity is None and priority is None:
        raise ValidationFailed("Give a severity or a priority.", field="severity")
    incident = await locked_incident(tx, incident_id, expected_version=expected_version)
    for name, value, options in (("severity", severity, SEVERITIES), ("priority", priority, PRIORITIES)):
        if value is None or getattr(incident, name) == value:
            continue
        before = getattr(incident, name)
        setattr(incident, name, _choice(value, options, name))
        touch(incident)
        await timeline.append(tx, incident, kind=f"{name}_changed", actor=actor, data={"from": before, "to": value})
    return incident


async def set_responder(
    tx: Transaction, *, incident_id: uuid.UUID, user_id: uuid.UUID, role: str | None, actor: str
) -> Incident:
    """Add a responder in ``role``, change their role, or remove them (``role`` None)."""
    incident = await locked_incident(tx, incident_id)
    current = await tx.session.get(IncidentResponder, (incident_id, user_id))
    if role is None:
        if current is None:
            raise NotFound("That person is not responding to this incident.", field="userId")
        await tx.session.delete(current)
        kind, data = "responder_removed", {"user_id": str(user_id), "role": current.role}
    else:
        _choice(role, RESPONDER_ROLES, "role")
        await check_member(tx, user_id, field_name="userId")
        if current is None:
            tx.session.add(IncidentResponder(tenant_id=tx.tenant_id, incident_id=incident_id, user_id=user_id,
                                             role=role))
        else:
            current.role = role
        kind, data = "responder_set", {"user_id": str(user_id), "role": role}
    touch(incident)
    await timeline.append(tx, incident, kind=kind, actor=actor, data=data)
    return incident


async def comment(tx: Transaction, *, incident_id: uuid.UUID, body: str, actor: str) -> Incident:
    """Add a comment to the timeline."""
    text = _text(body, "body", low=1, high=20_000)
    incident = await locked_incident(tx, incident_id)
    touch(incident)
    await timeline.append(tx, incident, kind="comment", actor=actor, data={"body": text})
    return incident
