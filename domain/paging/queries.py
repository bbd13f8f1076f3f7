"""The read side of on-call and paging: schedules, policies, rules, who is on call, escalation status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.members.models import User
from domain.oncall import rotation
from domain.oncall.models import OnCallSchedule
from domain.oncall.service import load_rotation
from domain.paging.escalation import level_users
from domain.paging.models import EscalationPolicy, IncidentEscalation, NotificationRule, Page, ServicePolicy
from domain.paging.policies import policy_for_services

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class EscalationStatus:
    escalation: IncidentEscalation
    policy: EscalationPolicy
    pages: list[Page]


async def emails(tx: Transaction, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The email of each of ``user_ids``."""
    if not user_ids:
        return {}
    return dict((await tx.session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))).all())


async def list_schedules(tx: Transaction) -> list[OnCallSchedule]:
    """The tenant's schedules by name."""
    return list(await tx.session.scalars(select(OnCallSchedule).where(OnCallSchedule.tenant_id == tx.tenant_id)
                                         .order_by(OnCallSchedule.name)))


async def list_policies(tx: Transaction) -> list[tuple[EscalationPolicy, list[str]]]:
    """The tenant's policies by name, each with the services that use it."""
    policies = list(await tx.session.scalars(select(EscalationPolicy).where(
        EscalationPolicy.tenant_id == tx.tenant_id).order_by(EscalationPolicy.name)))
    services: dict[uuid.UUID, list[str]] = {}
    for service, policy_id in await tx.session.execute(select(ServicePolicy.service, ServicePolicy.policy_id).where(
            ServicePolicy.tenant_id == tx.tenant_id).order_by(ServicePolicy.service)):
        services.setdefault(policy_id, []).append(service)
    return [(policy, services.get(policy.id, [])) for policy in policies]


async def notification_rules(tx: Transaction, *, user_id: uuid.UUID) -> list[NotificationRule]:
    """A person's notification rules, by urgency and delay."""
    return list(await tx.session.scalars(select(NotificationRule).where(
        NotificationRule.tenant_id == tx.tenant_id, NotificationRule.user_id == user_id).order_by(
        NotificationRule.urgency, NotificationRule.delay_seconds, NotificationRule.created_at)))


async def who_is_on_call(tx: Transaction, *, service: str, at: datetime | None = None) -> list[uuid.UUID]:
    """Whom a new incident of ``service`` would page first (its policy's first level, now)."""
    policy = await policy_for_services(tx, [service])
    return await level_users(tx, policy.levels[0], at=at or clock.now()) if policy else []


async def my_shifts(tx: Transaction, *, user_id: uuid.UUID, count: int,
                    days: int = 60) -> list[tuple[OnCallSchedule, rotation.Shift]]:
    """A person's next ``count`` shifts over every schedule (the current one included; overrides count)."""
    now = clock.now().replace(second=0, microsecond=0)
    found = []
    for schedule in await list_schedules(tx):
        rota = await load_rotation(tx, schedule, since=now)
        found += [(schedule, s) for s in rotation.next_shifts(rota, user=str(user_id), after=now, count=count,
                                                               horizon=timedelta(days=days))]
    return sorted(found, key=lambda pair: pair[1].starts_at)[:count]


async def escalation_status(tx: Transaction, *, incident_id: uuid.UUID) -> EscalationStatus | None:
    """Where the incident's escalation stands, with its delivery log."""
    row = await tx.session.scalar(select(IncidentEscalation).where(
        IncidentEscalation.tenant_id == tx.tenant_id, IncidentEscalation.incident_id == incident_id))
    if row is None:
        return None
    pages = list(await tx.session.scalars(select(Page).where(Page.tenant_id == tx.tenant_id,
                                                             Page.incident_id == incident_id)
                                          .order_by(Page.created_at, Page.level, Page.channel)))
    return EscalationStatus(row, await tx.session.get(EscalationPolicy, row.policy_id), pages)
