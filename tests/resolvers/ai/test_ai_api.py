"""AI and knowledge through GraphQL: typed refusals, usage, search validation, a free plan not entitled."""

from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
SET_POLICY = f"""mutation($i: AiPolicyInput!) {{ setAiPolicy(input: $i) {{ __typename
  ... on AiPolicySaved {{ policy {{ allowedModels forbidExternal routes }} }} {ERROR} }} }}"""


async def test_a_policy_routing_to_an_unknown_model_is_refused_with_a_typed_error(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="pro")
    owner = auth_headers(await sign_in(tenant))

    refused = (await gql(client, SET_POLICY, {"i": {"routes": [{"task": "rca", "models": ["bedrock:nope"]}]}},
                         owner))["data"]["setAiPolicy"]
    saved = (await gql(client, SET_POLICY, {"i": {"forbidExternal": True, "routes": [
        {"task": "rca", "models": ["local:extractive"]}]}}, owner))["data"]["setAiPolicy"]

    assert refused == {"__typename": "ValidationError", "code": "MODEL_NOT_APPROVED",
                       "message": "Model 'bedrock:nope' is not approved by the platform.", "field": "model"}
    assert saved["policy"] == {"allowedModels": None, "forbidExternal": True, "routes": {"rca": ["local:extractive"]}}


async def test_usage_starts_empty_and_search_checks_its_input(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="pro")
    owner = auth_headers(await sign_in(tenant))

    usage = await gql(client, "{ aiUsage { balance ledgerSum periodKey } }", headers=owner)
    bad = await gql(client, '{ search(query: "disk", first: 0) { title } }', headers=owner)
    unknown = await gql(client, '{ search(query: "disk", sources: ["email"]) { title } }', headers=owner)

    assert usage["data"]["aiUsage"] == {"balance": 0, "ledgerSum": 0, "periodKey": None}
    assert bad["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert bad["errors"][0]["message"] == "first must be between 1 and 50."
    assert unknown["errors"][0]["message"] == "Unknown sources: email."


async def test_a_free_plan_has_knowledge_but_not_the_ai_usage(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = auth_headers(await sign_in(tenant))

    articles = await gql(client, "{ kbArticles { edges { node { id } } } }", headers=owner)
    usage = await gql(client, "{ aiUsage { balance } }", headers=owner)

    assert articles["data"]["kbArticles"] == {"edges": []}
    assert usage["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"
