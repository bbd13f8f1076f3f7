"""The signed-in principal as GraphQL sees it."""

import strawberry


@strawberry.type(description="Who is calling: a user or an API key, in one tenant.")
class Viewer:
    subject: strawberry.ID
    kind: str = strawberry.field(description="`user` or `api_key`.")
    tenant_id: strawberry.ID | None
    email: str | None
    display_name: str | None
    roles: list[str]
    permissions: list[str]
