"""Outages of PostgreSQL or Redis: which errors mean one, what to tell the caller, how to log them.

``domain.uow`` turns every error that means "the database cannot serve" (unreachable, shutting
down, starting up, out of connections) into ``DatabaseUnavailable`` at the one place queries pass;
Redis client errors on a lost connection are ``REDIS_DOWN``. Adapters answer either with 503 and
Retry-After (atlas/outages.py does it for every HTTP route), jobs retry later.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.exceptions
import sqlalchemy.exc

from domain.uow import DatabaseUnavailable

RETRY_AFTER = 5  # seconds
DATABASE_DOWN = (DatabaseUnavailable, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, OSError,
                 asyncio.TimeoutError)
# redis-py reports a connection lost while a pipeline WATCHes as WatchError (arq handles the other
# WatchError, a watched key that changed, inside enqueue_job); BusyLoadingError (a restarted server
# loading its data) is a ConnectionError.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.WatchError)
DEPENDENCY_DOWN = DATABASE_DOWN + REDIS_DOWN
DATABASE_MESSAGE = "The database is unavailable; retry shortly."
REDIS_MESSAGE = "The queue and cache server (Redis) is unavailable; retry shortly."


def outage_message(exc: BaseException) -> str:
    """What to tell the caller about ``exc`` (one of DEPENDENCY_DOWN)."""
    return REDIS_MESSAGE if isinstance(exc, REDIS_DOWN) else DATABASE_MESSAGE


class OutageLog:
    """Logs an outage once when it starts (and again at most every ``every`` seconds), not per failure."""

    def __init__(self, logger: logging.Logger, what: str, *, every: float = 30.0) -> None:
        self.logger, self.what, self.every = logger, what, every
        self._last = 0.0

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.logger.warning("%s: %s: %s", self.what, type(exc).__name__, exc)

    def recovered(self) -> None:
        if self._last:
            self.logger.warning("%s: recovered", self.what)
            self._last = 0.0
