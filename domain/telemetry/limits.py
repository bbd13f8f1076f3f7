"""Per-tenant ingest rate limits, counted in Redis per minute (shared by every web instance).

When Redis cannot be reached the count falls back to this process's own memory, with the same
per-minute limit: ingest goes on (accepted data is stored in PostgreSQL, not Redis) and each
instance enforces the plan's limit on what it receives until Redis is back.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid

from redis.asyncio import Redis
from redis.exceptions import ConnectionError, TimeoutError

from domain.errors import DomainError

WINDOW = 60
log = logging.getLogger("atlas.ingest")


class RateLimited(DomainError):
    """The tenant sent more items this minute than its plan allows."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LocalCounts:
    """Per-minute counts kept in this process: the limiter's fallback while Redis is down."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._window = -1

    def add(self, key: str, items: int, window: int) -> int:
        """Add ``items`` to ``key`` in ``window``; returns the new count (older windows are forgotten)."""
        if window != self._window:
            self._counts, self._window = {}, window
        self._counts[key] = self._counts.get(key, 0) + items
        return self._counts[key]


_local = LocalCounts()
_last_warning = 0.0


async def take(redis: Redis, *, tenant_id: uuid.UUID, items: int, per_minute: int, now: float | None = None) -> None:
    """Count ``items`` against this minute's budget; raise RateLimited (and count nothing) if over."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"atlas:ingest-rate:{tenant_id}:{window}"
    try:
        used = await _count_in_redis(redis, key, items)
    except (ConnectionError, TimeoutError) as exc:
        _warn_fallback(exc)
        used, redis = _local.add(key, items, window), None
    if used > per_minute:
        await _give_back(redis, key, items, window)
        retry_after = max(1, int(WINDOW - now % WINDOW))
        raise RateLimited(f"Ingest limit of {per_minute} items per minute reached; retry in {retry_after} s.",
                          retry_after=retry_after)


async def _count_in_redis(redis: Redis, key: str, items: int) -> int:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incrby(key, items)
        pipe.expire(key, WINDOW * 2)
        used, _ = await pipe.execute()
    return used


async def _give_back(redis: Redis | None, key: str, items: int, window: int) -> None:
    if redis is None:
        _local.add(key, -items, window)
        return
    with contextlib.suppress(ConnectionError, TimeoutError):  # Redis went away meanwhile: the key expires anyway
        await redis.decrby(key, items)


def _warn_fallback(exc: Exception) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 30:
        _last_warning = time.monotonic()
        log.warning("ingest rate limits counted per process: Redis is unavailable (%s)", exc)
