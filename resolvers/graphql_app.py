"""The GraphQL endpoint at /graphql: HTTP (POST, GET for queries) and graphql-transport-ws.

Subscriptions authenticate in ``connection_init`` with ``{"authorization": "Bearer <jwt>",
"x-tenant-id": "<tenant>"}``: anything else is refused before ``connection_ack`` (close 4403),
and the socket is closed (4401) when the token expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

import strawberry
from cross_web import HTTPException
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from domain import strict_json
from domain.auth.principals import TENANT_HEADER, authenticate
from domain.errors import Forbidden, Unauthenticated
from resolvers.context import Context
from resolvers.ws_limits import MAX_OPERATIONS, LimitedTransportWSHandler, LimitedWebSocketAdapter

log = logging.getLogger("atlas.graphql")
TOKEN_EXPIRED_CLOSE = 4401
AUTHENTICATED: Mapping[str, object] = MappingProxyType({})  # connection_params once the socket is signed in


def _param(params: dict, name: str) -> str | None:
    for key, value in params.items():
        if key.lower() == name and isinstance(value, str):
            return value
    return None


class AtlasGraphQL(GraphQL):
    """Strawberry's ASGI app with AtlasAI's context and websocket limits; legacy graphql-ws is not spoken."""

    websocket_adapter_class = LimitedWebSocketAdapter
    graphql_transport_ws_handler_class = LimitedTransportWSHandler

    def __init__(self, schema: strawberry.Schema, *, production: bool, ide_assets: str | None = None) -> None:
        """``ide_assets``: the URL prefix where GraphiQL's files are served (vendored from npm, with the
        paths unpkg.com uses), so the development IDE works offline; None keeps strawberry's CDN links."""
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=MAX_OPERATIONS,
        )
        self._shared_json = SharedEncoding()
        self._ide_assets = ide_assets

    @property
    def graphql_ide_html(self) -> str:
        """Strawberry's GraphiQL page, loading its scripts and styles from our own static files
        (unchanged bytes, so the page's subresource-integrity hashes still hold)."""
        html = super().graphql_ide_html
        return html.replace("https://unpkg.com/", self._ide_assets) if self._ide_assets else html

    def parse_json(self, data: str | bytes) -> object:
        """A request body or a GET parameter: strict JSON, or 400 saying what is wrong with it."""
        try:
            return strict_json.loads(data)
        except strict_json.BadJSON as bad:
            raise HTTPException(400, f"Body is {bad}.") from None

    def decode_json(self, data: str | bytes) -> object:
        """A websocket message: strict JSON; anything else closes the socket as a bad message (4400)."""
        try:
            return strict_json.loads(data)
        except strict_json.BadJSON as bad:
            raise json.JSONDecodeError(str(bad), "", 0) from None

    def encode_json(self, data: object) -> str:
        """JSON for the wire; a subscription result shared by many subscribers is encoded once."""
        if isinstance(data, dict) and data.get("type") == "next" and list(data.get("payload", ())) == ["data"]:
            body = self._shared_json.encode({"data": data["payload"]["data"]}, key=data["payload"]["data"])
            return f'{{"id":{json.dumps(data["id"])},"type":"next","payload":{body}}}'
        return super().encode_json(data)

    async def execute_single(self, request, *args, request_data, **kwargs):
        """Execute as strawberry does, noting the operation name for the request's logs and metrics."""
        request.scope.setdefault("state", {})["graphql_operation"] = request_data.operation_name
        return await super().execute_single(request, *args, request_data=request_data, **kwargs)

    async def get_context(self, request, response) -> Context:
        return Context(
            request=request,
            response=response,
            runtime=request.app.state.runtime,
            principal=getattr(request.state, "principal", None),
        )

    async def on_ws_connect(self, context: Context):
        """Authenticate the socket from the connection_init payload, or refuse it."""
        params = context.connection_params or {}
        scheme, _, token = (_param(params, "authorization") or "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise Unauthenticated("connection_init needs authorization: 'Bearer <access token>'.")
            context.principal = await authenticate(context.runtime, token.strip(), _param(params, TENANT_HEADER))
        except (Unauthenticated, Forbidden) as exc:
            log.info("websocket refused: %s", exc.message)
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        context.connection_params = AUTHENTICATED  # the token is spent: an open socket need not keep it
        _close_when_expired(context)
        return {"tenantId": str(context.principal.tenant_id)}


class SharedEncoding:
    """Remembers the JSON of the last few result objects, by identity (the objects are kept alive)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._recent: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, value: object, *, key: object) -> str:
        found = self._recent.get(id(key))
        if found is not None and found[0] is key:
            return found[1]
        encoded = json.dumps(value)
        self._recent[id(key)] = (key, encoded)
        if len(self._recent) > self.size:
            self._recent.popitem(last=False)
        return encoded


def _close_when_expired(context: Context) -> None:
    expires_at = context.principal.expires_at
    if expires_at is not None:
        delay = max(0.0, float(expires_at) - time.time())
        asyncio.get_running_loop().call_later(delay, _start_closing, context.response)


def _start_closing(websocket) -> None:
    task = asyncio.ensure_future(_close_expired(websocket))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _close_expired(websocket) -> None:
    with contextlib.suppress(Exception):
        await websocket.close(code=TOKEN_EXPIRED_CLOSE, reason="Access token expired")


_closing: set[asyncio.Task] = set()
