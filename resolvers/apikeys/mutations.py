from __future__ import annotations

import strawberry

from domain.apikeys import service as apikeys
from resolvers.apikeys.types import ApiKey, ApiKeyCreated, ApiKeyRevoked, CreateApiKeyInput
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id

CreateApiKeyPayload = payload_union("CreateApiKeyPayload", ApiKeyCreated)
RevokeApiKeyPayload = payload_union("RevokeApiKeyPayload", ApiKeyRevoked)


async def create_api_key(info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    """Create a key; the response carries its secret once."""
    return await mutate(info, lambda tx: apikeys.create_api_key(tx, name=input.name, kind=input.kind,
                                                                roles=input.roles, expires_at=input.expires_at,
                                                                actor=info.context.actor),
                        lambda issued: ApiKeyCreated(api_key=ApiKey.from_model(issued.key),
                                                     client_secret=issued.client_secret, key=str(issued.credential)))


async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> RevokeApiKeyPayload:
    """Revoke a key; it stops working on the next request."""
    return await mutate(info, lambda tx: apikeys.revoke_api_key(tx, key_id=parse_id(id),
                                                                actor=info.context.actor.actor),
                        lambda key: ApiKeyRevoked(api_key=ApiKey.from_model(key)))
