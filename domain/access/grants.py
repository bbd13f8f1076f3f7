"""No privilege escalation: a caller may only hand out roles whose permissions they hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.access.service import check_role_names, permissions_for_roles
from domain.errors import Forbidden

if TYPE_CHECKING:
    from atlas.db import Transaction


async def grantable_roles(
    tx: Transaction, *, roles: list[str], granter_permissions: frozenset[str], field: str = "roles"
) -> list[str]:
    """Validate ``roles`` and check the granter holds every permission they confer."""
    roles = await check_role_names(tx, roles, field=field)
    beyond = sorted(await permissions_for_roles(tx, roles) - granter_permissions)
    if beyond:
        raise Forbidden(
            f"You cannot grant permissions you do not hold: {', '.join(beyond)}.", field=field
        )
    return roles
