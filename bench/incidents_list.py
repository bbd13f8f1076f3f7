"""incidents(first: 1000) with 12 scalars and a related field: our stack vs graphql-core.

Ours: the real schema executed in-process (guards, tenant-bound SQLAlchemy session, DataLoader for
the assignee). Peer: graphql-core executing the same SDL with plain synchronous resolvers over the
same rows, fetched with one hand-written asyncpg query under the same tenant binding.
Goal: ours at most 1.2x the peer's time.
"""

from __future__ import annotations

import asyncio
import uuid

from harness import alternate, live_servers, median, report

from atlas.db import app_database_url
from atlas.dbadmin import plain_dsn
from atlas.runtime import Runtime
from domain.auth.principals import user_principal
from domain.billing.plans import entitlements_for
from domain.incidents.service import NewIncident, create_incident
from domain.tenants.service import provision_tenant
from resolvers.context import Context
from resolvers.schema import build_schema

ROWS = 1000
QUERY = """{ incidents(first: 1000) { edges { node {
  id number reference title description status severity priority source version createdAt updatedAt
  assignee { email } } } } }"""
PEER_SDL = """
type Person { email: String! }
type Incident { id: ID! number: Int! reference: String! title: String! description: String! status: String!
  severity: String! priority: String! source: String! version: Int! createdAt: String! updatedAt: String!
  assignee: Person }
type Edge { node: Incident! }
type Connection { edges: [Edge!]! }
type Query { incidents(first: Int): Connection! }
"""
PEER_SQL = """SELECT i.id, i.number, i.title, i.description, i.status, i.severity, i.priority, i.source, i.version,
  i.created_at, i.updated_at, u.email AS assignee_email
  FROM incidents i LEFT JOIN users u ON u.id = i.assignee_id
  WHERE i.tenant_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2"""


async def seed(runtime: Runtime) -> tuple[uuid.UUID, object]:
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}",
                                      admin_email="bench@bench.example.com", admin_password="bench-password",
                                      plan="enterprise")
    async with runtime.db.transaction(tenant_id=made.tenant_id) as tx:
        for n in range(ROWS):
            await create_incident(tx, new=NewIncident(title=f"Incident {n}", severity="SEV3", services=["api"],
                                                      description="Error rate above threshold on api",
                                                      assignee_id=made.admin_user_id), actor="bench")
        principal = await user_principal(tx, user_id=made.admin_user_id, entitlements=entitlements_for("enterprise"))
    return made.tenant_id, principal


def peer_executor(pool, tenant_id):
    from graphql import build_schema as build_sdl
    from graphql import graphql_sync

    schema = build_sdl(PEER_SDL)

    def person(row, info):
        return {"email": row["assignee_email"]} if row["assignee_email"] else None

    resolvers = {"reference": lambda row, info: f"INC-{row['number']}",
                 "createdAt": lambda row, info: row["created_at"].isoformat(),
                 "updatedAt": lambda row, info: row["updated_at"].isoformat(), "assignee": person}
    for name, fn in resolvers.items():
        schema.type_map["Incident"].fields[name].resolve = fn
    snake = {"createdAt": "created_at", "updatedAt": "updated_at"}

    def field(row, info, **_):
        return row[snake.get(info.field_name, info.field_name)]

    for definition in schema.type_map["Incident"].fields.values():
        definition.resolve = definition.resolve or field

    async def run():
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
            rows = await conn.fetch(PEER_SQL, tenant_id, ROWS)
        result = graphql_sync(schema, QUERY, root_value={"incidents": lambda info, first: {
            "edges": [{"node": dict(r)} for r in rows]}})
        assert not result.errors and len(result.data["incidents"]["edges"]) == ROWS, result.errors
    return run


async def measure(settings) -> tuple[list[float], list[float]]:
    import asyncpg

    runtime = await Runtime.open(settings)
    tenant_id, principal = await seed(runtime)
    schema = build_schema(production=True)
    pool = await asyncpg.create_pool(plain_dsn(app_database_url(settings)), min_size=1, max_size=2)

    async def ours():
        context = Context(request=None, response=None, runtime=runtime, principal=principal)
        result = await schema.execute(QUERY, context_value=context)
        assert not result.errors and len(result.data["incidents"]["edges"]) == ROWS, result.errors

    try:
        return await alternate(ours, peer_executor(pool, tenant_id), rounds=15)
    finally:
        await pool.close()
        await runtime.close()


def main() -> None:
    with live_servers() as settings:
        ours_times, peer_times = asyncio.run(measure(settings))
    report(bench="incidents_list", metric="incidents(first: 1000) execution time", unit="ms",
           ours=median(ours_times) * 1000, peer=median(peer_times) * 1000,
           peer_is="graphql-core, same SDL, plain sync resolvers over the same rows (one asyncpg query)",
           better="lower", goal="ratio <= 1.2")


if __name__ == "__main__":
    main()
