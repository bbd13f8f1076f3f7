"""An MCP server for AI agents (the official `mcp` SDK, streamable HTTP at /mcp).

Every tool runs a named GraphQL operation (graphql/operations/mcp/) in-process with the caller's
principal, so an agent has exactly its user's tenant, permissions and plan, as the console does, and
every call is written to the tenant's audit log. The caller authenticates with ``Authorization:
Bearer`` and either an access token (with ``x-tenant-id``) or a client API key (``atk_...``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from domain import credentials
from domain.audit import service as audit
from domain.auth.principals import TENANT_HEADER, authenticate
from domain.auth.service import GrantError
from domain.errors import Forbidden, Unauthenticated

PATH = "/mcp"
INSTRUCTIONS = ("AtlasAI incident management. List and read incidents with their timelines, acknowledge, comment "
                "and resolve (when your user may), see what a CI's failure affects, search logs and read metrics. "
                "Everything you see is your user's tenant only.")


async def _run(ctx: Context, operation: str, variables: dict[str, Any], *, tool: str) -> dict[str, Any]:
    """Run ``operation`` as the caller; audit the call; a refusal is a tool error the agent can read."""
    request: Request = ctx.request_context.request
    state = request.scope["state"]  # set by McpAuthentication (request.app is the MCP sub-app here)
    principal, runtime, operations = state["principal"], state["atlas_runtime"], state["atlas_operations"]
    make_context = state["atlas_operation_context"]
    async with runtime.db.transaction(tenant_id=principal.tenant_id) as tx:
        await audit.record(tx, actor=principal.actor, action="mcp.tool_called", target_type="mcp_tool",
                           target_id=tool, data={"arguments": variables})
    context = make_context(request=request, runtime=runtime, principal=principal)
    result = await operations.run(operation, context=context, variables=variables, method="POST")
    if result.errors:
        raise ToolError("; ".join(f"{(e.extensions or {}).get('code', 'ERROR')}: {e.message}" for e in result.errors))
    return result.data or {}


def _payload(data: dict[str, Any], field: str) -> dict[str, Any]:
    answer = data[field]
    if "code" in answer and "message" in answer:
        raise ToolError(f"{answer['code']}: {answer['message']}")
    return answer


async def list_incidents(ctx: Context, status: str | None = None, text: str | None = None, service: str | None = None,
                         limit: int = 20) -> list[dict[str, Any]]:
    incident_filter = {"statuses": [status.upper()] if status else None, "text": text, "service": service}
    data = await _run(ctx, "McpIncidents", {"filter": incident_filter, "first": max(1, min(limit, 100))},
                      tool="list_incidents")
    return [edge["node"] for edge in data["incidents"]["edges"]]


async def get_incident(ctx: Context, incident_id: str) -> dict[str, Any]:
    data = await _run(ctx, "McpIncident", {"id": incident_id}, tool="get_incident")
    if data["incident"] is None:
        raise ToolError(f"No incident {incident_id} in your tenant.")
    incident = data["incident"]
    return {**incident, "timeline": [edge["node"] for edge in incident["timeline"]["edges"]]}


async def _transition(ctx: Context, incident_id: str, to: str, note: str, tool: str) -> dict[str, Any]:
    data = await _run(ctx, "McpTransitionIncident", {"input": {"id": incident_id, "to": to, "note": note}}, tool=tool)
    return _payload(data, "transitionIncident")["incident"]


async def acknowledge_incident(ctx: Context, incident_id: str, note: str = "") -> dict[str, Any]:
    return await _transition(ctx, incident_id, "OPEN", note or "acknowledged by an agent", "acknowledge_incident")


async def resolve_incident(ctx: Context, incident_id: str, note: str = "") -> dict[str, Any]:
    return await _transition(ctx, incident_id, "RESOLVED", note, "resolve_incident")


async def comment_on_incident(ctx: Context, incident_id: str, body: str) -> dict[str, Any]:
    data = await _run(ctx, "McpCommentOnIncident", {"id": incident_id, "body": body}, tool="comment_on_incident")
    return _payload(data, "commentOnIncident")["incident"]


async def ci_impact(ctx: Context, ci_ids: list[str]) -> dict[str, Any]:
    return (await _run(ctx, "McpImpact", {"ids": ci_ids}, tool="ci_impact"))["impactAnalysis"]


async def search_logs(ctx: Context, text: str | None = None, service: str | None = None, min_severity: int = 0,
                      limit: int = 50) -> list[dict[str, Any]]:
    log_filter = {"text": text, "service": service, "minSeverity": min_severity}
    data = await _run(ctx, "McpLogs", {"filter": log_filter, "first": max(1, min(limit, 200))}, tool="search_logs")
    return [edge["node"] for edge in data["logs"]["edges"]]


async def metric_series(ctx: Context, name: str, since: str | None = None, until: str | None = None,
                        step_seconds: int = 60, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    series_input = {"name": name, "since": since, "until": until, "stepSeconds": step_seconds,
                    "labels": json.loads(json.dumps(labels)) if labels else None}
    return (await _run(ctx, "McpMetricSeries", {"input": series_input}, tool="metric_series"))["metricSeries"]


async def on_call_now(ctx: Context, service: str) -> list[dict[str, Any]]:
    return (await _run(ctx, "McpOnCall", {"service": service}, tool="on_call_now"))["whoIsOnCall"]


async def search_knowledge(ctx: Context, query: str, limit: int = 10) -> list[dict[str, Any]]:
    data = await _run(ctx, "McpSearchKnowledge", {"query": query, "first": max(1, min(limit, 50))},
                      tool="search_knowledge")
    return data["search"]


class McpAuthentication:
    """Authenticates every request to /mcp (access token with x-tenant-id, or a client API key)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("Send Authorization: Bearer <access token or client API key>.")
            principal = await _principal(request, token.strip())
        except (Unauthenticated, Forbidden, GrantError) as exc:
            status = 403 if isinstance(exc, Forbidden) else 401
            await JSONResponse({"error": exc.message}, status_code=status,
                               headers={"WWW-Authenticate": 'Bearer realm="atlasai-mcp"'})(scope, receive, send)
            return
        ours = scope["app"].state
        scope.setdefault("state", {}).update(principal=principal, atlas_runtime=ours.runtime,
                                             atlas_operations=ours.operations,
                                             atlas_operation_context=ours.operation_context)
        await self.app(scope, receive, send)


