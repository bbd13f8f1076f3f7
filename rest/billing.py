"""Billing routes: the Razorpay webhook and the entitlement refresh.

``POST /api/webhooks/razorpay`` checks ``X-Razorpay-Signature`` over the raw body (400 and nothing
changes when it is missing or wrong), then hands the event to a job through the outbox, keyed by
``x-razorpay-event-id``, and answers 200 at once, also for events it ignores, so Razorpay stops
retrying. ``POST /api/entitlements/refresh`` takes a bearer token, even one whose entitlements are
stale, and returns a new access token with the tenant's current entitlements.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain import strict_json
from domain.auth.principals import TENANT_HEADER, authenticate
from domain.billing.events import HANDLED, parse_event
from domain.billing.razorpay import signature_valid
from domain.errors import Forbidden, Unauthenticated, ValidationFailed
from domain.tenants.models import Tenant

WEBHOOK_PATH = "/api/webhooks/razorpay"
REFRESH_PATH = "/api/entitlements/refresh"
SELF_AUTHENTICATED_PATHS = frozenset({REFRESH_PATH})  # the bearer middleware leaves these to the route
EVENT_JOB = "razorpay_event"
NO_STORE = {"Cache-Control": "no-store"}


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": "bad_request", "message": message}, status_code=400)


async def _tenant_exists(request: Request, tenant_id: uuid.UUID) -> bool:
    async with request.app.state.runtime.db.transaction(tenant_id=None) as tx:
        return await tx.session.get(Tenant, tenant_id) is not None


async def razorpay_webhook(request: Request) -> Response:
    """POST /api/webhooks/razorpay: verify, deduplicate by event id, and apply in a job."""
    body = await request.body()
    billing = request.app.state.runtime.billing
    if not signature_valid(body, request.headers.get("x-razorpay-signature"), billing.webhook_secrets):
        return _bad("X-Razorpay-Signature is missing or does not match the body.")
    event_id = request.headers.get("x-razorpay-event-id", "")
    try:
        event = parse_event(strict_json.loads(body), event_id=event_id)
    except strict_json.BadJSON as bad:
        return _bad(f"Body is {bad}.")
    except ValidationFailed as exc:
        return _bad(exc.message)
    tenant_id = event.tenant_id
    if event.event not in HANDLED or tenant_id is None or not await _tenant_exists(request, tenant_id):
        return JSONResponse({"status": "ignored"})
    async with request.app.state.runtime.db.transaction(tenant_id=tenant_id) as tx:
        tx.enqueue(EVENT_JOB, tenant_id=str(tenant_id), event_id=event.event_id, body=body.decode(),
                   job_id=f"{EVENT_JOB}:{event.event_id}")
    return JSONResponse({"status": "accepted"})


def _auth_error(exc: Unauthenticated | Forbidden) -> JSONResponse:
    status = 401 if isinstance(exc, Unauthenticated) else 403
    return JSONResponse({"error": "invalid_token" if status == 401 else "forbidden", "code": exc.code,
                         "message": exc.message}, status_code=status, headers=NO_STORE)


async def refresh_entitlements(request: Request) -> Response:
    """POST /api/entitlements/refresh: a new access token carrying the current entitlements."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    runtime = request.app.state.runtime
    try:
        if scheme.lower() != "bearer":
            raise Unauthenticated("Authorization must be 'Bearer <access token>'.")
        principal = await authenticate(runtime, token.strip(), request.headers.get(TENANT_HEADER), allow_stale=True)
    except (Unauthenticated, Forbidden) as exc:
        return _auth_error(exc)
    grant = await runtime.tokens.refresh_entitlements(principal)
    return JSONResponse(grant.as_json(), headers=NO_STORE)


routes = [
    Route(WEBHOOK_PATH, razorpay_webhook, methods=["POST"]),
    Route(REFRESH_PATH, refresh_entitlements, methods=["POST"]),
]
