"""The cross-tenant matrix: every root field and every route, for two tenants and several roles.

For each GraphQL root field (found by introspection, not by a hand list) it proves:
- without a token the field is refused with UNAUTHENTICATED (unless it is deliberately @public);
- with tenant A's token and tenant B's x-tenant-id the request is refused (403);
- with a role that lacks the field's permission it is refused with FORBIDDEN and nothing changes;
- tenant A's owner, aiming the operation at tenant B's objects, sees none of B's data and changes
  nothing of B's.
It fails when a root field has no guard or no row here. Later features add their rows and fixtures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from strawberry.permission import PermissionExtension

from domain.access.service import create_role
from domain.auth.apikeys import create_api_key
from domain.auth.models import ApiKey
from domain.auth.principals import user_principal
from domain.access.models import Role
from domain.tenants.models import Tenant
from domain.users.members import invite_member
from domain.users.models import Invitation, Membership, User
from resolvers.guards import Public, Requires, TenantScoped
from tests.conftest import TEST_PASSWORD, auth_headers

PUBLIC, SCOPED = "public", "tenant-scoped"


@dataclass
class Side:
    """One tenant of the world and the objects it holds."""

    tenant: object
    owner: str
    auditor: str
    responder_id: str
    api_key_id: str
    invitation_id: str
    invitation_token: str
    role_id: str
    marker_emails: list[str] = field(default_factory=list)

    @property
    def tenant_id(self) -> str:
        return str(self.tenant.tenant_id)


@dataclass
class World:
    a: Side
    b: Side

    def side(self, which: str) -> Side:
        return self.a if which == "A" else self.b


@dataclass(frozen=True)
class Case:
    """How to call one root field against the objects of side A or B."""

    document: str
    variables: Callable[[World, str], dict] = lambda world, which: {}
    permission: str | None = SCOPED   # PUBLIC, SCOPED (token only), a permission, or "platform.admin"
    cross_tenant: bool = True         # False: the field is not about one tenant's objects


def _fresh_slug() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"


QUERIES: dict[str, Case] = {
    "health": Case("{ health { status } }", permission=PUBLIC, cross_tenant=False),
    "viewer": Case("{ viewer { subject tenantId email tenant { id slug } } }", permission=PUBLIC),
    "tenant": Case("{ tenant { id slug name } }"),
    "tenants": Case("{ tenants(first: 100) { edges { node { id slug } } } }", permission="platform.admin",
                    cross_tenant=False),
    "members": Case("{ members(first: 100) { edges { node { userId email roles } } } }",
                    permission="member.read"),
    "invitations": Case("{ invitations(first: 100) { edges { node { id email } } } }",
                        permission="member.manage"),
    "roles": Case("{ roles { id name permissions } }", permission="member.read"),
    "permissions": Case("{ permissions { name } }", cross_tenant=False),
    "apiKeys": Case("{ apiKeys(first: 100, includeRevoked: true) { edges { node { id name } } } }",
                    permission="apikey.manage"),
}

_PAYLOAD = "__typename ... on Error { code message field }"

MUTATIONS: dict[str, Case] = {
    "createTenant": Case(
        f"mutation($i: CreateTenantInput!) {{ createTenant(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": "Matrix", "slug": _fresh_slug(), "adminEmail": "m@matrix.example.com",
                            "adminPassword": TEST_PASSWORD}},
        permission="platform.admin", cross_tenant=False),
    "suspendTenant": Case(f"mutation($id: ID!) {{ suspendTenant(id: $id) {{ {_PAYLOAD} }} }}",
                          lambda w, s: {"id": w.side(s).tenant_id}, permission="platform.admin", cross_tenant=False),
    "resumeTenant": Case(f"mutation($id: ID!) {{ resumeTenant(id: $id) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"id": w.side(s).tenant_id}, permission="platform.admin", cross_tenant=False),
    "revokeTenantTokens": Case(f"mutation {{ revokeTenantTokens {{ {_PAYLOAD} }} }}", permission="tenant.admin"),
    "inviteMember": Case(
        f"mutation($i: InviteMemberInput!) {{ inviteMember(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"email": f"new-{uuid.uuid4().hex[:6]}@matrix.example.com", "roles": ["viewer"]}},
        permission="member.manage"),
    "revokeInvitation": Case(f"mutation($id: ID!) {{ revokeInvitation(id: $id) {{ {_PAYLOAD} }} }}",
                             lambda w, s: {"id": w.side(s).invitation_id}, permission="member.manage"),
    "acceptInvitation": Case(
        f"mutation($i: AcceptInvitationInput!) {{ acceptInvitation(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"token": "ati_00000000000000000000000000000000_not-a-real-secret"}},
        permission=PUBLIC, cross_tenant=False),
    "updateMemberRoles": Case(
        f"mutation($u: ID!) {{ updateMemberRoles(userId: $u, roles: [\"viewer\"]) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"u": w.side(s).responder_id}, permission="member.manage"),
    "removeMember": Case(f"mutation($u: ID!) {{ removeMember(userId: $u) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"u": w.side(s).responder_id}, permission="member.manage"),
    "createRole": Case(
        f"mutation($i: CreateRoleInput!) {{ createRole(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"r-{uuid.uuid4().hex[:6]}", "permissions": ["incident.read"]}},
        permission="role.manage"),
    "updateRole": Case(
        f"mutation($i: UpdateRoleInput!) {{ updateRole(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).role_id, "permissions": ["incident.write"]}},
        permission="role.manage"),
    "deleteRole": Case(f"mutation($id: ID!) {{ deleteRole(id: $id) {{ {_PAYLOAD} }} }}",
                       lambda w, s: {"id": w.side(s).role_id}, permission="role.manage"),
    "createApiKey": Case(
        f"mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": "matrix", "kind": "client", "roles": ["agent"]}}, permission="apikey.manage"),
    "revokeApiKey": Case(f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"id": w.side(s).api_key_id}, permission="apikey.manage"),
}

SUBSCRIPTIONS: dict[str, Case] = {}

MATRIX = {"Query": QUERIES, "Mutation": MUTATIONS, "Subscription": SUBSCRIPTIONS}


# ---------------------------------------------------------------- the world: two tenants, several roles

async def _side(db, make_tenant, add_member) -> Side:
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        role = await create_role(tx, name="auditor", description="", permissions=["audit.read"], actor="matrix")
        key = await create_api_key(tx, name="side-key", kind="client", roles=["agent"], expires_at=None, actor=owner)
        invitation = await invite_member(tx, email=f"invitee@{tenant.slug}.example.com", roles=["viewer"],
                                         actor=owner)
    auditor = await add_member(tenant, ["auditor"])
    responder = await add_member(tenant, ["responder"])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        responder_id = await tx.session.scalar(select(User.id).where(User.email == responder))
    return Side(tenant=tenant, owner=f"owner@{tenant.slug}.example.com", auditor=auditor,
                responder_id=str(responder_id), api_key_id=str(key.key.id), invitation_id=str(invitation.invitation.id),
                invitation_token=str(invitation.credential), role_id=str(role.id),
                marker_emails=[responder, auditor, f"invitee@{tenant.slug}.example.com"])


@pytest.fixture(scope="module")
async def world(db, make_tenant_module, add_member_module) -> World:
    return World(a=await _side(db, make_tenant_module, add_member_module),
                 b=await _side(db, make_tenant_module, add_member_module))


@pytest.fixture(scope="module")
def make_tenant_module(db):
    from tests.conftest import unique_slug
    from domain.tenants.service import provision_tenant

    async def make():
        slug = unique_slug("mx")
        async with db.transaction(tenant_id=None) as tx:
            return await provision_tenant(tx, name=f"Matrix {slug}", slug=slug,
                                          admin_email=f"owner@{slug}.example.com", admin_password=TEST_PASSWORD,
                                          plan="enterprise")
    return make


@pytest.fixture(scope="module")
def add_member_module(db):
    from domain.users.service import create_user

    async def add(tenant, roles):
        email = f"{roles[0]}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example.com"
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            user = await create_user(tx, email=email, password=TEST_PASSWORD)
            tx.session.add(Membership(tenant_id=tenant.tenant_id, user_id=user.id, roles=roles))
        return email
    return add


async def _snapshot(db, side: Side) -> dict:
    """Everything the matrix's operations could change in one tenant."""
    async with db.transaction(tenant_id=side.tenant.tenant_id) as tx:
        s = tx.session
        return {
            "tenant": (await s.execute(select(Tenant.status, Tenant.tokens_valid_after)
                                       .where(Tenant.id == side.tenant.tenant_id))).one(),
            "keys": sorted((str(k), str(r)) for k, r in await s.execute(select(ApiKey.id, ApiKey.revoked_at))),
            "roles": sorted((n, tuple(p)) for n, p in await s.execute(select(Role.name, Role.permissions))),
            "invitations": sorted(str(row) for row in await s.execute(
                select(Invitation.id, Invitation.revoked_at, Invitation.accepted_at))),
            "members": sorted((str(u), tuple(r)) for u, r in await s.execute(
                select(Membership.user_id, Membership.roles).where(Membership.tenant_id == side.tenant.tenant_id))),
        }


