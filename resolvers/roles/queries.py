from __future__ import annotations

import strawberry

from domain.roles.catalog import PERMISSIONS
from domain.roles.queries import list_roles
from resolvers.roles.types import Permission, Role


async def resolve_roles(info: strawberry.Info) -> list[Role]:
    """Built-in roles, then the tenant's custom roles."""
    async with info.context.transaction() as tx:
        return [Role.from_view(role) for role in await list_roles(tx)]


def resolve_permissions(info: strawberry.Info) -> list[Permission]:
    """The permission catalog custom roles are built from."""
    return [Permission.from_record(p) for p in PERMISSIONS]
