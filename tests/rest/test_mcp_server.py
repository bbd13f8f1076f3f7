"""The MCP server, driven by the official SDK's own client: the tools are listed, a read works, a write
needs the permission, nothing of another tenant is ever visible, and every call is audited."""

import contextlib
import json

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from domain.apikeys.service import create_api_key
from domain.audit.models import AuditEvent
from domain.auth.principals import user_principal
from domain.incidents.service import NewIncident, create_incident
from tests.conftest import auth_headers

TOOLS = {"list_incidents", "get_incident", "acknowledge_incident", "resolve_incident", "comment_on_incident",
         "ci_impact", "search_logs", "metric_series", "on_call_now", "search_knowledge"}


@contextlib.asynccontextmanager
async def mcp_session(app, headers: dict):
    """An SDK client session with the app in-process (ASGI), sending ``headers``."""
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://atlas.test", headers=headers)
    async with http, streamable_http_client("http://atlas.test/mcp", http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def _incident(db, tenant, title):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_incident(tx, new=NewIncident(title=title, severity="SEV2", services=["api"]), actor="t")


def _json(result) -> object:
    """A tool's answer: its structured content (a list comes wrapped as ``result``)."""
    assert not result.is_error, result.content
    data = result.structured_content or json.loads(result.content[0].text)
    return data["result"] if set(data) == {"result"} else data


async def test_an_agent_lists_reads_and_acknowledges_incidents_of_its_users_tenant_only(
        app, db, make_tenant, sign_in):
    mine, theirs = await make_tenant(), await make_tenant()
    incident = await _incident(db, mine, "Checkout latency")
    await _incident(db, theirs, "Their secret outage")

    async with mcp_session(app, auth_headers(await sign_in(mine))) as session:
        tools = {tool.name for tool in (await session.list_tools()).tools}
        listed = _json(await session.call_tool("list_incidents", {}))
        read = _json(await session.call_tool("get_incident", {"incident_id": str(incident.id)}))
        acked = _json(await session.call_tool("acknowledge_incident", {"incident_id": str(incident.id)}))

    assert tools == TOOLS
    assert [i["title"] for i in listed] == ["Checkout latency"]
    assert read["reference"] == incident.reference and read["timeline"][0]["kind"] == "created"
    assert acked["status"] == "OPEN"


async def test_another_tenants_incident_is_not_found(app, db, make_tenant, sign_in):
    mine, theirs = await make_tenant(), await make_tenant()
    foreign = await _incident(db, theirs, "Their secret outage")

    async with mcp_session(app, auth_headers(await sign_in(mine))) as session:
        result = await session.call_tool("get_incident", {"incident_id": str(foreign.id)})

    assert result.is_error and "Their secret outage" not in result.content[0].text


async def test_a_write_without_the_permission_is_refused_and_changes_nothing(app, db, make_tenant, add_member,
                                                                               sign_in):
    tenant = await make_tenant()
    incident = await _incident(db, tenant, "Disk full")
    viewer = await add_member(tenant, ["viewer"])

    async with mcp_session(app, auth_headers(await sign_in(tenant, viewer))) as session:
        result = await session.call_tool("resolve_incident", {"incident_id": str(incident.id)})
        still = _json(await session.call_tool("get_incident", {"incident_id": str(incident.id)}))

    assert result.is_error and "FORBIDDEN" in result.content[0].text
    assert still["status"] == "TRIGGERED"


async def test_a_client_api_key_works_and_every_tool_call_is_audited(app, db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        issued = await create_api_key(tx, name="agent", kind="client", roles=["responder"], expires_at=None,
                                      actor=owner)

    async with mcp_session(app, {"Authorization": f"Bearer {issued.credential}"}) as session:
        listed = await session.call_tool("list_incidents", {"status": "triggered"})

    assert not listed.is_error
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        calls = list(await tx.session.scalars(select(AuditEvent).where(AuditEvent.action == "mcp.tool_called")))
    assert [(c.target_id, c.actor) for c in calls] == [("list_incidents", calls[0].actor)] and calls[0].actor


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Bearer atk_" + "0" * 32 + "_nope"}])
async def test_without_valid_credentials_the_endpoint_answers_401(client, headers):
    response = await client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers)

    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


async def test_on_call_and_knowledge_tools_answer_from_the_users_tenant(app, make_tenant, sign_in):
    tenant = await make_tenant()

    async with mcp_session(app, auth_headers(await sign_in(tenant))) as session:
        on_call = await session.call_tool("on_call_now", {"service": "checkout"})
        found = await session.call_tool("search_knowledge", {"query": "disk full"})

    assert _json(on_call) == [] and _json(found) == []
