"""The per-process copy of a tenant's graph: same answers as the walk in PostgreSQL, never stale,
never another tenant's."""

import random

import pytest

from domain.cmdb import graph, topology
from domain.cmdb.impact import impact_analysis
from domain.cmdb.service import create_relationship, delete_ci
from domain.errors import ValidationFailed
from domain.uow import fetch_sql
from tests.domain.cmdb.helpers import build

CHAIN = {"db-host": "host", "orders-db": "database", "checkout": "application_service",
         "payments": "application_service", "Online store": "business_service"}
EDGES = [("orders-db", "runs_on", "db-host"), ("checkout", "depends_on", "orders-db")]


async def _affected(db, tenant, seed) -> set[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {item.ci["name"] for item in (await impact_analysis(tx, ci_ids=[seed])).affected}


async def _version(db, tenant) -> int:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        [(version, _)] = await fetch_sql(tx.session, graph.VERSION_SQL, tenant.tenant_id)
    return version


async def test_the_copy_walks_exactly_like_postgresql_in_every_mode(db, make_tenant):
    tenant = await make_tenant()
    rng = random.Random(5)
    classes = ["business_service", "application_service", "service_instance", "database"]
    cis = {f"ci-{n}": classes[n % 4] for n in range(40)}
    names = list(cis)
    edges = {(a, "depends_on", b) for a, b in (rng.sample(names[:30], 2) for _ in range(70))
             if cis[a] != "database" and cis[b] != "business_service"}
    edges |= {(f"ci-{n}", "part_of", f"ci-{n - 1}") for n in range(2, 40, 4)}
    ids = await build(db, tenant, cis, sorted(edges))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        for mode in topology.MODES:
            for depth in (1, 3, 10):
                seeds = [ids[n] for n in rng.sample(names, 2)]
                in_memory = await graph.walk(tx, seeds=seeds, mode=mode, depth=depth)
                in_sql = await topology.walk(tx, seeds=seeds, mode=mode, depth=depth)
                assert {r.ci_id: r.depth for r in in_memory.values()} == \
                       {r.ci_id: r.depth for r in in_sql.values()}, (mode, depth)
                assert all(in_memory[r.via].depth == r.depth - 1 for r in in_memory.values() if r.via), mode


async def test_a_committed_change_replaces_the_copy_and_an_unrelated_write_keeps_it(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CHAIN, EDGES)
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}
    kept = graph._snapshots[tenant.tenant_id]

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # discovery refreshing last_seen_at
        await fetch_sql(tx.session, "UPDATE ci_relationships SET last_seen_at = now() WHERE tenant_id = $1",
                        tenant.tenant_id)
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}
    assert graph._snapshots[tenant.tenant_id] is kept

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_relationship(tx, type="depends_on", source_id=ids["payments"], target_id=ids["orders-db"],
                                  actor="test")
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout", "payments"}
    assert graph._snapshots[tenant.tenant_id] is not kept


async def test_relationships_changed_by_plain_sql_or_a_deleted_ci_bump_the_version_once(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CHAIN, EDGES)
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}
    before = await _version(db, tenant)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # another writer, not our service code
        await fetch_sql(tx.session, "INSERT INTO ci_relationships (id, tenant_id, type, source_id, target_id, "
                                    "created_by) VALUES (gen_random_uuid(), $1, 'depends_on', $2, $3, 'sql'), "
                                    "(gen_random_uuid(), $1, 'depends_on', $4, $3, 'sql')",
                        tenant.tenant_id, ids["payments"], ids["checkout"], ids["Online store"])
    after_insert = await _version(db, tenant)
    assert after_insert > before
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout", "payments", "Online store"}

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # the cascade removes its relationships
        await delete_ci(tx, ci_id=ids["checkout"], actor="test")
    assert await _version(db, tenant) > after_insert
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db"}


async def test_a_transaction_walks_its_own_uncommitted_change_and_a_rollback_leaves_no_trace(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CHAIN, EDGES)
    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}

    with pytest.raises(RuntimeError, match="changed my mind"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await create_relationship(tx, type="depends_on", source_id=ids["payments"], target_id=ids["orders-db"],
                                      actor="test")
            seen = {i.ci["name"] for i in (await impact_analysis(tx, ci_ids=[ids["db-host"]])).affected}
            assert seen == {"orders-db", "checkout", "payments"}
            raise RuntimeError("changed my mind")

    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}


async def test_a_tenant_never_walks_another_tenants_graph_even_at_the_same_version(db, make_tenant):
    tenant_a, tenant_b = await make_tenant(), await make_tenant()
    ids_a = await build(db, tenant_a, CHAIN, EDGES)
    ids_b = await build(db, tenant_b, {"b-host": "host", "b-db": "database", "b-app": "application_service"},
                        [("b-db", "runs_on", "b-host"), ("b-app", "depends_on", "b-db")])
    assert await _affected(db, tenant_a, ids_a["db-host"]) == {"orders-db", "checkout"}
    async with db.transaction(tenant_id=tenant_b.tenant_id) as tx:  # B's version made equal to A's
        await fetch_sql(tx.session, "UPDATE cmdb_graph_versions SET version = $2 WHERE tenant_id = $1",
                        tenant_b.tenant_id, await _version(db, tenant_a))

    assert await _affected(db, tenant_b, ids_b["b-host"]) == {"b-db", "b-app"}
    assert await _affected(db, tenant_a, ids_a["db-host"]) == {"orders-db", "checkout"}
    with pytest.raises(ValidationFailed, match="not configuration items of this tenant"):
        await _affected(db, tenant_b, ids_a["db-host"])
    async with db.transaction(tenant_id=tenant_b.tenant_id) as tx:  # not even a bare walk crosses over
        assert set(await graph.walk(tx, seeds=[ids_a["db-host"]], mode="impact", depth=6)) == {ids_a["db-host"]}


async def test_a_graph_over_the_memory_budget_is_walked_in_postgresql(db, make_tenant, monkeypatch):
    tenant = await make_tenant()
    ids = await build(db, tenant, CHAIN, EDGES)
    monkeypatch.setattr(graph, "MAX_CACHED_EDGES", 1)

    assert await _affected(db, tenant, ids["db-host"]) == {"orders-db", "checkout"}
    assert tenant.tenant_id not in graph._snapshots
