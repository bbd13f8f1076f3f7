"""The declarative base every model uses, and the tenant-scoped mixin."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, MetaData, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model: named constraints, timezone-aware timestamps, JSONB dicts."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSONB}


def new_id() -> uuid.UUID:
    """A new random primary key."""
    return uuid.uuid4()


class Timestamped:
    """``created_at`` set by the database."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TenantScoped:
    """A row that belongs to one tenant.

    The table's migration must enable and force row-level security with ``tenant_rls_sql``;
    ``tests/domain/test_rls.py`` fails for any tenant-scoped table that lacks it.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
