"""Custom role mutations."""

from __future__ import annotations

import strawberry

from domain.access import roles as access
from resolvers.access.types import CreateRoleInput, Role, RoleDeleted, RoleSaved, UpdateRoleInput
from resolvers.errors import payload_union, run_mutation
from resolvers.ids import parse_id

SaveRolePayload = payload_union("SaveRolePayload", RoleSaved)
DeleteRolePayload = payload_union("DeleteRolePayload", RoleDeleted)


async def create_role(info: strawberry.Info, input: CreateRoleInput) -> SaveRolePayload:
    """Define a custom role from catalog permissions."""

    async def work() -> RoleSaved:
        async with info.context.transaction() as tx:
            role = await access.create_role(tx, name=input.name, description=input.description,
                                            permissions=input.permissions, actor=info.context.actor)
            return RoleSaved(role=Role.from_view(role))

    return await run_mutation(work)


async def update_role(info: strawberry.Info, input: UpdateRoleInput) -> SaveRolePayload:
    """Change a custom role's description and permissions."""

    async def work() -> RoleSaved:
        async with info.context.transaction() as tx:
            role = await access.update_role(tx, role_id=parse_id(input.id), description=input.description,
                                            permissions=input.permissions, actor=info.context.actor)
            return RoleSaved(role=Role.from_view(role))

    return await run_mutation(work)


async def delete_role(info: strawberry.Info, id: strawberry.ID) -> DeleteRolePayload:
    """Delete a custom role nobody holds."""

    async def work() -> RoleDeleted:
        async with info.context.transaction() as tx:
            await access.delete_role(tx, role_id=parse_id(id), actor=info.context.actor)
            return RoleDeleted(id=id)

    return await run_mutation(work)
