"""The CMDB through GraphQL: typed errors, versions, topology, impact with paths, import/export,
and an incident's blast radius."""

import json

from domain.incidents.service import NewIncident, create_incident
from tests.conftest import auth_headers, gql
from tests.domain.cmdb.helpers import build

ERROR = "... on Error { code message field }"
CREATE = f"""mutation($i: CiInput!) {{ createConfigurationItem(input: $i) {{ __typename
  ... on CiSaved {{ ci {{ id name classKey version attributes }} }} {ERROR} }} }}"""
SHOP = {"ACME Corp": "customer", "Online store": "business_service", "checkout": "application_service",
        "payments": "application_service", "payments-db": "database"}
EDGES = [("ACME Corp", "depends_on", "Online store"), ("Online store", "depends_on", "checkout"),
         ("checkout", "depends_on", "payments"), ("payments", "depends_on", "payments-db")]


async def _owner(make_tenant, sign_in):
    tenant = await make_tenant()
    return tenant, auth_headers(await sign_in(tenant))


async def test_creating_and_updating_a_ci_with_typed_errors(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    created = (await gql(client, CREATE, {"i": {"classKey": "database", "name": "orders-db",
                                                "attributes": {"port": 5432}}}, headers))["data"]
    bad = (await gql(client, CREATE, {"i": {"classKey": "database", "name": "x", "attributes": {"port": "high"}}},
                     headers))["data"]
    duplicate = (await gql(client, CREATE, {"i": {"classKey": "database", "name": "ORDERS-DB"}}, headers))["data"]
    long_team = (await gql(client, CREATE, {"i": {"classKey": "database", "name": "team-db", "ownerTeam": "t" * 201}},
                           headers))["data"]["createConfigurationItem"]
    ci = created["createConfigurationItem"]["ci"]
    update = f"""mutation($id: ID!, $v: Int) {{ updateConfigurationItem(id: $id, input: {{ownerTeam: "data",
        expectedVersion: $v}}) {{ __typename ... on CiSaved {{ ci {{ version ownerTeam }} }} {ERROR} }} }}"""
    first = (await gql(client, update, {"id": ci["id"], "v": 1}, headers))["data"]["updateConfigurationItem"]
    stale = (await gql(client, update, {"id": ci["id"], "v": 1}, headers))["data"]["updateConfigurationItem"]

    assert (ci["classKey"], ci["version"], ci["attributes"]) == ("database", 1, {"port": 5432})
    assert (long_team["__typename"], long_team["field"]) == ("ValidationError", "ownerTeam")
    assert bad["createConfigurationItem"] == {
        "__typename": "ValidationError", "code": "VALIDATION", "field": "attributes",
        "message": "Attribute port is invalid for class database: 'high' is not of type 'integer'"}
    assert duplicate["createConfigurationItem"]["__typename"] == "ConflictError"
    assert first == {"__typename": "CiSaved", "ci": {"version": 2, "ownerTeam": "data"}}
    assert (stale["__typename"], stale["field"]) == ("ConflictError", "expectedVersion")


async def test_relationship_rules_come_back_as_typed_errors(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    ids = await build(db, tenant, SHOP, [])
    relate = f"""mutation($i: CiRelationshipInput!) {{ createCiRelationship(input: $i) {{ __typename
        ... on CiRelationshipSaved {{ relationship {{ type source {{ name }} target {{ name }} }} }} {ERROR} }} }}"""

    good = await gql(client, relate, {"i": {"type": "runs_on", "sourceId": str(ids["checkout"]),
                                            "targetId": str(ids["payments"])}}, headers)
    fine = await gql(client, relate, {"i": {"type": "depends_on", "sourceId": str(ids["checkout"]),
                                            "targetId": str(ids["payments"])}}, headers)

    assert good["data"]["createCiRelationship"]["field"] == "targetId"
    assert fine["data"]["createCiRelationship"] == {"__typename": "CiRelationshipSaved", "relationship": {
        "type": "depends_on", "source": {"name": "checkout"}, "target": {"name": "payments"}}}


async def test_impact_analysis_names_business_services_and_customers_with_explanations(client, db, make_tenant,
                                                                                       sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    ids = await build(db, tenant, SHOP, EDGES)
    body = await gql(client, """query($ids: [ID!]!) { impactAnalysis(ciIds: $ids) {
        seeds { name } businessServices { ci { name } depth } customers { ci { name } depth explanation
        path { ci { name } relation } } affected { ci { name } } } }""", {"ids": [str(ids["payments-db"])]}, headers)

    report = body["data"]["impactAnalysis"]
    assert report["seeds"] == [{"name": "payments-db"}]
    assert report["businessServices"] == [{"ci": {"name": "Online store"}, "depth": 3}]
    assert report["customers"] == [{
        "ci": {"name": "ACME Corp"}, "depth": 4,
        "explanation": "payments depends on payments-db; checkout depends on payments; Online store depends on "
                       "checkout; ACME Corp depends on Online store",
        "path": [{"ci": {"name": "payments-db"}, "relation": None}, {"ci": {"name": "payments"}, "relation": "depends_on"},
                 {"ci": {"name": "checkout"}, "relation": "depends_on"},
                 {"ci": {"name": "Online store"}, "relation": "depends_on"},
                 {"ci": {"name": "ACME Corp"}, "relation": "depends_on"}]}]
    assert [a["ci"]["name"] for a in report["affected"]] == ["payments", "checkout", "Online store", "ACME Corp"]


async def test_topology_is_the_neighbourhood_with_depths_and_edges(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    ids = await build(db, tenant, SHOP, EDGES)
    body = await gql(client, """query($id: ID!) { topology(ciId: $id, depth: 1, direction: BOTH) {
        center { name } nodes { ci { name version } depth side } edges { type sourceId targetId } truncated } }""",
                     {"id": str(ids["checkout"])}, headers)
    view = body["data"]["topology"]
    assert view["center"] == {"name": "checkout"}
    assert sorted((n["ci"]["name"], n["ci"]["version"], n["depth"], n["side"]) for n in view["nodes"]) == [
        ("Online store", 1, 1, "upstream"), ("checkout", 1, 0, "center"), ("payments", 1, 1, "downstream")]
    assert sorted((e["sourceId"], e["targetId"]) for e in view["edges"]) == sorted([
        (str(ids["Online store"]), str(ids["checkout"])), (str(ids["checkout"]), str(ids["payments"]))])
    assert view["truncated"] is False


async def test_an_incident_shows_its_blast_radius(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    await build(db, tenant, SHOP, EDGES)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Payments down", severity="SEV1",
                                                             services=["payments"]), actor="test")
        quiet = await create_incident(tx, new=NewIncident(title="Unknown", severity="SEV4", services=["nowhere"]),
                                      actor="test")
    query = "query($id: ID!) { incident(id: $id) { impact { businessServices { ci { name } } customers { ci { name } } } } }"
    found = await gql(client, query, {"id": str(incident.id)}, headers)
    none = await gql(client, query, {"id": str(quiet.id)}, headers)
    assert found["data"]["incident"]["impact"] == {"businessServices": [{"ci": {"name": "Online store"}}],
                                                   "customers": [{"ci": {"name": "ACME Corp"}}]}
    assert none["data"]["incident"]["impact"] is None


async def test_an_import_with_bad_rows_reports_each_row_and_changes_nothing(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    cis = "class,name,attr.port\ndatabase,orders-db,5432\nspaceship,x,\ndatabase,cache,not-a-port\n"
    body = await gql(client, """mutation($c: String!) { importCmdb(format: CSV, cis: $c) { __typename
        ... on CmdbImportRejected { code message rowErrors { part row field message } }
        ... on CmdbImported { created } } }""", {"c": cis}, headers)
    listed = await gql(client, "{ configurationItems { edges { node { name } } } }", None, headers)

    assert body["data"]["importCmdb"] == {
        "__typename": "CmdbImportRejected", "code": "IMPORT_REJECTED",
        "message": "2 row(s) are invalid; nothing was imported.",
        "rowErrors": [{"part": "cis", "row": 2, "field": "class", "message": "Unknown CI class 'spaceship'."},
                      {"part": "cis", "row": 3, "field": "attr.port",
                       "message": "Attribute port must be integer, got 'not-a-port'."}]}
    assert listed["data"]["configurationItems"]["edges"] == []


async def test_export_then_import_round_trips_through_the_api(client, db, make_tenant, sign_in):
    source, source_headers = await _owner(make_tenant, sign_in)
    _target, target_headers = await _owner(make_tenant, sign_in)
    await build(db, source, SHOP, EDGES)
    exported = (await gql(client, "{ cmdbExport(format: JSON) { cis relationships } }", None,
                          source_headers))["data"]["cmdbExport"]

    imported = await gql(client, """mutation($c: String!, $r: String!) { importCmdb(format: JSON, cis: $c,
        relationships: $r) { __typename ... on CmdbImported { created relationshipsCreated } } }""",
                         {"c": exported["cis"], "r": exported["relationships"]}, target_headers)

    assert imported["data"]["importCmdb"] == {"__typename": "CmdbImported", "created": 5, "relationshipsCreated": 4}
    assert len(json.loads(exported["cis"])) == 5


async def test_filters_and_pagination(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    await build(db, tenant, {**SHOP, "web-vm": "virtual_machine", "db-host": "host"}, [])
    query = """query($f: CiFilterInput, $after: String) { configurationItems(filter: $f, first: 2, after: $after) {
        edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    hosts = await gql(client, query, {"f": {"classKey": "host"}}, headers)
    search = await gql(client, query, {"f": {"search": "PAY"}}, headers)
    page1 = (await gql(client, query, {}, headers))["data"]["configurationItems"]
    page2 = (await gql(client, query, {"after": page1["pageInfo"]["endCursor"]}, headers))["data"]["configurationItems"]

    assert [e["node"]["name"] for e in hosts["data"]["configurationItems"]["edges"]] == ["db-host", "web-vm"]
    assert [e["node"]["name"] for e in search["data"]["configurationItems"]["edges"]] == ["payments", "payments-db"]
    assert [e["node"]["name"] for e in page1["edges"]] == ["ACME Corp", "checkout"]
    assert [e["node"]["name"] for e in page2["edges"]] == ["db-host", "Online store"]


async def test_history_lists_changes_newest_first_even_within_one_transaction(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    ids = await build(db, tenant, SHOP, EDGES)  # one transaction: created, then the relationships
    body = await gql(client, """query($id: ID!) { configurationItem(id: $id) { history { edges { node {
        action actor after } } } } }""", {"id": str(ids["checkout"])}, headers)
    actions = [e["node"]["action"] for e in body["data"]["configurationItem"]["history"]["edges"]]
    assert actions == ["relationship_added", "relationship_added", "created"]


async def test_a_deleted_cis_history_stays_readable_and_it_is_listed_as_deleted(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    ids = await build(db, tenant, SHOP, EDGES)
    ci_id = str(ids["payments"])
    await gql(client, """mutation($id: ID!) { updateConfigurationItem(id: $id, input: {ownerTeam: "pay"}) {
        __typename } }""", {"id": ci_id}, headers)
    deleted = await gql(client, "mutation($id: ID!) { deleteConfigurationItem(id: $id) { __typename } }",
                        {"id": ci_id}, headers)

    history = await gql(client, """query($id: ID!) { configurationItem(id: $id) { id }
        ciHistory(ciId: $id) { edges { node { ciId action actor before } } } }""", {"id": ci_id}, headers)
    listed = await gql(client, """{ deletedConfigurationItems(search: "PAY") { edges { node { id name classKey
        deletedBy lastState history(first: 1) { edges { node { action } } } } } } }""", None, headers)

    assert deleted["data"]["deleteConfigurationItem"]["__typename"] == "Deleted"
    assert history["data"]["configurationItem"] is None
    changes = [edge["node"] for edge in history["data"]["ciHistory"]["edges"]]
    assert [c["action"] for c in changes] == ["deleted", "relationship_removed", "relationship_removed", "updated",
                                              "relationship_added", "relationship_added", "created"]
    assert changes[0]["before"]["owner_team"] == "pay" and {c["ciId"] for c in changes} == {ci_id}
    [gone] = [edge["node"] for edge in listed["data"]["deletedConfigurationItems"]["edges"]]
    assert (gone["id"], gone["name"], gone["classKey"], gone["lastState"]["owner_team"]) == (
        ci_id, "payments", "application_service", "pay")
    assert gone["deletedBy"].startswith("owner@") and gone["history"]["edges"] == [{"node": {"action": "deleted"}}]


async def test_environment_lifecycle_and_source_are_enums_in_and_out(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    created = await gql(client, """mutation { createConfigurationItem(input: {classKey: "database", name: "dr-db",
        environment: DR, lifecycleStatus: PLANNED}) { ... on CiSaved { ci { environment lifecycleStatus source } } } }""",
                        None, headers)
    found = await gql(client, """{ configurationItems(filter: {environment: DR, source: MANUAL}) {
        edges { node { name } } } }""", None, headers)
    wrong = await gql(client, '{ configurationItems(filter: {environment: "dr"}) { edges { node { name } } } }',
                      None, headers)

    assert created["data"]["createConfigurationItem"]["ci"] == {"environment": "DR", "lifecycleStatus": "PLANNED",
                                                                "source": "MANUAL"}
    assert [e["node"]["name"] for e in found["data"]["configurationItems"]["edges"]] == ["dr-db"]
    assert wrong["errors"][0]["message"].startswith("Enum 'CiEnvironment' cannot represent non-enum value")
