"""SLA policies through GraphQL: typed errors for bad targets and calendars, and the plan's entitlement."""

from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
CREATE = f"""mutation($i: SlaPolicyInput!) {{ createSlaPolicy(input: $i) {{ __typename
  ... on SlaPolicySaved {{ policy {{ name responseMinutes warnPercent calendar {{ timezone days opens closes country }}
  }} }} {ERROR} }} }}"""


async def test_an_sla_policy_with_a_business_calendar_is_saved_and_bad_ones_are_typed_errors(client, make_tenant,
                                                                                             sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    calendar = {"timezone": "Europe/Berlin", "days": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "17:00",
                "country": "DE"}

    saved = (await gql(client, CREATE, {"i": {"name": "Gold", "responseMinutes": 30, "calendar": calendar}},
                       headers))["data"]["createSlaPolicy"]
    no_target = (await gql(client, CREATE, {"i": {"name": "Empty"}}, headers))["data"]["createSlaPolicy"]
    bad_zone = (await gql(client, CREATE, {"i": {"name": "Mars", "responseMinutes": 5,
                                                 "calendar": {"timezone": "Mars/Olympus"}}}, headers))["data"]
    twice = (await gql(client, CREATE, {"i": {"name": "Gold", "responseMinutes": 5}}, headers))["data"]

    assert saved == {"__typename": "SlaPolicySaved", "policy": {"name": "Gold", "responseMinutes": 30,
                                                                "warnPercent": 75, "calendar": calendar}}
    assert no_target == {"__typename": "ValidationError", "code": "VALIDATION", "field": "responseMinutes",
                         "message": "Give a response or resolution target of 1 minute to 1 year."}
    assert (bad_zone["createSlaPolicy"]["field"], bad_zone["createSlaPolicy"]["code"]) == ("calendar", "VALIDATION")
    assert twice["createSlaPolicy"]["message"] == "An SLA policy named 'Gold' exists already."
    names = (await gql(client, "{ slaPolicies { name } }", {}, headers))["data"]["slaPolicies"]
    assert names == [{"name": "Gold"}]


async def test_sla_needs_a_plan_that_includes_it(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")

    body = await gql(client, "{ slaPolicies { name } }", {}, auth_headers(await sign_in(tenant)))

    assert body["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"
