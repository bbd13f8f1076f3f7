"""Identity through GraphQL: tenants, members and invitations, custom roles, API keys."""

from sqlalchemy import select

from domain.members.models import User
from domain.tenants.models import Tenant
from tests.conftest import TEST_PASSWORD, auth_headers, gql, unique_slug

ERROR = "... on Error { code message field }"


async def _platform_admin(db, make_tenant, sign_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return auth_headers(await sign_in(tenant))


CREATE_TENANT = f"""mutation($i: CreateTenantInput!) {{ createTenant(input: $i) {{ __typename
  ... on TenantProvisioned {{ tenant {{ slug status plan entitlements {{ features }} }} adminIsNew }} {ERROR} }} }}"""


async def test_a_platform_admin_provisions_a_tenant_whose_admin_can_sign_in(client, db, make_tenant, sign_in, runtime):
    headers = await _platform_admin(db, make_tenant, sign_in)
    slug = unique_slug("new")

    body = await gql(client, CREATE_TENANT, {"i": {"name": "New Co", "slug": slug, "adminEmail": f"boss@{slug}.io",
                                                   "adminPassword": TEST_PASSWORD, "plan": "pro"}}, headers)

    created = body["data"]["createTenant"]
    assert created["tenant"]["slug"] == slug and created["tenant"]["plan"] == "pro" and created["adminIsNew"]
    assert "custom_roles" in created["tenant"]["entitlements"]["features"]
    grant = await runtime.tokens.password_grant(username=f"boss@{slug}.io", password=TEST_PASSWORD, tenant=slug,
                                                address="t")
    assert grant.access_token


async def test_provisioning_with_bad_input_is_a_typed_error_and_creates_nothing(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    existing = await make_tenant()
    cases = [
        ({"slug": "Bad Slug!"}, "VALIDATION", "slug"),
        ({"slug": "admin"}, "VALIDATION", "slug"),
        ({"slug": "trailing-newline\n"}, "VALIDATION", "slug"),
        ({"slug": str(existing.tenant_id)}, "VALIDATION", "slug"),
        ({"slug": existing.slug}, "CONFLICT", "slug"),
        ({"adminEmail": "not-an-email"}, "VALIDATION", "adminEmail"),
        ({"adminPassword": "short"}, "VALIDATION", "adminPassword"),
        ({"plan": "platinum"}, "VALIDATION", "plan"),
        ({"name": "  "}, "VALIDATION", "name"),
    ]
    for change, code, field in cases:
        slug = unique_slug("bad")
        payload = {"name": "X", "slug": slug, "adminEmail": f"a@{slug}.io", "adminPassword": TEST_PASSWORD, **change}

        result = (await gql(client, CREATE_TENANT, {"i": payload}, headers))["data"]["createTenant"]

        assert (result["__typename"], result["code"], result["field"]) == (_type(code), code, field), change
        async with db.transaction(tenant_id=None) as tx:
            assert await tx.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None


def _type(code):
    return {"VALIDATION": "ValidationError", "CONFLICT": "ConflictError"}[code]


async def test_platform_admin_suspends_and_resumes_a_tenant(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    victim = await make_tenant()
    suspend = ("mutation($id: ID!, $c: String!) { suspendTenant(id: $id, confirmSlug: $c, reason: \"abuse\") { "
               f"__typename ... on TenantChanged {{ tenant {{ status }} }} {ERROR} }} }}")
    resume = ("mutation($id: ID!) { resumeTenant(id: $id) { __typename ... on TenantChanged { tenant { status } } "
              f"{ERROR} }} }}")

    suspended = await gql(client, suspend, {"id": str(victim.tenant_id), "c": victim.slug}, headers)
    again = await gql(client, suspend, {"id": str(victim.tenant_id), "c": victim.slug}, headers)
    resumed = await gql(client, resume, {"id": str(victim.tenant_id)}, headers)
    unknown = await gql(client, resume, {"id": "not-a-uuid"}, headers)

    assert suspended["data"]["suspendTenant"]["tenant"]["status"] == "suspended"
    assert again["data"]["suspendTenant"]["code"] == "CONFLICT"
    assert resumed["data"]["resumeTenant"]["tenant"]["status"] == "active"
    assert unknown["data"]["resumeTenant"] == {"__typename": "ValidationError", "code": "VALIDATION",
                                               "message": "'not-a-uuid' is not a valid ID.", "field": "id"}


SUSPEND = ("mutation($id: ID!, $c: String!) { suspendTenant(id: $id, confirmSlug: $c) { __typename "
           f"{ERROR} }} }}")


async def _status(db, tenant_id):
    async with db.transaction(tenant_id=None) as tx:
        return (await tx.session.get(Tenant, tenant_id)).status


async def test_suspension_needs_the_slug_typed_exactly(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    victim = await make_tenant()

    for typed in ("", victim.slug.upper(), victim.slug[:-1], "demo"):
        refused = (await gql(client, SUSPEND, {"id": str(victim.tenant_id), "c": typed}, headers))["data"]

        assert refused["suspendTenant"] == {
            "__typename": "ValidationError", "code": "VALIDATION", "field": "confirmSlug",
            "message": f"Type the tenant's slug ({victim.slug}) to confirm the suspension."}, typed
    assert await _status(db, victim.tenant_id) == "active"


async def test_a_tenant_cannot_suspend_itself_from_inside(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    headers = auth_headers(await sign_in(tenant))

    refused = (await gql(client, SUSPEND, {"id": str(tenant.tenant_id), "c": tenant.slug}, headers))["data"]

    assert refused["suspendTenant"]["__typename"] == "ForbiddenError"
    assert refused["suspendTenant"]["field"] == "id"
    assert refused["suspendTenant"]["message"].startswith(
        f"You are signed in to {tenant.slug!r}: a tenant cannot suspend itself from inside")
    assert await _status(db, tenant.tenant_id) == "active"
    still = await gql(client, "{ tenant { slug status } }", headers=headers)
    assert still["data"]["tenant"] == {"slug": tenant.slug, "status": "active"}


async def test_tenants_list_pages_with_cursors(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    await make_tenant()
    await make_tenant()
    query = "query($after: String) { tenants(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"

    first = (await gql(client, query, {}, headers))["data"]["tenants"]
    second = (await gql(client, query, {"after": first["pageInfo"]["endCursor"]}, headers))["data"]["tenants"]
    broken = await gql(client, query, {"after": "garbage!"}, headers)

    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    first_ids = {e["node"]["id"] for e in first["edges"]}
    assert first_ids.isdisjoint({e["node"]["id"] for e in second["edges"]})
    assert broken["errors"][0]["extensions"]["code"] == "VALIDATION"


INVITE = f"""mutation($i: InviteMemberInput!) {{ inviteMember(input: $i) {{ __typename
  ... on InvitationCreated {{ token invitation {{ id email roles }} }} {ERROR} }} }}"""
ACCEPT = f"""mutation($i: AcceptInvitationInput!) {{ acceptInvitation(input: $i) {{ __typename
  ... on InvitationAccepted {{ email tenantId }} {ERROR} }} }}"""


async def test_an_invited_person_joins_with_the_invited_roles(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    email = f"new.hire@{tenant.slug}.example.com"

    invited = (await gql(client, INVITE, {"i": {"email": email, "roles": ["responder"]}}, owner))["data"]["inviteMember"]
    accepted = (await gql(client, ACCEPT, {"i": {"token": invited["token"], "password": TEST_PASSWORD}}))["data"]
    replayed = (await gql(client, ACCEPT, {"i": {"token": invited["token"], "password": TEST_PASSWORD}}))["data"]
    joined = await sign_in(tenant, email)
    me = await gql(client, "{ viewer { roles email } }", headers=auth_headers(joined))

    assert accepted["acceptInvitation"] == {"__typename": "InvitationAccepted", "email": email,
                                            "tenantId": str(tenant.tenant_id)}
    assert replayed["acceptInvitation"]["code"] == "CONFLICT"
    assert me["data"]["viewer"] == {"roles": ["responder"], "email": email}


async def test_invitation_errors_are_typed(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    member = await add_member(tenant, ["viewer"])

    twice = (await gql(client, INVITE, {"i": {"email": member, "roles": ["viewer"]}}, owner))["data"]["inviteMember"]
    bad_role = (await gql(client, INVITE, {"i": {"email": "x@y.example.com", "roles": ["wizard"]}}, owner))["data"]
    no_password = (await gql(client, INVITE, {"i": {"email": "z@y.example.com", "roles": ["viewer"]}}, owner))["data"]
    accept = await gql(client, ACCEPT, {"i": {"token": no_password["inviteMember"]["token"]}})
    forged = await gql(client, ACCEPT, {"i": {"token": "ati_" + "0" * 32 + "_nope"}})

    assert (twice["code"], twice["field"]) == ("CONFLICT", "email")
    assert bad_role["inviteMember"]["message"] == "Unknown role(s): wizard."
    assert accept["data"]["acceptInvitation"]["field"] == "password"
    assert forged["data"]["acceptInvitation"]["code"] == "NOT_FOUND"


UPDATE_ROLES = f"""mutation($u: ID!, $r: [String!]!) {{ updateMemberRoles(userId: $u, roles: $r) {{ __typename
  ... on MemberUpdated {{ member {{ roles }} }} {ERROR} }} }}"""


async def test_the_last_owner_cannot_be_demoted_or_removed(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    demoted = await gql(client, UPDATE_ROLES, {"u": str(tenant.admin_user_id), "r": ["viewer"]}, owner)
    removed = await gql(client, f"mutation($u: ID!) {{ removeMember(userId: $u) {{ __typename {ERROR} }} }}",
                        {"u": str(tenant.admin_user_id)}, owner)

    assert demoted["data"]["updateMemberRoles"]["message"] == "A tenant needs at least one owner."
    assert removed["data"]["removeMember"]["code"] == "CONFLICT"


async def test_an_admin_cannot_grant_permissions_they_do_not_hold(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    admin = auth_headers(await sign_in(tenant, await add_member(tenant, ["admin"])))
    responder_email = await add_member(tenant, ["responder"])
    members = await gql(client, "{ members { edges { node { userId email } } } }", headers=admin)
    responder = next(e["node"]["userId"] for e in members["data"]["members"]["edges"]
                     if e["node"]["email"] == responder_email)

    escalated = await gql(client, UPDATE_ROLES, {"u": responder, "r": ["owner"]}, admin)
    allowed = await gql(client, UPDATE_ROLES, {"u": responder, "r": ["change-manager"]}, admin)

    assert escalated["data"]["updateMemberRoles"] == {
        "__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "roles",
        "message": "You cannot grant permissions you do not hold: billing.manage."}
    assert allowed["data"]["updateMemberRoles"]["member"]["roles"] == ["change-manager"]


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


CREATE_KEY = f"""mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{ __typename
  ... on ApiKeyCreated {{ clientSecret key apiKey {{ id clientId kind roles }} }} {ERROR} }} }}"""


async def test_api_keys_show_their_secret_once_and_revoke_at_once(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    created = (await gql(client, CREATE_KEY, {"i": {"name": "otel", "roles": ["agent"]}}, owner))["data"]["createApiKey"]
    listed = await client.post("/graphql", json={"query": "{ apiKeys { edges { node { id clientId lastUsedAt } } } }"},
                               headers=owner)
    token = await client.post("/api/auth/token", data={"grant_type": "client_credentials",
                                                        "client_id": created["apiKey"]["clientId"],
                                                        "client_secret": created["clientSecret"]})
    revoked = await gql(client, f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ __typename {ERROR} }} }}",
                        {"id": created["apiKey"]["id"]}, owner)
    after = await client.post("/graphql", json={"query": "{ viewer { subject } }"},
                              headers=auth_headers(token.json()["access_token"], tenant.tenant_id))

    assert created["key"] == f"{created['apiKey']['clientId']}_{created['clientSecret']}"
    assert created["clientSecret"] not in listed.text
    assert token.status_code == 200
    assert revoked["data"]["revokeApiKey"]["__typename"] == "ApiKeyRevoked"
    assert after.status_code == 401 and after.json()["message"] == "This API key was revoked."


async def test_api_key_input_is_validated(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    cases = [
        ({"name": "", "roles": ["agent"]}, "VALIDATION", "name"),
        ({"name": "k", "kind": "admin", "roles": ["agent"]}, "VALIDATION", "kind"),
        ({"name": "k", "roles": ["nope"]}, "VALIDATION", "roles"),
        ({"name": "k", "roles": ["agent"], "expiresAt": "2001-01-01T00:00:00Z"}, "VALIDATION", "expiresAt"),
    ]
    for payload, code, field in cases:
        result = (await gql(client, CREATE_KEY, {"i": payload}, owner))["data"]["createApiKey"]
        assert (result["code"], result["field"]) == (code, field), payload
    ingest = (await gql(client, CREATE_KEY, {"i": {"name": "edge", "kind": "ingest", "roles": ["owner"]}}, owner))
    assert ingest["data"]["createApiKey"]["apiKey"]["roles"] == ["agent"]


async def test_viewer_lists_every_tenant_of_a_multi_tenant_user(client, db, make_tenant, sign_in):
    first = await make_tenant()
    second = await make_tenant(email=f"owner@{first.slug}.example.com")
    grant = await sign_in(second, f"owner@{first.slug}.example.com")

    body = await gql(client, "{ viewer { tenants { tenant { slug } roles } } }", headers=auth_headers(grant))

    slugs = {t["tenant"]["slug"] for t in body["data"]["viewer"]["tenants"]}
    assert slugs == {first.slug, second.slug}


PREVIEW = "query($t: String!) { invitationPreview(token: $t) { tenantName email roles accountExists } }"


async def test_an_existing_account_joins_only_with_its_own_password(client, make_tenant, sign_in):
    home, other = await make_tenant(), await make_tenant()
    existing = f"owner@{home.slug}.example.com"
    inviter = auth_headers(await sign_in(other))
    token = (await gql(client, INVITE, {"i": {"email": existing, "roles": ["viewer"]}}, inviter))[
        "data"]["inviteMember"]["token"]

    preview = await gql(client, PREVIEW, {"t": token})
    without = (await gql(client, ACCEPT, {"i": {"token": token}}))["data"]["acceptInvitation"]
    wrong = (await gql(client, ACCEPT, {"i": {"token": token, "password": "not-my-password"}}))["data"]
    right = (await gql(client, ACCEPT, {"i": {"token": token, "password": TEST_PASSWORD}}))["data"]

    assert preview["data"]["invitationPreview"] == {"tenantName": f"Tenant {other.slug}", "email": existing,
                                                    "roles": ["viewer"], "accountExists": True}
    assert (without["__typename"], without["field"]) == ("ForbiddenError", "password")
    assert wrong["acceptInvitation"]["message"] == "Enter the password of your existing account to accept."
    assert right["acceptInvitation"]["__typename"] == "InvitationAccepted"
    assert (await gql(client, PREVIEW, {"t": token}))["data"]["invitationPreview"] is None


async def test_the_plan_catalog_is_public(client):
    body = await gql(client, "{ plans { name entitlements { features limits } } }")

    plans = {p["name"]: p for p in body["data"]["plans"]}
    assert list(plans) == ["free", "pro", "enterprise"]
    assert "custom_roles" not in plans["free"]["entitlements"]["features"]
    assert plans["enterprise"]["entitlements"]["limits"]["retention_days"] == 400
