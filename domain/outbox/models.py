"""The job outbox: work that must follow a commit, written in the same transaction as the data.

A transaction's ``tx.enqueue(...)`` becomes one row here, committed (or rolled back) with the
transaction's data. The relay (atlas/relay.py) hands rows to the arq queue right after the commit
and again, from a periodic sweep, until the job has run: a row is deleted when its job finished,
so Redis is a fast path and never the only record of the work.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base


class OutboxJob(Base):
    """One job to run after its transaction committed, until a worker ran it."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        Index("ix_job_outbox_due", "available_at", postgresql_where=text("status = 'pending'")),
        Index("ix_job_outbox_job_id", "job_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # None for work requested outside any tenant (platform jobs); see domain.rls.outbox_rls_sql.
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(300))
    function: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    relays: Mapped[int] = mapped_column(Integer, server_default="0")
    checks: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    available_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
