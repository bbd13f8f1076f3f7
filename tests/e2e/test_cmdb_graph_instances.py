"""Each web process keeps its own copy of a tenant's relationship graph for impact analysis; a
relationship changed through another process is walked by the next call, never a stale copy."""

import httpx

from tests.conftest import auth_headers, gql
from tests.domain.cmdb.helpers import build

IMPACT = """query($ids: [ID!]!) { impactAnalysis(ciIds: $ids) { affected { ci { name } } } }"""
RELATE = """mutation($i: CiRelationshipInput!) { createCiRelationship(input: $i) {
  __typename ... on CiRelationshipSaved { relationship { id } } } }"""
UNRELATE = "mutation($id: ID!) { deleteCiRelationship(id: $id) { __typename } }"
CIS = {"db-host": "host", "orders-db": "database", "checkout": "application_service",
       "payments": "application_service", "Online store": "business_service"}


async def _affected(client, headers, seed) -> set[str]:
    body = await gql(client, IMPACT, {"ids": [seed]}, headers)
    return {item["ci"]["name"] for item in body["data"]["impactAnalysis"]["affected"]}


async def _relate(client, headers, source, type, target) -> str:
    body = await gql(client, RELATE, {"i": {"type": type, "sourceId": source, "targetId": target}}, headers)
    assert body["data"]["createCiRelationship"]["__typename"] == "CiRelationshipSaved", body
    return body["data"]["createCiRelationship"]["relationship"]["id"]


async def test_a_relationship_changed_on_one_instance_is_walked_at_once_by_the_other(live_server, client, db,
                                                                                     make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    ids = {name: str(ci_id) for name, ci_id in (await build(db, tenant, CIS, [
        ("orders-db", "runs_on", "db-host"), ("checkout", "depends_on", "orders-db")])).items()}
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as other:
        # Given both instances have walked the graph (each now holds its copy)
        assert await _affected(other, headers, ids["db-host"]) == {"orders-db", "checkout"}
        assert await _affected(client, headers, ids["db-host"]) == {"orders-db", "checkout"}

        # When the other instance adds a relationship, this one walks it on its next call
        added = await _relate(other, headers, ids["payments"], "depends_on", ids["orders-db"])
        assert await _affected(client, headers, ids["db-host"]) == {"orders-db", "checkout", "payments"}

        # and the other way round: a change made here reaches the other instance's next call
        await _relate(client, headers, ids["Online store"], "depends_on", ids["checkout"])
        assert await _affected(other, headers, ids["db-host"]) == {"orders-db", "checkout", "payments",
                                                                   "Online store"}

        # and a removal is seen as promptly as an addition
        assert (await gql(other, UNRELATE, {"id": added}, headers))["data"]["deleteCiRelationship"][
            "__typename"] == "Deleted"
        assert await _affected(client, headers, ids["db-host"]) == {"orders-db", "checkout", "Online store"}
