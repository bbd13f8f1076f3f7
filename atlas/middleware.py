"""HTTP middleware shared by every route."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
}
CONSOLE_CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"


def passed_through(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """Hand a non-HTTP scope (a websocket) to ``app`` without a coroutine frame of the middleware's own:
    a long-lived connection keeps every frame on its stack alive for as long as it is open."""
    return app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response, and a strict CSP to console pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._http(scope, receive, send) if scope["type"] == "http" else passed_through(self.app, scope,
                                                                                                receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_console = scope["path"].startswith("/console")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                if is_console and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CONSOLE_CSP))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


KIB, MIB = 1024, 1024 * 1024


@dataclass(frozen=True)
class BodyLimit:
    """Bytes a request body may have on the wire under ``prefix``; ``anonymous`` without a bearer token."""

    prefix: str
    limit: int
    anonymous: int | None = None

    def for_scope(self, scope: Scope) -> int:
        signed_in = scope.get("state", {}).get("principal") is not None
        return self.limit if signed_in or self.anonymous is None else self.anonymous


BODY_LIMITS: tuple[BodyLimit, ...] = (  # the first matching prefix wins; README lists them
    BodyLimit("/api/ingest/", 5 * MIB),
    BodyLimit("/v1/", 5 * MIB),
    BodyLimit("/api/auth/", 16 * KIB),
    BodyLimit("/graphql", 8 * MIB, anonymous=64 * KIB),
    BodyLimit("/console/cmdb/transfer", 16 * MIB),
    BodyLimit("/console/oncall/import", 16 * MIB),
    BodyLimit("/console/", 256 * KIB),
    BodyLimit("/", 64 * KIB),
)


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body without Content-Length grows past its limit."""


class BodyLimitMiddleware:
    """Refuses a request body larger than its route's limit with 413, before anything parses it.

    A declared Content-Length over the limit is refused at once; a streamed body is counted as the
    application reads it, and answered 413 as soon as it crosses the limit.
    """

    def __init__(self, app: ASGIApp, limits: tuple[BodyLimit, ...] = BODY_LIMITS) -> None:
        self.app = app
        self.limits = limits

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._http(scope, receive, send) if scope["type"] == "http" else passed_through(self.app, scope,
                                                                                                receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = next(rule for rule in self.limits if scope["path"].startswith(rule.prefix)).for_scope(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(limit, declared)(scope, receive, send)
            return
        counted, started = 0, False

        async def counting_receive() -> Message:
            nonlocal counted
            message = await receive()
            counted += len(message.get("body", b""))
            if counted > limit:
                raise BodyTooLarge
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if not started:
                await _refuse(limit, None)(scope, receive, send)


def _refuse(limit: int, declared: str | None) -> JSONResponse:
    if declared is not None and not declared.isdigit():
        return JSONResponse({"error": "Content-Length must be a whole number of bytes."}, status_code=400)
    return JSONResponse({"error": f"Body larger than {limit} bytes; send a smaller request."}, status_code=413)
