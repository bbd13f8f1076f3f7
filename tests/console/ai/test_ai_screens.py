"""AI screens: the tenant's credits and recent calls; the platform's model approvals."""

from __future__ import annotations

import pytest

from domain.ai.types import ChatRequest, Evidence
from domain.members.models import User
from tests.console.html import has, one, select, text


async def test_the_usage_screen_shows_the_balance_and_the_recent_calls(owner, runtime):
    await runtime.ai.chat(tenant_id=owner.tenant.tenant_id, actor="owner@console", request=ChatRequest(
        task="rca", question="disk", evidence=(Evidence(id="inc-9", text="The disk filled up."),)))

    page = await owner.get("/console/ai")

    assert page.status_code == 200
    assert text(one(page.text, "#balance")) == text(one(page.text, "#ledger-sum")) + " credits"
    [row] = select(page.text, "#ai-calls tbody tr")
    assert "owner@console" in text(row) and "inc-9" in text(row) and "local:extractive" in text(row)


@pytest.fixture
async def operator(make_tenant, signed_in, db):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return await signed_in(f"owner@{tenant.slug}.example.com")


async def test_a_platform_admin_registers_then_approves_a_model(operator):
    registered = await operator.post("/console/platform/ai-models", {
        "key": "bedrock:claude-console", "provider": "bedrock", "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "kind": "chat", "residency": "external", "region": "eu-west-1", "creditsIn": "3", "creditsOut": "15",
        "baseUrl": ""}, htmx=True)
    approved = await operator.post("/console/platform/ai-models/status",
                                   {"key": "bedrock:claude-console", "status": "approved"}, htmx=True)

    assert "bedrock:claude-console registered." in registered.text
    assert "bedrock:claude-console is now approved." in approved.text
    [row] = [r for r in select(approved.text, "#ai-models tbody tr") if r["data-key"] == "bedrock:claude-console"]
    assert text(one(row, ".status")) == "approved"
    assert [text(li) for li in select(approved.text, "#model-changes li")][:2][0].startswith(
        "bedrock:claude-console status:approved")


async def test_a_tenant_owner_cannot_open_the_model_registry(owner):
    page = await owner.get("/console/platform/ai-models")
    assert page.status_code == 403 and "FORBIDDEN" in page.text and not has(page.text, "#register-model-form")
