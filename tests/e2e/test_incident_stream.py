"""Two real server processes share PostgreSQL and Redis: changes made through one instance reach a
subscriber connected to the other, in commit order."""

import asyncio
import json

import httpx
import pytest
import websockets

from tests.conftest import auth_headers
from tests.e2e.conftest import start_server, stop_server
from tests.waiting import subscribed_elsewhere, wait_for

SUBSCRIBE = "subscription { incidentChanged { seq kind incident { title status } } }"
CREATE = """mutation($i: CreateIncidentInput!) { createIncident(input: $i) {
  ... on IncidentSaved { incident { id } } } }"""
MOVE = """mutation($i: TransitionIncidentInput!) { transitionIncident(input: $i) { __typename } }"""


@pytest.fixture(scope="module")
def two_instances(live_settings):
    first, base_a = start_server(live_settings.data_dir)
    second, base_b = start_server(live_settings.data_dir)
    yield base_a, base_b
    stop_server(first)
    stop_server(second)


async def test_a_subscriber_on_instance_b_receives_changes_made_on_instance_a_in_order(two_instances, runtime,
                                                                                     make_tenant, sign_in):
    base_a, base_b = two_instances
    tenant = await make_tenant()
    grant = await sign_in(tenant)
    headers = auth_headers(grant)
    ws_url = base_b.replace("http://", "ws://") + "/graphql"

    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await wait_for(lambda: subscribed_elsewhere(runtime.redis, tenant.tenant_id), timeout=10, every=0.05,
                       what="instance B to subscribe to the tenant's changes")

        async with httpx.AsyncClient(base_url=base_a, headers=headers, timeout=10) as http:
            created = await http.post("/graphql", json={"query": CREATE, "variables": {
                "i": {"title": "Cross-instance", "severity": "SEV2"}}})
            incident_id = created.json()["data"]["createIncident"]["incident"]["id"]
            for to in ("OPEN", "INVESTIGATING", "RESOLVED"):
                await http.post("/graphql", json={"query": MOVE, "variables": {"i": {"id": incident_id, "to": to}}})

        received = []
        while len(received) < 4:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] == "next", message
            received.append(message["payload"]["data"]["incidentChanged"])

    assert [r["kind"] for r in received] == ["created", "status_changed", "status_changed", "status_changed"]
    seqs = [r["seq"] for r in received]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert all(r["incident"]["title"] == "Cross-instance" for r in received)
