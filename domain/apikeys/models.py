"""API keys: machine credentials of one tenant. Secrets are stored only as SHA-256 hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

API_KEY_KINDS = ("client", "ingest")


class ApiKey(TenantScoped, Timestamped, Base):
    """A machine credential of one tenant.

    ``client`` keys are exchanged for access tokens (client_credentials grant); ``ingest`` keys
    are sent as a static header to the ingest endpoints only and are valid for nothing else.
    """

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("kind IN ('client', 'ingest')", name="kind"),
        Index("ix_api_keys_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_by: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
