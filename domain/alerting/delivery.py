"""Sending webhook deliveries: signed POSTs, retried with backoff, never to private networks in production.

The worker's ``deliver_webhook`` job and the ``sendTestNotification`` mutation both send through
:func:`send_delivery`; a delivery to try again later raises :class:`RetryLater`.

Delivery is at least once: a delivery is marked ``delivered`` in its own transaction as soon as the
receiver answered 2xx. A worker that dies between the answer and that write leaves the job to be
picked up again (workers/resilience.py), which sends it once more with the same ``webhook-id`` (the
delivery's id) for the receiver to drop, and then records it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import time
import uuid
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import httpx

from domain import clock
from domain.alerting.models import NotificationTarget, WebhookDelivery
from domain.alerting.notify import signature, standard_headers
from domain.alerting.targets import record_test_delivery
from domain.errors import SecretUnreadable

if TYPE_CHECKING:
    from domain.uow import UnitOfWork

class Sealer(Protocol):
    """Seals webhook secrets for storage and opens them again to sign."""

    def seal(self, value: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...  # raises SecretUnreadable when the key was replaced


class Environment(Protocol):
    is_production: bool  # refuse private and local addresses


class Sending(Protocol):
    """What sending needs of the running process (domain.ports.Runtime has it)."""

    db: UnitOfWork
    sealer: Sealer
    settings: Environment


MAX_TRIES = 5
TIMEOUT = 10.0


class RetryLater(Exception):
    """The receiver did not take the delivery; try again in ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


def backoff(attempt: int) -> int:
    return min(600, 10 * 3 ** (attempt - 1))


async def _public_address(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return bool(addresses) and all(a.is_global for a in addresses)


async def _load(runtime: Sending, tenant_id: uuid.UUID, delivery_id: uuid.UUID):
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        delivery = await tx.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status == "delivered":
            return None
        target = await tx.session.get(NotificationTarget, delivery.target_id)
        if target is None or not target.enabled:
            return None
        return target.url, target.secret_sealed, delivery.event_type, delivery.payload


async def _record(runtime: Sending, tenant_id, delivery_id, *, attempt: int, code: int | None, error: str | None,
                  status: str) -> None:
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        delivery = await tx.session.get(WebhookDelivery, delivery_id)
        delivery.attempts, delivery.last_status_code, delivery.last_error = attempt, code, error
        delivery.status = status
        if status == "delivered":
            delivery.delivered_at = clock.now()


def _headers(secret: str, delivery_id: uuid.UUID, event_type: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    return {"Content-Type": "application/json", "User-Agent": "AtlasAI-Webhooks/1", "X-Atlas-Event": event_type,
            "X-Atlas-Delivery": str(delivery_id), "X-Atlas-Signature": signature(secret, now, body),
            **standard_headers(secret, message_id=str(delivery_id), timestamp=now, body=body)}


async def _post(url: str, secret: str, delivery_id: uuid.UUID, event_type: str,
                payload: dict) -> tuple[int | None, str | None]:
    """POST the signed payload; (status code, None) when the receiver answered, else (None, error)."""
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
            response = await http.post(url, content=body, headers=_headers(secret, delivery_id, event_type, body))
    except httpx.HTTPError as failed:
        return None, f"{type(failed).__name__}: {failed}"[:500]
    return response.status_code, None


async def send_delivery(runtime: Sending, *, tenant_id: uuid.UUID, delivery_id: uuid.UUID, attempt: int,
                        final: bool) -> str:
    """POST one delivery; raise RetryLater (with backoff) on failure until the last try."""
    loaded = await _load(runtime, tenant_id, delivery_id)
    if loaded is None:
        return "skipped"
    url, sealed, event_type, payload = loaded
    code, error = None, None
    try:
        secret = runtime.sealer.open(sealed)
    except SecretUnreadable:
        error = "refused: the target's signing secret no longer opens (the sealing key was replaced); set it again"
    else:
        if runtime.settings.is_production and not await _public_address(url):
            error = "refused: the URL resolves to a private or local address"
        else:
            code, error = await _post(url, secret, delivery_id, event_type, payload)
    delivered = code is not None and 200 <= code < 300
    status = "delivered" if delivered else ("failed" if final or (error and error.startswith("refused")) else "pending")
    await _record(runtime, tenant_id, delivery_id, attempt=attempt, code=code, error=error, status=status)
    if status == "pending":
        raise RetryLater(backoff(attempt))
    return status


async def send_test(runtime: Sending, *, tenant_id: uuid.UUID, target_id: uuid.UUID, actor: str) -> WebhookDelivery:
    """Record a ``test`` delivery to an enabled target, send it now (no retries) and return how it ended."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        delivery = await record_test_delivery(tx, target_id=target_id, actor=actor)
    await send_delivery(runtime, tenant_id=tenant_id, delivery_id=delivery.id, attempt=1, final=True)
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        return await tx.session.get(WebhookDelivery, delivery.id)
