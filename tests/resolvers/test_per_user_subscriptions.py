"""Two people with the same permissions sending the same per-user subscription never share one execution:
each hears only of their own pages (a shared group would hand the first member's private events to all)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import select

from domain.members.models import User
from domain.paging.escalation import run_step
from tests.conftest import auth_headers
from tests.waiting import listening, wait_for
from tests.workers.paging_setup import open_incident, policy_for

SUBSCRIBE = "subscription { youArePaged { incidentId } }"


async def _user_id(db, tenant, email):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(User.id).where(User.email == email))


async def test_two_responders_with_one_document_each_hear_only_their_own_pages(app, db, make_tenant, add_member,
                                                                               sign_in):
    tenant = await make_tenant()
    ana, bo = await add_member(tenant, ["responder"]), await add_member(tenant, ["responder"])
    await policy_for(db, tenant, [[await _user_id(db, tenant, bo)]], service="payments")
    transport = ASGIWebSocketTransport(app=app)
    async with contextlib.AsyncExitStack() as stack:
        sockets = []
        for email in (ana, bo):  # ana subscribes first: a shared group would run with her principal
            http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://t"))
            ws = await stack.enter_async_context(aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]))
            await ws.send_json({"type": "connection_init", "payload": auth_headers(await sign_in(tenant, email))})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            sockets.append(ws)
        await wait_for(lambda: listening(app, [tenant.tenant_id]), timeout=5, every=0.02, what="the subscriptions")
        await asyncio.sleep(0.2)
        incident = await open_incident(db, tenant, service="payments")
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await run_step(tx, incident_id=incident.id, generation=1, level=0, round_=0)

        bos = await asyncio.wait_for(sockets[1].receive_json(), 5)
        with contextlib.suppress(TimeoutError):
            anas = await asyncio.wait_for(sockets[0].receive_json(), 0.7)
            raise AssertionError(f"ana heard of bo's page: {anas}")

    assert bos["payload"]["data"]["youArePaged"] == {"incidentId": str(incident.id)}
