"""Tenants: the control plane's record of each customer organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamped, new_id

TENANT_STATUSES = ("active", "suspended")


class Tenant(Timestamped, Base):
    """A customer organisation. Platform table: no tenant_id, no RLS (the tenant *is* the scope)."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="slug_format"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    plan: Mapped[str] = mapped_column(String(32), default="free", server_default="free")
    region: Mapped[str] = mapped_column(String(32), default="local", server_default="local")
    placement: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # The tenant plane that hosts the tenant's operational data (null: this deployment's own plane).
    home_plane_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenant_planes.id", ondelete="RESTRICT"),
                                                             index=True)
    tokens_valid_after: Mapped[datetime | None]
    # Per-tenant additions to the plan ({"features": [...], "limits": {...}}), set by platform operators.
    plan_overrides: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Bumped on every entitlement change; tokens carrying an older one are refused (ENTITLEMENTS_STALE).
    entitlements_version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
