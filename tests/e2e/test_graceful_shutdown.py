"""A web process asked to stop (SIGTERM, as on a deploy or a scale-in) answers the request it is in the
middle of, closes its websockets with 1012 (service restart: clients reconnect elsewhere) and exits."""

import asyncio
import json
import signal
import socket

import pytest
import websockets

from tests.conftest import auth_headers
from tests.e2e.conftest import start_server, stop_server

SUBSCRIBE = "subscription { incidentChanged { seq kind } }"


def _send_half_a_request(base: str, headers: dict) -> tuple[socket.socket, bytes]:
    """Open a POST /graphql and send all but the last bytes of its body; return the socket and the rest."""
    body = json.dumps({"query": "{ viewer { tenantId } }"}).encode()
    host, port = base.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock = socket.create_connection((host, int(port)), timeout=20)
    sock.sendall(f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{head}"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[:-5])
    return sock, body[-5:]


def _read_answer(sock: socket.socket) -> str:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks).decode()


@pytest.fixture
def server(live_settings):
    process, base = start_server(live_settings.data_dir)
    yield process, base
    stop_server(process)


async def test_sigterm_answers_the_request_in_flight_closes_sockets_with_1012_and_exits(server, make_tenant, sign_in):
    process, base = server
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    async with websockets.connect(base.replace("http://", "ws://") + "/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        sock, rest = await asyncio.to_thread(_send_half_a_request, base, headers)

        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        sock.sendall(rest)
        answer = await asyncio.to_thread(_read_answer, sock)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 15)

    assert answer.startswith("HTTP/1.1 200")
    assert json.loads(answer.split("\r\n\r\n", 1)[1])["data"]["viewer"]["tenantId"] == str(tenant.tenant_id)
    assert closed.value.rcvd.code == 1012
    # uvicorn re-raises the signal once it has shut down cleanly, so the exit status says SIGTERM
    assert await asyncio.to_thread(process.wait, 20) in (0, -signal.SIGTERM)
