"""Provisioning a tenant: pooled vs. a database of its own, and the connections an idle plane keeps.

Ours: ``provision_tenant`` as the API runs it, pooled (rows in the shared database) and ``database``
(``CREATE DATABASE ... TEMPLATE`` the migrated template, then the tenant's rows copied in), p50 and p95.
Peer: what a tenant database costs without the template, a fresh database migrated by a full alembic run,
measured in the same run, alternating. Then 100 ``database`` tenants are touched (one transaction each)
and left idle: the app role's connections to tenant databases are counted in pg_stat_activity.
Goals: pooled p50 < 200 ms, database p50 < 2 s, idle connections <= the configured pool limit.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from dataclasses import replace

from harness import live_servers, median, report

from atlas.db import Database
from atlas.dbadmin import connect, ensure_extensions, identifier, with_database
from atlas.migrate import migrate_database
from atlas.tenant_databases import admin_url, drop_database, ensure_template, owner_role
from domain.planes.placement import PlacementRequest
from domain.tenants.service import provision_tenant

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "100"))
IDLE_SECONDS = 2


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


async def provision(db: Database, model: str) -> float:
    slug = f"bench-{uuid.uuid4().hex[:10]}"
    started = time.perf_counter()
    async with db.transaction(tenant_id=None) as tx:
        await provision_tenant(tx, name="Bench", slug=slug, admin_email=f"o@{slug}.example.com",
                               admin_password="bench-password-1", plan="enterprise",
                               placement=PlacementRequest(model=model))
    return time.perf_counter() - started


async def migrate_fresh(settings) -> float:
    """The peer: a new empty database brought to head by alembic (every migration)."""
    name = f"bench_fresh_{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    conn = await connect(admin_url(settings))
    try:
        await conn.execute(f"CREATE DATABASE {identifier(name)} OWNER {identifier(owner_role(settings))}")
    finally:
        await conn.close()
    await ensure_extensions(with_database(admin_url(settings), name))
    await asyncio.to_thread(migrate_database, settings, name)
    elapsed = time.perf_counter() - started
    await drop_database(settings, name)
    return elapsed


async def tenant_db_connections(settings) -> int:
    conn = await connect(admin_url(settings))
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND datname LIKE "
                                   "'atlas\\_t\\_%'", settings.db_app_role)
    finally:
        await conn.close()


async def measure(settings) -> dict:
    db = Database.from_settings(settings)
    await ensure_template(settings)  # once per deployment (`atlas migrate` keeps it at head)
    times = {"pooled": [], "database": [], "peer": []}
    try:
        await provision(db, "pooled"), await provision(db, "database"), await migrate_fresh(settings)  # warm-up
        for index in range(ROUNDS):
            order = ["pooled", "database", "peer"]
            for kind in order[index % 3:] + order[:index % 3]:
                run = migrate_fresh(settings) if kind == "peer" else provision(db, kind)
                times[kind].append(await run)
        idle = await touch_and_idle(db, settings)
    finally:
        await db.dispose()
    return {**times, **idle}


async def touch_and_idle(db: Database, settings) -> dict:
    tenants = []
    for _ in range(TENANTS):
        slug = f"idle-{uuid.uuid4().hex[:10]}"
        async with db.transaction(tenant_id=None) as tx:
            made = await provision_tenant(tx, name="Idle", slug=slug, admin_email=f"o@{slug}.example.com",
                                          admin_password="bench-password-1", plan="enterprise",
                                          placement=PlacementRequest(model="database"))
        tenants.append(made.tenant_id)
    for tenant_id in tenants:
        async with db.transaction(tenant_id=tenant_id) as tx:
            await tx.session.connection()
    await asyncio.sleep(0)  # the over-the-cap sweep is scheduled, not awaited
    after_touching = await tenant_db_connections(settings)
    await asyncio.sleep(IDLE_SECONDS * 2)  # the sweeper closes pools idle this long
    return {"after_touching": after_touching, "idle": await tenant_db_connections(settings)}


def main() -> None:
    with live_servers() as live:
        settings = replace(live, tenant_db_idle_seconds=IDLE_SECONDS)
        result = asyncio.run(measure(settings))
    ms = {kind: [value * 1000 for value in result[kind]] for kind in ("pooled", "database", "peer")}
    report(bench="provisioning", metric="database-tenant provisioning, p50", unit="ms",
           ours=median(ms["database"]), peer=median(ms["peer"]),
           peer_is="a fresh database migrated by a full alembic run (no template)", better="lower",
           pooled_p50_ms=round(median(ms["pooled"]), 1), pooled_p95_ms=round(p95(ms["pooled"]), 1),
           database_p50_ms=round(median(ms["database"]), 1), database_p95_ms=round(p95(ms["database"]), 1),
           peer_p50_ms=round(median(ms["peer"]), 1), peer_p95_ms=round(p95(ms["peer"]), 1),
           idle_connections=result["idle"], connections_after_touching=result["after_touching"],
           pool_limit=settings.tenant_db_pools, tenants_touched=TENANTS,
           goal="pooled_p50_ms < 200, database_p50_ms < 2000, idle_connections <= pool_limit")


if __name__ == "__main__":
    main()
