"""Every HTTP route answers an outage of PostgreSQL or Redis with 503 and Retry-After, never 500.

Which errors are outages is decided in domain/outages.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.middleware import passed_through
from domain.outages import DEPENDENCY_DOWN, RETRY_AFTER, OutageLog, outage_message

log = logging.getLogger("atlas.outages")


def unavailable_response(exc: BaseException, *, html: bool = False) -> Response:
    """503 with Retry-After naming the part that is down."""
    headers = {"Retry-After": str(RETRY_AFTER)}
    message = outage_message(exc)
    if html:
        body = f"<!doctype html><title>AtlasAI is unavailable</title><h1>Temporarily unavailable</h1><p>{message}</p>"
        return HTMLResponse(body, status_code=503, headers=headers)
    return JSONResponse({"error": "unavailable", "message": message}, status_code=503, headers=headers)


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
