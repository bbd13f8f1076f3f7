"""Moving a pooled tenant into a database of its own (and onto another plane): `atlas tenant move`.

1. **Read-only window**: the tenant's placement gets a ``move`` record; every process sees it on its next
   placement look-up (within ``LOOKUP_TTL``, which the move waits out) and runs the tenant's transactions
   READ ONLY (a write answers 503, retry later); reads go on.
2. **Copy**: a database from the migrated template, then every row of the tenant (and its record, members,
   catalogues). A partial copy of an earlier, interrupted run is dropped first, so a re-run resumes cleanly.
3. **Verify**: per table, row counts and an order-independent checksum of the rows, source against target;
   any difference stops the move before the switch (``--rollback`` then ends the window and drops the copy).
4. **Switch**: the placement names the new database and the home plane (the ``move`` record goes, one
   UPDATE). Once every process has looked the placement up again (``LOOKUP_TTL`` later; until then they
   still see a read-only tenant), **clean-up** removes the tenant's operational rows from the shared
   database in one transaction (the control plane keeps its records: memberships, roles, credentials,
   billing, applied policies). A re-run after a crash finishes whichever step was left.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from atlas import tenant_copy
from atlas.dbadmin import connect, with_database
from atlas.settings import Settings
from atlas.tenant_databases import (
    LOOKUP_TTL,
    TenantDatabaseError,
    admin_url,
    create_from_template,
    drop_database,
    ensure_template,
)
from atlas.tls import postgres_connect_args
from domain.planes.placement import database_name

# Tenant rows the control plane keeps (sign-in, credential look-ups, billing, policies) after the move.
CONTROL_PLANE_TABLES = frozenset({"memberships", "roles", "api_keys", "integrations", "automation_agents",
                                  "refresh_tokens", "invitations", "billing_accounts", "billing_events",
                                  "tenant_policies"})


class MoveFailed(TenantDatabaseError):
    """The move stopped; the tenant stays where it was (still read-only until resumed or rolled back)."""


@dataclass(frozen=True)
class MoveResult:
    slug: str
    database: str
    plane: str | None
    tables: dict[str, tuple[int, str]]  # per table: rows and checksum, equal on both sides

    @property
    def rows(self) -> int:
        return sum(count for count, _ in self.tables.values())


async def _admin(settings: Settings, database: str | None = None) -> asyncpg.Connection:
    url = admin_url(settings)
    return await connect(with_database(url, database) if database else url, postgres_connect_args(settings))


async def _tenant(conn: asyncpg.Connection, slug: str) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT id, slug, placement, home_plane_id FROM tenants WHERE slug = $1", slug)
    if row is None:
        raise MoveFailed(f"No tenant with slug {slug!r}.")
    return row


async def _plane_id(conn: asyncpg.Connection, name: str | None) -> uuid.UUID | None:
    if name is None:
        return None
    plane = await conn.fetchval("SELECT id FROM tenant_planes WHERE name = $1 AND status = 'active'", name)
    if plane is None:
        raise MoveFailed(f"No active tenant plane named {name!r}.")
    return plane


async def begin_move(settings: Settings, *, slug: str, to_plane: str | None) -> dict:
    """Open the read-only window (idempotent: a move already begun is resumed); the ``move`` record."""
    conn = await _admin(settings)
    try:
        tenant = await _tenant(conn, slug)
        placement = json.loads(tenant["placement"])
        if "move" in placement:
            return placement["move"]
        if placement.get("model") == "database":
            raise MoveFailed(f"Tenant {slug!r} already has a database of its own ({placement['database']}).")
        plane = await _plane_id(conn, to_plane)
        move = {"to": database_name(tenant["id"]), "plane": str(plane) if plane else None}
        await conn.execute("UPDATE tenants SET placement = placement || jsonb_build_object('move', $2::jsonb) "
                           "WHERE id = $1", tenant["id"], json.dumps(move))
        return move
    finally:
        await conn.close()


async def copy_and_verify(settings: Settings, *, slug: str, move: dict) -> dict[str, tuple[int, str]]:
    """Copy the tenant into a fresh database from the template; per-table counts and checksums must match."""
    shared = await _admin(settings)
    try:
        tenant_id = (await _tenant(shared, slug))["id"]
        await drop_database(settings, move["to"])  # a partial copy of an interrupted run
        await ensure_template(settings)
        await create_from_template(settings, move["to"])
        target = await _admin(settings, move["to"])
        try:
            async with shared.transaction(readonly=True):
                await tenant_copy.seed_tenant(shared.fetch, target, tenant_id=tenant_id)
                tables = await tenant_copy.tenant_tables(target)
                source = await tenant_copy.fingerprint(shared.fetch, tables, tenant_id=tenant_id)
            copied = await tenant_copy.fingerprint(target.fetch, tables, tenant_id=tenant_id)
        finally:
            await target.close()
    finally:
        await shared.close()
    different = sorted(table for table in tables if source[table] != copied[table])
    if different:
        raise MoveFailed(f"the copy differs from the source in {', '.join(different)}; nothing was switched")
    return copied


async def switch(settings: Settings, *, slug: str, move: dict) -> None:
    """Point the tenant at its database (and plane); its old rows stay in the shared database, unread, until
    :func:`clean_up` (processes that have not looked the placement up again still see a read-only tenant)."""
    conn = await _admin(settings)
    try:
        tenant_id = (await _tenant(conn, slug))["id"]
        await conn.execute(
            "UPDATE tenants SET placement = jsonb_build_object('model', 'database', 'database', $2::text, "
            "'cleanup', true), home_plane_id = coalesce($3::uuid, home_plane_id) WHERE id = $1",
            tenant_id, move["to"], move["plane"])
    finally:
        await conn.close()


async def clean_up(settings: Settings, *, slug: str) -> int:
    """Remove a switched tenant's operational rows from the shared database (the control plane keeps its own)."""
    conn = await _admin(settings)
    removed = 0
    try:
        tenant = await _tenant(conn, slug)
        if not json.loads(tenant["placement"]).get("cleanup"):
            return 0
        async with conn.transaction():
            await tenant_copy.bind(conn, tenant["id"])
            for table in reversed(await tenant_copy.tenant_tables(conn)):
                if table not in CONTROL_PLANE_TABLES:
                    status = await conn.execute(f"DELETE FROM {table} WHERE tenant_id = $1", tenant["id"])
                    removed += int(status.rsplit(" ", 1)[-1])
            await conn.execute("UPDATE tenants SET placement = placement - 'cleanup' WHERE id = $1", tenant["id"])
    finally:
        await conn.close()
    return removed


