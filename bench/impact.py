"""Impact analysis latency on a large CMDB: 100k CIs and 300k relationships.

Ours: `impact_analysis` in a tenant-bound transaction (read the tenant's graph version, walk this
process's copy of the relationship graph when it is current, then read the affected CI rows from
PostgreSQL under row-level security and build the explaining path of every affected CI), for a
failing host or database, depth 6. The first call after a relationship change rebuilds the copy:
that cost is reported apart (`rebuild_ms`, median of a few changes), not mixed into the latency.
Peer: the same traversal in Python with networkx over the same graph loaded in memory
(`single_source_shortest_path` with a cutoff, then the same classification and explanations).
Both run for the same seeds, alternating, after a warm-up; p50 and p95 of each are reported, and
each seed's answers are checked to agree (same affected CIs, same business services and customers).
The graph is layered like a real estate: customers -> business services -> five tiers of
application services -> databases; instances are part of services, run on VMs hosted on
hypervisors, call instances of the services their service depends on, and connect to databases.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import random
import statistics
import time
import uuid

import asyncpg
import networkx as nx
from harness import live_servers, report

from atlas.dbadmin import plain_dsn
from atlas.runtime import Runtime
from domain.cmdb.catalog import BUSINESS_CLASSES, RELATIONSHIP_TYPES
from domain.cmdb.impact import impact_analysis
from domain.tenants.service import provision_tenant
from domain.uow import fetch_sql

COUNTS = {"customer": 1_000, "business_service": 1_000, "application_service": 10_000,
          "service_instance": 40_000, "host": 40_000, "database": 8_000}
TIERS, RELATIONSHIPS, SEEDS, DEPTH = 5, 300_000, 60, 6


def generate(rng: random.Random) -> tuple[dict[str, list[uuid.UUID]], list[tuple[str, uuid.UUID, uuid.UUID]]]:
    """CIs by class and exactly RELATIONSHIPS distinct (type, source, target) edges."""
    cis = {cls: [uuid.uuid4() for _ in range(n)] for cls, n in COUNTS.items()}
    apps, instances, hosts, dbs = (cis["application_service"], cis["service_instance"], cis["host"],
                                   cis["database"])
    tier = len(apps) // TIERS
    edges: set[tuple[str, uuid.UUID, uuid.UUID]] = set()
    for customer in cis["customer"]:
        edges.update(("depends_on", customer, b) for b in rng.sample(cis["business_service"], 3))
    for business in cis["business_service"]:
        edges.update(("depends_on", business, a) for a in rng.sample(apps[:tier], 6))
    app_deps: dict[uuid.UUID, list[uuid.UUID]] = {}
    for index, app in enumerate(apps[:-tier]):
        nxt = (index // tier + 1) * tier
        app_deps[app] = rng.sample(apps[nxt:nxt + tier], 3)
        edges.update(("depends_on", app, d) for d in app_deps[app])
    for index, app in enumerate(apps):
        edges.update(("depends_on", app, d) for d in rng.sample(dbs, 2 if index >= len(apps) - tier else 1))
    owner = {inst: apps[i % len(apps)] for i, inst in enumerate(instances)}
    by_app: dict[uuid.UUID, list[uuid.UUID]] = {}
    for inst, app in owner.items():
        by_app.setdefault(app, []).append(inst)
        edges.add(("part_of", inst, app))
    hypervisors, vms = hosts[:8_000], hosts[8_000:]
    edges.update(("hosted_on", vm, rng.choice(hypervisors)) for vm in vms)
    for inst in instances:
        edges.add(("runs_on", inst, rng.choice(vms)))
        edges.add(("connects_to", inst, rng.choice(dbs)))
    edges.update(("runs_on", db, rng.choice(hypervisors)) for db in dbs)
    callers = [i for i in instances if owner[i] in app_deps]
    while len(edges) < RELATIONSHIPS:
        inst = rng.choice(callers)
        callee_app = rng.choice(app_deps[owner[inst]])
        edges.add(("depends_on", inst, rng.choice(by_app[callee_app])))
    return cis, list(edges)[:RELATIONSHIPS]


async def load(runtime: Runtime, tenant_id: uuid.UUID, cis: dict, edges: list) -> None:
    """Write the graph through the app role (row-level security applies), in batches."""
    rows = [(ci_id, cls, f"{cls}-{n}") for cls, ids in cis.items() for n, ci_id in enumerate(ids)]
    for start in range(0, len(rows), 20_000):
        chunk = rows[start:start + 20_000]
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            await fetch_sql(tx.session, (
                "INSERT INTO configuration_items (id, tenant_id, class_key, name) "
                "SELECT i, $1, c, n FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(i, c, n)"),
                tenant_id, [r[0] for r in chunk], [r[1] for r in chunk], [r[2] for r in chunk])
    for start in range(0, len(edges), 50_000):
        chunk = edges[start:start + 50_000]
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            await fetch_sql(tx.session, (
                "INSERT INTO ci_relationships (id, tenant_id, type, source_id, target_id, created_by) "
                "SELECT gen_random_uuid(), $1, t, s, d, 'bench' FROM unnest($2::text[], $3::uuid[], $4::uuid[]) "
                "AS u(t, s, d)"), tenant_id, [e[0] for e in chunk], [e[1] for e in chunk], [e[2] for e in chunk])
    await analyze(runtime.settings.database_url)


async def analyze(owner_url: str) -> None:
    """Table statistics, as autovacuum would gather them (only the owner may; the app role may not)."""
    connection = await asyncpg.connect(plain_dsn(owner_url))
    try:
        await connection.execute("ANALYZE configuration_items; ANALYZE ci_relationships")
    finally:
        await connection.close()


async def rebuild_ms(runtime: Runtime, tenant_id: uuid.UUID, edge: tuple, seed: uuid.UUID) -> float:
    """Remove and restore one relationship (a version bump each), timing the impact call after each."""
    timings = []
    for statement in ("DELETE FROM ci_relationships WHERE tenant_id = $1 AND type = $2 AND source_id = $3 "
                      "AND target_id = $4",
                      "INSERT INTO ci_relationships (id, tenant_id, type, source_id, target_id, created_by) "
                      "VALUES (gen_random_uuid(), $1, $2, $3, $4, 'bench')") * 2:
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            await fetch_sql(tx.session, statement, tenant_id, *edge)
        began = time.perf_counter()
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            await impact_analysis(tx, ci_ids=[seed], depth=DEPTH, limit=100_000)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


class NetworkxImpact:
    """The peer: the same graph in memory, failures flowing along impact edges."""

    LABELS = {key: t.label for key, t in RELATIONSHIP_TYPES.items()}

    def __init__(self, cis: dict, edges: list) -> None:
        self.graph = nx.DiGraph()
        self.info = {ci_id: (cls, f"{cls}-{n}") for cls, ids in cis.items() for n, ci_id in enumerate(ids)}
        for type, source, target in edges:
            if RELATIONSHIP_TYPES[type].impact == "up":
                self.graph.add_edge(target, source, type=type, forward=False)
            else:
                self.graph.add_edge(source, target, type=type, forward=True)

    def analyse(self, seed: uuid.UUID, depth: int) -> tuple[int, int]:
        paths = nx.single_source_shortest_path(self.graph, seed, cutoff=depth)
        business = customers = 0
        for node, path in paths.items():
            if node == seed:
                continue
            statements = []
            for before, after in itertools.pairwise(path):
                edge = self.graph.edges[before, after]
                here, there = self.info[after][1], self.info[before][1]
                label = self.LABELS[edge["type"]]
                statements.append(f"{there} {label} {here}" if edge["forward"] else f"{here} {label} {there}")
            "; ".join(statements)
            cls = self.info[node][0]
            customers += cls == "customer"
            business += cls in BUSINESS_CLASSES and cls != "customer"
        return len(paths) - 1, business + customers


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def measure(settings) -> tuple[list[float], list[float], dict]:
    rng = random.Random(7)
    runtime = await Runtime.open(settings)
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name="Impact bench", slug=f"impact-{uuid.uuid4().hex[:6]}",
                                        admin_email="bench@impact.example.com", admin_password="bench-password",
                                        plan="enterprise")
    started = time.perf_counter()
    cis, edges = generate(rng)
    await load(runtime, tenant.tenant_id, cis, edges)
    loaded = time.perf_counter() - started
    peer = NetworkxImpact(cis, edges)
    gc.collect()
    gc.freeze()  # the generated graph and networkx's copy are setup, not work: keep them out of GC passes
    seeds = rng.sample(cis["host"][:8_000], SEEDS // 2) + rng.sample(cis["database"], SEEDS // 2)
    ours_ms, peer_ms, sizes = [], [], []

    async def ours_once(seed):
        async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            found = await impact_analysis(tx, ci_ids=[seed], depth=DEPTH, limit=100_000)
        return len(found.affected), len(found.business_services) + len(found.customers)

    for seed in seeds[:5]:  # warm-up
        await ours_once(seed)
        peer.analyse(seed, DEPTH)
    for index, seed in enumerate(seeds):
        for name in (("ours", "peer") if index % 2 == 0 else ("peer", "ours")):
            began = time.perf_counter()
            if name == "ours":
                mine = await ours_once(seed)
                ours_ms.append((time.perf_counter() - began) * 1000)
            else:
                theirs = peer.analyse(seed, DEPTH)
                peer_ms.append((time.perf_counter() - began) * 1000)
        assert mine == theirs, (mine, theirs)
        sizes.append(mine[0])
    rebuild = await rebuild_ms(runtime, tenant.tenant_id, edges[0], seeds[0])
    await runtime.close()
    return ours_ms, peer_ms, {"load_seconds": round(loaded, 1), "median_affected": statistics.median(sizes),
                              "max_affected": max(sizes), "rebuild_ms": round(rebuild, 1)}


def main() -> None:
    with live_servers() as settings:
        ours_ms, peer_ms, extra = asyncio.run(measure(settings))
    ours50, ours95 = statistics.median(ours_ms), percentile(ours_ms, 95)
    peer50, peer95 = statistics.median(peer_ms), percentile(peer_ms, 95)
    print(f"ours p50 {ours50:.1f} ms p95 {ours95:.1f} ms; networkx p50 {peer50:.1f} ms p95 {peer95:.1f} ms; {extra}")
    report(bench="impact", metric="impact analysis latency, depth 6, 100k CIs / 300k relationships (p50)",
           unit="ms", ours=ours50, peer=peer50, better="lower",
           peer_is="networkx single_source_shortest_path over the same graph in memory, same classification",
           ours_p95_ms=round(ours95, 2), peer_p95_ms=round(peer95, 2), p95_ratio=round(ours95 / peer95, 3),
           seeds=len(ours_ms), **extra)


if __name__ == "__main__":
    main()
