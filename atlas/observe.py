"""The outermost middleware: a request id for every request, its context in every log line, one access
log line, latency metrics by route and GraphQL operation, and a server span when tracing is on."""

from __future__ import annotations

import logging
import re
import time
import uuid

from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.logs import REQUEST_CONTEXT
from atlas.metrics import GRAPHQL_SECONDS, HTTP_SECONDS, WEBSOCKETS, count_ingest, operation_label

log = logging.getLogger("atlas.requests")
REQUEST_ID_HEADER = b"x-request-id"
_GOOD_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def route_label(scope: Scope) -> str:
    """The matched route's template (bounded cardinality), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return f"{scope.get('root_path', '')}{path}" if path is not None else "unmatched"


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token (a proxy's id joins the logs), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _GOOD_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


def _carrier(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}


class ObservabilityMiddleware:
    """Wraps every HTTP request (and counts websockets); see the module docstring."""

    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer
        self.tracing = not isinstance(tracer, trace.NoOpTracer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                WEBSOCKETS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.tracing:
            await self._observed(scope, receive, send, None)
            return
        context = propagate.extract(_carrier(scope))
        with self.tracer.start_as_current_span(scope["method"], context=context, kind=trace.SpanKind.SERVER) as span:
            await self._observed(scope, receive, send, span)

    async def _observed(self, scope: Scope, receive: Receive, send: Send, span) -> None:
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        token = REQUEST_CONTEXT.set({"request_id": request_id, "state": state})
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, state, status[0], time.perf_counter() - started, span)
            REQUEST_CONTEXT.reset(token)

    def _record(self, scope: Scope, state: dict, status: int, seconds: float, span) -> None:
        route = route_label(scope)
        HTTP_SECONDS.labels(route, scope["method"], str(status)).observe(seconds)
        operation = state.get("graphql_operation")
        if operation is not None:
            GRAPHQL_SECONDS.labels(operation_label(operation)).observe(seconds)
        ingest = state.get("ingest")
        if ingest is not None:
            count_ingest(*ingest)
        if span is not None:
            span.update_name(f"{scope['method']} {route}")
            span.set_attributes({"http.request.method": scope["method"], "http.route": route,
                                 "http.response.status_code": status})
        log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status, seconds * 1000,
                 extra={"method": scope["method"], "path": scope["path"], "status": status,
                        "duration_ms": round(seconds * 1000, 2)})
