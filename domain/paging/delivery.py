"""Sending pages: the message with its one-click links, the delivery log, retries and storm control.

Each page is one job (``send_page``), run after its rule's delay. It sends nothing once the
incident is acknowledged or resolved. Storm control: a person gets at most ``paging_burst``
pages per ``paging_window`` seconds; pages beyond that are held as ``digested`` and go out as one
digest email at the end of the window. Failures are retried with backoff (``RetryLater``) up to
``MAX_TRIES``; every attempt and the provider's answer are kept on the page.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.incidents.models import Incident
from domain.members.models import User
from domain.paging.channels import PageMessage, SendFailed, channels
from domain.paging.links import LinkClaim, make_token
from domain.paging.models import Page

if TYPE_CHECKING:
    from domain.ports import Runtime

MAX_TRIES = 5


class RetryLater(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


def backoff(attempt: int) -> int:
    return min(300, 5 * 3 ** (attempt - 1))


def _links(runtime: Runtime, page: Page) -> dict[str, str]:
    base = (runtime.settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    expires = clock.now() + timedelta(seconds=runtime.settings.page_link_ttl)
    return {action: f"{base}/page/{page.incident_id}/{action}?token=" + make_token(
        runtime.sealer, LinkClaim(page.tenant_id, page.incident_id, page.user_id, action), expires_at=expires)
        for action in ("acknowledge", "resolve")}


def message_for(runtime: Runtime, page: Page, incident: Incident) -> PageMessage:
    """What the page says: the incident, and its acknowledge and resolve links."""
    return PageMessage(id=str(page.id), tenant_id=str(page.tenant_id),
                       subject=f"[{incident.severity}] {incident.reference}: {incident.title}",
                       text=f"{incident.reference} is {incident.status} "
                            f"({', '.join(incident.services) or 'no service'}).",
                       links=_links(runtime, page),
                       incident={"id": str(incident.id), "reference": incident.reference, "title": incident.title,
                                 "severity": incident.severity, "status": incident.status})


async def _within_burst(runtime: Runtime, page: Page) -> tuple[bool, int]:
    """Whether the person may get this page now: at most ``paging_burst`` in any ``paging_window`` seconds
    (idempotent per page); and the window bucket whose digest would carry it."""
    window = runtime.settings.paging_window
    key = f"atlas:paging:burst:{page.tenant_id}:{page.user_id}"
    await runtime.redis.zadd(key, {str(page.id): clock.now().timestamp()}, nx=True)
    own = await runtime.redis.zscore(key, str(page.id))
    await runtime.redis.zremrangebyscore(key, 0, own - 2 * window)
    await runtime.redis.expire(key, window * 2)
    recent = await runtime.redis.zcount(key, own - window, own)
    return recent <= runtime.settings.paging_burst, int(own // window)


async def deliver_page(runtime: Runtime, *, tenant_id: uuid.UUID, page_id: uuid.UUID, attempt: int) -> str:
    """Send one page (or hold it for the digest); raise RetryLater on a failure worth retrying."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        page = await tx.session.get(Page, page_id, with_for_update=True)
        if page is None or page.status != "pending":
            return "skipped"
        incident = await tx.session.get(Incident, page.incident_id)
        if incident.status != "triggered":
            page.status = "cancelled"
            return "cancelled"
        allowed, window = await _within_burst(runtime, page)
        if not allowed:
            page.status = "digested"
            tx.enqueue("send_page_digest", job_id=f"digest:{tenant_id}:{page.user_id}:{window}",
                       tenant_id=str(tenant_id),
                       user_id=str(page.user_id), window=window,
                       _defer_until=datetime.fromtimestamp((window + 1) * runtime.settings.paging_window, UTC))
            return "digested"
        message = message_for(runtime, page, incident)
    return await _send(runtime, tenant_id, page_id, page.channel, page.address, message, attempt)


async def _send(runtime: Runtime, tenant_id: uuid.UUID, page_id: uuid.UUID, channel: str, address: str,
                message: PageMessage, attempt: int) -> str:
    status, answer = "sent", None
    try:
        answer = await channels(runtime)[channel].send(address, message)
    except SendFailed as failed:
        answer = failed.answer
        status = "pending" if failed.retry and attempt < MAX_TRIES else "failed"
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        page = await tx.session.get(Page, page_id, with_for_update=True)
        page.attempts, page.provider_answer, page.status = attempt, str(answer)[:1000], status
        page.sent_at = clock.now() if status == "sent" else None
    if status == "pending":
        raise RetryLater(backoff(attempt))
    return status


async def send_digest(runtime: Runtime, *, tenant_id: uuid.UUID, user_id: uuid.UUID, window: int) -> str:
    """One email listing the pages a person's burst limit held back in ``window``."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        held = list(await tx.session.scalars(select(Page).where(
            Page.tenant_id == tenant_id, Page.user_id == user_id, Page.status == "digested",
            Page.sent_at.is_(None)).order_by(Page.created_at).with_for_update()))
        email = await tx.session.scalar(select(User.email).where(User.id == user_id))
        if not held or not email:
            return "nothing"
        incidents = {i.id: i for i in await tx.session.scalars(select(Incident).where(
            Incident.tenant_id == tenant_id, Incident.id.in_({p.incident_id for p in held})))}
        lines = [f"{incidents[p.incident_id].reference} [{incidents[p.incident_id].severity}] "
                 f"{incidents[p.incident_id].title} ({incidents[p.incident_id].status})" for p in held]
        message = PageMessage(id=f"digest-{tenant_id}-{user_id}-{window}", tenant_id=str(tenant_id),
                              subject=f"{len(held)} more pages held back during an alert storm",
                              text="\n".join(lines), links={}, incident={})
        answer = await channels(runtime)["email"].send(email, message)
        for page in held:
            page.sent_at, page.provider_answer = clock.now(), f"in digest: {answer}"[:1000]
    return f"digest of {len(held)}"
