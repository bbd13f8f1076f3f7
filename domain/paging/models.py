"""Escalation policies, which policy a service uses, people's notification rules, escalations and pages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

CHANNELS = ("email", "slack", "teams", "webhook", "sms", "voice")
URGENCIES = ("high", "low")
ESCALATION_STATES = ("active", "acknowledged", "resolved", "exhausted")
PAGE_STATES = ("pending", "sent", "failed", "cancelled", "digested")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EscalationPolicy(TenantScoped, Timestamped, Base):
    """Ordered levels (who to page, how long to wait), run ``repeat`` more times while nobody acknowledges."""

    __tablename__ = "escalation_policies"
    __table_args__ = (
        Index("uq_escalation_policies_name", "tenant_id", "name", unique=True),
        CheckConstraint("repeat BETWEEN 0 AND 9", name="repeat"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    repeat: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")


class ServicePolicy(TenantScoped, Base):
    """Incidents of ``service`` (a CMDB CI's or a rule's service name) escalate by ``policy_id``."""

    __tablename__ = "service_escalation_policies"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(String(200), primary_key=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"))


class NotificationRule(TenantScoped, Timestamped, Base):
    """How one person is paged: by ``channel`` at ``address``, ``delay_seconds`` after the page, per urgency."""

    __tablename__ = "notification_rules"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint("delay_seconds BETWEEN 0 AND 86400", name="delay"),
        Index("ix_notification_rules_user", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    urgency: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(2000))
    delay_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IncidentEscalation(TenantScoped, Base):
    """Where an incident's escalation stands; ``generation`` grows when a reassignment restarts it."""

    __tablename__ = "incident_escalations"
    __table_args__ = (CheckConstraint(_in("status", ESCALATION_STATES), name="status"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the next step to run
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    next_step_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Page(TenantScoped, Timestamped, Base):
    """One notification of one person for one escalation step on one channel, and how its delivery went."""

    __tablename__ = "pages"
    __table_args__ = (
        CheckConstraint(_in("status", PAGE_STATES), name="status"),
        Index("uq_pages_step", "tenant_id", "incident_id", "generation", "level", "round", "user_id", "channel",
              "address", unique=True),
        Index("ix_pages_user_created", "tenant_id", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(2000))
    urgency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    provider_answer: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
