"""Copilot conversations: user-private (row-level security by tenant AND owner), kept for a retention."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

PERSONAS = ("sre", "secops", "executive", "finops")
ROLES = ("user", "assistant")
STATUSES = ("pending", "answering", "done", "failed")


class CopilotConversation(TenantScoped, Timestamped, Base):
    """One user's conversation with the copilot, optionally about an incident."""

    __tablename__ = "copilot_conversations"
    __table_args__ = (Index("ix_copilot_conversations_owner", "tenant_id", "user_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CopilotMessage(TenantScoped, Timestamped, Base):
    """A question or an answer; an answer carries its persona, citations and whether it is grounded."""

    __tablename__ = "copilot_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant')", name="role"),
        CheckConstraint("persona IN ('sre', 'secops', 'executive', 'finops')", name="persona"),
        CheckConstraint("status IN ('pending', 'answering', 'done', 'failed')", name="status"),
        Index("ix_copilot_messages_conversation", "conversation_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("copilot_conversations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    persona: Mapped[str] = mapped_column(String(16))
    routed: Mapped[bool] = mapped_column(Boolean, server_default="false")  # the router picked the persona
    status: Mapped[str] = mapped_column(String(16), server_default="done")
    text: Mapped[str] = mapped_column(Text, server_default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    grounded: Mapped[bool] = mapped_column(Boolean, server_default="false")
    notes: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # e.g. tools refused for lack of permission
    question_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("copilot_messages.id", ondelete="CASCADE"))
