"""Tenant-defined roles: create, change and delete them, within what the actor holds."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain.access import grants
from domain.access.catalog import BUILT_IN_ROLES, PERMISSION_NAMES
from domain.access.models import Role
from domain.access.service import RoleView, role_view
from domain.audit import service as audit
from domain.auth.models import ApiKey
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.users.models import Membership

if TYPE_CHECKING:
    from domain.auth.principals import Principal
    from domain.uow import Transaction

ROLE_NAME = re.compile(r"[a-z][a-z0-9-]{1,63}")


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
    holders = await tx.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.tenant_id == tx.tenant_id, Membership.roles.contains([role.name]))
    )
    keys = await tx.session.scalar(
        select(func.count()).select_from(ApiKey)
        .where(ApiKey.tenant_id == tx.tenant_id, ApiKey.roles.contains([role.name]), ApiKey.revoked_at.is_(None))
    )
    if holders or keys:
        raise Conflict(
            f"Role {role.name!r} is held by {holders} member(s) and {keys} API key(s); reassign them first.",
            field="id",
        )
    await tx.session.delete(role)
    await audit.record(tx, actor=actor.actor, action="role.deleted", target_type="role", target_id=str(role.id),
                       data={"name": role.name})
