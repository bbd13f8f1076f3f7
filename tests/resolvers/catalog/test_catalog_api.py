"""The catalog and problems through GraphQL: a request from raise to fulfilment with typed errors, and a
problem recorded, resolved and found again."""

from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
ITEM = f"""mutation($i: CatalogItemInput!) {{ createCatalogItem(input: $i) {{ __typename
  ... on CatalogItemSaved {{ item {{ id name approvalsNeeded tasks {{ title team }} }} }} {ERROR} }} }}"""
RAISE = f"""mutation($id: ID!, $a: JSON!) {{ raiseServiceRequest(itemId: $id, answers: $a) {{ __typename
  ... on ServiceRequestSaved {{ request {{ id reference state itemName tasks {{ id title state }} }} }} {ERROR} }} }}"""
DECIDE = f"""mutation($id: ID!) {{ decideServiceRequest(id: $id, decision: APPROVE, comment: "ok") {{ __typename
  ... on ServiceRequestSaved {{ request {{ state tasks {{ id title }} }} }} {ERROR} }} }}"""
DONE = f"""mutation($id: ID!) {{ completeRequestTask(taskId: $id) {{ __typename
  ... on ServiceRequestSaved {{ request {{ state }} }} {ERROR} }} }}"""
FORM = {"type": "object", "required": ["model"], "properties": {"model": {"enum": ["13-inch", "15-inch"]}}}


async def test_a_request_from_the_portal_is_validated_approved_and_fulfilled(client, make_tenant, sign_in,
                                                                             add_member):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    viewer = auth_headers(await sign_in(tenant, await add_member(tenant, ["viewer"])))
    item = (await gql(client, ITEM, {"i": {"name": "Laptop", "category": "Hardware", "formSchema": FORM,
                                           "approvalsNeeded": 1, "tasks": [{"title": "Order", "team": "IT"}]}},
                      owner))["data"]["createCatalogItem"]["item"]

    bad = (await gql(client, RAISE, {"id": item["id"], "a": {"model": "17-inch"}}, viewer))["data"]
    raised = (await gql(client, RAISE, {"id": item["id"], "a": {"model": "13-inch"}}, viewer))["data"]
    request = raised["raiseServiceRequest"]["request"]
    approved = (await gql(client, DECIDE, {"id": request["id"]}, owner))["data"]["decideServiceRequest"]["request"]
    by_viewer = (await gql(client, DONE, {"id": approved["tasks"][0]["id"]}, viewer))["data"]["completeRequestTask"]
    done = (await gql(client, DONE, {"id": approved["tasks"][0]["id"]}, owner))["data"]["completeRequestTask"]

    assert bad["raiseServiceRequest"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "answers",
                                          "message": "Answer model: '17-inch' is not one of ['13-inch', '15-inch']"}
    assert (request["state"], request["itemName"], request["tasks"]) == ("awaiting_approval", "Laptop", [])
    assert approved["state"] == "in_fulfilment" and [t["title"] for t in approved["tasks"]] == ["Order"]
    assert by_viewer["__typename"] == "ForbiddenError"
    assert done == {"__typename": "ServiceRequestSaved", "request": {"state": "fulfilled"}}


async def test_a_problem_is_resolved_and_found_again_as_a_known_error(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    created = (await gql(client, 'mutation { createProblem(title: "Disk fills up") { ... on ProblemSaved { problem '
                                 '{ id reference } } } }', {}, owner))["data"]["createProblem"]["problem"]
    update = f"""mutation($id: ID!, $s: String, $r: String) {{ updateProblem(id: $id, state: $s, rootCause: $r) {{
      __typename ... on ProblemSaved {{ problem {{ state }} }} {ERROR} }} }}"""

    early = (await gql(client, update, {"id": created["id"], "s": "resolved"}, owner))["data"]["updateProblem"]
    resolved = (await gql(client, update, {"id": created["id"], "s": "resolved", "r": "Log rotation was off"},
                          owner))["data"]["updateProblem"]
    found = (await gql(client, '{ knownErrors(search: "rotation") { reference } }', {}, owner))["data"]

    assert early == {"__typename": "ValidationError", "code": "VALIDATION", "field": "rootCause",
                     "message": "Record the root cause before resolving the problem."}
    assert resolved["problem"]["state"] == "resolved"
    assert found["knownErrors"] == [{"reference": created["reference"]}]
