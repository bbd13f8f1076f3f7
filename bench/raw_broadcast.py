"""The peer of bench/subscriptions.py: raw Redis pub/sub forwarded to every websocket, nothing else.

Run: python bench/raw_broadcast.py REDIS_URL PORT
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

CHANNEL = "bench:raw"
clients: set[WebSocket] = set()


async def endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    clients.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        clients.discard(websocket)


async def forward(redis_url: str) -> None:
    pubsub = Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)
    async for message in pubsub.listen():
        if message["type"] == "message":
            text = message["data"].decode()
            for client in list(clients):
                await client.send_text(text)


def main() -> None:
    redis_url, port = sys.argv[1], int(sys.argv[2])

    async def lifespan(app):
        task = asyncio.create_task(forward(redis_url))
        yield
        task.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_per_message_deflate=False)


if __name__ == "__main__":
    main()
