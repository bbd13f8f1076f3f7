"""Members through GraphQL: invitations, role changes, the last owner, tenants of a user."""


from tests.conftest import TEST_PASSWORD, auth_headers, gql

ERROR = "... on Error { code message field }"


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
