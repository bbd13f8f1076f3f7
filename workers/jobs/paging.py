"""Paging jobs: escalation steps, page deliveries (retried with backoff) and storm digests."""

from __future__ import annotations

import uuid

from arq import Retry

from domain.paging.channels import SendFailed
from domain.paging.delivery import RetryLater, backoff, deliver_page, send_digest
from domain.paging.escalation import run_step
from domain.ports import Runtime


async def escalate(ctx: dict, tenant_id: str, incident_id: str, generation: int, level: int, round_: int) -> str:
    """Run one escalation step (nothing if it ran already, was superseded, or the incident was acknowledged)."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=uuid.UUID(tenant_id)) as tx:
        return await run_step(tx, incident_id=uuid.UUID(incident_id), generation=generation, level=level,
                              round_=round_)


async def send_page(ctx: dict, tenant_id: str, page_id: str) -> str:
    """Send one page; retried with backoff while the provider fails."""
    try:
        return await deliver_page(ctx["runtime"], tenant_id=uuid.UUID(tenant_id), page_id=uuid.UUID(page_id),
                                  attempt=ctx.get("job_try", 1))
    except RetryLater as later:
        raise Retry(defer=later.seconds) from None


async def send_page_digest(ctx: dict, tenant_id: str, user_id: str, window: int) -> str:
    """Send the digest of the pages a person's burst limit held back."""
    try:
        return await send_digest(ctx["runtime"], tenant_id=uuid.UUID(tenant_id), user_id=uuid.UUID(user_id),
                                 window=window)
    except SendFailed:
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from None
