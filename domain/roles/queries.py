"""Roles as callers hold them: resolve their permissions, list them, validate role names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.errors import ValidationFailed
from domain.roles.catalog import BUILT_IN_ROLES, PERMISSION_NAMES
from domain.roles.models import Role

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class RoleView:
    """A role as callers see it, built-in or custom."""

    name: str
    description: str
    permissions: tuple[str, ...]
    built_in: bool
    id: uuid.UUID | None = None


_PERMISSION_SETS: dict[frozenset[str], frozenset[str]] = {}  # one copy of each distinct set (bounded by the catalog)


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
    found = frozenset(granted)
    return _PERMISSION_SETS.setdefault(found, found)


async def list_roles(tx: Transaction) -> list[RoleView]:
    """Built-in roles first, then the tenant's custom roles by name."""
    views = [RoleView(r.name, r.description, tuple(sorted(r.permissions)), True) for r in BUILT_IN_ROLES.values()]
    custom = await tx.session.scalars(select(Role).where(Role.tenant_id == tx.tenant_id).order_by(Role.name))
    views += [role_view(role) for role in custom]
    return views


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


def role_view(role: Role) -> RoleView:
    return RoleView(role.name, role.description, tuple(sorted(role.permissions)), False, role.id)
