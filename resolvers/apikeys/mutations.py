"""API key mutations."""

from __future__ import annotations

import strawberry

from domain.auth import apikeys
from resolvers.apikeys.types import ApiKey, ApiKeyCreated, ApiKeyRevoked, CreateApiKeyInput
from resolvers.errors import payload_union, run_mutation
from resolvers.ids import parse_id

CreateApiKeyPayload = payload_union("CreateApiKeyPayload", ApiKeyCreated)
RevokeApiKeyPayload = payload_union("RevokeApiKeyPayload", ApiKeyRevoked)


async def create_api_key(info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    """Create a key; the response carries its secret once."""

    async def work() -> ApiKeyCreated:
        async with info.context.transaction() as tx:
            issued = await apikeys.create_api_key(tx, name=input.name, kind=input.kind, roles=input.roles,
                                                  expires_at=input.expires_at, actor=info.context.actor)
            return ApiKeyCreated(api_key=ApiKey.from_model(issued.key), client_secret=issued.client_secret,
                                 key=str(issued.credential))

    return await run_mutation(work)


async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> RevokeApiKeyPayload:
    """Revoke a key; it stops working on the next request."""

    async def work() -> ApiKeyRevoked:
        async with info.context.transaction() as tx:
            key = await apikeys.revoke_api_key(tx, key_id=parse_id(id), actor=info.context.actor.actor)
            return ApiKeyRevoked(api_key=ApiKey.from_model(key))

    return await run_mutation(work)
