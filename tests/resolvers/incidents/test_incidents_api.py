"""Incidents through GraphQL: create, lifecycle with typed errors, concurrency, timeline, links, postmortems."""

import asyncio

from domain.errors import Conflict
from domain.incidents.service import NewIncident, create_incident, transition_incident
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
FIELDS = "id number reference title status severity priority version services allowedTransitions"
CREATE = f"""mutation($i: CreateIncidentInput!) {{ createIncident(input: $i) {{ __typename
  ... on IncidentSaved {{ incident {{ {FIELDS} assignee {{ email }} }} }} {ERROR} }} }}"""
TRANSITION = f"""mutation($i: TransitionIncidentInput!) {{ transitionIncident(input: $i) {{ __typename
  ... on IncidentSaved {{ incident {{ status version timeToAcknowledgeSeconds acknowledgedAt resolvedAt }} }}
  ... on IllegalTransitionError {{ code message field currentStatus allowed }} {ERROR} }} }}"""


async def _owner(make_tenant, sign_in):
    tenant = await make_tenant()
    return tenant, auth_headers(await sign_in(tenant))


async def _create(client, headers, **fields):
    payload = {"title": "Checkout is failing", "severity": "SEV2", **fields}
    return (await gql(client, CREATE, {"i": payload}, headers))["data"]["createIncident"]


async def test_creating_an_incident_starts_it_triggered_with_a_number_and_default_priority(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)

    first = await _create(client, owner, services=["checkout", "checkout", "payments"])
    second = await _create(client, owner, title="Second")

    incident = first["incident"]
    assert incident["status"] == "TRIGGERED" and incident["priority"] == "P2" and incident["version"] == 1
    assert incident["services"] == ["checkout", "payments"]
    assert incident["allowedTransitions"] == ["OPEN", "INVESTIGATING", "RESOLVED"]
    assert second["incident"]["number"] == incident["number"] + 1
    assert second["incident"]["reference"] == f"INC-{incident['number'] + 1}"


async def test_bad_incident_input_is_a_typed_error_and_creates_nothing(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    other = await make_tenant()
    cases = [
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"assigneeId": str(other.admin_user_id)}, "assigneeId"),
        ({"assigneeId": "nope"}, "assigneeId"),
        ({"services": ["s" * 201]}, "services"),
        ({"labels": ["not", "an", "object"]}, "labels"),
    ]
    for change, field in cases:
        result = await _create(client, owner, **change)
        assert (result["__typename"], result["field"]) == ("ValidationError", field), change

    listed = await gql(client, "{ incidents { edges { node { id } } } }", headers=owner)
    assert listed["data"]["incidents"]["edges"] == []


