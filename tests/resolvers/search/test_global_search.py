"""globalSearch: one box over incidents, CIs and the rest, in the caller's tenant, for what they may read."""

from tests.conftest import auth_headers, gql

SEARCH = "query($q: String!) { globalSearch(query: $q) { kind id title detail } }"
NEW_INCIDENT = """mutation($i: CreateIncidentInput!) { createIncident(input: $i) { __typename
  ... on IncidentSaved { incident { id reference } } ... on Error { code message } } }"""
NEW_CI = """mutation($i: CiInput!) { createConfigurationItem(input: $i) { __typename
  ... on CiSaved { ci { id } } ... on Error { code message } } }"""


async def _world(client, tenant, headers):
    incident = (await gql(client, NEW_INCIDENT, {"i": {"title": "Checkout latency on payments-api",
                                                       "severity": "SEV2"}}, headers))["data"]["createIncident"]
    ci = (await gql(client, NEW_CI, {"i": {"classKey": "application_service", "name": "payments-api"}},
                    headers))["data"]["createConfigurationItem"]
    return incident["incident"], ci["ci"]["id"]


async def test_one_query_finds_the_incident_and_the_ci_by_name_and_by_reference(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    incident, ci_id = await _world(client, tenant, owner)

    by_name = (await gql(client, SEARCH, {"q": "PAYMENTS"}, owner))["data"]["globalSearch"]
    by_ref = (await gql(client, SEARCH, {"q": incident["reference"].lower()}, owner))["data"]["globalSearch"]
    nothing = (await gql(client, SEARCH, {"q": "50%_off"}, owner))["data"]["globalSearch"]
    blank = (await gql(client, SEARCH, {"q": "   "}, owner))["data"]["globalSearch"]

    assert {(h["kind"], h["id"]) for h in by_name} == {("INCIDENT", incident["id"]), ("CI", ci_id)}
    assert [(h["kind"], h["title"]) for h in by_ref] == [
        ("INCIDENT", f"{incident['reference']} Checkout latency on payments-api")]
    assert nothing == [] and blank == []


async def test_each_kind_only_for_people_who_may_read_it(client, make_tenant, add_member, define_role, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    await _world(client, tenant, owner)
    await define_role(tenant, "incident-reader", ["incident.read"])
    reader = auth_headers(await sign_in(tenant, await add_member(tenant, ["incident-reader"])))

    hits = (await gql(client, SEARCH, {"q": "payments"}, reader))["data"]["globalSearch"]

    assert [h["kind"] for h in hits] == ["INCIDENT"]


async def test_another_tenants_things_are_never_found(client, make_tenant, sign_in):
    mine, theirs = await make_tenant(), await make_tenant()
    await _world(client, theirs, auth_headers(await sign_in(theirs)))

    hits = (await gql(client, SEARCH, {"q": "payments"}, auth_headers(await sign_in(mine))))["data"]["globalSearch"]

    assert hits == []


async def test_an_overlong_search_is_refused_with_a_validation_error(client, make_tenant, sign_in):
    tenant = await make_tenant()

    body = await gql(client, SEARCH, {"q": "x" * 201}, auth_headers(await sign_in(tenant)))

    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["errors"][0]["message"] == "Search for at most 200 characters."
