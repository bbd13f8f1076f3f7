"""Alert rules (versioned), alerts with persisted state, silences, notification targets and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

RULE_KINDS = ("event", "metric", "log", "absence")
ALERT_STATES = ("pending", "firing", "resolved", "silenced")
GROUP_KEYS = ("service", "ci", "off")
TARGET_SCOPES = ("all", "rules")


class AlertRule(TenantScoped, Timestamped, Base):
    """When to raise an incident: an event condition (CEL), or a metric, log or absence window."""

    __tablename__ = "alert_rules"
    __table_args__ = (
        CheckConstraint("kind IN ('event', 'metric', 'log', 'absence')", name="kind"),
        Index("uq_alert_rules_name", "tenant_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    kind: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    condition: Mapped[str] = mapped_column(Text, server_default="")
    window: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    severity: Mapped[str] = mapped_column(String(8))
    service: Mapped[str | None] = mapped_column(String(200))
    fingerprint_template: Mapped[str] = mapped_column(String(500))
    group_by: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    threshold_count: Mapped[int] = mapped_column(Integer, server_default="1")
    auto_resolve_minutes: Mapped[int | None] = mapped_column(Integer)
    notify: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AlertRuleVersion(TenantScoped, Base):
    """Every saved definition of a rule, for history and for evaluating alerts against their version."""

    __tablename__ = "alert_rule_versions"

    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]]
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Alert(TenantScoped, Base):
    """A rule matching for one group: pending -> firing -> resolved (or silenced), persisted."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'firing', 'resolved', 'silenced')", name="status"),
        Index("uq_alerts_open", "tenant_id", "rule_id", "group_key", unique=True,
              postgresql_where=text("status IN ('pending', 'firing', 'silenced')")),
        Index("ix_alerts_incident", "tenant_id", "incident_id"),
        Index("ix_alerts_tenant_status", "tenant_id", "status"),
        Index("ix_alerts_tenant_fingerprint", "tenant_id", "fingerprint", "last_seen"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    rule_version: Mapped[int] = mapped_column(Integer)
    group_key: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    count: Mapped[int] = mapped_column(Integer, server_default="0")
    value: Mapped[float | None] = mapped_column(Double)
    first_seen: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen: Mapped[datetime] = mapped_column(server_default=func.now())
    firing_since: Mapped[datetime | None]
    clear_since: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    silence_id: Mapped[uuid.UUID | None]


class Silence(TenantScoped, Timestamped, Base):
    """A maintenance window: alerts it matches are recorded but raise nothing."""

    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_tenant_ends", "tenant_id", "ends_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    matcher: Mapped[str] = mapped_column(Text, server_default="")
    service: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    recurrence: Mapped[str | None] = mapped_column(String(500))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_by: Mapped[str] = mapped_column(String(320))


class NotificationTarget(TenantScoped, Timestamped, Base):
    """An outgoing webhook: alerts and incidents are POSTed to it, signed with HMAC-SHA256."""

    __tablename__ = "notification_targets"
    __table_args__ = (Index("uq_notification_targets_name", "tenant_id", "name", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # which incident changes it hears of (domain/alerting/notify.py EVENT_TYPES), and of which incidents:
    # ``all`` of the tenant's, or only those raised by rules that name it in ``notify``
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    scope: Mapped[str] = mapped_column(String(8), server_default="all")


class AlertingSettings(TenantScoped, Base):
    """A tenant's alerting policy: grouping, reopening and correlation (one row, defaults until saved)."""

    __tablename__ = "alerting_settings"
    __table_args__ = (
        CheckConstraint("group_by IN ('service', 'ci', 'off')", name="group_by"),
        CheckConstraint("reopen_window_minutes BETWEEN 0 AND 10080", name="reopen_window"),
        CheckConstraint("group_window_minutes BETWEEN 0 AND 1440", name="group_window"),
        CheckConstraint("correlation_hops BETWEEN 1 AND 6", name="correlation_hops"),
        CheckConstraint("correlation_window_minutes BETWEEN 1 AND 1440", name="correlation_window"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    reopen_window_minutes: Mapped[int] = mapped_column(Integer, server_default="60")
    group_by: Mapped[str] = mapped_column(String(8), server_default="service")
    group_window_minutes: Mapped[int] = mapped_column(Integer, server_default="10")
    correlation_hops: Mapped[int] = mapped_column(Integer, server_default="3")
    correlation_window_minutes: Mapped[int] = mapped_column(Integer, server_default="30")
    updated_by: Mapped[str] = mapped_column(String(320), server_default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(TenantScoped, Timestamped, Base):
    """One notification to one target and how its delivery went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("ix_webhook_deliveries_target", "tenant_id", "target_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notification_targets.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class AlertEvent(TenantScoped, Base):
    """An event counted towards an alert (once: re-delivered events are not counted again)."""

    __tablename__ = "alert_events"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
