"""A real `atlas serve` refuses a websocket frame over the message limit at the protocol level."""

import json

import pytest
import websockets

from resolvers.ws_limits import MAX_MESSAGE_BYTES


async def test_the_server_closes_a_socket_that_sends_a_frame_over_the_limit(live_server):
    url = live_server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"padding": "x" * 2 * MAX_MESSAGE_BYTES}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()

    assert closed.value.rcvd.code == 1009
