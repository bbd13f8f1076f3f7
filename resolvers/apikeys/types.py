"""GraphQL types for API keys."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.apikeys.models import ApiKey as ApiKeyModel


@strawberry.type(description="A machine credential. Its secret is shown only when created.")
class ApiKey:
    id: strawberry.ID
    client_id: str = strawberry.field(description="Public id (OAuth client_id); safe to show and log.")
    name: str
    kind: str = strawberry.field(description="`client` (token grant) or `ingest` (X-Api-Key header, ingest only).")
    roles: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, key: ApiKeyModel) -> ApiKey:
        return cls(id=strawberry.ID(str(key.id)), client_id=f"atk_{key.id.hex}", name=key.name, kind=key.kind,
                   roles=list(key.roles), created_by=key.created_by, created_at=key.created_at,
                   expires_at=key.expires_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at)


@strawberry.type(description="A new key with its secret: store it now, it is never shown again.")
class ApiKeyCreated:
    api_key: ApiKey
    client_secret: str = strawberry.field(description="For the client_credentials grant.")
    key: str = strawberry.field(description="id and secret in one string, for the X-Api-Key header.")


@strawberry.type
class ApiKeyRevoked:
    api_key: ApiKey


@strawberry.input
class CreateApiKeyInput:
    name: str
    kind: str = "client"
    roles: list[str] = strawberry.field(default_factory=lambda: ["agent"])
    expires_at: datetime | None = None
