"""Billing through GraphQL: subscribe, see the plan in force and usage, change and cancel; platform overrides."""

from domain.members.models import User
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
SUB = "... on SubscriptionChanged { subscription { provider plan status planInForce currentEnd } }"
BILLING = """{ billing { entitlements { plan version } subscription { status plan planInForce }
  usage { name limit used } events { eventId } } }"""


async def test_an_owner_subscribes_and_the_billing_page_shows_the_plan_in_force(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = auth_headers(await sign_in(tenant))

    subscribed = (await gql(client, f'mutation {{ subscribe(plan: "pro") {{ __typename {SUB} {ERROR} }} }}',
                            headers=owner))["data"]["subscribe"]
    stale = await client.post("/graphql", json={"query": BILLING}, headers=owner)
    fresh = auth_headers(await sign_in(tenant))
    billing = (await gql(client, BILLING, headers=fresh))["data"]["billing"]

    assert subscribed["subscription"]["status"] == "active" and subscribed["subscription"]["planInForce"] == "pro"
    assert stale.status_code == 401 and stale.json()["code"] == "ENTITLEMENTS_STALE"
    assert billing["entitlements"] == {"plan": "pro", "version": 2}
    assert billing["subscription"] == {"status": "active", "plan": "pro", "planInForce": "pro"}
    usage = {u["name"]: (u["limit"], u["used"]) for u in billing["usage"]}
    assert usage["users"] == (100, 1) and usage["api_keys"] == (50, 0) and usage["retention_days"] == (30, None)


async def test_subscription_mistakes_are_typed_and_change_nothing(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = auth_headers(await sign_in(tenant))

    unknown = (await gql(client, f'mutation {{ subscribe(plan: "gold") {{ {ERROR} }} }}', headers=owner))
    free = (await gql(client, f'mutation {{ subscribe(plan: "free") {{ {ERROR} }} }}', headers=owner))
    nothing_to_cancel = (await gql(client, f"mutation {{ cancelSubscription {{ {ERROR} }} }}", headers=owner))
    billing = (await gql(client, BILLING, headers=owner))["data"]["billing"]

    assert unknown["data"]["subscribe"] == {"code": "VALIDATION", "field": "plan",
                                            "message": "Unknown plan 'gold'; choose one of free, pro, enterprise."}
    assert free["data"]["subscribe"]["message"] == ("Plan 'free' cannot be subscribed to online; choose one of "
                                                    "enterprise, pro.")
    assert nothing_to_cancel["data"]["cancelSubscription"]["message"] == "The tenant has no live subscription."
    assert billing["entitlements"] == {"plan": "free", "version": 1}


async def test_cancelling_keeps_the_plan_until_the_period_ends(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = auth_headers(await sign_in(tenant))
    await gql(client, 'mutation { subscribe(plan: "pro") { __typename } }', headers=owner)
    owner = auth_headers(await sign_in(tenant))

    changed = (await gql(client, f'mutation {{ changePlan(plan: "enterprise") {{ {SUB} {ERROR} }} }}',
                         headers=owner))["data"]["changePlan"]
    owner = auth_headers(await sign_in(tenant))
    cancelled = (await gql(client, f"mutation {{ cancelSubscription {{ {SUB} {ERROR} }} }}",
                           headers=owner))["data"]["cancelSubscription"]

    assert changed["subscription"]["planInForce"] == "enterprise"
    assert cancelled["subscription"]["status"] == "cancelled"
    assert cancelled["subscription"]["planInForce"] == "enterprise" and cancelled["subscription"]["currentEnd"]


async def test_an_admin_without_billing_manage_cannot_see_billing(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant(plan="free")
    admin = auth_headers(await sign_in(tenant, await add_member(tenant, ["admin"])))

    body = await gql(client, BILLING, headers=admin)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_platform_overrides_refuse_unknown_features_and_limits(app, client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    async with app.state.runtime.db.transaction(tenant_id=None) as tx:  # make the owner a platform operator
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    operator = auth_headers(await sign_in(tenant))
    document = f"""mutation($i: SetTenantEntitlementsInput!) {{ setTenantEntitlements(input: $i) {{ __typename
      ... on EntitlementsSet {{ version }} {ERROR} }} }}"""

    bad_feature = await gql(client, document, {"i": {"tenantId": str(tenant.tenant_id), "plan": "free",
                                                     "features": ["teleport"]}}, operator)
    bad_limit = await gql(client, document, {"i": {"tenantId": str(tenant.tenant_id), "plan": "free",
                                                   "limits": {"users": -1}}}, operator)
    good = await gql(client, document, {"i": {"tenantId": str(tenant.tenant_id), "plan": "pro",
                                              "limits": {"users": 12}}}, operator)

    assert bad_feature["data"]["setTenantEntitlements"]["message"] == "Unknown features: teleport."
    assert bad_limit["data"]["setTenantEntitlements"]["message"] == "Unknown limits or negative values: users."
    assert good["data"]["setTenantEntitlements"] == {"__typename": "EntitlementsSet", "version": 2}
