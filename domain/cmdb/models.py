"""CMDB tables: tenant CI classes, configuration items, relationships and their history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Identity, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id


class TenantCiClass(TenantScoped, Timestamped, Base):
    """A class a tenant defined under a built-in (or another tenant) class."""

    __tablename__ = "ci_classes"
    __table_args__ = (Index("uq_ci_classes_tenant_key", "tenant_id", "key", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    parent_key: Mapped[str] = mapped_column(String(64))
    attribute_schema: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_by: Mapped[str] = mapped_column(String(320))


class ConfigurationItem(TenantScoped, Timestamped, Base):
    """A thing the tenant runs: unique per tenant by class and name."""

    __tablename__ = "configuration_items"
    __table_args__ = (
        Index("uq_configuration_items_class_name", "tenant_id", "class_key", text("lower(name)"), unique=True),
        Index("ix_configuration_items_tenant_lower_name", "tenant_id", text("lower(name)")),
        Index("ix_configuration_items_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    class_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    environment: Mapped[str] = mapped_column(String(16), default="production", server_default="production")
    lifecycle_status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    owner_team: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    last_seen_at: Mapped[datetime | None]
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class CiRelationship(TenantScoped, Timestamped, Base):
    """A typed, directional edge: ``source <type> target`` (e.g. checkout depends_on payments)."""

    __tablename__ = "ci_relationships"
    __table_args__ = (
        Index("uq_ci_relationships_edge", "tenant_id", "source_id", "type", "target_id", unique=True),
        Index("ix_ci_relationships_reverse", "tenant_id", "target_id", "type", "source_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("configuration_items.id", ondelete="CASCADE"))
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("configuration_items.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    last_seen_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(320))


class CiChange(TenantScoped, Base):
    """One change to a CI or to a relationship touching it: who, when, before and after (``seq``: the order)."""

    __tablename__ = "ci_history"
    __table_args__ = (
        Index("ix_ci_history_ci", "tenant_id", "ci_id", "seq"),
        Index("ix_ci_history_deleted", "tenant_id", "seq", postgresql_where=text("action = 'deleted'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    ci_id: Mapped[uuid.UUID] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    relationship_id: Mapped[uuid.UUID | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class CmdbGraphVersion(TenantScoped, Base):
    """The version of a tenant's relationship graph: a trigger bumps it when a changing transaction commits."""

    __tablename__ = "cmdb_graph_versions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
