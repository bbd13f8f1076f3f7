"""Model governance use cases: platform admins register and approve models (every change audited);
a tenant narrows the registry to an allow list, routes tasks and may forbid external models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.ai.models import MODEL_KINDS, MODEL_STATUSES, PROVIDERS, AiModel, AiModelChange, AiPolicy
from domain.ai.registry import Policy, check_model, load_models, spec_from_row
from domain.ai.types import TASKS
from domain.audit import service as audit
from domain.errors import NotFound, ValidationFailed
from domain.knowledge.models import DIMENSIONS

if TYPE_CHECKING:
    from domain.uow import Transaction

_KEY = re.compile(r"^[a-z0-9_-]+:[A-Za-z0-9_.:/@-]{1,180}$")
RESIDENCIES = ("local", "region", "external")


@dataclass(frozen=True)
class ModelDraft:
    """A model to register: ``key`` is ``<provider>:<name>``."""

    key: str
    provider: str
    model_id: str
    kind: str
    residency: str = "external"
    region: str | None = None
    credits_per_1k_input: int = 0
    credits_per_1k_output: int = 0
    dimensions: int | None = None
    capabilities: tuple[str, ...] = ()
    base_url: str | None = None
    secret_name: str | None = None


def _check_draft(draft: ModelDraft) -> None:
    checks = [
        (_KEY.match(draft.key) is not None, "key", "Key must look like provider:name."),
        (draft.provider in PROVIDERS, "provider", f"Provider must be one of {', '.join(PROVIDERS)}."),
        (draft.kind in MODEL_KINDS, "kind", f"Kind must be one of {', '.join(MODEL_KINDS)}."),
        (draft.residency in RESIDENCIES, "residency", f"Residency must be one of {', '.join(RESIDENCIES)}."),
        (1 <= len(draft.model_id) <= 200, "modelId", "Model id must be 1-200 characters."),
        (min(draft.credits_per_1k_input, draft.credits_per_1k_output) >= 0, "credits", "Prices cannot be negative."),
        (draft.kind != "embedding" or draft.dimensions == DIMENSIONS, "dimensions",
         f"Embedding models must produce {DIMENSIONS} dimensions (the knowledge index's)."),
        (draft.provider != "openai" or bool(draft.base_url), "baseUrl", "OpenAI-compatible models need a base URL."),
    ]
    for ok, field, message in checks:
        if not ok:
            raise ValidationFailed(message, field=field)


def _state(model: AiModel) -> dict:
    return {"status": model.status, "provider": model.provider, "model_id": model.model_id,
            "residency": model.residency, "in": model.credits_per_1k_input, "out": model.credits_per_1k_output}


async def list_models(tx: Transaction) -> list[AiModel]:
    """The registry, by key."""
    return list(await tx.session.scalars(select(AiModel).order_by(AiModel.key)))


async def register_model(tx: Transaction, *, draft: ModelDraft, actor: str) -> AiModel:
    """Add a model to the registry as ``pending`` (a platform admin approves it separately)."""
    _check_draft(draft)
    if await tx.session.get(AiModel, draft.key) is not None:
        from domain.errors import Conflict

        raise Conflict(f"Model {draft.key!r} is already registered.", field="key")
    model = AiModel(key=draft.key, provider=draft.provider, model_id=draft.model_id, kind=draft.kind,
                    residency=draft.residency, region=draft.region, dimensions=draft.dimensions,
                    credits_per_1k_input=draft.credits_per_1k_input, capabilities=list(draft.capabilities),
                    credits_per_1k_output=draft.credits_per_1k_output, base_url=draft.base_url,
                    secret_name=draft.secret_name, status="pending", updated_by=actor)
    tx.session.add(model)
    tx.session.add(AiModelChange(model_key=draft.key, action="registered", actor=actor, before=None,
                                 after=_state(model) | {"status": "pending"}))
    await tx.session.flush()
    return model


async def set_model_status(tx: Transaction, *, key: str, status: str, actor: str) -> AiModel:
    """Approve, suspend (pending) or retire a model platform-wide; the change is audited."""
    if status not in MODEL_STATUSES:
        raise ValidationFailed(f"Status must be one of {', '.join(MODEL_STATUSES)}.", field="status")
    model = await tx.session.get(AiModel, key, with_for_update=True)
    if model is None:
        raise NotFound(f"No model {key!r} in the registry.", field="key")
    before = _state(model)
    model.status, model.updated_by, model.updated_at = status, actor, datetime.now(UTC)
    tx.session.add(AiModelChange(model_key=key, action=f"status:{status}", actor=actor, before=before,
                                 after=_state(model)))
    await tx.session.flush()
    return model


async def model_changes(tx: Transaction, *, key: str | None = None, limit: int = 50) -> list[AiModelChange]:
    """The registry's audit, newest first."""
    query = select(AiModelChange).order_by(AiModelChange.created_at.desc()).limit(limit)
    if key:
        query = query.where(AiModelChange.model_key == key)
    return list(await tx.session.scalars(query))


async def get_policy(tx: Transaction) -> AiPolicy | None:
    return await tx.session.get(AiPolicy, tx.tenant_id)


async def set_policy(tx: Transaction, *, allowed_models: list[str] | None, forbid_external: bool,
                     store_prompts: bool, routes: dict[str, list[str]], actor: str) -> AiPolicy:
    """Replace the tenant's AI policy; every model it names must be approved and allowed by it."""
    policy = Policy(tuple(allowed_models) if allowed_models is not None else None, forbid_external, store_prompts,
                    routes)
    models = await load_models(tx)
    for task, keys in routes.items():
        if task not in TASKS or not keys:
            raise ValidationFailed(f"Routes need a known task ({', '.join(TASKS)}) and at least one model.",
                                   field="routes")
        for key in keys:
            check_model(models.get(key), key, policy)
    row = await get_policy(tx) or AiPolicy(tenant_id=tx.tenant_id)
    row.allowed_models, row.forbid_external, row.store_prompts = allowed_models, forbid_external, store_prompts
    row.routes, row.updated_by, row.updated_at = routes, actor, datetime.now(UTC)
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="ai.policy_changed", target_type="ai_policy",
                       target_id=str(tx.tenant_id), data={"allowed_models": allowed_models, "routes": routes,
                                                          "forbid_external": forbid_external,
                                                          "store_prompts": store_prompts})
    return row


__all__ = ["ModelDraft", "list_models", "register_model", "set_model_status", "set_policy", "spec_from_row"]
