"""Published policies: the platform's versions, and what each tenant runs and adds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, new_id


class PolicyVersion(Base):
    """One published version of the platform policy. Platform table (no tenant_id, no RLS), like tenants."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("version", name="uq_policy_versions_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), server_default="")
    published_by: Mapped[str] = mapped_column(String(320))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rolled_back_to: Mapped[int | None] = mapped_column(Integer)  # set when this version restores an older one


class TenantPolicy(TenantScoped, Base):
    """A tenant's stricter values and the platform version it runs (applied by a job after each publish)."""

    __tablename__ = "tenant_policies"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_tenant_policies_tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tightening: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    running_version: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_by: Mapped[str] = mapped_column(String(320), server_default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
