"""Escalation policies, the policy of each service, and people's notification rules."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from domain.alerting.models import NotificationTarget
from domain.errors import NotFound, ValidationFailed
from domain.incidents.service import check_member
from domain.oncall.service import get_schedule
from domain.paging.models import CHANNELS, URGENCIES, EscalationPolicy, NotificationRule, ServicePolicy
from domain.paging.sms import PHONE

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_LEVELS, MAX_TARGETS = 10, 20
TIMEOUT_RANGE = (1, 86400)  # seconds a level waits for an acknowledgement


async def _target(tx: Transaction, raw: dict[str, Any]) -> dict[str, str]:
    kind, ident = raw.get("kind"), uuid.UUID(str(raw.get("id")))
    if kind == "user":
        await check_member(tx, ident, field_name="levels")
    elif kind == "schedule":
        await get_schedule(tx, ident, field="levels")
    else:
        raise ValidationFailed("A level pages users or schedules.", field="levels")
    return {"kind": kind, "id": str(ident)}


async def _levels(tx: Transaction, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not 1 <= len(raw) <= MAX_LEVELS:
        raise ValidationFailed(f"A policy has 1 to {MAX_LEVELS} levels.", field="levels")
    levels = []
    for level in raw:
        timeout, targets = int(level.get("timeout_seconds", 0)), level.get("targets") or []
        if not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
            raise ValidationFailed("A level waits 1 second to 24 hours before the next.", field="levels")
        if not 1 <= len(targets) <= MAX_TARGETS:
            raise ValidationFailed(f"A level pages 1 to {MAX_TARGETS} users or schedules.", field="levels")
        try:
            levels.append({"timeout_seconds": timeout, "targets": [await _target(tx, t) for t in targets]})
        except (TypeError, ValueError):
            raise ValidationFailed("A level target needs a kind and an id.", field="levels") from None
    return levels


async def create_policy(tx: Transaction, *, name: str, levels: list[dict[str, Any]],
                        repeat: int = 0) -> EscalationPolicy:
    """Create an escalation policy: ordered levels, repeated ``repeat`` more times while unacknowledged."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("A policy needs a name of 1 to 200 characters.", field="name")
    if not 0 <= repeat <= 9:
        raise ValidationFailed("A policy repeats 0 to 9 times.", field="repeat")
    if await tx.session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.tenant_id == tx.tenant_id,
                                                                 EscalationPolicy.name == name)):
        raise ValidationFailed(f"A policy named {name!r} exists already.", field="name")
    policy = EscalationPolicy(tenant_id=tx.tenant_id, name=name, repeat=repeat, levels=await _levels(tx, levels))
    tx.session.add(policy)
    await tx.session.flush()
    return policy


async def update_policy(tx: Transaction, *, policy_id: uuid.UUID, name: str, levels: list[dict[str, Any]],
                        repeat: int = 0) -> EscalationPolicy:
    """Replace a policy's name, levels and repeats (validated as on creation)."""
    policy = await get_policy(tx, policy_id)
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("A policy needs a name of 1 to 200 characters.", field="name")
    if not 0 <= repeat <= 9:
        raise ValidationFailed("A policy repeats 0 to 9 times.", field="repeat")
    if await tx.session.scalar(select(EscalationPolicy.id).where(
            EscalationPolicy.tenant_id == tx.tenant_id, EscalationPolicy.name == name,
            EscalationPolicy.id != policy_id)):
        raise ValidationFailed(f"A policy named {name!r} exists already.", field="name")
    policy.name, policy.repeat, policy.levels = name, repeat, await _levels(tx, levels)
    await tx.session.flush()
    return policy


async def get_policy(tx: Transaction, policy_id: uuid.UUID, *, field: str = "policyId") -> EscalationPolicy:
    """The policy, or NotFound."""
    policy = await tx.session.scalar(select(EscalationPolicy).where(
        EscalationPolicy.tenant_id == tx.tenant_id, EscalationPolicy.id == policy_id))
    if policy is None:
        raise NotFound("No such escalation policy.", field=field)
    return policy


