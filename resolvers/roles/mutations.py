from __future__ import annotations

import strawberry

from domain.roles import service as access
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id
from resolvers.roles.types import CreateRoleInput, Role, RoleDeleted, RoleSaved, UpdateRoleInput

SaveRolePayload = payload_union("SaveRolePayload", RoleSaved)
DeleteRolePayload = payload_union("DeleteRolePayload", RoleDeleted)


async def create_role(info: strawberry.Info, input: CreateRoleInput) -> SaveRolePayload:
    """Define a custom role from catalog permissions."""
    return await mutate(info, lambda tx: access.create_role(tx, name=input.name, description=input.description,
                                                            permissions=input.permissions, actor=info.context.actor),
                        _saved)


async def update_role(info: strawberry.Info, input: UpdateRoleInput) -> SaveRolePayload:
    """Change a custom role's description and permissions."""
    return await mutate(info, lambda tx: access.update_role(tx, role_id=parse_id(input.id),
                                                            description=input.description,
                                                            permissions=input.permissions, actor=info.context.actor),
                        _saved)


def _saved(role) -> RoleSaved:
    return RoleSaved(role=Role.from_view(role))


async def delete_role(info: strawberry.Info, id: strawberry.ID) -> DeleteRolePayload:
    """Delete a custom role nobody holds."""
    return await mutate(info, lambda tx: access.delete_role(tx, role_id=parse_id(id), actor=info.context.actor),
                        lambda _: RoleDeleted(id=id))
