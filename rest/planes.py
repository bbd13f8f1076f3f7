"""Plane-to-plane REST: a tenant plane's heartbeat at the control plane, and the control plane's signed
deliveries at a tenant plane.

Both carry their own credentials (a plane's ``atp_...`` credential; a delivery signed with the control
plane's key), never a tenant's token, so the bearer middleware leaves them alone.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain import strict_json
from domain.errors import Unauthenticated
from domain.planes import registry

HEARTBEAT_PATH = "/api/planes/heartbeat"
DELIVERIES_PATH = "/api/plane/deliveries"
SELF_AUTHENTICATED_PREFIXES = (HEARTBEAT_PATH, DELIVERIES_PATH)
MAX_BODY = 1 << 20


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="atlasai-planes"'} if status == 401 else None
    return JSONResponse({"error": code.lower(), "code": code, "message": message}, status_code=status,
                        headers=headers)


def plane_credential(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def json_object(request: Request) -> dict:
    """The body as a JSON object ({} when empty); ValueError with a message otherwise."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValueError("Body is too large.")
    if not raw.strip():
        return {}
    try:
        body = strict_json.loads(raw)
    except strict_json.BadJSON as bad:
        raise ValueError(f"Body is {bad}.") from None
    if not isinstance(body, dict):
        raise ValueError("Body must be a JSON object.")
    return body


async def heartbeat(request: Request) -> JSONResponse:
    """POST /api/planes/heartbeat: a tenant plane says it is alive (``{"version": "..."}``)."""
    credential = plane_credential(request)
    if credential is None:
        return _error(401, "UNAUTHENTICATED", "Authorization must be 'Bearer <tenant-plane credential>'.")
    try:
        body = await json_object(request)
    except ValueError as bad:
        return _error(400, "BAD_REQUEST", str(bad))
    version = body.get("version", "")
    if not isinstance(version, str):
        return _error(400, "BAD_REQUEST", "version must be a string.")
    try:
        async with request.app.state.runtime.db.transaction(tenant_id=None) as tx:
            plane = await registry.authenticate_plane(tx, credential)
            await registry.record_heartbeat(tx, plane, version=version)
            answer = {"name": plane.name, "region": plane.region, "status": plane.status, "url": plane.url,
                      "last_heartbeat_at": plane.last_heartbeat_at.isoformat()}
    except Unauthenticated as exc:
        return _error(401, "UNAUTHENTICATED", exc.message)
    return JSONResponse(answer)


registry_routes = [Route(HEARTBEAT_PATH, heartbeat, methods=["POST"])]
delivery_routes: list[Route] = []
