"""The audit of gateway calls: one row per call, written in the same statement that settles its credits."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.ai.credits import SETTLE, one_statement

if TYPE_CHECKING:
    from domain.uow import UnitOfWork

@dataclass
class CallRecord:
    """What the audit keeps of one call (texts only when the tenant's policy stores prompts)."""

    id: uuid.UUID
    actor: str
    task: str
    outcome: str = "ok"
    provider: str | None = None
    model_key: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    credits: int = 0
    latency_ms: int = 0
    error_code: str | None = None
    attempts: list[dict] = field(default_factory=list)
    evidence_ids: list[str] = field(default_factory=list)
    prompt_hash: str | None = None
    response_hash: str | None = None
    prompt_text: str | None = None
    response_text: str | None = None

    def as_json(self) -> str:
        """The ``ai_calls`` row (without tenant and time, which the database adds)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return json.dumps(fields | {"id": str(self.id)})


async def settle_call(db: UnitOfWork, *, tenant_id: uuid.UUID, record: CallRecord, kind: str | None,
                      give_back: int = 0) -> int | None:
    """Give back ``give_back`` credits of the call's reservation once (``settle`` or ``release``; None: it
    reserved nothing) and store the call's audit row, in one statement; returns the balance after."""
    rows = await one_statement(db, SETTLE, tenant_id, record.id.hex, kind, give_back, record.as_json())
    return rows[0]["balance"]
