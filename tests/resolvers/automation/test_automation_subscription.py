"""automationChanged: a subscriber sees its tenant's run reach the approval gate, and nothing of other tenants."""

import asyncio

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.automation.runs import channel_for
from tests.conftest import auth_headers
from tests.domain.automation.helpers import advance, published, start
from tests.waiting import wait_for

DOC = "subscription { automationChanged { runId kind status step approvalId } }"
GATE = {"name": "gate", "steps": [{"name": "ok", "kind": "approval"}]}


async def test_the_approval_queue_streams_through_the_subscription(app, runtime, db, make_tenant, sign_in):
    mine, other = await make_tenant(), await make_tenant()
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": auth_headers(await sign_in(mine))})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "s", "type": "subscribe", "payload": {"query": DOC}})
            await wait_for(lambda: channel_for(mine.tenant_id) in app.state.runtime.hub.channels, timeout=5,
                           every=0.02, what="the subscription to listen")

            # when a run starts in the other tenant, and one in the subscriber's tenant reaches its gate
            await start(db, other, await published(db, other, GATE))
            run_id = await start(db, mine, await published(db, mine, GATE))
            await advance(runtime, mine, run_id)

            changes = []
            while not changes or changes[-1]["kind"] != "approval_requested":
                message = await asyncio.wait_for(ws.receive_json(), 5)
                changes.append(message["payload"]["data"]["automationChanged"])

    assert {c["runId"] for c in changes} == {str(run_id)}
    assert [c["kind"] for c in changes] == ["started", "step_started", "approval_requested"]
    assert changes[-1]["status"] == "waiting" and changes[-1]["step"] == "ok" and changes[-1]["approvalId"]
