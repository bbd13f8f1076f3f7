"""Server-sent events for live console views.

A live view's stream runs one named subscription from graphql/operations/ in-process with the
signed-in user's context (like every screen's query) and turns each result into HTML messages that
the page's htmx SSE extension swaps in. Besides those it sends:

- ``live`` once subscribed, for the page's live indicator;
- a comment every ``HEARTBEAT_SECONDS``, after checking that the client is still there and that the
  session still grants the same access (if not: ``close``, and the page stops listening);
- after ``STREAM_SECONDS``, ``reconnect`` then ``close``: the page re-reads its live part, which opens
  a fresh stream through the guard, so no stream outlives a sign-out or a server shutdown for long.

The page's connecting element carries ``sse-close="close"``, so a closed stream is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse
from strawberry.types import ExecutionResult

from console.guard import still_signed_in
from console.render import error_line
from resolvers.context import Context

log = logging.getLogger("atlas.console.sse")
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 60.0
TICK = object()

Render = Callable[[dict[str, Any]], list[str]]


def message(data: str, *, event: str | None = None) -> str:
    """One SSE message; each line of ``data`` becomes its own ``data:`` field."""
    fields = [f"event: {event}"] if event else []
    fields += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(fields) + "\n\n"


def closing(text: str) -> str:
    """Tell the page why the stream ends (its live indicator), then that it must not reconnect."""
    return message(text, event="live") + message("close", event="close")


def stream_context(request: Request) -> Context:
    """The context of an in-process subscription: long-lived, so DataLoaders never cache across events."""
    return Context(request=request, response=None, runtime=request.app.state.runtime,
                   principal=request.state.principal, connection_params={})


def event_stream(
    request: Request, operation: str, variables: dict[str, Any] | None, render: Render
) -> StreamingResponse:
    """A ``text/event-stream`` response: subscription ``operation``'s results through ``render``."""
    return StreamingResponse(_events(request, operation, variables, render), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class _Paced:
    """A subscription's results, or TICK when none came for a while; the next one is always awaited."""

    def __init__(self, results: AsyncIterator[ExecutionResult]) -> None:
        self.results = results
        self.pending: asyncio.Future | None = asyncio.ensure_future(anext(results))

    async def next(self, timeout: float) -> ExecutionResult | object | None:
        """The next result, TICK after ``timeout`` seconds, or None when the subscription ended."""
        if self.pending is None:
            return None
        done, _ = await asyncio.wait({self.pending}, timeout=timeout)
        if not done:
            return TICK
        finished, self.pending = self.pending, None
        try:
            result = finished.result()
        except StopAsyncIteration:
            return None
        except Exception:
            log.exception("console subscription failed")
            return None
        self.pending = asyncio.ensure_future(anext(self.results))
        return result

    async def aclose(self) -> None:
        """Stop waiting and end the subscription (leaving any shared execution)."""
        if self.pending is not None:
            self.pending.cancel()
            await asyncio.wait({self.pending})
            if not self.pending.cancelled():
                self.pending.exception()
        await self.results.aclose()


async def _events(request: Request, operation: str, variables: dict[str, Any] | None,
                  render: Render) -> AsyncIterator[str]:
    """The stream's messages until the client leaves, access changes, the time is up or an error."""
    results = await request.app.state.operations.subscribe(
        operation, context=stream_context(request), variables=variables)
    paced = _Paced(results)
    deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
    try:
        yield message("live", event="live")
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            result = await paced.next(min(HEARTBEAT_SECONDS, left))
            if result is TICK:
                if await request.is_disconnected():
                    return
                if not await still_signed_in(request):
                    yield closing("signed out")
                    return
                yield ": keep-alive\n\n"
            elif result is None or result.errors:
                yield closing(_problem(result))
                return
            else:
                for item in render(result.data or {}):
                    yield item
        yield message("reconnect", event="reconnect") + message("close", event="close")
    finally:
        await paced.aclose()


def _problem(result: ExecutionResult | None) -> str:
    """What the live indicator says when the subscription failed or ended."""
    if result is None:
        return "stopped"
    error = result.errors[0]
    code = (error.extensions or {}).get("code") or "UNEXPECTED"
    return str(error_line(code, error.message, tag="span"))
