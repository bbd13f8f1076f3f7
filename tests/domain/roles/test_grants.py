"""The grant rule on its own: which permission sets a principal may create, change or take away."""

import uuid

import pytest

from domain.errors import Forbidden
from domain.principal import Principal
from domain.roles.grants import check_holds, check_role_definition


def principal(*permissions: str, roles: tuple[str, ...] = ("custom",)) -> Principal:
    return Principal(kind="user", subject="u", tenant_id=uuid.uuid4(), roles=roles, permissions=frozenset(permissions))


def test_holding_every_permission_is_needed_to_grant_them():
    actor = principal("incident.read", "incident.write")

    check_holds(actor, ["incident.read"], field="roles", doing="grant")
    with pytest.raises(Forbidden) as refused:
        check_holds(actor, ["incident.read", "billing.manage", "audit.read"], field="roles", doing="grant")

    assert refused.value.message == "You cannot grant permissions you do not hold: audit.read, billing.manage."


@pytest.mark.parametrize(("before", "after", "allowed"), [
    ((), ("incident.read",), True),                      # a new role within what one holds
    ((), ("billing.manage",), False),                    # a new role beyond it
    (("incident.read",), ("incident.read", "incident.write"), True),
    (("billing.manage",), ("incident.read",), False),   # taking away what one does not hold
    (("billing.manage",), (), False),                    # deleting a role beyond one's own
])
def test_a_role_changes_only_within_the_actors_permissions(before, after, allowed):
    actor = principal("incident.read", "incident.write")

    try:
        check_role_definition(actor, role_name="ops", before=before, after=after)
        refused = False
    except Forbidden:
        refused = True

    assert refused is not allowed


def test_a_role_the_actor_holds_may_lose_permissions_but_not_gain_them():
    actor = principal("incident.read", "incident.write", roles=("ops",))

    check_role_definition(actor, role_name="ops", before=("incident.read", "incident.write"), after=("incident.read",))
    with pytest.raises(Forbidden) as refused:
        check_role_definition(actor, role_name="ops", before=("incident.read",), after=("incident.read", "incident.write"))

    assert refused.value.message == "You hold this role: you may only remove permissions from it, not add them."
