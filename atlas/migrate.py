"""Run alembic migrations as the owner role, after making sure the app role exists."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
from alembic.config import Config

from alembic import command
from atlas.dbadmin import ensure_app_role_external
from atlas.paths import ALEMBIC_INI
from atlas.settings import Settings, SettingsError
from atlas.tls import postgres_connect_args


def alembic_config(database_url: str, *, app_role: str) -> Config:
    """Alembic configuration bound to ``database_url`` (the owner role)."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = database_url
    config.attributes["app_role"] = app_role
    config.attributes["skip_logging_config"] = True
    return config


def run_migrations(settings: Settings, *, revision: str = "head") -> None:
    """Bring the database named by ``settings`` to ``revision`` (idempotent)."""
    if not settings.database_url:
        raise SettingsError("migrations run as the owner: set DATABASE_URL (DATABASE_APP_URL is the app role)")
    asyncio.run(ensure_app_role_external(
        settings.database_url, app_role=settings.db_app_role, app_password=settings.db_app_password,
        connect_args=postgres_connect_args(settings),
    ))
    command.upgrade(alembic_config(settings.database_url, app_role=settings.db_app_role), revision)



def migrate_database(settings: Settings, database: str, *, revision: str = "head") -> None:
    """Bring another database of the server (the tenant template, a tenant's own) to ``revision``."""
    from atlas.dbadmin import with_database

    command.upgrade(alembic_config(with_database(settings.database_url, database), app_role=settings.db_app_role),
                    revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("", app_role="")).get_current_head()


async def prepare_template(settings: Settings) -> None:
    """Create the tenant template database (empty, owned by the owner role, extensions in) unless it exists."""
    from atlas.dbadmin import connect, ensure_extensions, identifier, with_database
    from atlas.tenant_databases import admin_url, owner_role, template_name

    name, admin = template_name(settings), admin_url(settings)
    conn = await connect(admin, postgres_connect_args(settings))
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        owner = f" OWNER {identifier(owner_role(settings))}" if owner_role(settings) else ""
        await conn.execute(f"CREATE DATABASE {identifier(name)}{owner}")
        superuser = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    finally:
        await conn.close()
    if superuser:
        await ensure_extensions(with_database(admin, name))


@dataclass(frozen=True)
class TenantDatabaseStep:
    """What ``atlas migrate`` did with one database beyond the main one."""

    database: str
    slug: str
    outcome: str  # migrated | up to date | failed
    detail: str = ""


async def _revision_of(settings: Settings, database: str) -> str | None:
    from atlas.dbadmin import connect, with_database

    conn = await connect(with_database(settings.database_url, database), postgres_connect_args(settings))
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    except asyncpg.UndefinedTableError:  # an empty database: nothing migrated yet
        return None
    finally:
        await conn.close()


async def tenant_databases(settings: Settings) -> list[tuple[str, str]]:
    """(database, slug) of every tenant placed in a database of its own, by slug."""
    from atlas.dbadmin import connect

    conn = await connect(settings.database_url, postgres_connect_args(settings))
    try:
        rows = await conn.fetch("SELECT placement->>'database', slug FROM tenants "
                                "WHERE placement->>'model' = 'database' ORDER BY slug")
    finally:
        await conn.close()
    return [(row[0], row[1]) for row in rows]


def migrate_tenant_databases(settings: Settings, *, progress=print) -> list[TenantDatabaseStep]:
    """Migrate the tenant template, then every tenant database, one by one; a failure is reported and the
    walk goes on (re-running resumes: databases already at head are skipped)."""
    from atlas.tenant_databases import template_name

    head = head_revision()
    asyncio.run(prepare_template(settings))
    targets = [(template_name(settings), "(template)"), *asyncio.run(tenant_databases(settings))]
    steps = []
    for index, (database, slug) in enumerate(targets, start=1):
        step = _migrate_one(settings, database, slug, head)
        detail = f" ({step.detail})" if step.detail else ""
        progress(f"[{index}/{len(targets)}] {database} {slug}: {step.outcome}{detail}")
        steps.append(step)
    return steps


def _migrate_one(settings: Settings, database: str, slug: str, head: str) -> TenantDatabaseStep:
    try:
        if asyncio.run(_revision_of(settings, database)) == head:
            return TenantDatabaseStep(database, slug, "up to date")
        migrate_database(settings, database)
    except Exception as exc:  # noqa: BLE001 (any failure is reported, and the walk goes on with the next database)
        return TenantDatabaseStep(database, slug, "failed", str(exc).splitlines()[0][:300] if str(exc) else
                                  type(exc).__name__)
    return TenantDatabaseStep(database, slug, "migrated")
