"""Readiness checks of the parts a request needs."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from atlas.db import Database
from domain.ports import Readiness
from domain.uow import QUEUE_NAME

CHECK_TIMEOUT = 2.0


async def _probe(check) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        return f"error: {type(exc).__name__}"
    return "ok"


async def _worker_state(redis: Redis) -> str:
    try:
        seen = await asyncio.wait_for(redis.exists(f"{QUEUE_NAME}:health-check"), CHECK_TIMEOUT)
    except Exception:  # noqa: BLE001 - an unreadable heartbeat is reported as unknown
        return "unknown"
    return "ok" if seen else "not seen"


async def check_readiness(db: Database, redis: Redis) -> Readiness:
    """Ping the database and Redis concurrently; report whether a worker has checked in."""
    database, redis_state, worker = await asyncio.gather(
        _probe(db.ping), _probe(redis.ping), _worker_state(redis)
    )
    return Readiness(database=database, redis=redis_state, worker=worker, checked_at=time.time())
