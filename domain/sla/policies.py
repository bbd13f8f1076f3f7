"""SLA policies: which incidents they apply to, their targets, calendar, pauses and warning threshold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain import clock
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents.models import PRIORITIES, STATUSES
from domain.sla.calendar import calendar_from
from domain.sla.models import SlaPolicy

if TYPE_CHECKING:
    from domain.incidents.models import Incident
    from domain.uow import Transaction

MAX_TARGET_MINUTES = 365 * 24 * 60


@dataclass
class PolicyDraft:
    """What an SLA policy says (``pause_when``: incident statuses, or ``label:key=value``)."""

    name: str
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    priorities: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    calendar: dict[str, Any] = field(default_factory=dict)
    pause_when: list[str] = field(default_factory=list)
    warn_percent: int = 75


def _check(draft: PolicyDraft) -> dict[str, Any]:
    name = (draft.name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("name must be 1-200 characters.", field="name")
    targets = (draft.response_minutes, draft.resolution_minutes)
    if all(t is None for t in targets) or any(t is not None and not 1 <= t <= MAX_TARGET_MINUTES for t in targets):
        raise ValidationFailed("Give a response or resolution target of 1 minute to 1 year.", field="responseMinutes")
    if not 1 <= draft.warn_percent <= 99:
        raise ValidationFailed("warnPercent must be 1-99.", field="warnPercent")
    if any(p not in PRIORITIES for p in draft.priorities):
        raise ValidationFailed(f"priorities must be among {', '.join(PRIORITIES)}.", field="priorities")
    if any(p not in STATUSES and not (p.startswith("label:") and "=" in p) for p in draft.pause_when):
        raise ValidationFailed("pauseWhen takes incident statuses or label:key=value.", field="pauseWhen")
    calendar_from(draft.calendar)  # validates
    return {"name": name, "response_minutes": draft.response_minutes, "resolution_minutes": draft.resolution_minutes,
            "priorities": list(dict.fromkeys(draft.priorities)), "warn_percent": draft.warn_percent,
            "services": [s.strip() for s in draft.services if s.strip()][:50], "calendar": dict(draft.calendar),
            "pause_statuses": list(dict.fromkeys(draft.pause_when))[:20]}


async def create_sla_policy(tx: Transaction, *, draft: PolicyDraft, actor: str) -> SlaPolicy:
    """Add an SLA policy; timers start on matching incidents from the next SLA tick."""
    values = _check(draft)
    taken = await tx.session.scalar(select(SlaPolicy.id).where(
        SlaPolicy.tenant_id == tx.tenant_id, SlaPolicy.name == values["name"]))
    if taken is not None:
        raise Conflict(f"An SLA policy named {values['name']!r} exists already.", field="name")
    policy = SlaPolicy(tenant_id=tx.tenant_id, id=uuid.uuid4(), created_by=actor, enabled=True, created_at=clock.now(),
                       **values)
    tx.session.add(policy)
    await tx.session.flush()
    return policy


async def delete_sla_policy(tx: Transaction, *, policy_id: uuid.UUID) -> None:
    """Remove a policy and its timers."""
    policy = await tx.session.scalar(select(SlaPolicy).where(
        SlaPolicy.tenant_id == tx.tenant_id, SlaPolicy.id == policy_id))
    if policy is None:
        raise NotFound("No such SLA policy.")
    await tx.session.delete(policy)


async def list_sla_policies(tx: Transaction) -> list[SlaPolicy]:
    return list(await tx.session.scalars(select(SlaPolicy).where(SlaPolicy.tenant_id == tx.tenant_id)
                                         .order_by(SlaPolicy.name)))


def applies_to(policy: SlaPolicy, incident: Incident) -> bool:
    """Whether the policy covers the incident (empty lists match everything)."""
    services = {s.lower() for s in policy.services}
    return (policy.enabled and (not policy.priorities or incident.priority in policy.priorities)
            and (not services or bool(services & {s.lower() for s in incident.services or ()})))


def paused(policy: SlaPolicy, incident: Incident) -> bool:
    """Whether the incident is in one of the policy's pause conditions right now."""
    conditions = set(policy.pause_statuses)
    labels = {f"label:{k}={v}" for k, v in (incident.labels or {}).items()}
    return incident.status in conditions or bool(conditions & labels)
