"""The edge agents' REST shim: long-poll for leased steps, heartbeat while running, post results.

- ``GET /api/agent/jobs?wait=<s>``: the next step addressed to this agent (200, leased to it), or
  204 after ``wait`` seconds (at most 25) with nothing to do. Every call is the agent's heartbeat.
- ``POST /api/agent/jobs/{id}/heartbeat`` ``{"attempt": n}``: keep the lease.
- ``POST /api/agent/jobs/{id}/result`` ``{"attempt": n, "exit_code": 0, "stdout": "", "stderr": "",
  "refused": false}``: what happened; 409 when the agent no longer holds that attempt's lease.

Agents authenticate with their own key in ``X-Agent-Key`` (never a user's token).
"""

from __future__ import annotations

import asyncio
import time
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain import strict_json
from domain.automation import agents
from domain.automation.spec import document_schema as automation_schema
from domain.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from domain.outages import DATABASE_DOWN, DATABASE_MESSAGE, RETRY_AFTER

AGENT_KEY_HEADER = "x-agent-key"
MAX_WAIT = 25.0
POLL_EVERY = 0.25
STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, ValidationFailed: 400}


class BadRequest(ValidationFailed):
    pass


def error_response(exc: Exception) -> JSONResponse:
    if isinstance(exc, DATABASE_DOWN):
        return JSONResponse({"error": DATABASE_MESSAGE}, status_code=503, headers={"Retry-After": str(RETRY_AFTER)})
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"error": exc.message}, status_code=status)


async def _agent(request: Request) -> agents.AgentIdentity:
    return await agents.authenticate_agent(request.app.state.runtime.db, request.headers.get(AGENT_KEY_HEADER, ""))


def _wait(request: Request) -> float:
    try:
        return min(MAX_WAIT, max(0.0, float(request.query_params.get("wait", "0"))))
    except ValueError:
        raise BadRequest("wait must be a number of seconds.") from None


async def next_job(request: Request) -> Response:
    """GET /api/agent/jobs: lease the next step for this agent, waiting up to ``wait`` seconds."""
    runtime = request.app.state.runtime
    try:
        wait, agent = _wait(request), await _agent(request)
        deadline = time.monotonic() + wait
        while True:
            async with runtime.db.transaction(tenant_id=agent.tenant_id) as tx:
                job = await agents.claim_step(tx, agent=agent, lease=runtime.settings.agent_lease_seconds)
            if job is not None:
                return JSONResponse({"job": job})
            if time.monotonic() >= deadline:
                return Response(status_code=204)
            await asyncio.sleep(POLL_EVERY)
    except (DomainError, *DATABASE_DOWN) as exc:
        return error_response(exc)


async def _job_body(request: Request) -> tuple[uuid.UUID, dict]:
    try:
        step_id = uuid.UUID(request.path_params["job_id"])
    except ValueError:
        raise NotFound("No such job.") from None
    try:
        body = strict_json.loads(await request.body())
    except strict_json.BadJSON as bad:
        raise BadRequest(f"Body is {bad}.") from None
    if not isinstance(body, dict) or not isinstance(body.get("attempt"), int):
        raise BadRequest("Send a JSON object with the integer attempt you were given.")
    return step_id, body


async def heartbeat(request: Request) -> Response:
    """POST /api/agent/jobs/{id}/heartbeat: the agent still works on it."""
    runtime = request.app.state.runtime
    try:
        agent = await _agent(request)
        step_id, body = await _job_body(request)
        async with runtime.db.transaction(tenant_id=agent.tenant_id) as tx:
            await agents.extend_lease(tx, agent=agent, step_id=step_id, attempt=body["attempt"],
                                      lease=runtime.settings.agent_lease_seconds)
    except (DomainError, *DATABASE_DOWN) as exc:
        return error_response(exc)
    return JSONResponse({"lease_seconds": runtime.settings.agent_lease_seconds})


async def result(request: Request) -> Response:
    """POST /api/agent/jobs/{id}/result: record the outcome of the attempt."""
    runtime = request.app.state.runtime
    try:
        agent = await _agent(request)
        step_id, body = await _job_body(request)
        if body.get("exit_code") is not None and not isinstance(body.get("exit_code"), int):
            raise BadRequest("exit_code must be an integer.")
        async with runtime.db.transaction(tenant_id=agent.tenant_id) as tx:
            outcome = await agents.report_result(tx, agent=agent, step_id=step_id, attempt=body["attempt"],
                                                 result=body)
    except (DomainError, *DATABASE_DOWN) as exc:
        return error_response(exc)
    return JSONResponse({"step": outcome})


async def document_schema(request: Request) -> JSONResponse:
    """GET /api/automation/schema.json: the JSON Schema of runbook and workflow YAML documents."""
    return JSONResponse(automation_schema(), headers={"Cache-Control": "public, max-age=300"})


routes = [
    Route("/api/automation/schema.json", document_schema, methods=["GET"]),
    Route("/api/agent/jobs", next_job, methods=["GET"]),
    Route("/api/agent/jobs/{job_id}/heartbeat", heartbeat, methods=["POST"]),
    Route("/api/agent/jobs/{job_id}/result", result, methods=["POST"]),
]
