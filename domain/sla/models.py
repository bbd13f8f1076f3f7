"""SLA policies (what they apply to, targets, calendar, pauses) and the timers they run on records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

METRICS = ("response", "resolution")


class SlaPolicy(TenantScoped, Timestamped, Base):
    """Targets for the incidents it matches (by priority and service), on a business calendar."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        CheckConstraint("warn_percent BETWEEN 1 AND 99", name="warn_percent"),
        CheckConstraint("response_minutes IS NOT NULL OR resolution_minutes IS NOT NULL", name="a_target"),
        Index("uq_sla_policies_tenant_name", "tenant_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    priorities: Mapped[list[str]] = mapped_column(ARRAY(String(4)), default=list, server_default="{}")
    services: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list, server_default="{}")
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    calendar: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    pause_statuses: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list, server_default="{}")
    warn_percent: Mapped[int] = mapped_column(Integer, default=75, server_default="75")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by: Mapped[str] = mapped_column(String(320))


class SlaTimer(TenantScoped, Timestamped, Base):
    """One target on one record: business time used so far, and when it warns and breaches if it keeps running."""

    __tablename__ = "sla_timers"
    __table_args__ = (
        CheckConstraint("metric IN ('response', 'resolution')", name="metric"),
        Index("uq_sla_timers_target", "tenant_id", "policy_id", "record_id", "metric", unique=True),
        Index("ix_sla_timers_record", "tenant_id", "record_id"),
        Index("ix_sla_timers_due", "tenant_id", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(16))
    target_seconds: Mapped[int] = mapped_column(Integer)
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime]
    running_since: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
