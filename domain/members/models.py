"""Users (people who sign in) and their memberships in tenants."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id


class User(Timestamped, Base):
    """A person. Platform table: one user can belong to several tenants."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email", text("lower(email)"), unique=True),
                      CheckConstraint("theme IN ('system', 'light', 'dark')", name="theme"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_login_at: Mapped[datetime | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    theme: Mapped[str] = mapped_column(String(8), default="system", server_default="system")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Membership(TenantScoped, Timestamped, Base):
    """A user's roles in one tenant.

    Row-level security: visible in its tenant, and to the user it belongs to (``app.user_id``)
    so sign-in can list a user's tenants before a tenant is chosen.
    """

    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_tenant", "tenant_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(64)))


class Invitation(TenantScoped, Timestamped, Base):
    """An invitation to join a tenant with some roles, accepted with a one-time secret."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    invited_by: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
