"""Tenants in a database of their own: creating the database, and routing the tenant's transactions to it.

A ``database``-placed tenant (``tenants.placement = {"model": "database", "database": NAME}``) keeps its
operational data in database NAME on the same PostgreSQL server, a copy of the template database
(``<main>_tenant_template``, kept migrated by ``atlas migrate``): ``CREATE DATABASE NAME TEMPLATE ...`` copies
files instead of running every migration. The same app role connects, with the same forced row-level
security (kept as a backstop), so a tenant database holds one tenant but is guarded like the shared one.

The router opens a pool per tenant database on demand (one idle connection at most), closes pools unused
for ``ATLAS_TENANT_DB_IDLE_SECONDS`` and never keeps more than ``ATLAS_TENANT_DB_POOLS`` open (the least
recently used idle one closes first), so a plane hosting thousands of tenant databases holds at most that
many idle connections to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from atlas import tenant_copy
from atlas.dbadmin import DatabaseSetupError, connect, identifier, with_database
from atlas.settings import Settings
from atlas.tls import postgres_connect_args
from domain.uow import Transaction, fetch_sql

log = logging.getLogger("atlas.tenant_databases")
LOOKUP_TTL = 30.0  # seconds a tenant's placement is remembered (a move switches after at most this long)
_LOOKUP = ("SELECT CASE WHEN placement->>'model' = 'database' THEN placement->>'database' END, placement ? 'move', "
           "(to_jsonb(t) - 'placement' - 'home_plane_id')::text FROM tenants t WHERE id = $1")
# The tenant's own database keeps a copy of its record (status, plan, entitlements, token revocation): the
# control plane's record is copied over it whenever they differ, at each placement look-up.
_SYNC_RECORD = """
UPDATE tenants t SET name = r.name, status = r.status, plan = r.plan, region = r.region,
  tokens_valid_after = r.tokens_valid_after, plan_overrides = r.plan_overrides,
  entitlements_version = r.entitlements_version, updated_at = r.updated_at
FROM jsonb_populate_record(NULL::tenants, $1::jsonb) r
WHERE t.id = r.id AND (t.name, t.status, t.plan, t.region, t.tokens_valid_after, t.plan_overrides,
  t.entitlements_version) IS DISTINCT FROM (r.name, r.status, r.plan, r.region, r.tokens_valid_after,
  r.plan_overrides, r.entitlements_version)
