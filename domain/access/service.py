"""Roles: resolve permissions, validate role names, manage tenant-defined roles."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain.access.catalog import BUILT_IN_ROLES, PERMISSION_NAMES
from domain.access.models import Role
from domain.audit import service as audit
from domain.auth.models import ApiKey
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.users.models import Membership

if TYPE_CHECKING:
    from atlas.db import Transaction

ROLE_NAME = re.compile(r"[a-z][a-z0-9-]{1,63}")


@dataclass(frozen=True)
class RoleView:
    """A role as callers see it, built-in or custom."""

    name: str
    description: str
    permissions: tuple[str, ...]
    built_in: bool
    id: uuid.UUID | None = None


async def permissions_for_roles(tx: Transaction, roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The union of the permissions of ``roles`` in the transaction's tenant."""
    granted: set[str] = set()
    custom = [name for name in roles if name not in BUILT_IN_ROLES]
    for name in roles:
        if name in BUILT_IN_ROLES:
            granted |= BUILT_IN_ROLES[name].permissions
    if custom:
        rows = await tx.session.scalars(
            select(Role.permissions).where(Role.tenant_id == tx.tenant_id, Role.name.in_(custom))
        )
        for permissions in rows:
            granted |= set(permissions) & PERMISSION_NAMES
    return frozenset(granted)


async def list_roles(tx: Transaction) -> list[RoleView]:
    """Built-in roles first, then the tenant's custom roles by name."""
    views = [RoleView(r.name, r.description, tuple(sorted(r.permissions)), True) for r in BUILT_IN_ROLES.values()]
    custom = await tx.session.scalars(select(Role).where(Role.tenant_id == tx.tenant_id).order_by(Role.name))
    views += [_view(role) for role in custom]
    return views


def _view(role: Role) -> RoleView:
    return RoleView(role.name, role.description, tuple(sorted(role.permissions)), False, role.id)


async def check_role_names(tx: Transaction, roles: list[str], *, field: str = "roles") -> list[str]:
    """Return ``roles`` de-duplicated if each is built-in or defined by the tenant."""
    wanted = list(dict.fromkeys(roles))
    if not wanted:
        raise ValidationFailed("Give at least one role.", field=field)
    custom = {n for n in wanted if n not in BUILT_IN_ROLES}
    if custom:
        known = set(await tx.session.scalars(
            select(Role.name).where(Role.tenant_id == tx.tenant_id, Role.name.in_(custom))
        ))
        unknown = sorted(custom - known)
        if unknown:
            raise ValidationFailed(f"Unknown role(s): {', '.join(unknown)}.", field=field)
    return wanted


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
    tx: Transaction, *, name: str, description: str, permissions: list[str], actor: str
) -> RoleView:
    """Define a custom role."""
    name, description, permissions = _check_definition(name, description, permissions)
    if await tx.session.scalar(select(Role.id).where(Role.tenant_id == tx.tenant_id, Role.name == name)):
        raise Conflict(f"A role named {name!r} already exists.", field="name")
    role = Role(tenant_id=tx.tenant_id, name=name, description=description, permissions=permissions)
    tx.session.add(role)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="role.created", target_type="role", target_id=str(role.id),
                       data={"name": name, "permissions": permissions})
    return _view(role)


async def _custom_role(tx: Transaction, role_id: uuid.UUID) -> Role:
    role = await tx.session.scalar(
        select(Role).where(Role.tenant_id == tx.tenant_id, Role.id == role_id).with_for_update()
    )
    if role is None:
        raise NotFound("No such custom role.", field="id")
    return role


async def update_role(
    tx: Transaction, *, role_id: uuid.UUID, description: str, permissions: list[str], actor: str
) -> RoleView:
    """Change a custom role's description and permissions (its name stays)."""
    role = await _custom_role(tx, role_id)
    _, description, permissions = _check_definition(role.name, description, permissions)
    before = sorted(role.permissions)
    role.description, role.permissions = description, permissions
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="role.updated", target_type="role", target_id=str(role.id),
                       data={"before": before, "after": permissions})
    return _view(role)


async def delete_role(tx: Transaction, *, role_id: uuid.UUID, actor: str) -> None:
    """Delete a custom role that no member holds."""
    role = await _custom_role(tx, role_id)
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
    await audit.record(tx, actor=actor, action="role.deleted", target_type="role", target_id=str(role.id),
                       data={"name": role.name})
