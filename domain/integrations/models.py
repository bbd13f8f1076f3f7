"""Integrations (a key that names a tenant and the alert rule it feeds), the payloads they received,
and heartbeat checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

INTEGRATION_KINDS = ("pagerduty", "alertmanager", "opsgenie", "heartbeat")
HEARTBEAT_STATES = ("waiting", "up", "down")


class Integration(TenantScoped, Timestamped, Base):
    """An inbound alert source. Its key (``aik_<id>_<secret>``) is a credential row: only its hash is kept."""

    __tablename__ = "integrations"
    __table_args__ = (
        CheckConstraint("kind IN ('pagerduty', 'alertmanager', 'opsgenie', 'heartbeat')", name="kind"),
        Index("uq_integrations_name", "tenant_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    service: Mapped[str | None] = mapped_column(String(200))
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_by: Mapped[str] = mapped_column(String(320))
    last_received_at: Mapped[datetime | None]


class IntegrationPayload(TenantScoped, Base):
    """A request an integration received, as sent, with what became of it (the newest are kept)."""

    __tablename__ = "integration_payloads"
    __table_args__ = (
        CheckConstraint("outcome IN ('accepted', 'rejected')", name="outcome"),
        Index("ix_integration_payloads_recent", "tenant_id", "integration_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    integration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, server_default="")
    body: Mapped[dict[str, Any]] = mapped_column()


class Heartbeat(TenantScoped, Timestamped, Base):
    """A check that expects a ping every ``interval_seconds`` (plus ``grace_seconds``) or raises an alert."""

    __tablename__ = "heartbeats"
    __table_args__ = (
        CheckConstraint("state IN ('waiting', 'up', 'down')", name="state"),
        CheckConstraint("interval_seconds >= 30 AND grace_seconds >= 0", name="timing"),
        Index("uq_heartbeats_name", "tenant_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    integration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    interval_seconds: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer, server_default="0")
    state: Mapped[str] = mapped_column(String(16), server_default="waiting")
    last_ping_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(320))
