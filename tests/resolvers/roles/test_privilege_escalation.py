"""Nobody grants, widens or takes away what they do not hold (domain/roles/grants.py).

The paths that change what someone may do, each tried here:
createRole, updateRole, deleteRole, inviteMember, updateMemberRoles, removeMember, createApiKey
(client and ingest keys). The platform-admin flag has no API path at all (checked on the schema).
"""

import pytest

from domain.roles.catalog import PERMISSION_NAMES
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
CREATE_ROLE = f"""mutation($i: CreateRoleInput!) {{ createRole(input: $i) {{ __typename
  ... on RoleSaved {{ role {{ id permissions }} }} {ERROR} }} }}"""
UPDATE_ROLE = f"""mutation($i: UpdateRoleInput!) {{ updateRole(input: $i) {{ __typename
  ... on RoleSaved {{ role {{ permissions }} }} {ERROR} }} }}"""
DELETE_ROLE = f"mutation($id: ID!) {{ deleteRole(id: $id) {{ __typename {ERROR} }} }}"
UPDATE_MEMBER = f"""mutation($u: ID!, $r: [String!]!) {{ updateMemberRoles(userId: $u, roles: $r) {{ __typename
  ... on MemberUpdated {{ member {{ roles }} }} {ERROR} }} }}"""
REMOVE_MEMBER = f"mutation($u: ID!) {{ removeMember(userId: $u) {{ __typename {ERROR} }} }}"
INVITE = f"""mutation($i: InviteMemberInput!) {{ inviteMember(input: $i) {{ __typename {ERROR} }} }}"""
CREATE_KEY = f"""mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{ __typename {ERROR} }} }}"""
VIEWER = "{ viewer { subject permissions } }"
MANAGE = ["role.manage", "member.read", "member.manage", "apikey.manage"]


async def _role_ids(client, headers) -> dict[str, str]:
    roles = (await gql(client, "{ roles { id name } }", headers=headers))["data"]["roles"]
    return {role["name"]: role["id"] for role in roles if role["id"]}


async def _member(client, tenant, sign_in, add_member, roles):
    headers = auth_headers(await sign_in(tenant, await add_member(tenant, roles)))
    viewer = (await gql(client, VIEWER, headers=headers))["data"]["viewer"]
    return headers, viewer["subject"]


async def test_a_role_manager_cannot_widen_its_own_role(client, make_tenant, add_member, sign_in, define_role):
    # The attack battery's case: the only role is a custom one with role.manage and member.read.
    tenant = await make_tenant()
    await define_role(tenant, "role-admin", ["role.manage", "member.read"])
    headers, _ = await _member(client, tenant, sign_in, add_member, ["role-admin"])
    role_id = (await _role_ids(client, headers))["role-admin"]

    widened = await gql(client, UPDATE_ROLE, {"i": {"id": role_id, "permissions": [
        "tenant.admin", "billing.manage", "member.manage", "role.manage", "member.read", "apikey.manage"]}}, headers)

    assert widened["data"]["updateRole"] == {
        "__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "permissions",
        "message": "You cannot grant permissions you do not hold: apikey.manage, billing.manage, member.manage, "
                   "tenant.admin."}
    permissions = (await gql(client, VIEWER, headers=headers))["data"]["viewer"]["permissions"]
    assert sorted(permissions) == ["member.read", "role.manage"]


async def test_an_admin_cannot_give_itself_billing_through_a_custom_role(client, make_tenant, add_member, sign_in,
                                                                         define_role):
    tenant = await make_tenant()
    await define_role(tenant, "ops", ["incident.read"])
    headers, _ = await _member(client, tenant, sign_in, add_member, ["admin", "ops"])
    role_id = (await _role_ids(client, headers))["ops"]

    billing = await gql(client, UPDATE_ROLE, {"i": {"id": role_id, "permissions": ["billing.manage"]}}, headers)
    created = await gql(client, CREATE_ROLE, {"i": {"name": "payer", "permissions": ["billing.manage"]}}, headers)

    assert billing["data"]["updateRole"]["code"] == "FORBIDDEN"
    assert created["data"]["createRole"]["message"] == "You cannot grant permissions you do not hold: billing.manage."
    assert "billing.manage" not in (await gql(client, VIEWER, headers=headers))["data"]["viewer"]["permissions"]
    assert "payer" not in await _role_ids(client, headers)


async def test_a_role_one_holds_may_only_shrink(client, make_tenant, add_member, sign_in, define_role):
    tenant = await make_tenant()
    await define_role(tenant, "ops", ["incident.read", "incident.write"])
    headers, _ = await _member(client, tenant, sign_in, add_member, ["admin", "ops"])
    role_id = (await _role_ids(client, headers))["ops"]

    grown = await gql(client, UPDATE_ROLE, {"i": {"id": role_id, "permissions": [
        "incident.read", "incident.write", "cmdb.write"]}}, headers)
    shrunk = await gql(client, UPDATE_ROLE, {"i": {"id": role_id, "permissions": ["incident.read"]}}, headers)

    assert grown["data"]["updateRole"] == {
        "__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "permissions",
        "message": "You hold this role: you may only remove permissions from it, not add them."}
    assert shrunk["data"]["updateRole"]["role"]["permissions"] == ["incident.read"]


