"""The database: an async engine for the app role and tenant-bound transactions.

Every unit of work goes through :meth:`Database.transaction`. With a ``tenant_id`` it binds the
transaction to that tenant (``set_config('app.tenant_id', ..., true)``) so row-level security
shows only that tenant's rows; the setting is transaction-local, so a pooled connection never
carries it into the next transaction. Actions registered with :meth:`Transaction.after_commit`
and the jobs and events requested with :meth:`Transaction.enqueue` (arq) and
:meth:`Transaction.emit` (pub/sub) happen only once the transaction has committed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from atlas.dbadmin import plain_dsn, with_user
from atlas.settings import Settings

log = logging.getLogger("atlas.db")
AfterCommit = Callable[[], Awaitable[object]]


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


class EventSink(Protocol):
    """Where events emitted by committed transactions go (Redis pub/sub in a running process)."""

    async def publish(self, events: list[tuple[str, dict]]) -> None: ...


class JobSink(Protocol):
    """Where jobs requested by committed transactions go (the arq queue in a running process)."""

    async def enqueue(self, function: str, *, job_id: str | None = None, queue: str | None = None,
                      **kwargs) -> bool: ...


@dataclass
class Transaction:
    """One open transaction: its session, its tenant and what to do once it commits."""

    session: AsyncSession
    tenant_id: uuid.UUID | None
    _after_commit: list[AfterCommit] = field(default_factory=list)
    _events: list[tuple[str, dict]] = field(default_factory=list)
    _jobs: list[tuple[str, dict]] = field(default_factory=list)

    def emit(self, channel: str, payload: dict) -> None:
        """Publish ``payload`` on ``channel`` once this transaction has committed (in emit order)."""
        self._events.append((channel, payload))

    def enqueue(self, function: str, **kwargs) -> None:
        """Queue job ``function(**kwargs)`` once this transaction has committed (``job_id``/``queue`` allowed)."""
        self._jobs.append((function, kwargs))

    async def enter_tenant(self, tenant_id: uuid.UUID) -> None:
        """Bind the rest of this transaction to ``tenant_id`` (e.g. right after creating it)."""
        await bind_tenant(self.session, tenant_id)
        self.tenant_id = tenant_id

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` after a successful commit (never on rollback)."""
        self._after_commit.append(action)


class Database:
    """The app-role engine and the transactions opened on it."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            echo=echo,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.event_sink: EventSink | None = None
        self.job_sink: JobSink | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(app_database_url(settings), pool_size=settings.db_pool_size)

    @contextlib.asynccontextmanager
    async def transaction(self, *, tenant_id: uuid.UUID | None) -> AsyncIterator[Transaction]:
        """Open a transaction, bound to ``tenant_id`` when given; commit on success, else roll back."""
        async with self.sessions() as session:
            tx = Transaction(session=session, tenant_id=tenant_id)
            async with session.begin():
                if tenant_id is not None:
                    await bind_tenant(session, tenant_id)
                yield tx
            if tx._events and self.event_sink is not None:
                tx.after_commit(lambda: self.event_sink.publish(tx._events))
            for function, kwargs in tx._jobs if self.job_sink is not None else ():
                tx.after_commit(functools.partial(self.job_sink.enqueue, function, **kwargs))
            await _run_after_commit(tx)

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Bind the session's current transaction to ``tenant_id`` for row-level security."""
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError(f"tenant_id must be a UUID, got {type(tenant_id).__name__}")
    connection = await session.connection()  # Core, not the ORM's execute: this runs on every transaction
    await connection.exec_driver_sql("SELECT set_config('app.tenant_id', $1, true)", (str(tenant_id),))


async def _run_after_commit(tx: Transaction) -> None:
    for action in tx._after_commit:
        try:
            await action()
        except Exception:  # the data is committed; a lost follow-up must not fail the request
            log.exception("after-commit action failed")


async def fetch_plain(session: AsyncSession, statement) -> list:
    """Run a Core SELECT in the session's transaction straight through asyncpg.

    For long read-side lists: it skips SQLAlchemy's per-row result processing (about half the
    time of a 1000-row page) and returns asyncpg records (index or key access). Same connection,
    same transaction, same tenant binding and row-level security as ``session.execute``.
    """
    connection = await session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    parameters = [compiled.params[name] for name in compiled.positiontup or ()]
    driver = (await connection.get_raw_connection()).driver_connection
    return await driver.fetch(str(compiled), *parameters)


async def fetch_sql(session: AsyncSession, sql: str, *arguments) -> list:
    """Run hand-written SQL (``$1`` placeholders) in the session's transaction through asyncpg.

    For bulk writes such as ``INSERT ... SELECT FROM unnest($1::text[], ...)``: one round trip and
    no per-row Python processing, under the same transaction, tenant binding and RLS.
    """
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    return await driver.fetch(sql, *arguments)