async def set_service_policy(tx: Transaction, *, service: str, policy_id: uuid.UUID | None) -> None:
    """Escalate incidents of ``service`` by ``policy_id`` (None: by no policy)."""
    service = (service or "").strip()
    if not 1 <= len(service) <= 200:
        raise ValidationFailed("Name a service of 1 to 200 characters.", field="service")
    if policy_id is None:
        await tx.session.execute(delete(ServicePolicy).where(ServicePolicy.tenant_id == tx.tenant_id,
                                                             ServicePolicy.service == service))
        return
    await get_policy(tx, policy_id)
    await tx.session.execute(insert(ServicePolicy).values(tenant_id=tx.tenant_id, service=service,
                                                          policy_id=policy_id).on_conflict_do_update(
        index_elements=["tenant_id", "service"], set_={"policy_id": policy_id}))


async def policy_for_services(tx: Transaction, services: list[str]) -> EscalationPolicy | None:
    """The policy of the first of ``services`` that has one."""
    if not services:
        return None
    rows = dict((await tx.session.execute(select(ServicePolicy.service, ServicePolicy.policy_id).where(
        ServicePolicy.tenant_id == tx.tenant_id, ServicePolicy.service.in_(services)))).all())
    for service in services:
        if service in rows:
            return await tx.session.get(EscalationPolicy, rows[service])
    return None


def _address(channel: str, address: str) -> str:
    address = (address or "").strip()
    if channel == "email":
        try:
            return validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as bad:
            raise ValidationFailed(f"Not an email address: {bad}", field="address") from None
    if channel == "webhook":
        try:
            return str(uuid.UUID(address))  # the id of one of the tenant's signed webhook targets
        except ValueError:
            raise ValidationFailed("A webhook rule names a webhook target by id.", field="address") from None
    if channel in ("sms", "voice"):
        if not PHONE.match(address):
            raise ValidationFailed("An SMS or voice rule names a phone number in international form (+4420...).",
                                   field="address")
        return address
    if not address.startswith(("https://", "http://")) or len(address) > 2000:
        raise ValidationFailed("A chat rule names an incoming-webhook URL.", field="address")
    return address


async def add_notification_rule(tx: Transaction, *, user_id: uuid.UUID, urgency: str, channel: str, address: str,
                                delay_seconds: int = 0) -> NotificationRule:
    """Page ``user_id`` by ``channel`` at ``address``, ``delay_seconds`` after a page of ``urgency``."""
    if urgency not in URGENCIES:
        raise ValidationFailed("Urgency is high or low.", field="urgency")
    if channel not in CHANNELS:
        raise ValidationFailed(f"Channel is one of {', '.join(CHANNELS)}.", field="channel")
    if not 0 <= delay_seconds <= 86400:
        raise ValidationFailed("A delay is 0 to 86400 seconds.", field="delaySeconds")
    await check_member(tx, user_id, field_name="userId")
    address = _address(channel, address)
    if channel == "webhook" and await tx.session.scalar(select(NotificationTarget.id).where(
            NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.id == uuid.UUID(address))) is None:
        raise ValidationFailed("No such webhook target.", field="address")
    rule = NotificationRule(tenant_id=tx.tenant_id, user_id=user_id, urgency=urgency, channel=channel,
                            address=address, delay_seconds=delay_seconds)
    tx.session.add(rule)
    await tx.session.flush()
    return rule


async def remove_notification_rule(tx: Transaction, *, rule_id: uuid.UUID, user_id: uuid.UUID | None) -> None:
    """Remove a rule (only the person's own when ``user_id`` is given)."""
    rule = await tx.session.get(NotificationRule, rule_id)
    if rule is None or rule.tenant_id != tx.tenant_id or (user_id is not None and rule.user_id != user_id):
        raise NotFound("No such notification rule.", field="id")
    await tx.session.delete(rule)
