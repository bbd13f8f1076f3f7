"""The unit of work: one transaction, bound to a tenant, and what follows its commit.

Every use case runs inside :meth:`UnitOfWork.transaction`. With a ``tenant_id`` it binds the
transaction to that tenant (``set_config('app.tenant_id', ..., true)``) so row-level security
shows only that tenant's rows; the setting is transaction-local, so a pooled connection never
carries it into the next transaction. Actions registered with :meth:`Transaction.after_commit`
and the events requested with :meth:`Transaction.emit` (pub/sub) happen only once the transaction
has committed. Jobs requested with :meth:`Transaction.enqueue` are written to the job outbox in
the same transaction (domain/outbox) and handed to the queue after the commit.

A database that cannot serve (unreachable, shutting down, starting up, out of connections) raises
:class:`DatabaseUnavailable` from here, the one place every query passes; callers answer 503.
The engine itself is made by the composition root (atlas/db.py).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.outbox import store as outbox

log = logging.getLogger("atlas.db")
AfterCommit = Callable[[], Awaitable[object]]
QUEUE_NAME = "atlas:queue"
AI_QUEUE = "atlas:ai"  # the AI pipeline's jobs (RCA -> runbook -> remediation)
# SQLSTATEs of a server that cannot serve right now: class 08 (connection exception), admin or
# crash shutdown and "cannot connect now" (shutting down, starting up), too many connections.
# 25006: a read-only transaction was asked to write (a tenant in the short read-only window of a move).
OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03", "53300", "25006")


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot serve: unreachable, shutting down, starting up or out of connections."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLAlchemy- or asyncpg-raised) means the server cannot serve right now."""
    if isinstance(exc, DatabaseUnavailable | sqlalchemy.exc.TimeoutError):  # the latter: no pooled connection
        return True
    if getattr(exc, "connection_invalidated", False):  # the connection was lost (and dropped from the pool)
        return True
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in OUTAGE_SQLSTATES)


@contextlib.asynccontextmanager
async def outage_as_unavailable() -> AsyncIterator[None]:
    """Re-raise errors that mean "the database cannot serve" as :class:`DatabaseUnavailable`."""
    try:
        yield
    except Exception as exc:
        if is_outage(exc) and not isinstance(exc, DatabaseUnavailable):
            raise DatabaseUnavailable(f"the database is unavailable: {exc}") from exc
        raise


class EventSink(Protocol):
    """Where events emitted by committed transactions go (Redis pub/sub in a running process)."""

    async def publish(self, events: list[tuple[str, dict]]) -> None: ...


class TenantDatabases(Protocol):
    """Tenants placed in a database of their own: where their transactions go, and how such a database is made
    (the composition root's router, atlas/tenant_databases.py)."""

    async def sessions_for(self, tenant_id: uuid.UUID) -> async_sessionmaker[AsyncSession] | None:
        """The session factory of the tenant's own database, or None when it lives in the shared one."""
        ...

    def read_only(self, tenant_id: uuid.UUID) -> bool:
        """Whether the tenant is in the read-only window of a move (as last looked up)."""
        ...

    async def placed_tenants(self) -> list[uuid.UUID]:
        """Every tenant with a database of its own."""
        ...

    async def create(self, tx: Transaction, *, tenant_id: uuid.UUID, database: str) -> None:
        """Create ``database`` for the tenant (from the migrated template) with its rows as ``tx`` sees them."""
        ...

    async def drop(self, database: str) -> None:
        """Remove a tenant database whose provisioning rolled back."""
        ...


class JobSink(Protocol):
    """Where the outbox rows of committed transactions go at once (the relay to arq in a running process)."""

    async def relay(self, jobs: list[outbox.PendingJob]) -> None: ...


