"""AI jobs: the credit grant at each billing period start (enqueued by billing through the outbox)."""

from __future__ import annotations

import uuid

from domain.ai.credits import grant_period, plan_credits
from domain.ports import Runtime


async def ai_credits_renewed(ctx: dict, *, tenant_id: str, period_key: str, credits_granted: int | None = None) -> bool:
    """Start period ``period_key`` with ``credits_granted`` (None: the plan's ``ai_credits_per_month``).

    Idempotent per tenant and period: a second run for the same ``period_key`` grants nothing.
    """
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=uuid.UUID(tenant_id)) as tx:
        amount = credits_granted if credits_granted is not None else await plan_credits(tx)
        return await grant_period(tx, period_key=period_key, credits=max(0, amount))