# ---------------------------------------------------------------- helpers

async def _post(client, case: Case, world: World, target: str, headers: dict) -> object:
    return await client.post("/graphql", json={"query": case.document, "variables": case.variables(world, target)},
                             headers=headers)


async def _token(runtime, side: Side, email: str):
    return await runtime.tokens.password_grant(username=email, password=TEST_PASSWORD, tenant=side.tenant.slug,
                                               address=f"matrix-{uuid.uuid4().hex[:6]}")


def _error_codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def _payload_codes(body: dict) -> list[str]:
    data = body.get("data") or {}
    return [v.get("code") for v in data.values() if isinstance(v, dict) and v.get("code")]


ALL_CASES = [(kind, name, case) for kind, cases in MATRIX.items() for name, case in cases.items()]
IDS = [f"{kind}.{name}" for kind, name, _ in ALL_CASES]


# ---------------------------------------------------------------- completeness

INTROSPECT = "{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }"


async def test_every_root_field_has_a_row_in_the_matrix(client):
    schema = (await client.post("/graphql", json={"query": INTROSPECT})).json()["data"]["__schema"]

    for kind, key in (("Query", "queryType"), ("Mutation", "mutationType"), ("Subscription", "subscriptionType")):
        found = {f["name"] for f in (schema[key] or {}).get("fields", [])}
        assert found == set(MATRIX[kind]), f"{kind} fields without a matrix row: {found - set(MATRIX[kind])}; " \
                                            f"rows without a field: {set(MATRIX[kind]) - found}"


