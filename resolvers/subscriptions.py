"""Limits shared by every subscription field."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import strawberry

from resolvers.errors import PublicError

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20


@contextlib.asynccontextmanager
async def subscription_slot(info: strawberry.Info) -> AsyncIterator[None]:
    """Hold one of the connection's subscription slots while a subscription runs."""
    context = info.context
    if context.active_subscriptions >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
        raise PublicError(f"At most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection.",
                          code="TOO_MANY_SUBSCRIPTIONS")
    context.active_subscriptions += 1
    try:
        yield
    finally:
        context.active_subscriptions -= 1
