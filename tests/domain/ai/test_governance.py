"""Model governance: only approved models, narrowed by the tenant's allow list and residency policy."""

import pytest
from sqlalchemy import select

from domain.ai.governance import ModelDraft, register_model, set_model_status, set_policy
from domain.ai.models import AiModelChange
from domain.ai.types import ChatRequest, ModelForbidden, ModelNotApproved
from domain.errors import ValidationFailed


async def _policy(db, tenant, **changes):
    values = {"allowed_models": None, "forbid_external": False, "store_prompts": False, "routes": {}} | changes
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await set_policy(tx, actor="owner", **values)


async def test_a_model_the_platform_has_not_approved_is_refused(make_tenant, make_gateway, register):
    tenant = await make_tenant(plan="pro")
    key = await register("local", "extractive", status="pending", residency="local")
    with pytest.raises(ModelNotApproved, match="is not approved by the platform"):
        await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a",
                                  request=ChatRequest(task="rca", question="q", model=key))


async def test_a_retired_model_is_refused_from_then_on(db, make_tenant, make_gateway, register):
    tenant = await make_tenant(plan="pro")
    key = await register("local", "extractive", residency="local")
    gateway = make_gateway()
    await gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="rca", question="q", model=key))
    async with db.transaction(tenant_id=None) as tx:
        await set_model_status(tx, key=key, status="retired", actor="platform@atlas.test")
    gateway.catalog.invalidate()
    with pytest.raises(ModelNotApproved):
        await gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="rca", question="q",
                                                                                       model=key))
    async with db.transaction(tenant_id=None) as tx:
        changes = list(await tx.session.scalars(select(AiModelChange.action).where(
            AiModelChange.model_key == key).order_by(AiModelChange.created_at)))
    assert changes == ["registered", "status:approved", "status:retired"]


async def test_a_tenant_policy_forbids_models_that_send_data_outside(db, make_tenant, make_gateway, register):
    tenant = await make_tenant(plan="pro")
    external = await register("bedrock", "anthropic.claude", residency="external")
    await _policy(db, tenant, forbid_external=True)
    with pytest.raises(ModelForbidden, match="policy forbids"):
        await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a",
                                  request=ChatRequest(task="rca", question="q", model=external))


async def test_a_model_off_the_allow_list_is_refused_and_cannot_be_routed_to(db, make_tenant, make_gateway, register):
    tenant = await make_tenant(plan="pro")
    other = await register("local", "extractive", residency="local")
    await _policy(db, tenant, allowed_models=["local:extractive", "local:hash-384"])
    with pytest.raises(ModelNotApproved, match="allow list"):
        await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a",
                                  request=ChatRequest(task="rca", question="q", model=other))
    with pytest.raises(ModelNotApproved, match="allow list"):
        await _policy(db, tenant, allowed_models=["local:extractive"], routes={"rca": [other]})


async def test_registering_checks_the_draft(db):
    async with db.transaction(tenant_id=None) as tx:
        with pytest.raises(ValidationFailed, match="384 dimensions"):
            await register_model(tx, draft=ModelDraft(key="bedrock:titan-x", provider="bedrock",
                                                       model_id="amazon.titan-embed-text-v2:0", kind="embedding",
                                                       dimensions=1024), actor="p")
        with pytest.raises(ValidationFailed, match="base URL"):
            await register_model(tx, draft=ModelDraft(key="openai:x", provider="openai", model_id="x",
                                                       kind="chat"), actor="p")
