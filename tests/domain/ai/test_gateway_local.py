"""The gateway with the local provider: grounded answers, tools, audit, credits settled to the usage."""

from sqlalchemy import select

from domain.ai.models import AiCall
from domain.ai.queries import usage
from domain.ai.types import ChatRequest, Evidence, Tool

DISK = Evidence(id="inc-1", title="Disk full on db-1",
                text="The disk on db-1 filled up with WAL files. Rotating the archive freed 40 GB.")
NOISE = Evidence(id="kb-2", title="Printer", text="The printer on floor 3 needs toner.")


async def test_a_local_answer_is_extractive_cites_its_evidence_and_says_where_it_came_from(db, make_tenant,
                                                                                          make_gateway):
    # given a tenant on a plan with credits and the default (local) route
    tenant = await make_tenant(plan="pro")
    gateway = make_gateway()

    # when it asks why the disk filled up
    result = await gateway.chat(tenant_id=tenant.tenant_id, actor="owner@x", request=ChatRequest(
        task="rca", question="Why did the disk on db-1 fill up?", evidence=(DISK, NOISE), max_tokens=200))

    # then the answer quotes the evidence, cites it, and says it is the local provider's
    assert result.text.startswith("[local provider, extractive]")
    assert "WAL files" in result.text and "toner" not in result.text
    assert result.cited == ["inc-1"] and not result.flagged
    assert result.provider == "local" and result.model_key == "local:extractive"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        call = await tx.session.scalar(select(AiCall).where(AiCall.id == __import__("uuid").UUID(result.call_id)))
        state = await usage(tx)
    assert (call.task, call.outcome, call.evidence_ids) == ("rca", "ok", ["inc-1", "kb-2"])
    assert call.prompt_text is None and len(call.prompt_hash) == 64
    assert state.balance == 5_000 - result.credits == state.ledger_sum


async def test_evidence_that_does_not_answer_gives_a_flagged_answer(make_tenant, make_gateway):
    tenant = await make_tenant(plan="pro")
    result = await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="copilot", question="Who won the football?", evidence=(DISK,)))
    assert "does not answer" in result.text
    assert result.cited == [] and result.flagged


async def test_the_local_provider_picks_a_tool_by_rules(make_tenant, make_gateway):
    tenant = await make_tenant(plan="pro")
    tools = (Tool("restart_service", "Restart a service on a host",
                  {"type": "object", "properties": {"service": {"type": "string"}}}),
             Tool("page_oncall", "Page the on-call engineer"))
    result = await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="copilot", question="please restart the nginx service", tools=tools))
    assert [c.name for c in result.tool_calls] == ["restart_service"]
    assert "nginx" in result.tool_calls[0].arguments["service"]


async def test_a_streamed_local_answer_comes_in_pieces_then_the_settled_result(make_tenant, make_gateway):
    tenant = await make_tenant(plan="pro")
    pieces = [p async for p in make_gateway().stream(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="summary", question="disk db-1", evidence=(DISK,)))]
    *text, final = pieces
    assert len(text) > 3 and "".join(text) == final.text and final.cited == ["inc-1"]
