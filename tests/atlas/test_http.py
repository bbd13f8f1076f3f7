"""The HTTP surface: liveness, readiness, GraphQL transport rules and security headers."""

import contextlib

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from redis.asyncio import Redis

from atlas.db import Database
from tests.conftest import auth_headers


async def test_healthz_says_the_process_is_up(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_reports_ready_when_database_and_redis_answer(client):
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["database"] == "ok"


@contextlib.asynccontextmanager
async def swapped(runtime, **parts):
    saved = {name: getattr(runtime, name) for name in parts}
    for name, part in parts.items():
        setattr(runtime, name, part)
    try:
        yield
    finally:
        for name, part in saved.items():
            setattr(runtime, name, part)


async def test_readyz_is_503_and_names_redis_when_redis_is_down(app, client):
    dead_redis = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    async with swapped(app.state.runtime, redis=dead_redis):
        response = await client.get("/readyz")
    await dead_redis.aclose()

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["failing"] == ["redis"]


async def test_readyz_is_503_and_names_the_database_when_it_is_down(app, client):
    dead_db = Database("postgresql://atlas_app@127.0.0.1:1/atlas", pool_size=1)
    async with swapped(app.state.runtime, db=dead_db):
        response = await client.get("/readyz")
    await dead_db.dispose()

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


async def test_graphql_answers_the_health_query_over_post_and_get(client):
    query = "query Health { health { status database redis } }"

    posted = await client.post("/graphql", json={"query": query})
    fetched = await client.get("/graphql", params={"query": query})

    for response in (posted, fetched):
        assert response.status_code == 200
        assert response.json()["data"]["health"] == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_viewer_is_null_without_credentials(client):
    response = await client.post("/graphql", json={"query": "{ viewer { subject } }"})

    assert response.json() == {"data": {"viewer": None}}


async def test_graphiql_is_served_in_development(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_production_serves_no_graphiql_and_refuses_introspection(production_client):
    page = await production_client.get("/graphql", headers={"Accept": "text/html"})
    introspection = await production_client.post("/graphql", json={"query": "{ __schema { types { name } } }"})

    assert page.status_code == 404
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()


async def test_legacy_graphql_ws_protocol_is_refused(app):
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-ws"]) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.send_json({"type": "connection_init", "payload": {}})
                await ws.receive_json()

    assert closed.value.code == 4406


async def test_graphql_transport_ws_handshake_is_acknowledged_with_a_token(app, make_tenant, sign_in):
    tenant = await make_tenant()
    grant = await sign_in(tenant)
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": auth_headers(grant)})
            reply = await ws.receive_json()

    assert reply == {"type": "connection_ack", "payload": {"tenantId": str(tenant.tenant_id)}}


async def test_every_response_carries_security_headers(client):
    response = await client.get("/healthz")

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
