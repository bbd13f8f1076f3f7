"""The signed-in principal as GraphQL sees it."""

from __future__ import annotations

import strawberry

from domain.tenants.queries import tenant_by_id, tenants_of_user
from resolvers.tenants.types import Tenant


@strawberry.type(description="A tenant the viewer can switch to.")
class ViewerTenant:
    tenant: Tenant
    roles: list[str]


@strawberry.type(description="Who is calling: a user or an API key, in one tenant.")
class Viewer:
    subject: strawberry.ID
    kind: str = strawberry.field(description="`user` or `api_key`.")
    tenant_id: strawberry.ID
    email: str | None
    display_name: str | None
    roles: list[str]
    permissions: list[str]
    is_platform_admin: bool
    features: list[str] = strawberry.field(description="Features of the tenant's plan.")
    time_zone: str = strawberry.field(default="UTC",
                                      description="The user's time zone (IANA name) for times; UTC for API keys.")
    theme: str = strawberry.field(default="system", description="The console's colours: `system`, `light` or `dark`.")

    @strawberry.field(description="The tenant the viewer is signed in to.")
    async def tenant(self, info: strawberry.Info) -> Tenant:
        async with info.context.transaction() as tx:
            return Tenant.from_model(await tenant_by_id(tx, tx.tenant_id))

    @strawberry.field(description="Every tenant this user belongs to (empty for API keys).")
    async def tenants(self, info: strawberry.Info) -> list[ViewerTenant]:
        principal = info.context.actor
        if principal.user_id is None:
            return []
        async with info.context.platform_transaction() as tx:
            found = await tenants_of_user(tx, user_id=principal.user_id)
        return [ViewerTenant(tenant=Tenant.from_model(m.tenant), roles=list(m.roles)) for m in found]
