"""The GraphQL endpoint at /graphql: HTTP (POST, GET for queries) and graphql-transport-ws."""

from __future__ import annotations

from datetime import timedelta

import strawberry
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from resolvers.context import Context


class AtlasGraphQL(GraphQL):
    """Strawberry's ASGI app with AtlasAI's context; legacy graphql-ws is not spoken."""

    def __init__(self, schema: strawberry.Schema, *, production: bool) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )

    async def get_context(self, request, response) -> Context:
        return Context(
            request=request,
            response=response,
            runtime=request.app.state.runtime,
            principal=getattr(request.state, "principal", None),
        )
