"""The audit of gateway calls: one row per call, written in the same statement that settles its credits."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from domain.ai.credits import GIVE_BACK_CTE
from domain.uow import Transaction, fetch_sql

_COLUMNS = ("id, tenant_id, actor, task, provider, model_key, input_tokens, output_tokens, credits, latency_ms, "
            "outcome, error_code, attempts, evidence_ids, prompt_hash, response_hash, prompt_text, response_text")
_VALUES = "$5, $1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18, $19, $20, $21"
SETTLE_AND_AUDIT = (f"WITH {GIVE_BACK_CTE}, call AS (INSERT INTO ai_calls ({_COLUMNS}) VALUES ({_VALUES})) "
                    "SELECT (SELECT balance_after FROM entry) AS balance")
AUDIT_ONLY = (f"WITH call AS (INSERT INTO ai_calls ({_COLUMNS}) VALUES ({_VALUES})) "
              "SELECT $2::text, $3::text, $4::bigint")


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

    def arguments(self) -> tuple:
        return (self.id, self.actor, self.task, self.provider, self.model_key, self.input_tokens, self.output_tokens,
                self.credits, self.latency_ms, self.outcome, self.error_code, json.dumps(self.attempts),
                self.evidence_ids, self.prompt_hash, self.response_hash, self.prompt_text, self.response_text)


async def settle_and_record(tx: Transaction, record: CallRecord, *, kind: str, give_back: int) -> int | None:
    """Return ``give_back`` credits of the call's reservation (once) and store its audit row: one statement."""
    rows = await fetch_sql(tx.session, SETTLE_AND_AUDIT, tx.tenant_id, record.id.hex, kind, give_back,
                           *record.arguments())
    return rows[0]["balance"] if rows else None


async def record_only(tx: Transaction, record: CallRecord) -> None:
    """Store the audit row of a call that reserved nothing."""
    await fetch_sql(tx.session, AUDIT_ONLY, tx.tenant_id, "", "", 0, *record.arguments())