async def _principal(request: Request, token: str):
    runtime = request.app.state.runtime
    if token.startswith(f"{credentials.API_KEY}_"):
        key = credentials.parse_credential(token, credentials.API_KEY)
        if key is None:
            raise Unauthenticated("Malformed API key.")
        grant = await runtime.tokens.client_credentials_grant(client_id=key.public_id, client_secret=key.secret)
        return await authenticate(runtime, grant.access_token, str(grant.tenant_id))
    return await authenticate(runtime, token, request.headers.get(TENANT_HEADER))


TOOLS = {
    list_incidents: "List incidents, newest first. status: TRIGGERED, OPEN, INVESTIGATING, RESOLVED or CLOSED; "
                    "text matches titles, descriptions and references such as INC-42.",
    get_incident: "One incident with its timeline (status changes, comments, alerts, links).",
    acknowledge_incident: "Acknowledge an incident (triggered -> open). Needs incident.write.",
    resolve_incident: "Resolve an incident. Needs incident.write.",
    comment_on_incident: "Add a comment to an incident's timeline. Needs incident.write.",
    ci_impact: "What depends on these configuration items (by id), with the path and why.",
    search_logs: "Search logs (web search syntax), newest first; min_severity 9 info, 13 warn, 17 error.",
    metric_series: "A metric's series over the last hour (or since/until, ISO times), bucketed by step_seconds.",
    on_call_now: "Who is on call now for a service (by its escalation policy's current level and schedules).",
    search_knowledge: "Search knowledge articles, runbooks and past incidents (hybrid full-text and vector), "
                      "best first, with links.",
}


@contextlib.asynccontextmanager
async def serving(agents: McpAuthentication) -> AsyncIterator[None]:
    """Run the MCP app's session manager for the web app's lifetime, in a task of its own: its task group
    must be left by the task that entered it, and a web app's lifespan may end in another one."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with agents.app.router.lifespan_context(agents.app):
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold(), name="atlas-mcp-sessions")
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # it failed to start: raise why
    try:
        yield
    finally:
        stop.set()
        await task


def mcp_app() -> ASGIApp:
    """The MCP endpoint's ASGI app (stateless JSON-RPC over HTTP, so any web instance can answer); one server
    per web app, as its session manager runs once."""
    server = MCPServer(name="AtlasAI", instructions=INSTRUCTIONS)
    for tool, description in TOOLS.items():
        server.tool(description=description)(tool)
    return server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, json_response=True,
                                      transport_security=TransportSecuritySettings(
                                          enable_dns_rebinding_protection=False))
