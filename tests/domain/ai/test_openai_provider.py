"""The OpenAI-compatible provider through the real ``openai`` client against a local fake server."""

import pytest

from domain.ai.providers.openai_compat import OpenAIProvider
from domain.ai.types import ChatRequest, Evidence, Tool
from tests.fake_openai import serve_fake_openai

DISK = Evidence(id="inc-1", text="WAL files filled the disk.")


@pytest.fixture
async def fake_openai():
    async with serve_fake_openai() as fake:
        yield fake


@pytest.fixture
def openai_provider():
    return OpenAIProvider(key_for=lambda name: "sk-test" if name else None, timeout=5)


async def test_an_openai_compatible_answer_is_settled_and_audited(make_tenant, make_gateway, register,
                                                                 fake_openai, openai_provider):
    # given a tenant routed to an approved model on an OpenAI-compatible endpoint
    tenant = await make_tenant(plan="pro")
    key = await register("openai", "llama-3-8b", base_url=fake_openai.url, residency="local")
    gateway = make_gateway(openai=openai_provider)

    # when it asks with evidence
    result = await gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="rca", question="why?", evidence=(DISK,), model=key, max_tokens=100))

    # then the answer, its usage and the credits follow the model's prices (120 in, 12 out tokens)
    assert result.text == "The disk filled with WAL files [inc-1]." and result.cited == ["inc-1"]
    assert (result.input_tokens, result.output_tokens, result.credits) == (120, 12, 2)
    sent = fake_openai.requests[-1]
    assert sent["max_tokens"] == 100 and sent["messages"][0]["role"] == "system"
    assert '<evidence id="inc-1"' in sent["messages"][0]["content"] and sent["messages"][1]["content"] == "why?"


async def test_a_tool_call_comes_back_parsed(make_tenant, make_gateway, register, fake_openai, openai_provider):
    tenant = await make_tenant(plan="pro")
    key = await register("openai", "qwen", base_url=fake_openai.url)
    fake_openai.script = ["tool"]
    result = await make_gateway(openai=openai_provider).chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="copilot", question="restart nginx", model=key, tools=(Tool("restart_service", "Restart"),)))
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("restart_service", {"service": "nginx"})]
    assert fake_openai.requests[-1]["tools"][0]["function"]["name"] == "restart_service"


async def test_a_streamed_answer_arrives_in_pieces(make_tenant, make_gateway, register, fake_openai, openai_provider):
    tenant = await make_tenant(plan="pro")
    key = await register("openai", "vllm", base_url=fake_openai.url)
    pieces = [p async for p in make_gateway(openai=openai_provider).stream(
        tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="summary", question="q", model=key,
                                                                    evidence=(DISK,)))]
    *text, final = pieces
    assert text == ["The disk ", "filled with ", "WAL files ", "[inc-1]."]
    assert final.text == "".join(text) and final.output_tokens == 12 and final.cited == ["inc-1"]


async def test_a_throttled_endpoint_falls_back_to_the_next_model_and_records_every_attempt(
        db, make_tenant, make_gateway, register, fake_openai, openai_provider):
    from domain.ai.governance import set_policy
    from domain.ai.queries import calls

    # given a route: the OpenAI-compatible model, then local; the endpoint answers 429 then 500
    tenant = await make_tenant(plan="pro")
    key = await register("openai", "busy", base_url=fake_openai.url)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                         routes={"rca": [key, "local:extractive"]}, actor="owner")
    fake_openai.script = [429, 500]

    # when the tenant asks
    result = await make_gateway(openai=openai_provider).chat(
        tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="rca", question="disk", evidence=(DISK,)))

    # then local answered after two failed attempts, all audited
    assert result.provider == "local"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        call = (await calls(tx, first=1, after=None)).items[0]
    assert [(a["model"], a["outcome"]) for a in call.attempts] == [
        (key, "failed"), (key, "failed"), ("local:extractive", "ok")]
    assert [a.get("error") for a in call.attempts[:2]] == ["RateLimitError", "InternalServerError"]


async def test_embeddings_come_from_the_endpoint(make_tenant, make_gateway, register, fake_openai, openai_provider):
    tenant = await make_tenant(plan="pro")
    key = await register("openai", "bge", base_url=fake_openai.url, kind="embedding", dimensions=384,
                         price_in=1, price_out=0)
    result = await make_gateway(openai=openai_provider).embed(tenant_id=tenant.tenant_id, actor="a",
                                                              texts=["a", "bb"], model=key)
    assert len(result.vectors) == 2 and result.dimensions == 384 and result.model_key == key
