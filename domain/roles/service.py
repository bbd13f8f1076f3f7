"""Tenant-defined roles: create, change and delete them, within what the actor holds."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from domain.audit import service as audit
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.roles import grants
from domain.roles.catalog import BUILT_IN_ROLES, PERMISSION_NAMES
from domain.roles.models import Role
from domain.roles.queries import RoleView, role_view

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import Transaction

ROLE_NAME = re.compile(r"[a-z][a-z0-9-]{1,63}")
# Who holds a role: members and live API keys. Read by table name so that roles, the bottom of the
# identity nouns, imports neither members nor apikeys (both import roles for the grant rule).
HOLDERS_SQL = text(
    "SELECT (SELECT count(*) FROM memberships WHERE tenant_id = :tenant AND roles @> ARRAY[CAST(:role AS varchar)]), "
    "(SELECT count(*) FROM api_keys WHERE tenant_id = :tenant AND revoked_at IS NULL "
    "AND roles @> ARRAY[CAST(:role AS varchar)])")


def _check_definition(name: str, description: str, permissions: list[str]) -> tuple[str, str, list[str]]:
    if not ROLE_NAME.fullmatch(name):
        raise ValidationFailed("Role name must be 2-64 lower-case letters, digits or hyphens.", field="name")
    if name in BUILT_IN_ROLES:
        raise Conflict(f"{name!r} is a built-in role.", field="name")
    unknown = sorted(set(permissions) - PERMISSION_NAMES)
    if unknown:
        raise ValidationFailed(f"Unknown permission(s): {', '.join(unknown)}.", field="permissions")
    if not permissions:
        raise ValidationFailed("Give the role at least one permission.", field="permissions")
    if len(description) > 500:
        raise ValidationFailed("Description must be at most 500 characters.", field="description")
    return name, description.strip(), sorted(set(permissions))


async def create_role(
    tx: Transaction, *, name: str, description: str, permissions: list[str], actor: Principal
) -> RoleView:
    """Define a custom role from permissions the actor holds."""
    name, description, permissions = _check_definition(name, description, permissions)
    grants.check_role_definition(actor, role_name=name, before=(), after=permissions)
    if await tx.session.scalar(select(Role.id).where(Role.tenant_id == tx.tenant_id, Role.name == name)):
        raise Conflict(f"A role named {name!r} already exists.", field="name")
    role = Role(tenant_id=tx.tenant_id, name=name, description=description, permissions=permissions)
    tx.session.add(role)
    await tx.session.flush()
    await audit.record(tx, actor=actor.actor, action="role.created", target_type="role", target_id=str(role.id),
                       data={"name": name, "permissions": permissions})
    return role_view(role)


async def _custom_role(tx: Transaction, role_id: uuid.UUID) -> Role:
    role = await tx.session.scalar(
        select(Role).where(Role.tenant_id == tx.tenant_id, Role.id == role_id).with_for_update()
    )
    if role is None:
        raise NotFound("No such custom role.", field="id")
    return role


async def update_role(
    tx: Transaction, *, role_id: uuid.UUID, description: str, permissions: list[str], actor: Principal
) -> RoleView:
    """Change a custom role's description and permissions (its name stays), within the actor's own."""
    role = await _custom_role(tx, role_id)
    _, description, permissions = _check_definition(role.name, description, permissions)
    before = sorted(role.permissions)
    grants.check_role_definition(actor, role_name=role.name, before=before, after=permissions)
    role.description, role.permissions = description, permissions
    await tx.session.flush()
    await audit.record(tx, actor=actor.actor, action="role.updated", target_type="role", target_id=str(role.id),
                       data={"before": before, "after": permissions})
    return role_view(role)


async def delete_role(tx: Transaction, *, role_id: uuid.UUID, actor: Principal) -> None:
    """Delete a custom role that no member holds and whose permissions the actor holds."""
    role = await _custom_role(tx, role_id)
    grants.check_role_definition(actor, role_name=role.name, before=role.permissions, after=())
    holders, keys = (await tx.session.execute(HOLDERS_SQL, {"tenant": tx.tenant_id, "role": role.name})).one()
    if holders or keys:
        raise Conflict(
            f"Role {role.name!r} is held by {holders} member(s) and {keys} API key(s); reassign them first.",
            field="id",
        )
    await tx.session.delete(role)
    await audit.record(tx, actor=actor.actor, action="role.deleted", target_type="role", target_id=str(role.id),
                       data={"name": role.name})
