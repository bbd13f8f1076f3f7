"""What one graphql-transport-ws connection may hold: bounded messages, bounded operations, no idling.

- A message larger than ``MAX_MESSAGE_BYTES`` closes the socket (1009, "message too big") before it
  is parsed; `atlas serve` also tells uvicorn the same limit, so no larger frame is even buffered.
- At most ``MAX_OPERATIONS`` operations (subscriptions, and queries or mutations sent over the
  socket) run at once; another is answered with an error ("Subscription limit reached").
- A connection running no operation for ``IDLE_SECONDS`` (from its opening, or since its last
  subscription ended) is closed (1000, saying why): an open socket alone holds no memory for long.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """graphql-transport-ws, closing a connection that has run no operation for IDLE_SECONDS."""

    _idle: asyncio.TimerHandle | None = None
    _closed = False

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self._arm_idle()

    def _arm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if not self._closed and not self.operations:
            self._idle = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._idle_expired)

    def _idle_expired(self) -> None:
        if not self.operations and not self._closed:
            self._closing = asyncio.ensure_future(self._close_idle())

    async def _close_idle(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=IDLE_CLOSE, reason=f"Idle: no subscription for {IDLE_SECONDS:g} s")

    async def handle_subscribe(self, message) -> None:
        await super().handle_subscribe(message)
        self._arm_idle()  # stops the clock while an operation runs, restarts it if none was started

    async def run_operation(self, operation) -> None:
        try:
            await super().run_operation(operation)
        finally:
            self._arm_idle()

    async def shutdown(self) -> None:
        self._closed = True
        if self._idle is not None:
            self._idle.cancel()
        await super().shutdown()