async def rollback_move(settings: Settings, *, slug: str) -> bool:
    """End a move that has not switched: drop the copy, end the read-only window. False if none is open."""
    conn = await _admin(settings)
    try:
        tenant = await _tenant(conn, slug)
        move = json.loads(tenant["placement"]).get("move")
        if move is None:
            return False
        await drop_database(settings, move["to"])
        await conn.execute("UPDATE tenants SET placement = placement - 'move' WHERE id = $1", tenant["id"])
        return True
    finally:
        await conn.close()


async def move_tenant(settings: Settings, *, slug: str, to_plane: str | None = None,
                      settle_seconds: float = LOOKUP_TTL, progress: Callable[[str], None] = print,
                      forget: Callable[[uuid.UUID], None] | None = None) -> MoveResult | None:
    """Move a pooled tenant into a database of its own, resuming a move already begun (None: it had only
    its clean-up left)."""
    if await _only_cleanup_left(settings, slug):
        progress(f"removed {await clean_up(settings, slug=slug)} rows left in the shared database")
        return None
    move = await begin_move(settings, slug=slug, to_plane=to_plane)
    progress(f"read-only window open; waiting {settle_seconds:.0f} s for every process to see it")
    await _settled(settings, slug, settle_seconds, forget)
    progress(f"copying into {move['to']}")
    tables = await copy_and_verify(settings, slug=slug, move=move)
    progress(f"verified {len(tables)} tables, {sum(count for count, _ in tables.values())} rows: counts and "
             "checksums match")
    await switch(settings, slug=slug, move=move)
    progress("switched; the tenant is served from its own database")
    await _settled(settings, slug, settle_seconds, forget)
    progress(f"removed {await clean_up(settings, slug=slug)} rows left in the shared database")
    return MoveResult(slug, move["to"], to_plane, tables)


async def _only_cleanup_left(settings: Settings, slug: str) -> bool:
    conn = await _admin(settings)
    try:
        return bool(json.loads((await _tenant(conn, slug))["placement"]).get("cleanup"))
    finally:
        await conn.close()


async def _settled(settings: Settings, slug: str, seconds: float, forget) -> None:
    if forget is not None:
        conn = await _admin(settings)
        try:
            forget((await _tenant(conn, slug))["id"])
        finally:
            await conn.close()
    await asyncio.sleep(seconds)
