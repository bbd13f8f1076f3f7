"""Tenant-filtered vector search at 100k chunks (384 dims) across 100 tenants of uneven size.

Ours: the knowledge search's vector leg (domain/knowledge/search.py: HNSW, cosine, iterative scan, tenant
filter + RLS) in a tenant-bound transaction. Peer: exact search of the same tenant's chunks in the same
run (no index: every chunk of the tenant compared). Recall@10 of ours against the exact answer, per
tenant-size class (the worst is reported), and p95 latency of each. Goals: recall@10 >= 0.95 at every
tenant size, p95 < 25 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import numpy as np
from harness import live_servers, report

from atlas.db import Database
from domain.knowledge.search import vector_hits, vector_literal

CHUNKS, TENANTS, DIMS, CLUSTERS = 100_000, 100, 384, 400
QUERIES_PER_TENANT = 3
MODEL = "local:hash-384"
EXACT = ("SELECT id FROM knowledge_chunks WHERE tenant_id = $1 AND source = ANY($3::text[]) "
         "AND embedding_model = $4 ORDER BY (embedding <=> $2::vector) + 0 LIMIT 10")


INDEX = ("CREATE INDEX ix_knowledge_chunks_embedding ON knowledge_chunks USING hnsw (embedding vector_cosine_ops) "
         "WITH (m = 16, ef_construction = 64)")


def tenant_sizes() -> list[int]:
    """Zipf-like sizes summing to CHUNKS: the largest tenant ~19k chunks, the smallest ~190."""
    weights = np.array([1.0 / (rank + 1) for rank in range(TENANTS)])
    sizes = np.maximum(10, np.floor(weights / weights.sum() * CHUNKS)).astype(int)
    sizes[0] += CHUNKS - sizes.sum()
    return sizes.tolist()


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


async def load(db: Database, rng: np.random.Generator) -> list[tuple[uuid.UUID, int, np.ndarray]]:
    """Tenants and their chunks (clustered vectors, like real embeddings); returns (tenant, size, centers)."""
    centers = unit(rng.normal(size=(CLUSTERS, DIMS)))
    tenants = []
    for index, size in enumerate(tenant_sizes()):
        tenant = uuid.uuid4()
        async with db.transaction(tenant_id=None) as tx:
            driver = (await (await tx.session.connection()).get_raw_connection()).driver_connection
            await driver.execute("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)", tenant,
                                 f"rag-{index}-{tenant.hex[:6]}", f"Rag {index}")
        mine = centers[rng.choice(CLUSTERS, size=40, replace=False)]  # each tenant writes about its own topics
        vectors = unit(mine[rng.integers(0, len(mine), size)] + rng.normal(scale=0.045, size=(size, DIMS)))
        async with db.transaction(tenant_id=tenant) as tx:
            driver = (await (await tx.session.connection()).get_raw_connection()).driver_connection
            await driver.execute(
                "INSERT INTO knowledge_chunks (id, tenant_id, source, source_id, ordinal, title, content, link, "
                "embedding, embedding_model, dimensions) SELECT gen_random_uuid(), $1, 'article', gen_random_uuid(), "
                "0, 'chunk', 'bench chunk ' || n, '/x', v::vector, $2, 384 FROM unnest($3::text[]) WITH ORDINALITY "
                "AS t(v, n)", tenant, MODEL, [vector_literal(v.tolist()) for v in vectors])
        tenants.append((tenant, size, mine))
    return tenants


async def as_owner(settings, *statements: str) -> None:
    """DDL as the tables' owner: the HNSW index is dropped for the load and built once after (faster)."""
    import asyncpg

    from atlas.db import plain_dsn

    conn = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def ours(db: Database, tenant: uuid.UUID, query: list[float]) -> tuple[float, list]:
    started = time.perf_counter()
    async with db.transaction(tenant_id=tenant) as tx:
        rows = await vector_hits(tx, vector=query, model_key=MODEL, sources=["article"], k=10)
    return time.perf_counter() - started, [r["id"] for r in rows]


async def exact(db: Database, tenant: uuid.UUID, query: list[float]) -> tuple[float, list]:
    started = time.perf_counter()
    async with db.transaction(tenant_id=tenant) as tx:
        driver = (await (await tx.session.connection()).get_raw_connection()).driver_connection
        rows = await driver.fetch(EXACT, tenant, vector_literal(query), ["article"], MODEL)
    return time.perf_counter() - started, [r["id"] for r in rows]


def size_class(size: int) -> str:
    return "large(>=2000)" if size >= 2000 else "medium(500-1999)" if size >= 500 else "small(<500)"


async def measure(settings) -> tuple[list[float], list[float], dict]:
    rng = np.random.default_rng(7)
    if True:
        db = Database.from_settings(settings)
        try:
            await as_owner(settings, "DROP INDEX ix_knowledge_chunks_embedding")
            tenants = await load(db, rng)
            await as_owner(settings, "SET maintenance_work_mem = '1GB'", INDEX, "ANALYZE knowledge_chunks")
            ours_ms, peer_ms, recalls, by_size = [], [], {}, {}
            for round_ in range(QUERIES_PER_TENANT + 1):
                for tenant, size, mine in tenants:
                    query = unit(mine[rng.integers(0, len(mine))][None] + rng.normal(scale=0.05, size=(1, DIMS)))
                    pair = [ours(db, tenant, query[0].tolist()), exact(db, tenant, query[0].tolist())]
                    if (round_ + size) % 2:
                        pair.reverse()
                    first, second = await pair[0], await pair[1]
                    (mine_t, got), (peer_t, truth) = (first, second) if not (round_ + size) % 2 else (second, first)
                    if round_ == 0:
                        continue  # warm-up
                    by_size.setdefault(size_class(size), []).append(mine_t * 1000)
                    ours_ms.append(mine_t * 1000)
                    peer_ms.append(peer_t * 1000)
                    recalls.setdefault(size_class(size), []).append(len(set(got) & set(truth)) / max(1, len(truth)))
        finally:
            await db.dispose()
    print("p95 ms by tenant size:", {k: round(statistics.quantiles(v, n=20)[18], 2) for k, v in by_size.items()})
    return ours_ms, peer_ms, recalls


def main() -> None:
    with live_servers() as settings:
        ours_ms, peer_ms, recalls = asyncio.run(measure(settings))
    p95 = statistics.quantiles(ours_ms, n=20)[18]
    peer_p95 = statistics.quantiles(peer_ms, n=20)[18]
    by_class = {name: round(statistics.mean(values), 4) for name, values in sorted(recalls.items())}
    print(f"recall@10 by tenant size: {by_class}; p95 ours {p95:.2f} ms, exact {peer_p95:.2f} ms; "
          f"p50 ours {statistics.median(ours_ms):.2f} ms, exact {statistics.median(peer_ms):.2f} ms")
    report(bench="rag", metric="p95 latency of a tenant-filtered top-10 vector search", unit="ms", ours=p95,
           peer=peer_p95, peer_is="exact search of the same tenant's chunks (no index), same run", better="lower",
           recall_at_10=min(by_class.values()), recall_by_tenant_size=by_class, p95_ms=round(p95, 3),
           chunks=CHUNKS, tenants=TENANTS, dims=DIMS)


if __name__ == "__main__":
    main()
