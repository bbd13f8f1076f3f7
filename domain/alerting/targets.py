"""Notification targets: outgoing webhooks with a signing secret (shown once, stored sealed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select

from domain.alerting.models import NotificationTarget
from domain.alerting.notify import new_secret
from domain.audit import service as audit
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from atlas.db import Transaction


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


async def create_target(tx: Transaction, *, name: str, url: str, seal: Callable[[str], bytes],
                        actor: str) -> CreatedTarget:
    """A new webhook target with a fresh signing secret (returned once)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("Name must be 1-200 characters.", field="name")
    url = check_url(url)
    if await tx.session.scalar(select(NotificationTarget.id).where(
            NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.name == name)):
        raise Conflict(f"A target named {name!r} already exists.", field="name")
    secret = new_secret()
    target = NotificationTarget(tenant_id=tx.tenant_id, name=name, url=url, secret_sealed=seal(secret))
    tx.session.add(target)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="notification_target.created", target_type="notification_target",
                       target_id=str(target.id), data={"url": url})
    return CreatedTarget(target, secret)


async def delete_target(tx: Transaction, *, target_id: uuid.UUID, actor: str) -> None:
    target = await tx.session.scalar(select(NotificationTarget).where(
        NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.id == target_id))
    if target is None:
        raise NotFound("No such notification target.", field="id")
    await tx.session.delete(target)
    await audit.record(tx, actor=actor, action="notification_target.deleted", target_type="notification_target",
                       target_id=str(target_id))
