"""The Bedrock provider through boto3's real bedrock-runtime client, with botocore's Stubber."""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from domain.ai.providers.bedrock import BedrockProvider
from domain.ai.queries import calls
from domain.ai.types import ChatRequest, Evidence, ModelRejected, Tool

DISK = Evidence(id="inc-1", text="WAL files filled the disk.")


@pytest.fixture
def bedrock():
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _converse_reply(text=None, tool=None):
    content = [{"text": text}] if text else [{"toolUse": {"toolUseId": "t1", "name": tool, "input": {"h": "db-1"}}}]
    return {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 200, "outputTokens": 20, "totalTokens": 220}, "metrics": {"latencyMs": 5}}


async def test_a_claude_answer_through_converse(make_tenant, make_gateway, register, bedrock):
    client, stubber = bedrock
    tenant = await make_tenant(plan="pro")
    key = await register("bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0")
    stubber.add_response("converse", _converse_reply("WAL files [inc-1]."), {
        "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0", "system": ANY, "messages": ANY,
        "inferenceConfig": {"maxTokens": 256}})
    gateway = make_gateway(bedrock=BedrockProvider(client_for=lambda region: client))
    result = await gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="rca", question="why?", evidence=(DISK,), model=key, max_tokens=256))
    assert (result.text, result.cited, result.provider) == ("WAL files [inc-1].", ["inc-1"], "bedrock")
    assert result.credits == 3  # (200 x 10 + 20 x 30) / 1000, rounded up


async def test_a_tool_call_through_converse(make_tenant, make_gateway, register, bedrock):
    client, stubber = bedrock
    tenant = await make_tenant(plan="pro")
    key = await register("bedrock", "meta.llama3-70b-instruct-v1:0")
    stubber.add_response("converse", _converse_reply(tool="check_disk"), {
        "modelId": "meta.llama3-70b-instruct-v1:0", "system": ANY, "messages": ANY, "inferenceConfig": ANY,
        "toolConfig": {"tools": [{"toolSpec": {"name": "check_disk", "description": "Check a disk",
                                               "inputSchema": {"json": {"type": "object", "properties": {}}}}}]}})
    result = await make_gateway(bedrock=BedrockProvider(client_for=lambda r: client)).chat(
        tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="copilot", question="disk?", model=key,
                                                                   tools=(Tool("check_disk", "Check a disk"),)))
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("check_disk", {"h": "db-1"})]


async def test_throttling_falls_back_to_llama_and_then_answers(db, make_tenant, make_gateway, register, bedrock):
    from domain.ai.governance import set_policy

    client, stubber = bedrock
    tenant = await make_tenant(plan="pro")
    claude = await register("bedrock", "anthropic.claude-3-haiku-20240307-v1:0")
    llama = await register("bedrock", "meta.llama3-8b-instruct-v1:0")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                         routes={"rca": [claude, llama, "local:extractive"]}, actor="owner")
    for _ in range(2):  # one try and one retry
        stubber.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    stubber.add_response("converse", _converse_reply("From llama [inc-1]."))
    result = await make_gateway(bedrock=BedrockProvider(client_for=lambda r: client)).chat(
        tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="rca", question="q", evidence=(DISK,)))
    assert result.model_key == llama and result.text == "From llama [inc-1]."
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        call = (await calls(tx, first=1, after=None)).items[0]
    assert [a["error"] for a in call.attempts[:2]] == ["ThrottlingException", "ThrottlingException"]
    assert call.model_key == llama and call.outcome == "ok"


async def test_a_validation_error_is_not_retried_and_releases_the_reservation(db, make_tenant, make_gateway,
                                                                             register, bedrock):
    from domain.ai.queries import usage

    client, stubber = bedrock
    tenant = await make_tenant(plan="pro")
    key = await register("bedrock", "anthropic.claude-3-haiku-20240307-v1:0")
    stubber.add_client_error("converse", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(ModelRejected, match="ValidationException"):
        await make_gateway(bedrock=BedrockProvider(client_for=lambda r: client)).chat(
            tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(task="rca", question="q", model=key))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        state = await usage(tx)
        call = (await calls(tx, first=1, after=None)).items[0]
    assert state.balance == 5_000 == state.ledger_sum
    assert (call.outcome, call.error_code, call.credits) == ("failed", "MODEL_REJECTED", 0)


async def test_titan_embeddings_through_invoke_model(make_tenant, make_gateway, register, bedrock):
    client, stubber = bedrock
    tenant = await make_tenant(plan="pro")
    key = await register("bedrock", "amazon.titan-embed-text-v2:0", kind="embedding", dimensions=384,
                         price_in=1, price_out=0)
    body = json.dumps({"embedding": [0.1] * 384, "inputTextTokenCount": 3}).encode()
    stubber.add_response("invoke_model", {"body": StreamingBody(io.BytesIO(body), len(body)),
                                          "contentType": "application/json"})
    result = await make_gateway(bedrock=BedrockProvider(client_for=lambda r: client)).embed(
        tenant_id=tenant.tenant_id, actor="a", texts=["disk full"], model=key)
    assert result.dimensions == 384 and result.input_tokens == 3
