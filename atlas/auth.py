"""Bearer-token authentication for the tenant plane (pure ASGI middleware).

A request with ``Authorization: Bearer <jwt>`` must carry ``x-tenant-id`` equal to the token's
``tid``. A bad, expired or revoked token is answered 401; a tenant mismatch, a suspended tenant or
a lost membership 403, each with a clear message. Without an Authorization header the request goes
on anonymously (public fields still work; guarded fields answer UNAUTHENTICATED).
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from atlas.middleware import passed_through
from atlas.outages import unavailable_response
from domain.auth.principals import TENANT_HEADER, authenticate
from domain.errors import Forbidden, Unauthenticated
from domain.outages import DATABASE_DOWN
from rest.billing import SELF_AUTHENTICATED_PATHS
from rest.planes import SELF_AUTHENTICATED_PREFIXES as PLANE_PATHS


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" if empty); None for no or another scheme."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def auth_error_response(exc: Unauthenticated | Forbidden) -> JSONResponse:
    """401 (with WWW-Authenticate) for bad credentials, 403 for everything refused."""
    if isinstance(exc, Unauthenticated):
        description = exc.message.replace('"', "'")
        return JSONResponse(
            {"error": "invalid_token", "code": exc.code, "message": exc.message}, status_code=401,
            headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
        )
    return JSONResponse({"error": "forbidden", "code": exc.code, "message": exc.message}, status_code=403)


# Paths that check their own bearer token: /metrics (ATLAS_METRICS_TOKEN), the entitlement refresh (a stale
# token), integration keys, and /mcp (access tokens or client API keys, checked by rest/mcp_server.py).
OWN_BEARER_PREFIXES = ("/metrics", "/api/integrations/", "/api/heartbeats/", "/mcp", *SELF_AUTHENTICATED_PATHS,
                       *PLANE_PATHS)


class BearerAuthMiddleware:
    """Sets ``request.state.principal`` from a bearer token, or answers 401/403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._http(scope, receive, send) if scope["type"] == "http" else passed_through(self.app, scope,
                                                                                                receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        token = bearer_token(connection)
        if token is not None and not scope["path"].startswith(OWN_BEARER_PREFIXES):
            try:
                principal = await authenticate(
                    connection.app.state.runtime, token, connection.headers.get(TENANT_HEADER)
                )
            except (Unauthenticated, Forbidden) as exc:
                await auth_error_response(exc)(scope, receive, send)
                return
            except DATABASE_DOWN as exc:
                await unavailable_response(exc)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
