"""youArePaged: a signed-in person hears of the escalation steps that page them, and of no one else's."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.paging.escalation import run_step
from tests.conftest import auth_headers
from tests.waiting import listening, wait_for
from tests.workers.paging_setup import add_people, open_incident, policy_for

SUBSCRIBE = "subscription { youArePaged { incidentId reference severity level round } }"


async def test_the_paged_person_hears_of_their_page_only(app, db, make_tenant, sign_in):
    # given the owner paged first for checkout, ana for payments
    tenant = await make_tenant()
    [(ana, _)] = await add_people(db, tenant, 1)
    await policy_for(db, tenant, [[tenant.admin_user_id]], service="checkout")
    await policy_for(db, tenant, [[ana]], service="payments")
    headers = auth_headers(await sign_in(tenant))
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http, \
            aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init", "payload": headers})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        await wait_for(lambda: listening(app, [tenant.tenant_id]), timeout=5, every=0.02, what="the subscription")
        # when both incidents open and their first steps run
        payments = await open_incident(db, tenant, service="payments")
        checkout = await open_incident(db, tenant, service="checkout", severity="SEV2")
        for incident in (payments, checkout):
            async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                await run_step(tx, incident_id=incident.id, generation=1, level=0, round_=0)
        # then the owner hears of checkout's page alone
        message = await asyncio.wait_for(ws.receive_json(), 5)
        assert message["payload"]["data"]["youArePaged"] == {
            "incidentId": str(checkout.id), "reference": checkout.reference, "severity": "SEV2", "level": 0,
            "round": 0}
        try:
            extra = await asyncio.wait_for(ws.receive_json(), 0.5)
        except TimeoutError:
            extra = None
        assert extra is None
    assert uuid.UUID(message["payload"]["data"]["youArePaged"]["incidentId"]) == checkout.id
