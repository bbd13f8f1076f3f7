"""What a graphql-transport-ws connection may hold: no oversized message, no idling without a subscription."""

import asyncio
import contextlib

import httpx
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from resolvers import ws_limits
from tests.conftest import auth_headers

DOC = "subscription { incidentChanged { seq } }"


async def _closed_within(ws, seconds: float) -> tuple[int, str] | None:
    """The close code and reason if the server closes the socket within ``seconds``, else None."""
    try:
        await asyncio.wait_for(ws.receive_json(), timeout=seconds)
    except WebSocketDisconnect as closed:
        return closed.code, closed.reason
    except TimeoutError:
        return None
    raise AssertionError("a message came instead of a close")


@contextlib.asynccontextmanager
async def _socket(app):
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            yield ws


async def test_a_message_over_64_kib_closes_the_socket_before_it_is_read(app, make_tenant, sign_in):
    headers = auth_headers(await sign_in(await make_tenant()))
    async with _socket(app) as ws:
        await ws.send_json({"type": "connection_init", "payload": {**headers, "padding": "x" * 60_000}})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": DOC, "extensions": {
            "padding": "é" * 33_000}}})  # 66,000 bytes as UTF-8, though 33,000 characters

        assert await _closed_within(ws, 5) == (1009, "Message larger than 65536 bytes")


async def test_a_connection_without_a_subscription_is_closed_when_idle(app, make_tenant, sign_in, monkeypatch):
    monkeypatch.setattr(ws_limits, "IDLE_SECONDS", 0.5)
    headers = auth_headers(await sign_in(await make_tenant()))
    async with _socket(app) as ws:
        await ws.send_json({"type": "connection_init", "payload": headers})
        assert (await ws.receive_json())["type"] == "connection_ack"

        assert await _closed_within(ws, 5) == (1000, "Idle: no subscription for 0.5 s")


async def test_a_subscribed_connection_stays_open_and_idles_out_once_it_unsubscribes(app, make_tenant, sign_in,
                                                                                      monkeypatch):
    monkeypatch.setattr(ws_limits, "IDLE_SECONDS", 0.5)
    headers = auth_headers(await sign_in(await make_tenant()))
    async with _socket(app) as ws:
        await ws.send_json({"type": "connection_init", "payload": headers})
        await ws.receive_json()
        await ws.send_json({"id": "live", "type": "subscribe", "payload": {"query": DOC}})

        assert await _closed_within(ws, 1.5) is None  # three idle periods, still open: it is subscribed

        await ws.send_json({"id": "live", "type": "complete"})
        assert await _closed_within(ws, 5) == (1000, "Idle: no subscription for 0.5 s")
