"""Copy one tenant's rows between databases of the same schema, and fingerprint them (counts + checksums).

Rows travel as JSON (``to_jsonb`` on the source, ``jsonb_populate_recordset`` on the target), one statement
per table and batch, so every column type (vectors, arrays, bytea, timestamps) round-trips through its own
text form and generated columns are recomputed by the target. The target session is bound to the tenant
(``app.tenant_id``), so forced row-level security checks every row written; run by a superuser, foreign-key
triggers are off for the copy (``session_replication_role = replica``), otherwise tables go parents first.
"""

from __future__ import annotations

import graphlib
import uuid
from collections.abc import Awaitable, Callable

import asyncpg

Fetch = Callable[..., Awaitable[list]]
BATCH = 5000
# Platform rows a tenant database needs a copy of: the tenant itself and its members' user records.
PLATFORM_ROWS = {
    "tenants": "id = $1",
    "users": "id IN (SELECT user_id FROM memberships WHERE tenant_id = $1)",
}
REFERENCE_TABLES = ("ai_models", "policy_versions")  # platform catalogues the tenant plane reads, copied whole

_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
"""
_EDGES = """
SELECT k.conrelid::regclass::text AS child, k.confrelid::regclass::text AS parent
FROM pg_constraint k WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace
"""
_SEQUENCES = """
SELECT c.table_name, c.column_name FROM information_schema.columns c
JOIN pg_class r ON r.relname = c.table_name AND r.relnamespace = 'public'::regnamespace
WHERE c.table_schema = 'public' AND NOT r.relispartition
  AND (c.is_identity = 'YES' OR c.column_default LIKE 'nextval(%')
"""
_COLUMNS = """
SELECT column_name FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position
"""


async def tenant_tables(conn: asyncpg.Connection) -> list[str]:
    """The tables holding tenant rows (a ``tenant_id`` column), parents before children."""
    tables = {row[0] for row in await conn.fetch(_TABLES)}
    sorter = graphlib.TopologicalSorter({table: set() for table in tables})
    for child, parent in await conn.fetch(_EDGES):
        if child in tables and parent in tables and child != parent:
            sorter.add(child, parent)
    return list(sorter.static_order())


async def _columns(conn: asyncpg.Connection, table: str) -> str:
    return ", ".join(f'"{row[0]}"' for row in await conn.fetch(_COLUMNS, table))


async def bind(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    """Bind ``conn``'s open transaction to the tenant; switch FK triggers off when the role may."""
    await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
    if await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
        await conn.execute("SET LOCAL session_replication_role = replica")


async def copy_table(source: Fetch, target: asyncpg.Connection, *, table: str, where: str,
                     tenant_id: uuid.UUID, columns: str | None = None) -> int:
    """Copy the rows of ``table`` matching ``where`` ($1 = the tenant) from ``source`` to ``target``."""
    columns = columns or await _columns(target, table)
    copied, offset = 0, 0
    while True:
        rows = await source(f"SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]')::text FROM (SELECT * FROM {table} "
                            f"WHERE {where} ORDER BY ctid LIMIT {BATCH} OFFSET {offset}) t", tenant_id)
        batch = rows[0][0]
        if batch == "[]":
            return copied
        status = await target.execute(
            f"INSERT INTO {table} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} "
            f"FROM jsonb_populate_recordset(NULL::{table}, $1::jsonb)", batch)
        copied += int(status.rsplit(" ", 1)[-1])
        offset += BATCH


async def seed_tenant(source: Fetch, target: asyncpg.Connection, *, tenant_id: uuid.UUID) -> dict[str, int]:
    """Fill a fresh tenant database: reference catalogues, the tenant and its users, then its rows."""
    copied: dict[str, int] = {}
    async with target.transaction():
        await bind(target, tenant_id)
        for table in REFERENCE_TABLES:
            await target.execute(f"DELETE FROM {table}")
            copied[table] = await copy_table(source, target, table=table, where="$1::uuid IS NOT NULL",
                                             tenant_id=tenant_id)
        for table, where in PLATFORM_ROWS.items():
            copied[table] = await copy_table(source, target, table=table, where=where, tenant_id=tenant_id)
        # In its own database the tenant is hosted "here": no plane row to point at.
        await target.execute("UPDATE tenants SET home_plane_id = NULL WHERE id = $1", tenant_id)
        for table in await tenant_tables(target):
            copied[table] = await copy_table(source, target, table=table, where="tenant_id = $1",
                                             tenant_id=tenant_id)
        await advance_sequences(target)
    return copied


async def advance_sequences(conn: asyncpg.Connection) -> None:
    """Move identity and serial sequences past the copied rows, so the next insert takes a fresh number."""
    for table, column in await conn.fetch(_SEQUENCES):
        await conn.execute(f'SELECT setval(pg_get_serial_sequence($1, $2), greatest(max("{column}"), 1)) '
                           f"FROM {table}", table, column)


async def fingerprint(fetch: Fetch, tables: list[str], *, tenant_id: uuid.UUID) -> dict[str, tuple[int, str]]:
    """Per table: how many of the tenant's rows, and an order-independent checksum of their contents."""
    result = {}
    for table in tables:
        rows = await fetch(f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') FROM "
                           f"(SELECT md5(to_jsonb(t)::text) AS h FROM {table} t WHERE tenant_id = $1) s", tenant_id)
        result[table] = (rows[0][0], rows[0][1])
    return result
