"""Running an incident's escalation: each step pages its people once, then schedules the next step.

A new incident whose service has a policy starts an escalation (``start_escalation``), is assigned
to the first person its first level pages, and its first step is queued (through the outbox, so it
survives a crash or a Redis outage). Each step is a deferred job (``escalate``) identified by
(incident, generation, level, round): it re-checks the incident when it runs, pages nobody once the
incident is acknowledged or resolved, and runs once however often the job does (the escalation row
is locked and says which step is next; pages are unique per step, person and channel). Reassigning
a triggered incident starts a new generation that pages the new assignee first.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain import clock
from domain.incidents.models import Incident
from domain.members.models import User
from domain.oncall.rotation import on_call_at
from domain.oncall.service import get_schedule, load_rotation
from domain.paging.models import EscalationPolicy, IncidentEscalation, NotificationRule, Page
from domain.paging.policies import policy_for_services

if TYPE_CHECKING:
    from domain.uow import Transaction

URGENCY = {"SEV1": "high", "SEV2": "high", "SEV3": "low", "SEV4": "low"}
ASSIGNEE_STEP = -1  # the first step of a restarted escalation: the new assignee


def step_job_id(incident_id: uuid.UUID, generation: int, level: int, round_: int) -> str:
    return f"escalate:{incident_id}:{generation}:{level}:{round_}"


def _queue_step(tx: Transaction, row: IncidentEscalation, at: datetime) -> None:
    row.next_step_at = at
    tx.enqueue("escalate", job_id=step_job_id(row.incident_id, row.generation, row.level, row.round),
               tenant_id=str(tx.tenant_id), incident_id=str(row.incident_id), generation=row.generation,
               level=row.level, round_=row.round, _defer_until=at)


async def level_users(tx: Transaction, level: dict, *, at: datetime) -> list[uuid.UUID]:
    """The people a level pages at ``at``: its users and whoever is on call on its schedules."""
    people: list[uuid.UUID] = []
    for target in level["targets"]:
        if target["kind"] == "user":
            person = uuid.UUID(target["id"])
        else:
            schedule = await get_schedule(tx, uuid.UUID(target["id"]))
            found = on_call_at(await load_rotation(tx, schedule, since=at), at)
            person = uuid.UUID(found) if found else None
        if person is not None and person not in people:
            people.append(person)
    return people


async def start_escalation(tx: Transaction, incident: Incident) -> IncidentEscalation | None:
    """Escalate a new incident by its service's policy; assign it to the first person paged."""
    policy = await policy_for_services(tx, list(incident.services or ()))
    if policy is None or incident.status != "triggered":
        return None
    now = clock.now()
    row = IncidentEscalation(tenant_id=tx.tenant_id, incident_id=incident.id, policy_id=policy.id, generation=1,
                             level=0, round=0, status="active", updated_at=now)
    tx.session.add(row)
    if incident.assignee_id is None:
        people = await level_users(tx, policy.levels[0], at=now)
        incident.assignee_id = people[0] if people else None
    _queue_step(tx, row, now)
    return row


async def restart_for_assignee(tx: Transaction, incident: Incident) -> IncidentEscalation | None:
    """A triggered incident was given to someone else: page them first, then the policy again."""
    row = await tx.session.get(IncidentEscalation, incident.id, with_for_update=True)
    if row is None or incident.status != "triggered" or incident.assignee_id is None:
        return None
    row.generation, row.level, row.round = row.generation + 1, ASSIGNEE_STEP, 0
    row.assignee_id, row.status, row.updated_at = incident.assignee_id, "active", clock.now()
    _queue_step(tx, row, row.updated_at)
    return row


def settle_on_status(row: IncidentEscalation | None, status: str) -> None:
    """Acknowledging or resolving an incident stops its escalation."""
    if row is not None and row.status == "active" and status != "triggered":
        row.status = "resolved" if status in ("resolved", "closed") else "acknowledged"
        row.next_step_at, row.updated_at = None, clock.now()


def _next_step(policy: EscalationPolicy, level: int, round_: int) -> tuple[int, int] | None:
    if level + 1 < len(policy.levels):
        return level + 1, round_
    if round_ < policy.repeat:
        return 0, round_ + 1
    return None


async def run_step(tx: Transaction, *, incident_id: uuid.UUID, generation: int, level: int, round_: int) -> str:
    """Run one escalation step if it is still the next one: page its people, queue the following step."""
    row = await tx.session.get(IncidentEscalation, incident_id, with_for_update=True)
    if row is None or row.generation != generation or (row.level, row.round) != (level, round_):
        return "superseded"
    incident = await tx.session.get(Incident, incident_id)
    settle_on_status(row, incident.status)
    if row.status != "active":
        return row.status
    policy = await tx.session.get(EscalationPolicy, row.policy_id)
    now = clock.now()
    level_spec = policy.levels[max(level, 0)]
    people = [row.assignee_id] if level == ASSIGNEE_STEP else await level_users(tx, level_spec, at=now)
    paged = await page_people(tx, incident, people, generation=generation, level=level, round_=round_)
    following = _next_step(policy, level, round_)
    row.updated_at = now
    if following is None:
        row.status, row.next_step_at, row.level = "exhausted", None, len(policy.levels)
    else:
        row.level, row.round = following
        _queue_step(tx, row, now + timedelta(seconds=level_spec["timeout_seconds"]))
    from domain.incidents import timeline  # the timeline calls into paging (domain/paging/hooks.py)
    await timeline.append(tx, incident, kind="paged", actor="escalation", data={
        "level": level, "round": round_, "users": [str(p) for p in people], "pages": len(paged)})
    return "paged"


async def _rules(tx: Transaction, person: uuid.UUID, urgency: str) -> list[tuple[str, str, int]]:
    rules = [(r.channel, r.address, r.delay_seconds) for r in await tx.session.scalars(select(NotificationRule).where(
        NotificationRule.tenant_id == tx.tenant_id, NotificationRule.user_id == person,
        NotificationRule.urgency == urgency))]
    if rules:
        return rules
    email = await tx.session.scalar(select(User.email).where(User.id == person))
    return [("email", email, 0)] if email else []  # nobody set rules: email at once


async def page_people(tx: Transaction, incident: Incident, people: list[uuid.UUID], *, generation: int, level: int,
                      round_: int) -> list[uuid.UUID]:
    """One page per person and rule (never twice for a step), each sent after its rule's delay."""
    urgency, made, now = URGENCY.get(incident.severity, "high"), [], clock.now()
    for person in people:
        for channel, address, delay in await _rules(tx, person, urgency):
            page_id = await tx.session.scalar(insert(Page).values(
                id=uuid.uuid4(), tenant_id=tx.tenant_id, incident_id=incident.id, user_id=person,
                generation=generation, level=level, round=round_, channel=channel, address=address,
                urgency=urgency).on_conflict_do_nothing().returning(Page.id))
            if page_id is not None:
                made.append(page_id)
                tx.enqueue("send_page", job_id=f"page:{page_id}", tenant_id=str(tx.tenant_id),
                           page_id=str(page_id), _defer_until=now + timedelta(seconds=delay))
    return made
