"""Billing records: each tenant's account (subscription state) and the provider events it applied."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

SUBSCRIPTION_STATUSES = ("none", "created", "authenticated", "active", "pending", "halted", "paused",
                         "cancelled", "completed", "expired")


class BillingAccount(TenantScoped, Timestamped, Base):
    """A tenant's subscription as last reported by the billing provider (one row per tenant)."""

    __tablename__ = "billing_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_billing_accounts_tenant_id"),
        Index("ix_billing_accounts_provider_subscription", "provider_subscription_id", unique=True),
        CheckConstraint("status IN ('none', 'created', 'authenticated', 'active', 'pending', 'halted', "
                        "'paused', 'cancelled', 'completed', 'expired')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan: Mapped[str | None] = mapped_column(String(32))  # the plan subscribed to (None: no subscription)
    provider: Mapped[str] = mapped_column(String(16), server_default="local")
    provider_subscription_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default="none")
    checkout_url: Mapped[str | None] = mapped_column(String(500))
    current_start: Mapped[datetime | None]
    current_end: Mapped[datetime | None]
    grace_until: Mapped[datetime | None]
    last_event_at: Mapped[int] = mapped_column(BigInteger, server_default="0")  # provider's created_at
    effective_plan: Mapped[str] = mapped_column(String(32), server_default="free")
    credits_period_key: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class BillingEvent(TenantScoped, Base):
    """One provider event applied to a tenant (its id is unique: each event has exactly one effect)."""

    __tablename__ = "billing_events"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_billing_events_event_id"),
        Index("ix_billing_events_tenant_received", "tenant_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[int] = mapped_column(BigInteger)  # provider's created_at (epoch seconds)
    outcome: Mapped[str] = mapped_column(String(16))  # applied | stale
    payment: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
