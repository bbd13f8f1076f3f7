"""Custom roles a tenant defines from the permission catalog (built-in roles live in code)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id


class Role(TenantScoped, Timestamped, Base):
    """A tenant-defined role: a name and a set of catalog permissions."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_roles_tenant_name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="", server_default="")
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
