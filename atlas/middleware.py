"""HTTP middleware shared by every route."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
}
CONSOLE_CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response, and a strict CSP to console pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
