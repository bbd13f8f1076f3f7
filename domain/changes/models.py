"""Change requests, CAB votes, links to incidents, and each tenant's change policy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

TYPES = ("standard", "normal", "emergency")
STATES = ("draft", "submitted", "assessment", "cab_review", "approved", "rejected", "scheduled", "implementing",
          "implemented", "failed", "rolled_back", "closed")
DECISIONS = ("approve", "reject")
LINK_KINDS = ("caused_by", "resolved_by")
COLLISION_MODES = ("warn", "block")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def reference(number: int) -> str:
    """How people name a change: ``CHG-7``."""
    return f"CHG-{number}"


class ChangeRequest(TenantScoped, Timestamped, Base):
    """A planned change to some CIs, its risk, its window and where it stands."""

    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(_in("type", TYPES), name="type"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint("planned_end IS NULL OR planned_start < planned_end", name="window"),
        Index("uq_change_requests_tenant_number", "tenant_id", "number", unique=True),
        Index("ix_change_requests_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_change_requests_ci_ids", "ci_ids", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    ci_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()),
                                                    default=list, server_default="{}")
    backout_plan: Mapped[str] = mapped_column(Text, default="", server_default="")
    planned_start: Mapped[datetime | None]
    planned_end: Mapped[datetime | None]
    risk_score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    collisions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(320))
    cab_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    approved_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    implemented_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def reference(self) -> str:
        return reference(self.number)


class ChangeVote(TenantScoped, Timestamped, Base):
    """One CAB member's decision on one round of a change, with a comment."""

    __tablename__ = "change_votes"
    __table_args__ = (CheckConstraint(_in("decision", DECISIONS), name="decision"),)

    change_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"),
                                                 primary_key=True)
    cab_round: Mapped[int] = mapped_column(Integer, primary_key=True)
    voter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    voter: Mapped[str] = mapped_column(String(320))
    decision: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text)


class ChangeIncidentLink(TenantScoped, Timestamped, Base):
    """A change that caused or resolved an incident, and why we think so."""

    __tablename__ = "change_incident_links"
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        Index("uq_change_incident_links_pair", "tenant_id", "change_id", "incident_id", "kind", unique=True),
        Index("ix_change_incident_links_incident", "tenant_id", "incident_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"))
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    source: Mapped[str] = mapped_column(String(32), default="manual", server_default="manual")
    created_by: Mapped[str] = mapped_column(String(320))


class ChangePolicy(TenantScoped, Base):
    """A tenant's change rules: CAB quorum per type, freeze windows, whether collisions warn or block."""

    __tablename__ = "change_policies"
    __table_args__ = (CheckConstraint(_in("collision_mode", COLLISION_MODES), name="collision_mode"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    collision_mode: Mapped[str] = mapped_column(String(8), default="warn", server_default="warn")
    cab_rules: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    cab_role: Mapped[str | None] = mapped_column(String(64))
    freeze_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
