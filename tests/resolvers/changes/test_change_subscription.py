"""changeChanged: a CAB member's vote and the CAB's decision reach subscribers of the tenant, filtered by kind."""

import asyncio

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.changes.service import channel_for
from domain.changes.workflow import cast_vote
from tests.conftest import auth_headers
from tests.domain.changes.helpers import move, raise_change, shop, user_id
from tests.waiting import wait_for

DOC = 'subscription { changeChanged(kinds: ["voted"]) { kind change { reference state votes { comment } } } }'


async def test_votes_stream_to_subscribers_with_the_decision(app, db, make_tenant, sign_in, add_member):
    tenant, ids = await shop(db, make_tenant)
    voter_email = await add_member(tenant, ["change-manager"])
    voter = await user_id(db, tenant, voter_email)
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], type="emergency")
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")
    headers = auth_headers(await sign_in(tenant))

    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http, \
            aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init", "payload": headers})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_json({"id": "c", "type": "subscribe", "payload": {"query": DOC}})
        await wait_for(lambda: channel_for(tenant.tenant_id) in app.state.runtime.hub.channels, timeout=5,
                       every=0.02, what="the subscription to follow the tenant's changes")
        await raise_change(db, tenant, ci_ids=[ids["search"]], title="Not a vote")  # "created": filtered out
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await cast_vote(tx, change_id=change.id, voter_id=voter, roles=["change-manager"], decision="approve",
                            comment="go", actor=voter_email)
        message = await asyncio.wait_for(ws.receive_json(), 5)

    assert message["payload"]["data"]["changeChanged"] == {
        "kind": "voted", "change": {"reference": change.reference, "state": "APPROVED", "votes": [{"comment": "go"}]}}
