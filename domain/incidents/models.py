"""Incidents, their responders, links, immutable timeline, postmortems and action items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

STATUSES = ("triggered", "open", "investigating", "resolved", "closed")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_ROLES = ("commander", "communications", "responder")
LINK_KINDS = ("parent", "related")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def reference(number: int) -> str:
    """How people name an incident: ``INC-42`` (queries.incident_number reads it back)."""
    return f"INC-{number}"


class Incident(TenantScoped, Timestamped, Base):
    """Something is wrong and people are working on it."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        Index("uq_incidents_tenant_number", "tenant_id", "number", unique=True),
        Index("ix_incidents_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_incidents_tenant_status", "tenant_id", "status"),
        Index("ix_incidents_tenant_fingerprint", "tenant_id", "fingerprint",
              postgresql_where=text("status IN ('triggered', 'open', 'investigating')")),
        Index("ix_incidents_title_trgm", "title", postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"}),
        Index("ix_incidents_services", "services", postgresql_using="gin"),
        Index("ix_incidents_tenant_assignee", "tenant_id", "assignee_id"),
        Index("ix_incidents_tenant_group_key", "tenant_id", "group_key",
              postgresql_where=text("status IN ('triggered', 'open', 'investigating')")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    severity: Mapped[str] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default="triggered", server_default="triggered")
    source: Mapped[str] = mapped_column(String(64), default="manual", server_default="manual")
    fingerprint: Mapped[str | None] = mapped_column(String(200))
    group_key: Mapped[str | None] = mapped_column(String(300))  # alerts of several rules join on it
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    services: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list, server_default="{}")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    alert_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_seen_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    investigating_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def reference(self) -> str:
        return reference(self.number)


class IncidentResponder(TenantScoped, Timestamped, Base):
    """A person working an incident, in one role."""

    __tablename__ = "incident_responders"
    __table_args__ = (CheckConstraint(_in("role", RESPONDER_ROLES), name="role"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class IncidentLink(TenantScoped, Timestamped, Base):
    """Parent/child (a chain) or related incidents, with the reason the link exists."""

    __tablename__ = "incident_links"
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_id <> to_id", name="not_self"),
        Index("uq_incident_links_pair", "tenant_id", "from_id", "to_id", unique=True),
        Index("uq_incident_links_one_parent", "tenant_id", "to_id", unique=True,
              postgresql_where=text("kind = 'parent'")),
        Index("ix_incident_links_to", "tenant_id", "to_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    from_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    to_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    source: Mapped[str] = mapped_column(String(100), default="manual", server_default="manual")
    confidence: Mapped[float | None]
    created_by: Mapped[str] = mapped_column(String(320))


class TimelineEntry(TenantScoped, Base):
    """One immutable change of an incident. ``stream_seq`` orders a tenant's changes by commit."""

    __tablename__ = "incident_timeline"
    __table_args__ = (
        Index("ix_incident_timeline_incident", "tenant_id", "incident_id", "stream_seq"),
        Index("uq_incident_timeline_stream", "tenant_id", "stream_seq", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    stream_seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class IncidentStream(TenantScoped, Base):
    """The last ``stream_seq`` handed out in a tenant. Its row lock orders changes by commit."""

    __tablename__ = "incident_streams"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Postmortem(TenantScoped, Base):
    """What happened, why, and what we learned; written after the incident is resolved."""

    __tablename__ = "postmortems"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    impact: Mapped[str] = mapped_column(Text, default="", server_default="")
    root_cause: Mapped[str] = mapped_column(Text, default="", server_default="")
    lessons: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ActionItem(TenantScoped, Timestamped, Base):
    """A follow-up from a postmortem, with an owner and a due date."""

    __tablename__ = "postmortem_action_items"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'wont_do')", name="status"),
        Index("ix_postmortem_action_items_incident", "tenant_id", "incident_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
