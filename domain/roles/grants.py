"""No privilege escalation: nobody grants, widens or takes away what they do not hold themselves.

This module is the one place the rule lives. Every path that changes what someone may do calls it:

- defining a role (``createRole``): only permissions the caller holds;
- changing a role (``updateRole``): the caller holds every permission the role had and will have, and
  a role the caller holds itself may only lose permissions;
- deleting a role (``deleteRole``): the caller holds every permission it confers;
- handing out roles (``inviteMember``, ``updateMemberRoles``, ``createApiKey``): only roles whose
  permissions the caller holds; an ingest key confers ``ingest.write``, so the same applies to it;
- changing or removing a member (``updateMemberRoles``, ``removeMember``): only a member whose
  permissions the caller holds (an admin cannot demote or remove an owner).

The platform-admin flag is not a tenant permission: only an operator on the server sets it
(``atlas tenant create --platform-admin``); no API path changes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from domain.errors import Forbidden
from domain.roles.queries import check_role_names, permissions_for_roles

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import Transaction


def check_holds(actor: Principal, permissions: Iterable[str], *, field: str, doing: str) -> None:
    """Refuse (``Forbidden``) unless ``actor`` holds every one of ``permissions``."""
    beyond = sorted(set(permissions) - actor.permissions)
    if beyond:
        raise Forbidden(f"You cannot {doing} permissions you do not hold: {', '.join(beyond)}.", field=field)


async def grantable_roles(tx: Transaction, *, roles: list[str], actor: Principal, field: str = "roles") -> list[str]:
    """Validate ``roles`` and check ``actor`` holds every permission they confer."""
    roles = await check_role_names(tx, roles, field=field)
    check_holds(actor, await permissions_for_roles(tx, roles), field=field, doing="grant")
    return roles


async def check_may_change_member(tx: Transaction, *, member_roles: list[str], actor: Principal,
                                  field: str = "userId") -> None:
    """Refuse changing or removing a member who holds permissions ``actor`` does not."""
    held = await permissions_for_roles(tx, member_roles)
    beyond = sorted(held - actor.permissions)
    if beyond:
        raise Forbidden(f"This member holds permissions you do not hold ({', '.join(beyond)}); "
                        "only someone who holds them can change or remove this member.", field=field)


def check_role_definition(actor: Principal, *, role_name: str, before: Iterable[str], after: Iterable[str]) -> None:
    """A role's permissions change from ``before`` to ``after`` (empty ``before``: a new role;
    empty ``after``: deleted): the actor holds both sets, and only shrinks a role it holds."""
    before, after = set(before), set(after)
    check_holds(actor, after, field="permissions", doing="grant")
    check_holds(actor, before - after, field="permissions", doing="take away")
    if role_name in actor.roles and after - before:
        raise Forbidden("You hold this role: you may only remove permissions from it, not add them.",
                        field="permissions")
