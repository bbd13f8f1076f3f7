"""The tenant-plane registry over GraphQL: platform operators register (credential once), update, list; a
tenant's placement and home plane; deliveries per plane and tenant."""

import uuid

from domain.members.models import User
from domain.tenants.models import Tenant
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
REGISTER = f"""mutation($i: RegisterTenantPlaneInput!) {{ registerTenantPlane(input: $i) {{ __typename
  ... on TenantPlaneRegistered {{ credential plane {{ id name region url kind status capacity hosted endpoints }} }}
  {ERROR} }} }}"""
UPDATE = f"""mutation($id: ID!, $i: UpdateTenantPlaneInput!) {{ updateTenantPlane(id: $id, input: $i) {{ __typename
  ... on TenantPlaneChanged {{ plane {{ id status capacity url endpoints }} }} {ERROR} }} }}"""
PLANES = "{ tenantPlanes { id name status hosted pendingDeliveries failedDeliveries lastHeartbeatAt } }"


async def _platform_admin(db, make_tenant, sign_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return auth_headers(await sign_in(tenant))


def _name() -> str:
    return f"tp-{uuid.uuid4().hex[:8]}"


async def test_a_platform_operator_registers_a_plane_and_sees_its_credential_once(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    name = _name()

    made = (await gql(client, REGISTER, {"i": {"name": name, "region": "eu-west", "url": "https://eu.example.com/",
                                               "kind": "dedicated", "endpoints": {"eu-central": "https://c.example.com"}}},
                      headers))["data"]["registerTenantPlane"]

    assert made["__typename"] == "TenantPlaneRegistered"
    assert made["credential"].startswith("atp_")
    assert made["plane"] | {"id": None} == {"id": None, "name": name, "region": "eu-west", "url": "https://eu.example.com",
                                           "kind": "dedicated", "status": "active", "capacity": 1, "hosted": 0,
                                           "endpoints": {"eu-central": "https://c.example.com"}}
    listed = (await gql(client, PLANES, headers=headers))["data"]["tenantPlanes"]
    assert [p for p in listed if p["name"] == name] == [
        {"id": made["plane"]["id"], "name": name, "status": "active", "hosted": 0, "pendingDeliveries": 0,
         "failedDeliveries": 0, "lastHeartbeatAt": None}]
    assert "credential" not in str(listed)


async def test_bad_registrations_and_updates_are_typed_errors_and_change_nothing(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    name = _name()
    plane = (await gql(client, REGISTER, {"i": {"name": name, "region": "eu-west", "url": "https://x.example.com"}},
                       headers))["data"]["registerTenantPlane"]["plane"]

    again = (await gql(client, REGISTER, {"i": {"name": name, "region": "eu-west", "url": "https://y.example.com"}},
                       headers))["data"]["registerTenantPlane"]
    bad_url = (await gql(client, REGISTER, {"i": {"name": _name(), "region": "eu", "url": "ftp://nope"}},
                         headers))["data"]["registerTenantPlane"]
    bad_status = (await gql(client, UPDATE, {"id": plane["id"], "i": {"status": "melted"}}, headers))["data"]
    bad_endpoints = (await gql(client, UPDATE, {"id": plane["id"], "i": {"endpoints": {"eu": "javascript:x"}}},
                               headers))["data"]

    assert again["code"] == "CONFLICT" and again["field"] == "name"
    assert bad_url["code"] == "VALIDATION" and bad_url["field"] == "url"
    assert bad_status["updateTenantPlane"]["field"] == "status"
    assert bad_endpoints["updateTenantPlane"]["field"] == "endpoints"
    listed = (await gql(client, PLANES, headers=headers))["data"]["tenantPlanes"]
    assert [p["status"] for p in listed if p["name"] == name] == ["active"]


async def test_draining_a_plane_and_a_tenants_home_plane_and_placement(client, db, make_tenant, sign_in):
    headers = await _platform_admin(db, make_tenant, sign_in)
    plane = (await gql(client, REGISTER, {"i": {"name": _name(), "region": "us-east", "url": "https://us.example.com"}},
                       headers))["data"]["registerTenantPlane"]["plane"]
    hosted = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(Tenant, hosted.tenant_id)).home_plane_id = uuid.UUID(plane["id"])

    drained = (await gql(client, UPDATE, {"id": plane["id"], "i": {"status": "draining", "capacity": 5}},
                         headers))["data"]["updateTenantPlane"]
    found = (await gql(client, "query($s: String!) { tenants(search: $s) { edges { node { slug placement "
                               "homePlane { name status hosted } } } } }", {"s": hosted.slug}, headers))
    found = found["data"]

    assert drained["plane"]["status"] == "draining" and drained["plane"]["capacity"] == 5
    assert found["tenants"]["edges"][0]["node"]["placement"] == {"model": "pooled"}
    assert found["tenants"]["edges"][0]["node"]["homePlane"]["status"] == "draining"


async def test_a_tenant_member_cannot_see_its_placement_or_the_registry(client, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))

    own = await gql(client, "{ tenant { slug homePlane { name } } }", headers=headers)
    registry = await gql(client, PLANES, headers=headers)

    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert registry["errors"][0]["extensions"]["code"] == "FORBIDDEN"
