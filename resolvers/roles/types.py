"""GraphQL types for roles and the permission catalog."""

from __future__ import annotations

import strawberry

from domain.roles.catalog import Permission as PermissionRecord
from domain.roles.queries import RoleView


@strawberry.type(description="One entry of the permission catalog.")
class Permission:
    name: str
    area: str
    description: str

    @classmethod
    def from_record(cls, permission: PermissionRecord) -> Permission:
        return cls(name=permission.name, area=permission.area, description=permission.description)


@strawberry.type(description="A role: built in (fixed) or defined by the tenant.")
class Role:
    id: strawberry.ID | None = strawberry.field(description="Null for built-in roles.")
    name: str
    description: str
    permissions: list[str]
    built_in: bool

    @classmethod
    def from_view(cls, role: RoleView) -> Role:
        return cls(id=strawberry.ID(str(role.id)) if role.id else None, name=role.name,
                   description=role.description, permissions=list(role.permissions), built_in=role.built_in)


@strawberry.type
class RoleSaved:
    role: Role


@strawberry.type
class RoleDeleted:
    id: strawberry.ID


@strawberry.input
class CreateRoleInput:
    name: str
    description: str = ""
    permissions: list[str]


@strawberry.input
class UpdateRoleInput:
    id: strawberry.ID
    description: str = ""
    permissions: list[str]
