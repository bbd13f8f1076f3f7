"""graphql-transport-ws: the token is checked in connection_init, and an expired token closes the socket."""

import asyncio
from dataclasses import replace

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.auth.tokens import issue_access_token
from domain.billing.plans import entitlements_for
from tests.conftest import auth_headers


async def _init(app, payload):
    """Send connection_init; return the reply, or the close code if the server closed instead."""
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": payload})
            try:
                return await ws.receive_json()
            except WebSocketDisconnect as closed:
                return closed.code


@pytest.mark.parametrize(
    "make_payload",
    [
        lambda grant, other: {},
        lambda grant, other: {"authorization": "Bearer not-a-token", "x-tenant-id": str(grant.tenant_id)},
        lambda grant, other: {"authorization": f"Bearer {grant.access_token}"},
        lambda grant, other: {"authorization": f"Bearer {grant.access_token}", "x-tenant-id": str(other.tenant_id)},
    ],
    ids=["no-token", "bad-token", "no-tenant", "other-tenant"],
)
async def test_connection_init_without_valid_credentials_is_refused_before_ack(app, make_tenant, sign_in, make_payload):
    tenant, other = await make_tenant(), await make_tenant()
    grant = await sign_in(tenant)

    assert await _init(app, make_payload(grant, other)) == 4403


async def test_a_socket_is_closed_when_its_token_expires(app, runtime, make_tenant):
    tenant = await make_tenant()
    short = replace(runtime.policy, access_ttl=1)
    token, _ = issue_access_token(runtime.keys, short, subject=str(tenant.admin_user_id), tenant_id=tenant.tenant_id,
                                  roles=["owner"], entitlements=entitlements_for("enterprise"), extra={"kind": "user"})
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": auth_headers(token, tenant.tenant_id)})
            assert (await ws.receive_json())["type"] == "connection_ack"
            try:
                await asyncio.wait_for(ws.receive_json(), timeout=5)
                code = None
            except WebSocketDisconnect as closed:
                code = closed.code

    assert code == 4401
