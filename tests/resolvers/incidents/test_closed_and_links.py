"""Closed is final in the API: every change but the postmortem's action items is a typed
IncidentClosedError and changes nothing. Links read the same from both ends: the child sees its
PARENT, the parent its CHILD. The list can show top-level incidents only."""

from tests.conftest import auth_headers, gql
from tests.resolvers.incidents.test_incidents_api import CREATE, ERROR, TRANSITION

CLOSED = "... on IncidentClosedError { code message field reference }"
CHANGES = {
    "assignIncident": ("mutation($id: ID!) { assignIncident(input: {id: $id, assigneeId: null}) "
                       f"{{ __typename {CLOSED} {ERROR} }} }}"),
    "triageIncident": ("mutation($id: ID!) { triageIncident(input: {id: $id, severity: SEV1}) "
                       f"{{ __typename {CLOSED} {ERROR} }} }}"),
    "commentOnIncident": f'mutation($id: ID!) {{ commentOnIncident(id: $id, body: "late") {{ __typename {CLOSED} }} }}',
    "setIncidentResponder": ("mutation($id: ID!, $u: ID!) { setIncidentResponder(input: {incidentId: $id, userId: $u, "
                             f"role: COMMANDER}}) {{ __typename {CLOSED} {ERROR} }} }}"),
    "linkIncidents": ("mutation($id: ID!, $o: ID!) { linkIncidents(input: {fromId: $o, toId: $id, kind: RELATED}) "
                      f"{{ __typename {CLOSED} {ERROR} }} }}"),
    "savePostmortem": ('mutation($id: ID!) { savePostmortem(input: {incidentId: $id, summary: "rewritten"}) '
                       f"{{ __typename {CLOSED} {ERROR} }} }}"),
}
SNAPSHOT = """query($id: ID!) { incident(id: $id) { status severity version assignee { id } responders { role }
  links { id } postmortem { summary actionItems { title status } } timeline { edges { node { kind } } } } }"""


async def _closed_incident(client, owner):
    incident = (await gql(client, CREATE, {"i": {"title": "Old outage", "severity": "SEV3"}}, owner))
    incident_id = incident["data"]["createIncident"]["incident"]["id"]
    await gql(client, TRANSITION, {"i": {"id": incident_id, "to": "RESOLVED"}}, owner)
    await gql(client, 'mutation($id: ID!) { savePostmortem(input: {incidentId: $id, summary: "db"}) { __typename } }',
              {"id": incident_id}, owner)
    await gql(client, TRANSITION, {"i": {"id": incident_id, "to": "CLOSED"}}, owner)
    return incident_id


async def test_a_closed_incident_refuses_every_change_with_a_typed_error(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    closed = await _closed_incident(client, owner)
    other = (await gql(client, CREATE, {"i": {"title": "New", "severity": "SEV3"}}, owner))
    variables = {"id": closed, "o": other["data"]["createIncident"]["incident"]["id"], "u": str(tenant.admin_user_id)}
    before = await gql(client, SNAPSHOT, {"id": closed}, owner)

    answers = {name: (await gql(client, document, {k: v for k, v in variables.items() if f"${k}" in document},
                                owner))["data"][name] for name, document in CHANGES.items()}

    for name, answer in answers.items():
        assert answer["__typename"] == "IncidentClosedError", name
        assert answer["code"] == "INCIDENT_CLOSED" and answer["reference"].startswith("INC-"), name
    assert answers["commentOnIncident"]["message"].endswith(
        "is closed, and closed incidents are read-only: only its postmortem's action items can still change. "
        "Open a new incident for new work.")
    assert answers["linkIncidents"]["field"] == "toId" and answers["savePostmortem"]["field"] == "incidentId"
    assert await gql(client, SNAPSHOT, {"id": closed}, owner) == before


async def test_a_closed_incidents_action_items_still_change(client, make_tenant, sign_in):
    owner = auth_headers(await sign_in(await make_tenant()))
    closed = await _closed_incident(client, owner)

    added = await gql(client, """mutation($id: ID!) { addActionItem(input: {incidentId: $id, title: "add an index"}) {
        __typename ... on ActionItemSaved { actionItem { id } } } }""", {"id": closed}, owner)
    item = added["data"]["addActionItem"]["actionItem"]["id"]
    done = await gql(client, """mutation($id: ID!) { updateActionItem(input: {id: $id, status: "done"}) {
        __typename ... on ActionItemSaved { actionItem { status } } } }""", {"id": item}, owner)

    assert done["data"]["updateActionItem"]["actionItem"]["status"] == "done"
    after = await gql(client, SNAPSHOT, {"id": closed}, owner)
    assert after["data"]["incident"]["postmortem"]["actionItems"] == [{"title": "add an index", "status": "done"}]
    assert after["data"]["incident"]["status"] == "CLOSED"


LINKS = """query($id: ID!) { incident(id: $id) { links { kind relation fromId toId reason other { id title } } } }"""


async def test_a_link_reads_parent_from_the_child_and_child_from_the_parent(client, make_tenant, sign_in):
    owner = auth_headers(await sign_in(await make_tenant()))
    root, child, peer = [(await gql(client, CREATE, {"i": {"title": t, "severity": "SEV2"}}, owner))
                         ["data"]["createIncident"]["incident"]["id"] for t in ("root", "child", "peer")]
    made = await gql(client, """mutation($i: LinkIncidentsInput!) { linkIncidents(input: $i) {
        ... on IncidentsLinked { link { relation other { title } } } } }""",
                     {"i": {"fromId": root, "toId": child, "kind": "PARENT", "reason": "db"}}, owner)
    await gql(client, "mutation($i: LinkIncidentsInput!) { linkIncidents(input: $i) { __typename } }",
              {"i": {"fromId": child, "toId": peer, "kind": "RELATED"}}, owner)

    from_root = (await gql(client, LINKS, {"id": root}, owner))["data"]["incident"]["links"]
    from_child = (await gql(client, LINKS, {"id": child}, owner))["data"]["incident"]["links"]

    assert made["data"]["linkIncidents"]["link"] == {"relation": "CHILD", "other": {"title": "child"}}
    assert [(link["relation"], link["other"]["title"]) for link in from_root] == [("CHILD", "child")]
    assert [(link["relation"], link["other"]["title"]) for link in from_child] == [("PARENT", "root"),
                                                                                 ("RELATED", "peer")]
    assert {(link["kind"], link["fromId"], link["toId"]) for link in from_root} <= {
        (link["kind"], link["fromId"], link["toId"]) for link in from_child}


async def test_the_list_can_show_top_level_incidents_only(client, make_tenant, sign_in):
    owner = auth_headers(await sign_in(await make_tenant()))
    root, child, _alone = [(await gql(client, CREATE, {"i": {"title": t, "severity": "SEV2"}}, owner))
                          ["data"]["createIncident"]["incident"]["id"] for t in ("root", "child", "alone")]
    await gql(client, "mutation($i: LinkIncidentsInput!) { linkIncidents(input: $i) { __typename } }",
              {"i": {"fromId": root, "toId": child, "kind": "PARENT"}}, owner)

    listed = await gql(client, """{ incidents(filter: {topLevelOnly: true}) { edges { node { title
        children { title } } } } }""", headers=owner)

    assert [e["node"] for e in listed["data"]["incidents"]["edges"]] == [
        {"title": "alone", "children": []}, {"title": "root", "children": [{"title": "child"}]}]
