"""Notification targets: outgoing webhooks with a signing secret (shown once, stored sealed), the incident
changes each subscribes to (domain/alerting/notify.py ``EVENT_TYPES``), and test deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select

from domain import clock
from domain.alerting.models import TARGET_SCOPES, NotificationTarget, WebhookDelivery
from domain.alerting.notify import EVENT_TYPES, TEST_EVENT, new_secret
from domain.audit import service as audit
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class CreatedTarget:
    target: NotificationTarget
    secret: str


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        if parts.port == 0:  # reading .port raises ValueError for a port out of range or not a number
            raise ValueError("port 0")
    except ValueError:
        raise ValidationFailed("url must be an http(s) URL with a valid host and port.", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ValidationFailed("url must be an http(s) URL.", field="url")
    if parts.username or parts.password:
        raise ValidationFailed("url must not carry credentials; use the signing secret.", field="url")
    return url.strip()


def check_subscription(event_types: list[str], scope: str) -> list[str]:
    """The event types in catalog order, or ValidationFailed naming the field."""
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed(f"Unknown event types: {', '.join(unknown)}; choose from {', '.join(EVENT_TYPES)}.",
                               field="eventTypes")
    if scope not in TARGET_SCOPES:
        raise ValidationFailed(f"scope must be one of {', '.join(TARGET_SCOPES)}.", field="scope")
    return [event for event in EVENT_TYPES if event in event_types]


def _name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("Name must be 1-200 characters.", field="name")
    return name


async def create_target(tx: Transaction, *, name: str, url: str, seal: Callable[[str], bytes], actor: str,
                        event_types: list[str] | None = None, scope: str = "all",
                        enabled: bool = True) -> CreatedTarget:
    """A new webhook target with a fresh signing secret (returned once), subscribed to ``event_types``
    (every incident change when not given)."""
    name, url = _name(name), check_url(url)
    event_types = check_subscription(list(EVENT_TYPES) if event_types is None else event_types, scope)
    if await tx.session.scalar(select(NotificationTarget.id).where(
            NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.name == name)):
        raise Conflict(f"A target named {name!r} already exists.", field="name")
    secret = new_secret()
    target = NotificationTarget(tenant_id=tx.tenant_id, name=name, url=url, secret_sealed=seal(secret),
                                event_types=event_types, scope=scope, enabled=enabled)
    tx.session.add(target)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="notification_target.created", target_type="notification_target",
                       target_id=str(target.id), data={"url": url})
    return CreatedTarget(target, secret)


async def _target(tx: Transaction, target_id: uuid.UUID) -> NotificationTarget:
    target = await tx.session.scalar(select(NotificationTarget).where(
        NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.id == target_id).with_for_update())
    if target is None:
        raise NotFound("No such notification target.", field="id")
    return target


async def update_target(tx: Transaction, *, target_id: uuid.UUID, event_types: list[str], scope: str,
                        enabled: bool, actor: str) -> NotificationTarget:
    """Change what a target hears of, and whether it hears anything."""
    event_types = check_subscription(event_types, scope)
    target = await _target(tx, target_id)
    target.event_types, target.scope, target.enabled = event_types, scope, enabled
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="notification_target.updated", target_type="notification_target",
                       target_id=str(target_id), data={"event_types": event_types, "scope": scope,
                                                       "enabled": enabled})
    return target


async def record_test_delivery(tx: Transaction, *, target_id: uuid.UUID, actor: str) -> WebhookDelivery:
    """A ``test`` delivery for an enabled target, for the caller to send at once."""
    target = await _target(tx, target_id)
    if not target.enabled:
        raise Conflict(f"{target.name} is disabled; enable it to send a test.", field="id")
    delivery = WebhookDelivery(tenant_id=tx.tenant_id, target_id=target.id, event_type=TEST_EVENT, payload={
        "type": TEST_EVENT, "occurred_at": clock.now().isoformat(), "target": {"id": str(target.id),
                                                                             "name": target.name},
        "message": f"A test delivery from AtlasAI, sent by {actor}."})
    tx.session.add(delivery)
    await tx.session.flush()
    return delivery


async def delete_target(tx: Transaction, *, target_id: uuid.UUID, actor: str) -> None:
    target = await _target(tx, target_id)
    await tx.session.delete(target)
    await audit.record(tx, actor=actor, action="notification_target.deleted", target_type="notification_target",
                       target_id=str(target_id))
