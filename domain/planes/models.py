"""Tenant planes: the control plane's registry of the deployments that host tenants' operational data.

Platform tables (no tenant_id, no RLS): they describe deployments, not a tenant's data. A tenant names
its home plane in ``tenants.home_plane_id`` and its data placement in ``tenants.placement``
(``{"model": "pooled"}`` or ``{"model": "database", "database": NAME}``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamped, new_id

PLANE_KINDS = ("shared", "dedicated", "byoc", "on-prem")
PLANE_STATUSES = ("active", "draining", "offline")
PLACEMENT_MODELS = ("pooled", "database")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class TenantPlane(Timestamped, Base):
    """One tenant-plane deployment: where it runs, what kind it is, how full, and whether it is alive."""

    __tablename__ = "tenant_planes"
    __table_args__ = (
        CheckConstraint("kind IN ('shared', 'dedicated', 'byoc', 'on-prem')", name="kind"),
        CheckConstraint("status IN ('active', 'draining', 'offline')", name="status"),
        CheckConstraint("name ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="name_format"),
        CheckConstraint("capacity >= 0", name="capacity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    region: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="shared", server_default="shared")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    capacity: Mapped[int] = mapped_column(default=1000, server_default="1000")
    version: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The plane's own credential (a hash; the secret is shown once at registration). Never a tenant's.
    credential_hash: Mapped[str] = mapped_column(String(200), default="", server_default="")
    last_heartbeat_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class PlaneDelivery(Timestamped, Base):
    """One control-plane -> tenant-plane push (tenant record, entitlements, suspension, policy), kept until
    the plane confirms it; retried with backoff. ``key`` makes a push idempotent on the receiving plane."""

    __tablename__ = "plane_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant_planes.id", ondelete="CASCADE"), index=True)
    # The tenant the push is about (null for plane-wide pushes such as a published policy). Not named
    # tenant_id: this is control-plane bookkeeping, not a row of the tenant's data.
    about_tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                                               index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    delivered_at: Mapped[datetime | None]
