"""Database administration that happens outside migrations: databases, roles and extensions.

Alembic never emits roles or databases, and extensions need a superuser, so these steps run before
``alembic upgrade head``: for the embedded server as its superuser, for an external server as the
owner role given in ``DATABASE_URL`` (which then needs CREATEROLE, or the app role must exist).
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
EXTENSIONS = ("vector", "pg_trgm", "btree_gist")


class DatabaseSetupError(RuntimeError):
    """The database cannot be prepared for AtlasAI."""


def identifier(name: str) -> str:
    """Return ``name`` quoted for SQL after checking it is a plain lower-case identifier."""
    if not _IDENTIFIER.match(name):
        raise DatabaseSetupError(f"{name!r} is not a valid role or database name")
    return f'"{name}"'


def plain_dsn(url: str) -> str:
    """Turn a SQLAlchemy-style URL (postgresql+asyncpg://) into one asyncpg accepts."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def with_user(url: str, user: str, password: str | None = None) -> str:
    """Return ``url`` with its user (and password) replaced."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}"))


def with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def connect(url: str, connect_args: dict | None = None) -> asyncpg.Connection:
    """An asyncpg connection to ``url``, or a DatabaseSetupError naming the host."""
    try:
        return await asyncpg.connect(plain_dsn(url), timeout=10, **(connect_args or {}))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        host = urlsplit(url).hostname or "local socket"
        raise DatabaseSetupError(f"cannot reach PostgreSQL at {host}: {exc}") from None


async def create_database(superuser_url: str, *, database: str, owner: str) -> None:
    """Create ``database`` owned by ``owner`` unless it exists."""
    conn = await connect(superuser_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f"CREATE DATABASE {identifier(database)} OWNER {identifier(owner)}")
    finally:
        await conn.close()


async def ensure_roles(superuser_url: str, *, owner: str, app_role: str, app_password: str | None) -> None:
    """Create the owner role (runs migrations) and the app role (NOT superuser, NOT BYPASSRLS)."""
    conn = await connect(superuser_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", owner):
            await conn.execute(f"CREATE ROLE {identifier(owner)} LOGIN CREATEROLE")
        await _ensure_app_role(conn, app_role, app_password)
    finally:
        await conn.close()


async def _ensure_app_role(conn: asyncpg.Connection, app_role: str, app_password: str | None) -> None:
    role = identifier(app_role)
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", app_role):
        await conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
    if app_password:
        await conn.execute(f"ALTER ROLE {role} PASSWORD {_literal(app_password)}")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def ensure_extensions(superuser_url: str) -> None:
    """Create the extensions AtlasAI uses (they need a superuser or a trusted extension)."""
    conn = await connect(superuser_url)
    try:
        for name in EXTENSIONS:
            await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    finally:
        await conn.close()


async def ensure_app_role_external(owner_url: str, *, app_role: str, app_password: str | None,
                                   connect_args: dict | None = None) -> None:
    """On an external server: make sure the app role exists, creating it if the owner may."""
    conn = await connect(owner_url, connect_args)
    try:
        await _ensure_app_role(conn, app_role, app_password)
    except asyncpg.InsufficientPrivilegeError:
        raise DatabaseSetupError(
            f"database role {app_role!r} does not exist and the DATABASE_URL role may not create it: "
            f"create it with LOGIN NOSUPERUSER NOBYPASSRLS, or grant CREATEROLE"
        ) from None
    finally:
        await conn.close()


def prepare_embedded_database(superuser_url: str, *, database: str, owner: str,
                              app_role: str = "atlas_app") -> None:
    """Roles, database and extensions for the embedded server (idempotent)."""
    async def steps() -> None:
        await ensure_roles(superuser_url, owner=owner, app_role=app_role, app_password=None)
        await create_database(superuser_url, database=database, owner=owner)
        await ensure_extensions(with_database(superuser_url, database))

    asyncio.run(steps())
