"""GraphQL types of the AI control layer: registry, policy, usage (credits) and the call audit."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.ai.models import AiCall as AiCallModel
from domain.ai.models import AiModel as AiModelModel
from domain.ai.models import AiModelChange as AiModelChangeModel
from domain.ai.models import AiPolicy as AiPolicyModel
from domain.ai.models import CreditEntry as CreditEntryModel


@strawberry.type(description="A model in the platform registry.")
class AiModel:
    key: str = strawberry.field(description="`<provider>:<name>`, what routes and allow lists name.")
    provider: str
    model_id: str
    kind: str = strawberry.field(description="`chat` or `embedding`.")
    region: str | None
    residency: str = strawberry.field(description="`local`, `region` or `external` (data leaves the network).")
    credits_per_1k_input: int
    credits_per_1k_output: int
    dimensions: int | None
    capabilities: list[str]
    status: str = strawberry.field(description="`approved`, `pending` or `retired` (platform admins decide).")
    updated_by: str
    updated_at: datetime

    @classmethod
    def from_model(cls, m: AiModelModel) -> AiModel:
        return cls(key=m.key, provider=m.provider, model_id=m.model_id, kind=m.kind, region=m.region,
                   residency=m.residency, credits_per_1k_input=m.credits_per_1k_input,
                   credits_per_1k_output=m.credits_per_1k_output, dimensions=m.dimensions,
                   capabilities=list(m.capabilities), status=m.status, updated_by=m.updated_by,
                   updated_at=m.updated_at)


@strawberry.type(description="One change of the platform registry.")
class AiModelChange:
    model_key: str
    action: str
    actor: str
    created_at: datetime

    @classmethod
    def from_model(cls, c: AiModelChangeModel) -> AiModelChange:
        return cls(model_key=c.model_key, action=c.action, actor=c.actor, created_at=c.created_at)


@strawberry.type(description="The tenant's AI policy.")
class AiPolicy:
    allowed_models: list[str] | None = strawberry.field(description="Null: every approved model.")
    forbid_external: bool
    store_prompts: bool
    routes: JSON = strawberry.field(description="Task -> ordered model keys (fallback order).")

    @classmethod
    def from_model(cls, p: AiPolicyModel | None) -> AiPolicy:
        if p is None:
            return cls(allowed_models=None, forbid_external=False, store_prompts=False, routes={})
        return cls(allowed_models=p.allowed_models, forbid_external=p.forbid_external, store_prompts=p.store_prompts,
                   routes=p.routes)


@strawberry.type(description="One append-only credit ledger entry.")
class CreditEntry:
    seq: int
    request_key: str
    kind: str = strawberry.field(description="`grant`, `expire`, `reserve`, `settle` or `release`.")
    amount: int
    balance_after: int
    created_at: datetime

    @classmethod
    def from_model(cls, e: CreditEntryModel) -> CreditEntry:
        return cls(seq=e.seq, request_key=e.request_key, kind=e.kind, amount=e.amount,
                   balance_after=e.balance_after, created_at=e.created_at)


@strawberry.type(description="The tenant's AI credits: the balance always equals the ledger's sum.")
class AiUsage:
    balance: int
    period_key: str | None
    ledger_sum: int
    spent_this_period: int


@strawberry.type(description="The audit of one gateway call (prompts as hashes unless the tenant stores them).")
class AiCall:
    id: strawberry.ID
    started_at: datetime
    actor: str
    task: str
    provider: str | None
    model_key: str | None
    input_tokens: int
    output_tokens: int
    credits: int
    latency_ms: int
    outcome: str = strawberry.field(description="`ok`, `failed` or `refused`.")
    error_code: str | None
    attempts: JSON
    evidence_ids: list[str]
    prompt_hash: str | None

    @classmethod
    def from_model(cls, c: AiCallModel) -> AiCall:
        return cls(id=strawberry.ID(str(c.id)), started_at=c.started_at, actor=c.actor, task=c.task,
                   provider=c.provider, model_key=c.model_key, input_tokens=c.input_tokens,
                   output_tokens=c.output_tokens, credits=c.credits, latency_ms=c.latency_ms, outcome=c.outcome,
                   error_code=c.error_code, attempts=c.attempts, evidence_ids=list(c.evidence_ids),
                   prompt_hash=c.prompt_hash)


@strawberry.type
class AiModelSaved:
    model: AiModel


@strawberry.type
class AiPolicySaved:
    policy: AiPolicy


@strawberry.input
class RegisterAiModelInput:
    key: str
    provider: str
    model_id: str
    kind: str = "chat"
    residency: str = "external"
    region: str | None = None
    credits_per_1k_input: int = 0
    credits_per_1k_output: int = 0
    dimensions: int | None = None
    capabilities: list[str] = strawberry.field(default_factory=list)
    base_url: str | None = None
    secret_name: str | None = strawberry.field(default=None, description="A name in the secrets provider.")


@strawberry.input
class AiRouteInput:
    task: str
    models: list[str]


@strawberry.input
class AiPolicyInput:
    allowed_models: list[str] | None = None
    forbid_external: bool = False
    store_prompts: bool = False
    routes: list[AiRouteInput] = strawberry.field(default_factory=list)
