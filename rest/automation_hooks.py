"""POST /api/automation/hooks/{tenant_id}/{workflow_id}: a signed JSON body starts a `webhook` workflow.

202 ``{"run_id": ...}`` (or ``null`` when the workflow's condition does not hold); 401 for a bad or
stale signature, 404 for no such webhook workflow, 409 without a signing secret, 400 for a body that
is not a JSON object, 503 during a database outage. See domain/automation/webhooks.py.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.automation.webhooks import receive_webhook
from domain.errors import DomainError, NotFound
from domain.outages import DATABASE_DOWN
from rest.agent import error_response


async def webhook(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    try:
        try:
            tenant_id, workflow_id = (uuid.UUID(request.path_params[name]) for name in ("tenant_id", "workflow_id"))
        except ValueError:
            raise NotFound("No such webhook workflow.") from None
        run = await receive_webhook(runtime.db, tenant_id=tenant_id, workflow_id=workflow_id,
                                    body=await request.body(),
                                    timestamp=request.headers.get("x-atlas-timestamp", ""),
                                    presented=request.headers.get("x-atlas-signature", ""),
                                    open_sealed=runtime.sealer.open)
    except (DomainError, *DATABASE_DOWN) as exc:
        return error_response(exc)
    return JSONResponse({"run_id": str(run.id) if run else None}, status_code=202)


routes = [Route("/api/automation/hooks/{tenant_id}/{workflow_id}", webhook, methods=["POST"])]