def test_every_root_field_carries_a_guard(app):
    schema = app.state.schema
    for kind in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(kind)
        for strawberry_field in getattr(definition, "fields", []) if definition else []:
            guards = [p for ext in strawberry_field.extensions if isinstance(ext, PermissionExtension)
                      for p in ext.permissions if isinstance(p, Public | TenantScoped | Requires)]
            assert guards, f"{kind}.{strawberry_field.name} has no guard: use guard(), platform_guard() or public()"


# ---------------------------------------------------------------- the matrix

@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_without_a_token_guarded_fields_are_unauthenticated(client, db, world, kind, name, case):
    before = await _snapshot(db, world.a)

    body = (await _post(client, case, world, "A", {})).json()

    if case.permission == PUBLIC:
        assert "UNAUTHENTICATED" not in _error_codes(body)
    else:
        assert _error_codes(body) == ["UNAUTHENTICATED"], body
        assert await _snapshot(db, world.a) == before


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_a_token_with_another_tenants_header_is_refused(client, runtime, world, kind, name, case):
    grant = await _token(runtime, world.a, world.a.owner)

    response = await _post(client, case, world, "A", auth_headers(grant.access_token, world.b.tenant_id))

    assert response.status_code == 403
    assert response.json()["code"] == "TENANT_MISMATCH"


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_a_role_without_the_permission_is_forbidden_and_changes_nothing(client, db, runtime, world, kind, name, case):
    if case.permission in (PUBLIC, SCOPED):
        pytest.skip("no permission to lack")
    # the owner lacks platform.admin; the auditor role lacks every tenant permission used here
    email = world.a.owner if case.permission == "platform.admin" else world.a.auditor
    grant = await _token(runtime, world.a, email)
    before = (await _snapshot(db, world.a), await _snapshot(db, world.b))

    body = (await _post(client, case, world, "A", auth_headers(grant))).json()

    assert _error_codes(body) == ["FORBIDDEN"], body
    assert (await _snapshot(db, world.a), await _snapshot(db, world.b)) == before


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_tenant_a_cannot_see_or_change_tenant_b(client, db, runtime, world, kind, name, case):
    if not case.cross_tenant:
        pytest.skip("not about one tenant's objects (platform-wide, public or catalog)")
    grant = await _token(runtime, world.a, world.a.owner)
    before = await _snapshot(db, world.b)

    response = await _post(client, case, world, "B", auth_headers(grant))

    text = response.text
    for secret in (world.b.tenant_id, world.b.tenant.slug, world.b.api_key_id, world.b.invitation_id,
                   world.b.role_id, world.b.responder_id, *world.b.marker_emails):
        assert secret not in text, f"{name} leaked {secret!r} of tenant B: {text}"
    assert await _snapshot(db, world.b) == before
    codes = _payload_codes(response.json())
    assert codes in ([], ["NOT_FOUND"]), response.json()


# ---------------------------------------------------------------- HTTP routes

ROUTES = {
    "/": PUBLIC, "/healthz": PUBLIC, "/readyz": PUBLIC, "/graphql": "graphql", "/api/auth/token": PUBLIC,
    "/api/auth/revoke": PUBLIC, "/.well-known/jwks.json": PUBLIC, "/static": PUBLIC, "/console": "console",
}


def test_every_route_is_classified(app):
    paths = {route.path for route in app.routes}

    assert paths == set(ROUTES), f"unclassified routes: {paths - set(ROUTES)}; stale rows: {set(ROUTES) - paths}"
