"""One row per incident and pipeline step: where it stands and what it produced (the latest run)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

STEPS = ("rca", "runbook", "remediation", "verification")
STATUSES = ("pending", "running", "done", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AiPipelineStep(TenantScoped, Timestamped, Base):
    """A step of an incident's AI pipeline; ``run`` counts completed runs (a re-run on demand adds one)."""

    __tablename__ = "ai_pipeline_steps"
    __table_args__ = (
        CheckConstraint(_in("step", STEPS), name="step"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        Index("uq_ai_pipeline_steps_incident_step", "tenant_id", "incident_id", "step", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    run: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wanted: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the run being asked for
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    dropped_hypotheses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model_key: Mapped[str] = mapped_column(String(100), default="", server_default="")
    requested_by: Mapped[str] = mapped_column(String(320), default="system", server_default="system")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[datetime | None]
