"""Entitlement changes: stale tokens refused on the next request, /api/entitlements/refresh, TP notice."""

import asyncio
import json

import jwt

from domain.billing.entitlements import entitlements_channel
from domain.billing.events import apply_event, parse_event
from domain.billing.service import set_entitlements, subscribe
from tests.conftest import auth_headers, gql
from tests.domain.billing.payloads import event_body, subscription_entity

API_KEYS = "query { apiKeys(first: 5) { edges { node { id } } } }"


async def _pro_by_subscription(runtime, make_tenant):
    tenant = await make_tenant(plan="free")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        account = await subscribe(tx, config=runtime.billing, plan="pro", email=None, actor="test")
    return tenant, account.provider_subscription_id


async def _cancel_with_period_over(runtime, tenant, sub_id):
    """Razorpay says: cancelled, and the paid period ended (a downgrade to the contract plan)."""
    body = event_body("subscription.cancelled", created_at=1_900_000_000, subscription=subscription_entity(
        sub_id, status="cancelled", tenant_id=tenant.tenant_id, current_start=1_700_000_000))
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await apply_event(tx, event=parse_event(body, event_id=f"evt_{sub_id}"), config=runtime.billing)


async def test_a_downgrade_refuses_the_old_token_on_the_very_next_request(app, client, make_tenant, sign_in):
    runtime = app.state.runtime
    tenant, sub_id = await _pro_by_subscription(runtime, make_tenant)
    grant = await sign_in(tenant)
    assert "errors" not in await gql(client, API_KEYS, headers=auth_headers(grant))

    assert await _cancel_with_period_over(runtime, tenant, sub_id) == "applied"
    response = await client.post("/graphql", json={"query": API_KEYS}, headers=auth_headers(grant))

    assert response.status_code == 401
    assert response.json()["code"] == "ENTITLEMENTS_STALE"


async def test_refresh_returns_a_token_with_the_current_entitlements_and_the_entitled_field_is_refused(
        app, client, make_tenant, sign_in):
    runtime = app.state.runtime
    tenant, sub_id = await _pro_by_subscription(runtime, make_tenant)
    grant = await sign_in(tenant)
    await _cancel_with_period_over(runtime, tenant, sub_id)

    response = await client.post("/api/entitlements/refresh", headers=auth_headers(grant))
    assert response.status_code == 200
    fresh = response.json()["access_token"]
    claims = jwt.decode(fresh, options={"verify_signature": False})
    body = await gql(client, API_KEYS, headers=auth_headers(fresh, tenant.tenant_id))

    assert claims["ent"]["plan"] == "free" and claims["ent"]["version"] == 3  # subscribed: 2, downgraded: 3
    assert claims["sub"] == str(tenant.admin_user_id) and claims["roles"] == ["owner"]
    assert body["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"


async def test_refresh_without_a_valid_token_is_401(client):
    response = await client.post("/api/entitlements/refresh", headers={"Authorization": "Bearer nope",
                                                                        "x-tenant-id": "x"})

    assert response.status_code == 401 and response.json()["message"] == "Malformed access token."


async def test_an_entitlement_change_is_published_to_the_tenant_planes(runtime, make_tenant):
    tenant = await make_tenant(plan="free")
    pubsub = runtime.redis.pubsub()
    await pubsub.subscribe(entitlements_channel(tenant.tenant_id))
    try:
        async with runtime.db.transaction(tenant_id=None) as tx:
            version = await set_entitlements(tx, tenant_id=tenant.tenant_id, plan="pro", features=["sso"],
                                             limits={"users": 7}, actor="platform@example.com")
        message = None
        for _ in range(50):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message:
                break
            await asyncio.sleep(0)
    finally:
        await pubsub.aclose()

    assert json.loads(message["data"]) == {"tenantId": str(tenant.tenant_id), "version": version, "plan": "pro",
                                           "reason": "contract changed"}


async def test_overrides_add_to_the_plan_in_new_tokens(runtime, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    async with runtime.db.transaction(tenant_id=None) as tx:
        await set_entitlements(tx, tenant_id=tenant.tenant_id, plan="free", features=["sso"],
                               limits={"users": 7}, actor="platform@example.com")

    claims = jwt.decode((await sign_in(tenant)).access_token, options={"verify_signature": False})

    assert "sso" in claims["ent"]["features"] and claims["ent"]["limits"]["users"] == 7
    assert claims["ent"]["version"] == 2
