"""Outages of PostgreSQL or Redis: which errors mean one, and the 503 every route answers with.

``atlas.db`` turns every error that means "the database cannot serve" (unreachable, shutting down,
starting up, out of connections) into ``DatabaseUnavailable`` at the one place queries pass; Redis
client errors on a lost connection are ``REDIS_DOWN``. ``OutageMiddleware`` answers any request
that fails on one of them with 503 and Retry-After instead of a 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable

import redis.exceptions
import sqlalchemy.exc
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.db import DatabaseUnavailable
from atlas.middleware import passed_through

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

log = logging.getLogger("atlas.outages")


def outage_message(exc: BaseException) -> str:
    """What to tell the caller about ``exc`` (one of DEPENDENCY_DOWN)."""
    return REDIS_MESSAGE if isinstance(exc, REDIS_DOWN) else DATABASE_MESSAGE


def unavailable_response(exc: BaseException, *, html: bool = False) -> Response:
    """503 with Retry-After naming the part that is down."""
    headers = {"Retry-After": str(RETRY_AFTER)}
    message = outage_message(exc)
    if html:
        body = f"<!doctype html><title>AtlasAI is unavailable</title><h1>Temporarily unavailable</h1><p>{message}</p>"
        return HTMLResponse(body, status_code=503, headers=headers)
    return JSONResponse({"error": "unavailable", "message": message}, status_code=503, headers=headers)


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


class OutageMiddleware:
    """Answers 503 + Retry-After when a request fails because PostgreSQL or Redis is down (never 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.outages = OutageLog(log, "requests fail on an unavailable dependency", every=10.0)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._http(scope, receive, send) if scope["type"] == "http" else passed_through(self.app, scope,
                                                                                                receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except DEPENDENCY_DOWN as exc:
            if started:
                raise
            self.outages.failed(exc)
            html = "text/html" in dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
            await unavailable_response(exc, html=html)(scope, receive, send)
