"""Problems: the root cause behind incidents, its known error and workaround, and the change that fixes it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

STATES = ("open", "known_error", "resolved", "closed")


def reference(number: int) -> str:
    return f"PRB-{number}"


class Problem(TenantScoped, Timestamped, Base):
    """A root cause shared by incidents; resolved problems are knowledge to retrieve later."""

    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'known_error', 'resolved', 'closed')", name="state"),
        Index("uq_problems_tenant_number", "tenant_id", "number", unique=True),
        Index("ix_problems_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    root_cause: Mapped[str] = mapped_column(Text, default="", server_default="")
    workaround: Mapped[str] = mapped_column(Text, default="", server_default="")
    fix_change_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("change_requests.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(320))
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def reference(self) -> str:
        return reference(self.number)


class ProblemIncident(TenantScoped, Timestamped, Base):
    """An incident that the problem's root cause explains."""

    __tablename__ = "problem_incidents"

    problem_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    linked_by: Mapped[str] = mapped_column(String(320))