async def test_the_lifecycle_refuses_illegal_moves_naming_current_and_allowed_states(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    incident = (await _create(client, owner))["incident"]

    async def move(to, **extra):
        return (await gql(client, TRANSITION, {"i": {"id": incident["id"], "to": to, **extra}}, owner))[
            "data"]["transitionIncident"]

    acknowledged = await move("OPEN")
    resolved = await move("RESOLVED")
    illegal = await move("INVESTIGATING")
    closed = await move("CLOSED")
    after_close = await move("OPEN")

    assert acknowledged["incident"]["status"] == "OPEN" and acknowledged["incident"]["timeToAcknowledgeSeconds"] >= 0
    assert resolved["incident"]["resolvedAt"] is not None
    assert illegal == {"__typename": "IllegalTransitionError", "code": "ILLEGAL_TRANSITION", "field": "to",
                       "currentStatus": "RESOLVED", "allowed": ["OPEN", "CLOSED"],
                       "message": "Cannot move an incident from resolved to investigating; "
                                  "allowed from resolved: open, closed."}
    assert closed["incident"]["status"] == "CLOSED"
    assert after_close["allowed"] == [] and "closed is final" in after_close["message"]


async def test_reopening_clears_the_resolution_time(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    incident = (await _create(client, owner))["incident"]
    for to in ("RESOLVED", "OPEN"):
        result = await gql(client, TRANSITION, {"i": {"id": incident["id"], "to": to}}, owner)

    assert result["data"]["transitionIncident"]["incident"]["resolvedAt"] is None


async def test_a_stale_expected_version_is_a_conflict(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    incident = (await _create(client, owner))["incident"]
    await gql(client, TRANSITION, {"i": {"id": incident["id"], "to": "OPEN", "expectedVersion": 1}}, owner)

    stale = await gql(client, TRANSITION, {"i": {"id": incident["id"], "to": "RESOLVED", "expectedVersion": 1}}, owner)

    result = stale["data"]["transitionIncident"]
    assert (result["__typename"], result["field"]) == ("ConflictError", "expectedVersion")
    assert "you had version 1, it is now 2" in result["message"]


async def test_concurrent_transitions_never_corrupt_an_incident(db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="race", severity="SEV1"), actor="t")

    async def move(to):
        try:
            async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                await transition_incident(tx, incident_id=incident.id, to=to, actor="t", expected_version=1)
            return "won"
        except Conflict as lost:
            return lost.code

    results = await asyncio.gather(*(move(to) for to in ["open", "investigating", "resolved"] * 3))

    assert results.count("won") == 1
    assert set(results) - {"won"} <= {"CONFLICT", "ILLEGAL_TRANSITION"}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        from domain.incidents.queries import get_incident, incident_timeline
        stored = await get_incident(tx, incident.id)
        entries = (await incident_timeline(tx, incident_id=incident.id)).items
    assert stored.version == 2 and [e.kind for e in entries] == ["created", "status_changed"]


async def test_every_change_is_on_the_timeline_in_order_with_its_actor(client, make_tenant, add_member, sign_in):
    tenant, owner = await _owner(make_tenant, sign_in)
    responder = await add_member(tenant, ["responder"])
    members = await gql(client, "{ members { edges { node { userId email } } } }", headers=owner)
    responder_id = next(e["node"]["userId"] for e in members["data"]["members"]["edges"] if e["node"]["email"] == responder)
    incident = (await _create(client, owner))["incident"]
    iid = incident["id"]

    await gql(client, "mutation($i: AssignIncidentInput!) { assignIncident(input: $i) { __typename } }",
              {"i": {"id": iid, "assigneeId": responder_id}}, owner)
    await gql(client, "mutation($i: TriageIncidentInput!) { triageIncident(input: $i) { __typename } }",
              {"i": {"id": iid, "severity": "SEV1", "priority": "P1"}}, owner)
    await gql(client, "mutation($i: SetResponderInput!) { setIncidentResponder(input: $i) { __typename } }",
              {"i": {"incidentId": iid, "userId": responder_id, "role": "COMMANDER"}}, owner)
    await gql(client, 'mutation($id: ID!) { commentOnIncident(id: $id, body: "rolling back") { __typename } }',
              {"id": iid}, owner)
    detail = await gql(client, """query($id: ID!) { incident(id: $id) { severity assignee { email }
        responders { role person { email } } latestTimelineEntry { kind data }
        timeline { edges { node { kind actor seq } } } } }""", {"id": iid}, owner)

    found = detail["data"]["incident"]
    kinds = [e["node"]["kind"] for e in found["timeline"]["edges"]]
    seqs = [e["node"]["seq"] for e in found["timeline"]["edges"]]
    assert kinds == ["created", "assigned", "severity_changed", "priority_changed", "responder_set", "comment"]
    assert seqs == sorted(seqs)
    assert {e["node"]["actor"] for e in found["timeline"]["edges"]} == {f"owner@{tenant.slug}.example.com"}
    assert found["assignee"] == {"email": responder}
    assert found["responders"] == [{"role": "COMMANDER", "person": {"email": responder}}]
    assert found["latestTimelineEntry"] == {"kind": "comment", "data": {"body": "rolling back"}}


LINK = f"""mutation($i: LinkIncidentsInput!) {{ linkIncidents(input: $i) {{ __typename
  ... on IncidentsLinked {{ link {{ id kind reason }} }} {ERROR} }} }}"""


async def test_links_form_chains_without_cycles_and_merges_keep_timelines(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    a, b, c = [(await _create(client, owner, title=t))["incident"]["id"] for t in ("root", "child", "grandchild")]

    first = await gql(client, LINK, {"i": {"fromId": a, "toId": b, "kind": "PARENT", "reason": "same db"}}, owner)
    await gql(client, LINK, {"i": {"fromId": b, "toId": c, "kind": "PARENT"}}, owner)
    cycle = await gql(client, LINK, {"i": {"fromId": c, "toId": a, "kind": "PARENT"}}, owner)
    second_parent = await gql(client, LINK, {"i": {"fromId": c, "toId": b, "kind": "PARENT"}}, owner)
    tree = await gql(client, "query($id: ID!) { incident(id: $id) { children { title children { title } } } }",
                     {"id": a}, owner)
    merged = await gql(client, f"""mutation($d: ID!, $i: ID!) {{ mergeIncidents(duplicateId: $d, intoId: $i) {{
        __typename ... on IncidentsMerged {{ duplicate {{ status mergedIntoId }} into {{ id }} }} {ERROR} }} }}""",
                       {"d": c, "i": a}, owner)
    kept = await gql(client, "query($id: ID!) { incident(id: $id) { timeline { edges { node { kind } } } } }",
                     {"id": c}, owner)

    assert first["data"]["linkIncidents"]["link"]["reason"] == "same db"
    assert cycle["data"]["linkIncidents"]["message"] == "Linking would make an incident its own ancestor."
    assert second_parent["data"]["linkIncidents"]["code"] == "CONFLICT"
    assert tree["data"]["incident"]["children"] == [{"title": "child", "children": [{"title": "grandchild"}]}]
    assert merged["data"]["mergeIncidents"]["duplicate"] == {"status": "RESOLVED", "mergedIntoId": a}
    assert [e["node"]["kind"] for e in kept["data"]["incident"]["timeline"]["edges"]] == [
        "created", "linked", "merged_into"]


async def test_postmortems_only_after_resolution(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    iid = (await _create(client, owner))["incident"]["id"]
    save = f"""mutation($i: PostmortemInput!) {{ savePostmortem(input: $i) {{ __typename
        ... on PostmortemSaved {{ postmortem {{ summary status actionItems {{ title status }} }} }} {ERROR} }} }}"""

    early = await gql(client, save, {"i": {"incidentId": iid, "summary": "too soon"}}, owner)
    await gql(client, TRANSITION, {"i": {"id": iid, "to": "RESOLVED"}}, owner)
    await gql(client, "mutation($i: ActionItemInput!) { addActionItem(input: $i) { __typename } }",
              {"i": {"incidentId": iid, "title": "add a circuit breaker", "dueDate": "2027-01-15"}}, owner)
    saved = await gql(client, save, {"i": {"incidentId": iid, "summary": "DB failover", "status": "published"}}, owner)

    assert early["data"]["savePostmortem"]["message"] == "Write the postmortem once the incident is resolved."
    assert saved["data"]["savePostmortem"]["postmortem"] == {
        "summary": "DB failover", "status": "published",
        "actionItems": [{"title": "add a circuit breaker", "status": "open"}]}


async def test_lists_fetch_only_what_is_selected_and_still_answer_every_field(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    await _create(client, owner, title="narrow", services=["db"], labels={"team": "core"})

    narrow = await gql(client, "{ incidents { edges { node { title } } } }", headers=owner)
    wide = await gql(client, "{ incidents { edges { node { title services labels reference alertCount } } } }",
                     headers=owner)
    by_fragment = await gql(client, "{ incidents { edges { node { ...F } } } } fragment F on Incident { services }",
                            headers=owner)

    assert narrow["data"]["incidents"]["edges"] == [{"node": {"title": "narrow"}}]
    node = wide["data"]["incidents"]["edges"][0]["node"]
    assert node["services"] == ["db"] and node["labels"] == {"team": "core"} and node["alertCount"] == 0
    assert by_fragment["data"]["incidents"]["edges"][0]["node"] == {"services": ["db"]}


async def test_text_search_finds_an_incident_by_its_reference(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    first = (await _create(client, owner, title="Checkout is failing"))["incident"]
    await _create(client, owner, title="Payments are slow")
    search = "query($t: String) { incidents(filter: {text: $t}) { edges { node { reference title } } } }"

    async def found(text):
        edges = (await gql(client, search, {"t": text}, owner))["data"]["incidents"]["edges"]
        return [edge["node"]["title"] for edge in edges]

    assert await found(first["reference"]) == ["Checkout is failing"]
    assert await found(first["reference"].lower()) == ["Checkout is failing"]
    assert await found(str(first["number"])) == ["Checkout is failing"]
    assert await found("slow") == ["Payments are slow"]
    assert await found("INC-99999999999") == []


async def test_text_with_a_nul_character_is_refused_before_anything_runs(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    literal = 'mutation { createIncident(input: {title: "a\\u0000b", severity: SEV3}) { __typename } }'
    comment = "mutation($id: ID!, $body: String!) { commentOnIncident(id: $id, body: $body) { __typename } }"
    search = "query($t: String) { incidents(filter: {text: $t}) { edges { node { id } } } }"

    by_variable = await gql(client, CREATE, {"i": {"title": "a\x00b", "severity": "SEV3"}}, owner)
    by_literal = await gql(client, literal, {}, owner)
    by_comment = await gql(client, comment, {"id": "00000000-0000-0000-0000-000000000000", "body": "\x00"}, owner)
    by_search = await gql(client, search, {"t": "\x00"}, owner)
    by_surrogate = await gql(client, CREATE, {"i": {"title": "a\ud800", "severity": "SEV3"}}, owner)

    for result, field in ((by_variable, "title"), (by_literal, "title"), (by_comment, "body"), (by_search, "t"),
                          (by_surrogate, "title")):
        assert result["data"] is None
        assert result["errors"][0]["message"] == ("Text must not contain NUL characters (\\u0000) or unpaired "
                                                  "surrogates.")
        assert result["errors"][0]["extensions"] == {"code": "VALIDATION", "field": field}
    listed = await gql(client, "{ incidents { edges { node { id } } } }", headers=owner)
    assert listed["data"]["incidents"]["edges"] == []


async def test_nothing_merges_into_a_closed_incident(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    closed = (await _create(client, owner, title="Old outage"))["incident"]
    duplicate = (await _create(client, owner, title="Same outage again"))["incident"]
    for to in ("RESOLVED", "CLOSED"):
        await gql(client, TRANSITION, {"i": {"id": closed["id"], "to": to}}, owner)

    merged = await gql(client, f"""mutation($d: ID!, $i: ID!) {{ mergeIncidents(duplicateId: $d, intoId: $i) {{
        __typename {ERROR} }} }}""", {"d": duplicate["id"], "i": closed["id"]}, owner)

    assert merged["data"]["mergeIncidents"]["__typename"] == "IncidentClosedError"
    assert merged["data"]["mergeIncidents"]["field"] == "intoId"
    still = await gql(client, "query($id: ID!) { incident(id: $id) { status mergedIntoId } }",
                      {"id": duplicate["id"]}, owner)
    assert still["data"]["incident"] == {"status": "TRIGGERED", "mergedIntoId": None}


async def test_a_link_reason_longer_than_500_characters_is_refused_not_cut(client, make_tenant, sign_in):
    _tenant, owner = await _owner(make_tenant, sign_in)
    first = (await _create(client, owner, title="A"))["incident"]
    second = (await _create(client, owner, title="B"))["incident"]

    linked = await gql(client, f"""mutation($i: LinkIncidentsInput!) {{ linkIncidents(input: $i) {{
        __typename {ERROR} }} }}""", {"i": {"fromId": first["id"], "toId": second["id"], "kind": "RELATED",
                                            "reason": "r" * 501}}, owner)

    assert linked["data"]["linkIncidents"]["__typename"] == "ValidationError"
    assert linked["data"]["linkIncidents"]["field"] == "reason"
