"""The service catalog: items people can ask for, their requests, and the tasks that fulfil them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

REQUEST_STATES = ("awaiting_approval", "rejected", "in_fulfilment", "fulfilled", "cancelled")
TASK_STATES = ("open", "done")


def request_reference(number: int) -> str:
    return f"REQ-{number}"


class CatalogItem(TenantScoped, Timestamped, Base):
    """Something people can request: its form (JSON Schema), approval rule, fulfilment tasks and target."""

    __tablename__ = "catalog_items"
    __table_args__ = (
        Index("uq_catalog_items_tenant_name", "tenant_id", "name", unique=True),
        CheckConstraint("approvals_needed BETWEEN 0 AND 10", name="approvals_needed"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    form_schema: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    approvals_needed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    fulfilment_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by: Mapped[str] = mapped_column(String(320))


class ServiceRequest(TenantScoped, Timestamped, Base):
    """A request raised for a catalog item, with its answers, approvals and where it stands."""

    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in REQUEST_STATES)})", name="state"),
        Index("uq_service_requests_tenant_number", "tenant_id", "number", unique=True),
        Index("ix_service_requests_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_items.id", ondelete="RESTRICT"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    state: Mapped[str] = mapped_column(String(20))
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(320))
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    due_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]  # set once, by the ITSM tick, when due_at passes unfulfilled
    fulfilled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def reference(self) -> str:
        return request_reference(self.number)


class RequestTask(TenantScoped, Timestamped, Base):
    """One fulfilment step of a request, for a person or a team."""

    __tablename__ = "request_tasks"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'done')", name="state"),
        Index("ix_request_tasks_request", "tenant_id", "request_id", "position"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    done_by: Mapped[str | None] = mapped_column(String(320))
    done_at: Mapped[datetime | None]
