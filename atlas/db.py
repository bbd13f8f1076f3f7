"""The database engine of the app role: the composition root's half of the unit of work.

The unit of work itself (transactions, tenant binding, after-commit jobs and events, outage
classification) lives in domain/uow.py; this module makes the engine it runs on.
"""

from __future__ import annotations

import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from atlas.dbadmin import plain_dsn, with_user
from atlas.settings import Settings
from atlas.tls import postgres_connect_args
from domain.outages import REDIS_DOWN
from domain.uow import UnitOfWork, outage_as_unavailable


def sqlalchemy_url(url: str) -> str:
    """Return ``url`` with the asyncpg driver named, as SQLAlchemy wants it."""
    return plain_dsn(url).replace("postgresql://", "postgresql+asyncpg://", 1)


def app_database_url(settings: Settings) -> str:
    """The URL the application connects with: the app role, never the owner."""
    if settings.database_app_url:
        return settings.database_app_url
    if not settings.database_url:
        raise RuntimeError("no database configured: call provide_services() first")
    return with_user(settings.database_url, settings.db_app_role, settings.db_app_password)


class Database(UnitOfWork):
    """The app-role engine and the unit of work on it."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False,
                 connect_args: dict | None = None) -> None:
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url),
            connect_args=connect_args or {},
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            echo=echo,
        )
        event.listen(self.engine.sync_engine, "handle_error", _broken_connection_is_lost)
        session_class = type("AtlasSession", (Session,), {})  # this database's sessions, for its own listeners
        super().__init__(async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False,
                                            sync_session_class=session_class),
                         quiet_failures=REDIS_DOWN)
        event.listen(session_class, "after_flush", _note_changed_tenants)
        event.listen(session_class, "after_commit", self._tenants_changed)
        event.listen(session_class, "after_rollback", lambda session: session.info.pop("tenants_changed", None))

    def _tenants_changed(self, session: Session) -> None:
        """A committed change of a tenant record: look its placement up again (and refresh its database's copy)."""
        changed = session.info.pop("tenants_changed", ())
        if self.tenant_databases is not None:
            for tenant_id in changed:
                self.tenant_databases.forget(tenant_id)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The app-role database, routing tenants placed in a database of their own (atlas/tenant_databases.py)."""
        from atlas.tenant_databases import TenantDatabaseRouter

        url = app_database_url(settings)
        database = cls(url, pool_size=settings.db_pool_size, connect_args=postgres_connect_args(settings))
        database.tenant_databases = TenantDatabaseRouter(settings, app_url=url, lookup=database.sessions)
        return database

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with outage_as_unavailable(), self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.tenant_databases is not None:
            await self.tenant_databases.dispose()
        await self.engine.dispose()


def _note_changed_tenants(session: Session, _context) -> None:
    from domain.tenants.models import Tenant

    changed = [item.id for item in (*session.dirty, *session.new) if isinstance(item, Tenant)]
    if changed:
        session.info.setdefault("tenants_changed", set()).update(changed)


def _broken_connection_is_lost(context: sqlalchemy.engine.ExceptionContext) -> None:
    """A connection cut by the server in the middle of an operation can be left by asyncpg in a state
    where every use fails ("cannot switch to state ..."): treat it as lost, so the pool replaces it."""
    if isinstance(context.original_exception, getattr(context.dialect.dbapi, "InternalClientError", ())):
        context.is_disconnect = True
