from __future__ import annotations

import strawberry

from domain.ai import governance
from domain.ai.types import ModelForbidden, ModelNotApproved
from resolvers.ai.types import AiModel, AiModelSaved, AiPolicy, AiPolicyInput, AiPolicySaved, RegisterAiModelInput
from resolvers.errors import ValidationError, mutate, payload_union

AiModelPayload = payload_union("AiModelPayload", AiModelSaved)
AiPolicyPayload = payload_union("AiPolicyPayload", AiPolicySaved)
_REFUSALS = {kind: (lambda e: ValidationError(code=e.code, message=e.message, field=e.field))
             for kind in (ModelNotApproved, ModelForbidden)}


def _forget_cached(info: strawberry.Info, result):
    info.context.runtime.ai.catalog.invalidate(info.context.tenant_id)
    return result


async def register_ai_model(info: strawberry.Info, input: RegisterAiModelInput) -> AiModelPayload:
    """Add a model to the registry as pending."""
    draft = governance.ModelDraft(
        key=input.key, provider=input.provider, model_id=input.model_id, kind=input.kind, residency=input.residency,
        region=input.region, credits_per_1k_input=input.credits_per_1k_input,
        credits_per_1k_output=input.credits_per_1k_output, dimensions=input.dimensions,
        capabilities=tuple(input.capabilities), base_url=input.base_url, secret_name=input.secret_name)
    return await mutate(info, lambda tx: governance.register_model(tx, draft=draft, actor=info.context.actor.actor),
                        lambda m: AiModelSaved(model=AiModel.from_model(m)), platform=True)


async def set_ai_model_status(info: strawberry.Info, key: str, status: str) -> AiModelPayload:
    """Approve (`approved`), suspend (`pending`) or retire (`retired`) a model platform-wide; audited."""
    return await mutate(info, lambda tx: governance.set_model_status(tx, key=key, status=status,
                                                                     actor=info.context.actor.actor),
                        lambda m: _forget_cached(info, AiModelSaved(model=AiModel.from_model(m))), platform=True)


async def set_ai_policy(info: strawberry.Info, input: AiPolicyInput) -> AiPolicyPayload:
    """Replace the tenant's AI policy (allow list, routes, residency, prompt storage)."""
    routes = {route.task: list(route.models) for route in input.routes}
    return await mutate(info, lambda tx: governance.set_policy(
        tx, allowed_models=input.allowed_models, forbid_external=input.forbid_external,
        store_prompts=input.store_prompts, routes=routes, actor=info.context.actor.actor),
        lambda p: _forget_cached(info, AiPolicySaved(policy=AiPolicy.from_model(p))), special=_REFUSALS)
