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
from domain.auth.tokens import key_id
from domain.errors import Unauthenticated, ValidationFailed
from domain.planes import handoff as handoff_codes
from domain.planes import registry
from domain.planes.apply import apply_delivery
from domain.planes.signing import verify_delivery

HEARTBEAT_PATH = "/api/planes/heartbeat"
SIGNIN_CODE_PATH = "/api/auth/signin-code"
DELIVERIES_PATH = "/api/plane/deliveries"
SELF_AUTHENTICATED_PREFIXES = (HEARTBEAT_PATH, SIGNIN_CODE_PATH, DELIVERIES_PATH)
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


async def redeem_signin_code(request: Request) -> JSONResponse:
    """POST /api/auth/signin-code: a tenant plane redeems a console sign-in code made for it (once)."""
    credential = plane_credential(request)
    if credential is None:
        return _error(401, "UNAUTHENTICATED", "Authorization must be 'Bearer <tenant-plane credential>'.")
    try:
        code = (await json_object(request)).get("code")
    except ValueError as bad:
        return _error(400, "BAD_REQUEST", str(bad))
    runtime = request.app.state.runtime
    try:
        async with runtime.db.transaction(tenant_id=None) as tx:
            plane = await registry.authenticate_plane(tx, credential)
    except Unauthenticated as exc:
        return _error(401, "UNAUTHENTICATED", exc.message)
    handoff = await handoff_codes.redeem_code(runtime.redis, code if isinstance(code, str) else "", plane_id=plane.id)
    if handoff is None:
        return _error(404, "UNKNOWN_CODE", "Unknown, used or expired sign-in code.")
    return JSONResponse({"user_id": str(handoff.user_id), "tenant_id": str(handoff.tenant_id)},
                        headers={"Cache-Control": "no-store"})


async def receive_delivery(request: Request) -> JSONResponse:
    """POST /api/plane/deliveries: at a tenant plane, apply one signed control plane delivery (idempotent)."""
    runtime, settings = request.app.state.runtime, request.app.state.settings
    if runtime.control_plane is None or not settings.plane_name:
        return _error(404, "NOT_A_TENANT_PLANE", "This deployment takes no deliveries (it is its own control plane).")
    raw = await request.body()
    if not raw or len(raw) > MAX_BODY:
        return _error(400, "BAD_REQUEST", "Send one signed delivery (a JWT) as the body.")
    try:
        signed = raw.decode("ascii").strip()
        await runtime.control_plane.refresh_for(key_id(signed))
        claims = verify_delivery(runtime.control_plane, issuer=settings.token_issuer, plane=settings.plane_name,
                                 signed=signed)
    except UnicodeDecodeError:
        return _error(400, "BAD_REQUEST", "Send one signed delivery (a JWT) as the body.")
    except Unauthenticated as exc:
        return _error(401, "UNAUTHENTICATED", exc.message)
    try:
        async with runtime.db.transaction(tenant_id=None) as tx:
            outcome = await apply_delivery(tx, kind=claims["kind"], payload=claims["payload"])
    except ValidationFailed as exc:
        return _error(400, "BAD_REQUEST", exc.message)
    return JSONResponse({"key": claims["key"], "outcome": outcome})


registry_routes = [Route(HEARTBEAT_PATH, heartbeat, methods=["POST"]),
                   Route(SIGNIN_CODE_PATH, redeem_signin_code, methods=["POST"])]
delivery_routes = [Route(DELIVERIES_PATH, receive_delivery, methods=["POST"])]
