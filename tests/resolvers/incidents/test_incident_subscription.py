"""incidentChanged: filters, shared execution of identical subscriptions, the per-connection cap."""

import asyncio
import contextlib
import uuid

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.incidents.service import NewIncident, comment, create_incident
from tests.conftest import auth_headers
from tests.waiting import listening, wait_for

DOC = "subscription($f: IncidentChangeFilter) { incidentChanged(filter: $f) { seq kind incident { title severity } } }"


@contextlib.asynccontextmanager
async def subscribers(app, payloads_and_filters):
    """Open one connection per (connection_init payload, filter) and subscribe each."""
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test"))
        sockets = []
        for payload, variables in payloads_and_filters:
            ws = await stack.enter_async_context(aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]))
            await ws.send_json({"type": "connection_init", "payload": payload})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "s", "type": "subscribe", "payload": {"query": DOC, "variables": variables}})
            sockets.append(ws)
        tenants = {uuid.UUID(payload["x-tenant-id"]) for payload, _ in payloads_and_filters}
        await wait_for(lambda: listening(app, tenants, subscriptions=len(sockets)), timeout=5, every=0.02,
                       what="every subscription to follow its tenant's incidents")
        yield sockets


async def _next(ws, timeout=5):
    return (await asyncio.wait_for(ws.receive_json(), timeout))


async def _create(db, tenant, title, severity="SEV3"):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_incident(tx, new=NewIncident(title=title, severity=severity), actor="t")


async def test_identical_subscriptions_share_one_execution_and_get_the_same_result(app, db, make_tenant, sign_in):
    tenant = await make_tenant()
    first, second = auth_headers(await sign_in(tenant)), auth_headers(await sign_in(tenant))
    shared = app.state.schema.shared_subscriptions
    before = shared.group_count

    async with subscribers(app, [(first, {}), (second, {})]) as (ws_a, ws_b):
        groups = shared.group_count - before
        await _create(db, tenant, "Shared")
        got_a, got_b = await _next(ws_a), await _next(ws_b)

    assert groups == 1
    assert got_a["payload"] == got_b["payload"]
    assert got_a["payload"]["data"]["incidentChanged"]["incident"]["title"] == "Shared"


async def test_different_permissions_never_share(app, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    responder = auth_headers(await sign_in(tenant, await add_member(tenant, ["responder"])))
    shared = app.state.schema.shared_subscriptions
    before = shared.group_count

    async with subscribers(app, [(owner, {}), (responder, {})]):
        groups = shared.group_count - before

    assert groups == 2


async def test_a_filtered_subscription_receives_only_matching_changes(app, db, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))

    async with subscribers(app, [(headers, {"f": {"severities": ["SEV1"]}})]) as (ws,):
        await _create(db, tenant, "minor", "SEV4")
        await _create(db, tenant, "major", "SEV1")
        got = await _next(ws)

    assert got["payload"]["data"]["incidentChanged"]["incident"] == {"title": "major", "severity": "SEV1"}


async def test_changes_arrive_in_commit_order(app, db, make_tenant, sign_in):
    tenant = await make_tenant()
    incident = await _create(db, tenant, "ordered")
    headers = auth_headers(await sign_in(tenant))

    async with subscribers(app, [(headers, {})]) as (ws,):
        for n in range(5):
            async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                await comment(tx, incident_id=incident.id, body=f"note {n}", actor="t")
        seqs = [(await _next(ws))["payload"]["data"]["incidentChanged"]["seq"] for _ in range(5)]

    assert seqs == sorted(seqs) and len(set(seqs)) == 5


async def test_a_connection_may_hold_at_most_20_subscriptions(app, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))

    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": headers})
            await ws.receive_json()
            for n in range(21):
                await ws.send_json({"id": f"s{n}", "type": "subscribe",
                                    "payload": {"query": DOC, "variables": {"f": {"service": uuid.uuid4().hex}}}})
            refused = await _next(ws)

    assert refused["id"] == "s20" and refused["type"] == "error"
    assert refused["payload"][0]["message"] == "Subscription limit reached"
