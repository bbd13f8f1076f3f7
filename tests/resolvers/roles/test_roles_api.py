"""Custom roles through GraphQL."""


from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"


ROLE = f"""mutation($i: CreateRoleInput!) {{ createRole(input: $i) {{ __typename
  ... on RoleSaved {{ role {{ id name permissions builtIn }} }} {ERROR} }} }}"""


async def test_a_custom_role_grants_exactly_its_permissions(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    created = await gql(client, ROLE, {"i": {"name": "key-keeper", "permissions": ["apikey.manage"]}}, owner)
    keeper = auth_headers(await sign_in(tenant, await add_member(tenant, ["key-keeper"])))

    keys = await gql(client, "{ apiKeys { edges { node { id } } } }", headers=keeper)
    members = await gql(client, "{ members { edges { node { email } } } }", headers=keeper)

    assert created["data"]["createRole"]["role"] == {
        "id": created["data"]["createRole"]["role"]["id"], "name": "key-keeper",
        "permissions": ["apikey.manage"], "builtIn": False}
    assert "errors" not in keys
    assert members["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_custom_role_definitions_are_validated(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    await gql(client, ROLE, {"i": {"name": "held", "permissions": ["incident.read"]}}, owner)
    await add_member(tenant, ["held"])
    roles = (await gql(client, "{ roles { id name } }", headers=owner))["data"]["roles"]
    held_id = next(r["id"] for r in roles if r["name"] == "held")

    cases = [
        ({"name": "owner", "permissions": ["incident.read"]}, "CONFLICT", "name"),
        ({"name": "Bad Name", "permissions": ["incident.read"]}, "VALIDATION", "name"),
        ({"name": "ops\n", "permissions": ["incident.read"]}, "VALIDATION", "name"),
        ({"name": "empty", "permissions": []}, "VALIDATION", "permissions"),
        ({"name": "typo", "permissions": ["incident.reed"]}, "VALIDATION", "permissions"),
    ]
    for payload, code, field in cases:
        result = (await gql(client, ROLE, {"i": payload}, owner))["data"]["createRole"]
        assert (result["code"], result["field"]) == (code, field), payload
    deleted = await gql(client, f"mutation($id: ID!) {{ deleteRole(id: $id) {{ __typename {ERROR} }} }}",
                        {"id": held_id}, owner)
    assert deleted["data"]["deleteRole"]["code"] == "CONFLICT"
