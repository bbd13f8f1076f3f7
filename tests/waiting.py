"""Waiting in tests for something to become true (poll with a deadline), instead of sleeping a fixed time.

    await wait_for(lambda: server.started, timeout=10, what="the webhook receiver")
    await wait_for(lambda: listening(app, [tenant.tenant_id], subscriptions=2), timeout=5, what="two subscriptions")

A fixed sleep is either too short on a busy machine (the test flakes) or too long everywhere else (the
suite crawls); a poll returns as soon as the signal is there and fails with a message when it never comes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from typing import Any

from domain.incidents.timeline import channel_for


async def wait_for(check, *, timeout: float, every: float = 0.1, what: str = "condition") -> Any:
    """Poll ``check()`` (sync or async) until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)


def listening(app, tenant_ids: Iterable[uuid.UUID], *, subscriptions: int = 1) -> bool:
    """Whether the in-process app follows each tenant's incident changes (its live feed read the current
    position) and ``subscriptions`` subscribers have joined their executions, so the next change reaches
    them all."""
    tenants = {str(tenant_id) for tenant_id in tenant_ids}
    feeds = app.state.runtime.incident_feed._tenants
    ready = all(uuid.UUID(tenant) in feeds and feeds[uuid.UUID(tenant)].ready.is_set() for tenant in tenants)
    groups = app.state.schema.shared_subscriptions._groups  # keyed by (tenant id, ...): see share_key
    return ready and sum(len(group.members) for key, group in groups.items() if key[0] in tenants) >= subscriptions


async def subscribed_elsewhere(redis, tenant_id: uuid.UUID) -> bool:
    """Whether some server process listens to the tenant's incident changes on Redis (for servers that
    run in other processes, whose feeds a test cannot see)."""
    [(_, count)] = await redis.pubsub_numsub(channel_for(tenant_id))
    return count > 0
