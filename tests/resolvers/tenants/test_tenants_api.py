"""Tenants through GraphQL: provisioning, suspension, the list, the plan catalog."""

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


async def test_the_plan_catalog_is_public(client):
    body = await gql(client, "{ plans { name entitlements { features limits } } }")

    plans = {p["name"]: p for p in body["data"]["plans"]}
    assert list(plans) == ["free", "pro", "enterprise"]
    assert "custom_roles" not in plans["free"]["entitlements"]["features"]
    assert plans["enterprise"]["entitlements"]["limits"]["retention_days"] == 400


async def test_a_platform_admin_provisions_a_tenant_into_a_database_of_its_own(client, db, make_tenant, sign_in):
    import asyncpg

    from atlas.dbadmin import plain_dsn
    from atlas.tenant_databases import admin_url

    headers = await _platform_admin(db, make_tenant, sign_in)
    slug, pooled_slug = unique_slug("own"), unique_slug("pro")
    base = {"name": "Own Co", "adminPassword": TEST_PASSWORD}

    body = await gql(client, CREATE_TENANT, {"i": {**base, "slug": slug, "adminEmail": f"boss@{slug}.io",
                                                   "plan": "enterprise", "placement": {"model": "database"}}}, headers)
    refused = await gql(client, CREATE_TENANT, {"i": {**base, "slug": pooled_slug, "adminEmail": f"b@{pooled_slug}.io",
                                                      "plan": "pro", "placement": {"model": "database"}}}, headers)

    assert body["data"]["createTenant"]["__typename"] == "TenantProvisioned"
    assert refused["data"]["createTenant"] == {
        "__typename": "ForbiddenError", "code": "NOT_ENTITLED", "field": "placement",
        "message": "Plan 'pro' does not include dedicated placement (a database or a tenant plane of its own); "
                   "choose the enterprise plan."}
    async with db.transaction(tenant_id=None) as tx:
        tenant = await tx.session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert await tx.session.scalar(select(Tenant.id).where(Tenant.slug == pooled_slug)) is None
    conn = await asyncpg.connect(plain_dsn(admin_url(db.tenant_databases.settings)))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", tenant.placement["database"])
    finally:
        await conn.close()
    assert tenant.placement == {"model": "database", "database": f"atlas_t_{tenant.id.hex}"} and exists == 1
