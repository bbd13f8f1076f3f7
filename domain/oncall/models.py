"""On-call schedules (layers kept as validated JSON on the schedule) and their overrides."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id


class OnCallSchedule(TenantScoped, Timestamped, Base):
    """A rotation of people in one time zone; ``layers`` as domain/oncall/service.py validates them."""

    __tablename__ = "oncall_schedules"
    __table_args__ = (
        Index("uq_oncall_schedules_name", "tenant_id", "name", unique=True),
        Index("uq_oncall_schedules_feed_token", "feed_token", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    layers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    feed_token: Mapped[str] = mapped_column(String(64))  # the secret of its iCalendar feed URL


class OnCallOverride(TenantScoped, Timestamped, Base):
    """One person covers a schedule from ``starts_at`` to ``ends_at``."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period"),
        Index("ix_oncall_overrides_schedule", "tenant_id", "schedule_id", "ends_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class OnCallUserFeed(TenantScoped, Base):
    """The secret of one person's iCalendar feed of their shifts over every schedule."""

    __tablename__ = "oncall_user_feeds"
    __table_args__ = (Index("uq_oncall_user_feeds_token", "token", unique=True),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))


class ImportRecord(TenantScoped, Timestamped, Base):
    """What an imported object of another on-call tool (``source``, ``kind``, its id) became here."""

    __tablename__ = "import_records"
    __table_args__ = (
        CheckConstraint("source IN ('pagerduty', 'opsgenie', 'grafana-oncall')", name="source"),
        Index("uq_import_records_external", "tenant_id", "source", "kind", "external_id", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))  # our id (or, for a service, its name)
    imported_at: Mapped[datetime]
