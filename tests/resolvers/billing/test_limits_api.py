"""Seat and API-key limits, enforced from the entitlements in force when inviting, accepting, creating keys."""

from domain.billing.service import set_entitlements
from tests.conftest import TEST_PASSWORD, auth_headers, gql
from tests.resolvers.members.test_members_api import ACCEPT, INVITE

CREATE_KEY = """mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename
  ... on Error { code message field } } }"""


async def _limit(runtime, tenant, plan: str, **limits):
    async with runtime.db.transaction(tenant_id=None) as tx:
        await set_entitlements(tx, tenant_id=tenant.tenant_id, plan=plan, features=[], limits=limits, actor="test")


async def _invite(client, owner, email):
    return (await gql(client, INVITE, {"i": {"email": email, "roles": ["viewer"]}}, owner))["data"]["inviteMember"]


async def test_an_invitation_beyond_the_seats_is_refused_and_open_invitations_count(app, client, make_tenant,
                                                                                    sign_in):
    tenant = await make_tenant(plan="pro")
    await _limit(app.state.runtime, tenant, "pro", users=2)
    owner = auth_headers(await sign_in(tenant))

    first = await _invite(client, owner, f"one@{tenant.slug}.example.com")
    second = await _invite(client, owner, f"two@{tenant.slug}.example.com")
    listed = await gql(client, "{ invitations(first: 10) { edges { node { email } } } }", headers=owner)

    assert first["__typename"] == "InvitationCreated"
    assert second == {"__typename": "ConflictError", "code": "LIMIT_REACHED", "field": "email",
                      "message": "Your plan allows 2 seats and 2 are taken (members and open invitations); "
                                 "upgrade the plan or free a seat first."}
    assert [e["node"]["email"] for e in listed["data"]["invitations"]["edges"]] == [f"one@{tenant.slug}.example.com"]


async def test_accepting_is_refused_when_the_seats_were_lowered_meanwhile(app, client, make_tenant, add_member,
                                                                          sign_in):
    tenant = await make_tenant(plan="pro")
    owner = auth_headers(await sign_in(tenant))
    invited = await _invite(client, owner, f"late@{tenant.slug}.example.com")
    await add_member(tenant, ["viewer"])
    await _limit(app.state.runtime, tenant, "free", users=2)

    accepted = (await gql(client, ACCEPT, {"i": {"token": invited["token"], "password": TEST_PASSWORD}}))["data"]

    assert accepted["acceptInvitation"]["code"] == "LIMIT_REACHED"
    assert accepted["acceptInvitation"]["message"].startswith("Your plan allows 2 seats and 2 are taken (members)")


async def test_an_api_key_beyond_the_plan_is_refused_and_a_revoked_one_frees_its_place(app, client, make_tenant,
                                                                                       sign_in):
    tenant = await make_tenant(plan="pro")
    await _limit(app.state.runtime, tenant, "pro", api_keys=1)
    owner = auth_headers(await sign_in(tenant))
    made = (await gql(client, """mutation { createApiKey(input: {name: "a", roles: ["agent"]}) {
        ... on ApiKeyCreated { apiKey { id } } } }""", headers=owner))["data"]["createApiKey"]

    refused = (await gql(client, CREATE_KEY, {"i": {"name": "b", "roles": ["agent"]}}, owner))["data"]["createApiKey"]
    await gql(client, "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }", {"id": made["apiKey"]["id"]}, owner)
    again = (await gql(client, CREATE_KEY, {"i": {"name": "c", "roles": ["agent"]}}, owner))["data"]["createApiKey"]

    assert refused == {"__typename": "ConflictError", "code": "LIMIT_REACHED", "field": "name",
                       "message": "Your plan allows 1 API keys and 1 are active; upgrade the plan or revoke one first."}
    assert again == {"__typename": "ApiKeyCreated"}