async def test_nobody_changes_or_deletes_a_role_beyond_their_own_permissions(client, make_tenant, add_member,
                                                                            sign_in, define_role):
    tenant = await make_tenant()
    await define_role(tenant, "treasurer", ["billing.manage", "incident.read"])
    admin, _ = await _member(client, tenant, sign_in, add_member, ["admin"])
    role_id = (await _role_ids(client, admin))["treasurer"]

    stripped = await gql(client, UPDATE_ROLE, {"i": {"id": role_id, "permissions": ["incident.read"]}}, admin)
    deleted = await gql(client, DELETE_ROLE, {"id": role_id}, admin)

    assert stripped["data"]["updateRole"]["message"] == (
        "You cannot take away permissions you do not hold: billing.manage.")
    assert deleted["data"]["deleteRole"]["code"] == "FORBIDDEN"
    assert "treasurer" in await _role_ids(client, admin)


async def test_an_admin_cannot_demote_or_remove_an_owner(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    admin, _ = await _member(client, tenant, sign_in, add_member, ["admin"])
    _, second_owner = await _member(client, tenant, sign_in, add_member, ["owner"])

    demoted = await gql(client, UPDATE_MEMBER, {"u": second_owner, "r": ["viewer"]}, admin)
    removed = await gql(client, REMOVE_MEMBER, {"u": second_owner}, admin)
    by_owner = await gql(client, UPDATE_MEMBER, {"u": second_owner, "r": ["viewer"]},
                         auth_headers(await sign_in(tenant)))

    assert demoted["data"]["updateMemberRoles"] == {
        "__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "userId",
        "message": "This member holds permissions you do not hold (billing.manage); only someone who holds them "
                   "can change or remove this member."}
    assert removed["data"]["removeMember"]["code"] == "FORBIDDEN"
    assert by_owner["data"]["updateMemberRoles"]["member"]["roles"] == ["viewer"]


async def test_ingest_keys_need_ingest_write_to_create(client, make_tenant, add_member, sign_in, define_role):
    tenant = await make_tenant()
    await define_role(tenant, "key-keeper", ["apikey.manage"])
    headers, _ = await _member(client, tenant, sign_in, add_member, ["key-keeper"])

    ingest = await gql(client, CREATE_KEY, {"i": {"name": "edge", "kind": "ingest"}}, headers)

    assert ingest["data"]["createApiKey"] == {
        "__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "kind",
        "message": "You cannot grant permissions you do not hold: ingest.write."}


async def test_no_mutation_sets_the_platform_admin_flag(client):
    # Platform operators are made on the server (atlas tenant create --platform-admin), never through the API.
    schema = (await client.get("/graphql", params={"query": "{ __schema { types { name inputFields { name } } } }"}))
    inputs = [(t["name"], f["name"]) for t in schema.json()["data"]["__schema"]["types"]
              for f in t["inputFields"] or ()]
    assert inputs and not [pair for pair in inputs if "platform" in pair[1].lower()]


def _attempts(lacking_role_id: str, user_id: str, permission: str) -> list[tuple[str, str, dict]]:
    """Every mutation through which the holder of a role lacking ``permission`` might obtain it."""
    everything = sorted(PERMISSION_NAMES)
    ingest_key = [("createApiKey", CREATE_KEY, {"i": {"name": "edge", "kind": "ingest"}})]
    return [
        ("createRole", CREATE_ROLE, {"i": {"name": "escalate", "permissions": [permission]}}),
        ("updateRole", UPDATE_ROLE, {"i": {"id": lacking_role_id, "permissions": everything}}),
        ("updateMemberRoles", UPDATE_MEMBER, {"u": user_id, "r": ["owner"]}),
        ("inviteMember", INVITE, {"i": {"email": f"accomplice-{permission}@example.com", "roles": ["owner"]}}),
        ("createApiKey", CREATE_KEY, {"i": {"name": "escalate", "kind": "client", "roles": ["owner"]}}),
    ] + (ingest_key if permission == "ingest.write" else [])


@pytest.mark.parametrize("permission", sorted(PERMISSION_NAMES))
async def test_a_role_lacking_a_permission_cannot_obtain_it_through_any_mutation(
        permission, client, make_tenant, add_member, sign_in, define_role):
    tenant = await make_tenant()
    lacking = f"lacks-{permission.replace('.', '-')}"
    await define_role(tenant, lacking, sorted(PERMISSION_NAMES - {permission}))
    headers, user_id = await _member(client, tenant, sign_in, add_member, [lacking])
    role_id = (await _role_ids(client, auth_headers(await sign_in(tenant))))[lacking]

    for name, document, variables in _attempts(role_id, user_id, permission):
        body = await gql(client, document, variables, headers)
        refused = body.get("errors") or body["data"][name]["__typename"] == "ForbiddenError"
        assert refused, (name, variables, body)

    assert permission not in (await gql(client, VIEWER, headers=headers))["data"]["viewer"]["permissions"]
