"""What one graphql-transport-ws connection may hold: bounded messages, bounded operations, no idling.

- A message larger than ``MAX_MESSAGE_BYTES`` closes the socket (1009, "message too big") before it
  is parsed; `atlas serve` also tells uvicorn the same limit, so no larger frame is even buffered.
- At most ``MAX_OPERATIONS`` operations (subscriptions, and queries or mutations sent over the
  socket) run at once; another is answered with an error ("Subscription limit reached").
- A connection running no operation for ``IDLE_SECONDS`` (from its opening, or since its last
  subscription ended; checked every few seconds) is closed (1000, saying why): an open socket
  alone holds no memory for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncGenerator
from json import JSONDecodeError

from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.async_base_view import BaseGraphQLTransportWSHandler
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived

MAX_MESSAGE_BYTES = 64 * 1024
MAX_OPERATIONS = 20
IDLE_SECONDS = 60.0
TOO_BIG_CLOSE, IDLE_CLOSE = 1009, 1000


def too_big(text: str) -> bool:
    """Whether ``text`` takes more than MAX_MESSAGE_BYTES as UTF-8 (encoded only when it might)."""
    return len(text) > MAX_MESSAGE_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES


class LimitedWebSocketAdapter(ASGIWebSocketAdapter):
    """strawberry's ASGI websocket adapter, refusing oversized messages before parsing them."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if too_big(text):
                    await self.close(TOO_BIG_CLOSE, f"Message larger than {MAX_MESSAGE_BYTES} bytes")
                    return
                try:
                    yield self.view.decode_json(text)
                except JSONDecodeError as bad:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from bad
        except KeyError as bad:
            raise NonTextMessageReceived from bad
        except WebSocketDisconnect:
            return


class LimitedTransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, closing a connection that has run no operation for IDLE_SECONDS.

    One sweeper task per process looks at every open connection a few times per IDLE_SECONDS,
    instead of a timer per connection: an idle subscriber should cost as little as possible.
    """

    idle_since: float | None = None  # monotonic time since which no operation has run

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self.loop, self.idle_since = asyncio.get_running_loop(), time.monotonic()
        _watch(self)

    async def handle_subscribe(self, message) -> None:
        self.idle_since = None  # active now; the sweeper restarts the clock once nothing runs
        await super().handle_subscribe(message)

    async def close_idle(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=IDLE_CLOSE, reason=f"Idle: no subscription for {IDLE_SECONDS:g} s")

    async def shutdown(self) -> None:
        _open.discard(self)
        await super().shutdown()


_open: weakref.WeakSet[LimitedTransportWSHandler] = weakref.WeakSet()
_tasks: set[asyncio.Task] = set()


def _watch(handler: LimitedTransportWSHandler) -> None:
    """Follow ``handler`` until it closes, starting its loop's sweeper unless one runs."""
    _open.add(handler)
    if not any(task.get_loop() is handler.loop and not task.done() for task in _tasks):
        _keep(handler.loop.create_task(_sweep(handler.loop)))


def _keep(task: asyncio.Task) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _sweep(loop: asyncio.AbstractEventLoop) -> None:
    """Every few seconds: note which connections have no operation, close those idle too long."""
    while True:
        await asyncio.sleep(min(5.0, IDLE_SECONDS / 4))
        watched = [handler for handler in _open if handler.loop is loop]
        if not watched:
            return
        now = time.monotonic()
        for handler in watched:
            if handler.operations:
                handler.idle_since = None
            elif handler.idle_since is None:
                handler.idle_since = now
            elif now - handler.idle_since >= IDLE_SECONDS:
                _open.discard(handler)
                _keep(loop.create_task(handler.close_idle()))
