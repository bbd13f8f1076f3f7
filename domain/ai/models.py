"""AI control layer tables: the platform model registry, tenant AI policy, credits and the call audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

MODEL_STATUSES = ("approved", "pending", "retired")
MODEL_KINDS = ("chat", "embedding")
PROVIDERS = ("local", "openai", "bedrock")
LEDGER_KINDS = ("grant", "expire", "reserve", "settle", "release")


class AiModel(Timestamped, Base):
    """A model in the platform registry (not tenant data: platform admins approve, tenants choose)."""

    __tablename__ = "ai_models"
    __table_args__ = (
        CheckConstraint("status IN ('approved', 'pending', 'retired')", name="status"),
        CheckConstraint("kind IN ('chat', 'embedding')", name="kind"),
        CheckConstraint("provider IN ('local', 'openai', 'bedrock')", name="provider"),
    )

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    model_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(32))
    residency: Mapped[str] = mapped_column(String(16), server_default="local")  # local | region | external
    credits_per_1k_input: Mapped[int] = mapped_column(Integer, server_default="0")
    credits_per_1k_output: Mapped[int] = mapped_column(Integer, server_default="0")
    dimensions: Mapped[int | None] = mapped_column(Integer)
    capabilities: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    base_url: Mapped[str | None] = mapped_column(String(500))
    secret_name: Mapped[str | None] = mapped_column(String(200))  # a name in the secrets provider, never a key
    updated_by: Mapped[str] = mapped_column(String(320), server_default="system")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AiPolicy(TenantScoped, Base):
    """A tenant's AI policy: its allow list, routing chains and what it forbids."""

    __tablename__ = "ai_policies"

    tenant_id: Mapped[uuid.UUID] = mapped_column(  # type: ignore[assignment]
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    allowed_models: Mapped[list[str] | None] = mapped_column(ARRAY(String(200)))  # None: every approved model
    forbid_external: Mapped[bool] = mapped_column(server_default="false")  # refuse data leaving region/network
    store_prompts: Mapped[bool] = mapped_column(server_default="false")
    routes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # task -> [model keys]
    updated_by: Mapped[str] = mapped_column(String(320), server_default="system")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CreditAccount(TenantScoped, Base):
    """A tenant's spendable AI credits: the sum of its ledger, kept as one row to lock and test."""

    __tablename__ = "ai_credit_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(  # type: ignore[assignment]
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    period_key: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CreditEntry(TenantScoped, Timestamped, Base):
    """One append-only ledger entry; one per (request, kind), so a retried request changes nothing."""

    __tablename__ = "ai_credit_ledger"
    __table_args__ = (
        CheckConstraint("kind IN ('grant', 'expire', 'reserve', 'settle', 'release')", name="kind"),
        Index("uq_ai_credit_ledger_request", "tenant_id", "request_key", "kind", unique=True),
        Index("ix_ai_credit_ledger_tenant_seq", "tenant_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    request_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)


class AiCall(TenantScoped, Base):
    """The audit of one gateway call: who, what, which model, tokens, credits, outcome, evidence."""

    __tablename__ = "ai_calls"
    __table_args__ = (Index("ix_ai_calls_tenant_started", "tenant_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(320))
    task: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(16))
    model_key: Mapped[str | None] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    credits: Mapped[int] = mapped_column(Integer, server_default="0")
    latency_ms: Mapped[int] = mapped_column(Integer, server_default="0")
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    evidence_ids: Mapped[list[str]] = mapped_column(ARRAY(String(200)), server_default="{}")
    prompt_hash: Mapped[str | None] = mapped_column(String(64))
    response_hash: Mapped[str | None] = mapped_column(String(64))
    prompt_text: Mapped[str | None]
    response_text: Mapped[str | None]


class AiModelChange(Timestamped, Base):
    """The audit of the platform registry: every registration and approval change, append-only."""

    __tablename__ = "ai_model_changes"
    __table_args__ = (Index("ix_ai_model_changes_model", "model_key", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    model_key: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(320))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB)
