"""Guard directives appear in the SDL and deny at run time with stable codes, running nothing."""

import pytest
from sqlalchemy import func, select

from atlas.paths import SCHEMA_FILE
from domain.apikeys.models import ApiKey
from resolvers.context import Context, UnguardedAccess
from resolvers.guards import Requires
from tests.conftest import auth_headers, gql

CREATE_KEY = """mutation { createApiKey(input: {name: "k", kind: "client", roles: ["agent"]}) {
  __typename ... on ApiKeyCreated { apiKey { id } } } }"""


def test_guards_are_printed_in_the_committed_schema():
    sdl = SCHEMA_FILE.read_text()

    assert 'apiKeys(first: Int = 50, after: String = null, includeRevoked: Boolean! = false): ApiKeyConnection! ' \
           '@tenantScoped @requires(permission: "apikey.manage") @entitled(feature: "api_keys")' in sdl
    assert "health: Health! @public" in sdl


async def _key_count(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(func.count()).select_from(ApiKey))


async def test_tenant_scoped_denies_anonymous_callers_with_unauthenticated(client, db, make_tenant):
    tenant = await make_tenant()

    body = await gql(client, CREATE_KEY)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == "Sign in first: this field needs a valid access token."
    assert await _key_count(db, tenant) == 0


async def test_requires_denies_a_role_without_the_permission_with_forbidden(client, db, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    viewer = await sign_in(tenant, await add_member(tenant, ["viewer"]))

    body = await gql(client, CREATE_KEY, headers=auth_headers(viewer))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["message"] == "You need the 'apikey.manage' permission."
    assert await _key_count(db, tenant) == 0


async def test_entitled_denies_a_plan_without_the_feature_with_not_entitled(client, db, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = await sign_in(tenant)

    body = await gql(client, CREATE_KEY, headers=auth_headers(owner))

    assert body["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"
    assert body["errors"][0]["message"] == "Your plan does not include 'api_keys'."
    assert await _key_count(db, tenant) == 0


async def test_platform_fields_need_a_platform_operator(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = await sign_in(tenant)

    body = await gql(client, "{ tenants { edges { node { slug } } } }", headers=auth_headers(owner))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["message"] == "You need the 'platform.admin' permission."


async def test_a_field_without_the_tenant_guard_cannot_open_a_tenant_transaction(runtime):
    context = Context(request=None, response=None, runtime=runtime)

    with pytest.raises(UnguardedAccess, match="no @tenantScoped guard"):
        async with context.transaction():
            pass


def test_a_guard_for_an_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError, match=r"unknown permission 'incident\.reed'"):
        Requires("incident.reed")
