"""Per-tenant ingest rate limits, counted in Redis per minute (shared by every web instance)."""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from domain.errors import DomainError

WINDOW = 60


class RateLimited(DomainError):
    """The tenant sent more items this minute than its plan allows."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def take(redis: Redis, *, tenant_id: uuid.UUID, items: int, per_minute: int, now: float | None = None) -> None:
    """Count ``items`` against this minute's budget; raise RateLimited (and count nothing) if over."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"atlas:ingest-rate:{tenant_id}:{window}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incrby(key, items)
        pipe.expire(key, WINDOW * 2)
        used, _ = await pipe.execute()
    if used > per_minute:
        await redis.decrby(key, items)
        retry_after = max(1, int(WINDOW - now % WINDOW))
        raise RateLimited(f"Ingest limit of {per_minute} items per minute reached; retry in {retry_after} s.",
                          retry_after=retry_after)