"""


class TenantDatabaseError(DatabaseSetupError):
    """A tenant database cannot be created or reached."""


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


def template_name(settings: Settings) -> str:
    """The template every tenant database is copied from: ``<main database>_tenant_template``."""
    return f"{database_of(settings.database_url or settings.database_app_url or '')}_tenant_template"[:63]


def admin_url(settings: Settings) -> str:
    """A role that may CREATE DATABASE and write every table: the embedded superuser, ATLAS_BACKUP_DATABASE_URL,
    else the owner (DATABASE_URL, which then needs CREATEDB)."""
    from atlas.backup import BackupError, backup_url

    try:
        return backup_url(settings)
    except BackupError:
        if settings.database_url:
            return settings.database_url
        raise TenantDatabaseError("creating tenant databases needs DATABASE_URL (the owner, with CREATEDB) or "
                                  "ATLAS_BACKUP_DATABASE_URL") from None


def owner_role(settings: Settings) -> str:
    return unquote(urlsplit(settings.database_url or "").username or "")


@dataclass
class _Pool:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    last_used: float


class TenantDatabaseRouter:
    """Routes tenants placed in a database of their own; creates such databases (domain.uow.TenantDatabases)."""

    def __init__(self, settings: Settings, *, app_url: str, lookup: async_sessionmaker[AsyncSession],
                 clock=time.monotonic) -> None:
        self.settings = settings
        self.app_url = app_url
        self.lookup = lookup
        self.clock = clock
        self.max_pools = settings.tenant_db_pools
        self.idle_seconds = settings.tenant_db_idle_seconds
        self._placements: dict[uuid.UUID, tuple[str | None, float]] = {}
        self._read_only: set[uuid.UUID] = set()  # tenants in the read-only window of a move
        self._pools: OrderedDict[str, _Pool] = OrderedDict()  # least recently used first
        self._sweeper: asyncio.Task | None = None

    # -- routing ---------------------------------------------------------------------------------------
    async def sessions_for(self, tenant_id: uuid.UUID) -> async_sessionmaker[AsyncSession] | None:
        database = await self.database_of(tenant_id)
        if database is None:
            return None
        pool = self._pools.get(database)
        if pool is None:
            pool = self._open(database)
        pool.last_used = self.clock()
        self._pools.move_to_end(database)
        return pool.sessions

    async def database_of(self, tenant_id: uuid.UUID) -> str | None:
        """The tenant's own database, or None (the shared one); remembered for LOOKUP_TTL seconds."""
        known = self._placements.get(tenant_id)
        if known is not None and known[1] > self.clock():
            return known[0]
        async with self.lookup() as session:
            rows = await fetch_sql(session, _LOOKUP, tenant_id)
        database = rows[0][0] if rows else None
        if rows and rows[0][1]:
            self._read_only.add(tenant_id)
        else:
            self._read_only.discard(tenant_id)
        if database is not None:
            await self._sync_record(database, rows[0][2])
        self.remember(tenant_id, database)
        return database

    async def _sync_record(self, database: str, record: str) -> None:
        """Bring the tenant database's copy of the tenant record up to the control plane's."""
        pool = self._pools.get(database) or self._open(database)
        pool.last_used = self.clock()
        async with pool.sessions() as session, session.begin():
            await fetch_sql(session, _SYNC_RECORD, record)

    def read_only(self, tenant_id: uuid.UUID) -> bool:
        return tenant_id in self._read_only

    async def placed_tenants(self) -> list[uuid.UUID]:
        """Every tenant with a database of its own (for maintenance that walks them)."""
        async with self.lookup() as session:
            rows = await fetch_sql(session, "SELECT id FROM tenants WHERE placement->>'model' = 'database' "
                                            "ORDER BY id")
        return [row[0] for row in rows]

    def remember(self, tenant_id: uuid.UUID, database: str | None) -> None:
        self._placements[tenant_id] = (database, self.clock() + LOOKUP_TTL)

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._placements.pop(tenant_id, None)
        self._read_only.discard(tenant_id)

    def _open(self, database: str) -> _Pool:
        engine = create_async_engine(
            _sqlalchemy_url(with_database(self.app_url, database)),
            connect_args=postgres_connect_args(self.settings),
            pool_size=1, max_overflow=max(self.settings.db_pool_size - 1, 0), pool_recycle=1800,
        )
        pool = _Pool(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False), self.clock())
        self._pools[database] = pool
        self._start_sweeper()
        return pool

    @property
    def open_pools(self) -> list[str]:
        return list(self._pools)

    async def close_idle(self, *, now: float | None = None) -> list[str]:
        """Close pools unused for ``idle_seconds`` and, over ``max_pools``, the least recently used idle ones."""
        now = self.clock() if now is None else now
        idle = [name for name, pool in self._pools.items() if pool.engine.pool.checkedout() == 0]
        expired = [name for name in idle if now - self._pools[name].last_used >= self.idle_seconds]
        over = len(self._pools) - len(expired) - self.max_pools
        extra = [name for name in idle if name not in expired][:max(over, 0)]
        for name in expired + extra:
            pool = self._pools.pop(name)
            await pool.engine.dispose()
        return expired + extra

    def _start_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            with contextlib.suppress(RuntimeError):
                self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="tenant-db-sweeper")
        if len(self._pools) > self.max_pools and self._sweeper is not None:
            self._sweeper.get_loop().call_soon(lambda: asyncio.ensure_future(self.close_idle()))

    async def _sweep(self) -> None:
        while self._pools:
            await asyncio.sleep(min(self.idle_seconds / 2, 30))
            try:
                await self.close_idle()
            except Exception:
                log.exception("closing idle tenant-database pools failed")

    async def dispose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sweeper
        for pool in list(self._pools.values()):
            await pool.engine.dispose()
        self._pools.clear()

    # -- creating --------------------------------------------------------------------------------------
    async def create(self, tx: Transaction, *, tenant_id: uuid.UUID, database: str) -> None:
        """Create ``database`` from the template and copy the tenant's rows (as ``tx`` sees them) into it."""
        await ensure_template(self.settings)
        await create_from_template(self.settings, database)
        target = await connect(with_database(admin_url(self.settings), database),
                               postgres_connect_args(self.settings))
        try:
            await tenant_copy.seed_tenant(lambda sql, *args: fetch_sql(tx.session, sql, *args), target,
                                          tenant_id=tenant_id)
        finally:
            await target.close()
        self.remember(tenant_id, database)

    async def drop(self, database: str) -> None:
        for tenant_id, (name, _) in list(self._placements.items()):
            if name == database:
                self.forget(tenant_id)
        pool = self._pools.pop(database, None)
        if pool is not None:
            await pool.engine.dispose()
        await drop_database(self.settings, database)


def _sqlalchemy_url(url: str) -> str:
    from atlas.db import sqlalchemy_url

    return sqlalchemy_url(url)


async def create_from_template(settings: Settings, database: str) -> None:
    """``CREATE DATABASE database TEMPLATE <template> OWNER <owner>`` (a file copy, no migration run)."""
    conn = await connect(admin_url(settings), postgres_connect_args(settings))
    try:
        owner = f" OWNER {identifier(owner_role(settings))}" if owner_role(settings) else ""
        await conn.execute(f"CREATE DATABASE {identifier(database)} TEMPLATE "
                           f"{identifier(template_name(settings))}{owner}")
    finally:
        await conn.close()
    await _ensure_partitions(settings, database)


async def _ensure_partitions(settings: Settings, database: str) -> None:
    """The template may be days old: give the copy the telemetry partitions of the coming days."""
    today = datetime.now(UTC).date()
    conn = await connect(with_database(admin_url(settings), database), postgres_connect_args(settings))
    try:
        await conn.execute("SELECT atlas_ensure_partitions($1, $2)", today - timedelta(days=1),
                           today + timedelta(days=3))
    finally:
        await conn.close()


async def drop_database(settings: Settings, database: str) -> None:
    conn = await connect(admin_url(settings), postgres_connect_args(settings))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {identifier(database)} WITH (FORCE)")
    finally:
        await conn.close()


_template_ready: set[str] = set()


async def ensure_template(settings: Settings) -> None:
    """Create and migrate the template database unless this process already saw it at head."""
    name = template_name(settings)
    key = f"{admin_url(settings)}#{name}"
    if key in _template_ready:
        return
    from atlas.migrate import migrate_database, prepare_template

    await prepare_template(settings)
    await asyncio.to_thread(migrate_database, settings, name)
    _template_ready.add(key)