@dataclass
class Transaction:
    """One open transaction: its session, its tenant and what to do once it commits."""

    session: AsyncSession
    tenant_id: uuid.UUID | None
    databases: TenantDatabases | None = None
    shared: async_sessionmaker[AsyncSession] | None = None  # the shared database, when this tx is elsewhere
    _after_commit: list[AfterCommit] = field(default_factory=list)
    _on_rollback: list[AfterCommit] = field(default_factory=list)
    _events: list[tuple[str, dict]] = field(default_factory=list)
    _jobs: list[tuple[str, dict]] = field(default_factory=list)

    def emit(self, channel: str, payload: dict) -> None:
        """Publish ``payload`` on ``channel`` once this transaction has committed (in emit order)."""
        self._events.append((channel, payload))

    def enqueue(self, function: str, **kwargs) -> None:
        """Run job ``function(**kwargs)`` once this transaction has committed (``job_id``/``queue`` allowed).

        The job is written to the outbox with this transaction, so it survives a Redis outage or a
        crash right after the commit; ``job_id`` makes requests of the same work run it once.
        """
        self._jobs.append((function, kwargs))

    async def enter_tenant(self, tenant_id: uuid.UUID) -> None:
        """Bind the rest of this transaction to ``tenant_id`` (e.g. right after creating it)."""
        await bind_tenant(self.session, tenant_id)
        self.tenant_id = tenant_id

    @contextlib.asynccontextmanager
    async def control_plane(self) -> AsyncIterator[Transaction]:
        """The tenant's records that live in the shared database whatever its placement (credentials, whose
        lookup runs before the tenant is known): this transaction itself when it runs there, else a short
        transaction on the shared database bound to the same tenant, committed when the block ends."""
        if self.shared is None:
            yield self
            return
        async with outage_as_unavailable(), self.shared() as session, session.begin():
            await bind_tenant(session, self.tenant_id)
            yield Transaction(session=session, tenant_id=self.tenant_id, databases=self.databases)

    @contextlib.asynccontextmanager
    async def own_database(self) -> AsyncIterator[Transaction | None]:
        """For a transaction in the shared database bound to a tenant placed in a database of its own: a short
        transaction in that database bound to the tenant, committed when the block ends; else None."""
        sessions = None
        if self.shared is None and self.databases is not None and self.tenant_id is not None:
            async with outage_as_unavailable():
                sessions = await self.databases.sessions_for(self.tenant_id)
        if sessions is None:
            yield None
            return
        async with outage_as_unavailable(), sessions() as session, session.begin():
            await bind_tenant(session, self.tenant_id)
            yield Transaction(session=session, tenant_id=self.tenant_id, databases=self.databases)

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` after a successful commit (never on rollback)."""
        self._after_commit.append(action)

    def on_rollback(self, action: AfterCommit) -> None:
        """Run ``action`` if this transaction rolls back (undo work done outside it, e.g. a created database)."""
        self._on_rollback.append(action)


class UnitOfWork:
    """Opens transactions on a session factory and runs what follows their commits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 quiet_failures: tuple[type[BaseException], ...] = ()) -> None:
        self.sessions = sessions
        self.event_sink: EventSink | None = None
        self.job_sink: JobSink | None = None
        self.quiet_failures = quiet_failures  # after-commit failures logged as one warning (an outage)
        self.tenant_databases: TenantDatabases | None = None  # set by the composition root when it may route

    async def sessions_for(self, tenant_id: uuid.UUID | None) -> async_sessionmaker[AsyncSession]:
        """The session factory holding ``tenant_id``'s data: its own database's, or the shared one."""
        if tenant_id is None or self.tenant_databases is None:
            return self.sessions
        if not isinstance(tenant_id, uuid.UUID):
            raise TypeError(f"tenant_id must be a UUID, got {type(tenant_id).__name__}")
        async with outage_as_unavailable():
            return await self.tenant_databases.sessions_for(tenant_id) or self.sessions

    async def tenants_with_own_database(self) -> list[uuid.UUID]:
        """Tenants whose data is in a database of their own (maintenance that runs per database walks them)."""
        if self.tenant_databases is None:
            return []
        async with outage_as_unavailable():
            return await self.tenant_databases.placed_tenants()

    @contextlib.asynccontextmanager
    async def transaction(self, *, tenant_id: uuid.UUID | None) -> AsyncIterator[Transaction]:
        """Open a transaction, bound to ``tenant_id`` when given; commit on success, else roll back.

        A tenant placed in a database of its own gets its transaction there (same role, same RLS binding).
        """
        sessions = await self.sessions_for(tenant_id)
        tx = None
        try:
            async with outage_as_unavailable(), sessions() as session:
                tx = Transaction(session=session, tenant_id=tenant_id, databases=self.tenant_databases,
                                 shared=None if sessions is self.sessions else self.sessions)
                async with session.begin():
                    if tenant_id is not None:
                        await bind_tenant(session, tenant_id)
                        if self.tenant_databases is not None and self.tenant_databases.read_only(tenant_id):
                            await (await session.connection()).exec_driver_sql("SET TRANSACTION READ ONLY")
                    yield tx
                    jobs = await _record_jobs(tx)
        except BaseException:
            if tx is not None:
                await _undo(tx)
            raise
        if tx._events and self.event_sink is not None:
            tx.after_commit(lambda: self.event_sink.publish(tx._events))
        if jobs and self.job_sink is not None:
            tx.after_commit(functools.partial(self.job_sink.relay, jobs))
        await self._run_after_commit(tx)

    async def _run_after_commit(self, tx: Transaction) -> None:
        for action in tx._after_commit:
            try:
                await action()
            except Exception as exc:  # the data is committed; a lost follow-up must not fail the request
                if isinstance(exc, self.quiet_failures):
                    log.warning("after-commit action skipped, a dependency is unavailable: %s", exc)
                else:
                    log.exception("after-commit action failed")


async def _undo(tx: Transaction) -> None:
    for action in tx._on_rollback:
        try:
            await action()
        except Exception:
            log.exception("undoing work of a rolled-back transaction failed")


async def _record_jobs(tx: Transaction) -> list[outbox.PendingJob]:
    if not tx._jobs:
        return []
    jobs = [outbox.pending_job(function, kwargs, default_queue=QUEUE_NAME) for function, kwargs in tx._jobs]
    await outbox.record(tx.session, tenant_id=tx.tenant_id, jobs=jobs)
    return jobs


async def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Bind the session's current transaction to ``tenant_id`` for row-level security."""
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError(f"tenant_id must be a UUID, got {type(tenant_id).__name__}")
    connection = await session.connection()  # Core, not the ORM's execute: this runs on every transaction
    await connection.exec_driver_sql("SELECT set_config('app.tenant_id', $1, true)", (str(tenant_id),))


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
