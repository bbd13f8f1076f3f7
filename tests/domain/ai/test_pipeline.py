"""The AI pipeline's steps on a scripted incident, with the real local provider through the gateway."""

from sqlalchemy import func, select

from domain.ai.pipeline.models import AiPipelineStep
from domain.ai.pipeline.rca import Signal, Topology, checked_hypotheses, rank
from domain.ai.pipeline.service import pipeline_steps, request_rerun, run_step
from domain.automation.runbooks import read_yaml
from domain.errors import ValidationFailed
from domain.incidents.models import TimelineEntry
from tests.domain.ai.pipeline_scenario import plant


async def _steps(db, tenant, incident_id) -> dict:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {row.step: row for row in await pipeline_steps(tx, incident_id=incident_id)}


async def _ai_entries(db, tenant, incident_id) -> list[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(TimelineEntry.kind).where(
            TimelineEntry.incident_id == incident_id, TimelineEntry.kind.like("ai_%"))
            .order_by(TimelineEntry.stream_seq)))


async def test_local_rca_ranks_the_planted_bad_change_first_with_its_evidence(runtime, db, make_tenant):
    # given a bad change on payments, its latency spike propagating up to frontend, and unrelated noise
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)

    # when the RCA step runs
    done = await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                          step="rca")

    # then payments is ranked first, resting on the change and its own latency anomaly
    rca = (await _steps(db, tenant, planted.incident_id))["rca"]
    top = rca.result["hypotheses"][0]
    assert (done.outcome, rca.status, rca.run) == ("done", "done", 1)
    assert (top["ci"], top["ci_id"]) == ("payments", str(planted.ci_ids["payments"]))
    assert top["cause"] == f"bad change: {planted.change_reference} Deploy payments v2.3"
    assert top["evidence_ids"] == ["metric:payments:latency_ms", f"change:{planted.change_reference}"]
    assert rca.result["blast_radius"] == ["checkout", "currency", "frontend", "payments", "payments-db"]
    assert {e["id"] for e in rca.result["evidence"]} >= set(top["evidence_ids"])
    assert rca.result["source"] == "local heuristics" and rca.dropped_hypotheses == 0
    assert [h["ci"] for h in rca.result["hypotheses"]][:3] == ["payments", "checkout", "frontend"]


async def test_the_whole_pipeline_runs_once_and_re_running_a_done_step_adds_nothing(runtime, db, make_tenant):
    # given the scripted incident with every step run
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    for step in ("rca", "runbook", "remediation", "verification"):
        await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                       step=step)

    # when every step's job runs again (arq may deliver a job twice)
    again = [await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                            incident_id=planted.incident_id, step=step)
             for step in ("rca", "runbook", "remediation", "verification")]

    # then nothing ran twice: one timeline entry per step
    assert [r.outcome for r in again] == ["already"] * 4
    assert await _ai_entries(db, tenant, planted.incident_id) == ["ai_rca", "ai_runbook", "ai_remediation",
                                                                  "ai_verification"]
    steps = await _steps(db, tenant, planted.incident_id)
    assert steps["runbook"].result["steps"][1] == {"name": "Approve the remediation", "kind": "approval",
                                                   "approvers": ["incident_commander"]}
    document = read_yaml(steps["runbook"].result["automation_yaml"])  # importable as an automation runbook
    assert [(step.name, step.kind) for step in document.spec.steps] == [
        ("confirm", "manual"), ("approve", "approval"), ("rollback_change", "manual"), ("settle", "wait"),
        ("check", "manual")]
    assert document.spec.name == "ai-rollback_change-payments"
    assert steps["remediation"].result["actions"][0]["action"] == "rollback_change"
    assert steps["remediation"].result["actions"][0]["blast_radius"] == ["checkout", "frontend"]
    assert steps["verification"].result["state"] == "waiting"  # no remediation has run: nothing to verify yet
    assert steps["verification"].result["verified"] is None
    assert steps["verification"].result["summary"].startswith("Waiting for a remediation to run")


async def test_a_rerun_on_demand_runs_that_step_once_more(runtime, db, make_tenant):
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id, step="rca")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        row = await request_rerun(tx, incident_id=planted.incident_id, step="rca", actor="u@t",
                                  features={"ai.rca"})
    first = await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                           step="rca")
    second = await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                            step="rca")

    assert row.wanted == 2
    assert (first.outcome, first.run, second.outcome) == ("done", 2, "already")
    assert await _ai_entries(db, tenant, planted.incident_id) == ["ai_rca", "ai_rca"]


async def test_a_rerun_is_refused_before_its_previous_step_or_outside_the_plan(db, make_tenant):
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    for step, features, message in (("runbook", {"ai.runbooks"}, "Run rca before runbook."),
                                    ("remediation", {"ai.rca"}, "The plan does not include ai.remediation."),
                                    ("nonsense", {"ai.rca"}, "Step must be one of rca, runbook, remediation, "
                                                             "verification.")):
        try:
            async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                await request_rerun(tx, incident_id=planted.incident_id, step=step, actor="u@t", features=features)
        except ValidationFailed as exc:
            assert (exc.message, exc.field) == (message, "step")
        else:
            raise AssertionError(f"{step} was accepted")


async def test_a_plan_without_runbooks_records_the_step_as_skipped(runtime, db, make_tenant):
    tenant = await make_tenant(plan="pro")  # ai.rca, no ai.runbooks
    planted = await plant(db, tenant)
    await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id, step="rca")
    await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                   step="runbook")
    runbook = (await _steps(db, tenant, planted.incident_id))["runbook"]
    assert runbook.result == {"skipped": True, "reason": "The plan does not include ai.runbooks.",
                              "summary": "Skipped: The plan does not include ai.runbooks."}


async def test_pipeline_output_holds_no_id_of_another_tenant(runtime, db, make_tenant):
    # given two tenants with the same scripted incident
    ours, theirs = await make_tenant(plan="enterprise"), await make_tenant(plan="enterprise")
    mine, other = await plant(db, ours), await plant(db, theirs)
    for tenant, planted in ((ours, mine), (theirs, other)):
        for step in ("rca", "runbook", "remediation", "verification"):
            await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                           step=step)

    # then our rows mention none of their ids, and their rows are invisible to us
    async with db.transaction(tenant_id=ours.tenant_id) as tx:
        rows = list(await tx.session.scalars(select(AiPipelineStep)))
        count = await tx.session.scalar(select(func.count()).select_from(AiPipelineStep))
    text = " ".join(str(r.result) for r in rows)
    foreign = [str(other.incident_id), *map(str, other.ci_ids.values()), str(theirs.tenant_id)]
    assert count == 4 and {r.incident_id for r in rows} == {mine.incident_id}
    assert not [i for i in foreign if i in text]
    assert str(mine.ci_ids["payments"]) in text


def test_model_hypotheses_citing_nothing_or_unknown_ids_are_dropped_and_counted():
    answer = ('{"hypotheses": [{"ci": "payments", "cause": "bad deploy", "confidence": 0.8, "evidence_ids": '
              '["change:CHG-1"]}, {"ci": "checkout", "cause": "guess", "evidence_ids": []}, {"ci": "currency", '
              '"cause": "made up", "evidence_ids": ["metric:other:cpu"]}, {"ci": "elsewhere", "cause": "x", '
              '"evidence_ids": ["change:CHG-1"]}]}')
    kept, dropped = checked_hypotheses(answer, evidence_ids={"change:CHG-1", "metric:payments:latency"},
                                       cis={"payments", "checkout", "currency"})
    assert [(h.ci, h.evidence_ids, h.confidence) for h in kept] == [("payments", ["change:CHG-1"], 0.8)]
    assert dropped == 3
    assert checked_hypotheses("not json at all", evidence_ids={"a"}, cis={"x"}) == ([], 0)


def test_a_dependency_failing_first_explains_its_callers_and_cpu_alone_does_not():
    topology = Topology(depends_on={"web": ("api",), "api": ("db", "cache")}, seeds=("web",))
    signals = [Signal("metric:web:latency", "web", "metric", 130.0, 20.0, "latency"),
               Signal("metric:api:latency", "api", "metric", 100.0, 10.0, "latency"),
               Signal("metric:cache:cpu", "cache", "metric", 10.0, 40.0, "cpu"),   # earlier, but no symptom
               Signal("metric:other:latency", "other", "metric", 5.0, 90.0, "latency")]  # outside the radius
    ranked = rank(signals, topology, start=200.0)
    assert [h.ci for h in ranked] == ["api", "cache", "web"]
    assert ranked[0].evidence_ids == ["metric:api:latency"]


async def test_a_models_hypotheses_citing_unknown_evidence_are_dropped_and_counted(db, make_tenant, make_gateway,
                                                                                   register):
    import json

    from domain.ai.governance import set_policy
    from domain.ai.providers.openai_compat import OpenAIProvider
    from tests.fake_openai import serve_fake_openai

    # given a tenant whose RCA is routed to an OpenAI-compatible model that answers with three hypotheses
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    async with serve_fake_openai() as fake:
        key = await register("openai", "rca-llm", base_url=fake.url, residency="local")
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                             routes={"rca": [key]}, actor="owner")
        fake.script = [{"content": json.dumps({"hypotheses": [
            {"ci": "checkout", "cause": "pool exhaustion", "confidence": 0.6,
             "evidence_ids": ["metric:checkout:latency_ms"]},
            {"ci": "payments", "cause": "a hunch", "confidence": 0.3, "evidence_ids": []},
            {"ci": "currency", "cause": "invented", "confidence": 0.1, "evidence_ids": ["metric:elsewhere:cpu"]}]})}]
        gateway = make_gateway(openai=OpenAIProvider(key_for=lambda name: "sk-test", timeout=5))

        # when the RCA step runs
        await run_step(db=db, gateway=gateway, tenant_id=tenant.tenant_id, incident_id=planted.incident_id,
                       step="rca")
        prompt = fake.requests[-1]["messages"][0]["content"]

    # then only the grounded hypothesis is kept, the two others are counted as dropped
    rca = (await _steps(db, tenant, planted.incident_id))["rca"]
    assert [(h["ci"], h["evidence_ids"]) for h in rca.result["hypotheses"]] == [
        ("checkout", ["metric:checkout:latency_ms"])]
    assert (rca.result["source"], rca.dropped_hypotheses, rca.model_key) == ("model", 2, key)
    assert '<evidence id="change:CHG-1"' in prompt and '<evidence id="metric:payments:latency_ms"' in prompt


async def test_a_completed_step_is_streamed_to_incident_change_subscribers(runtime, db, make_tenant):
    import asyncio

    from tests.waiting import wait_for

    # given a subscriber to the tenant's incident changes (what incidentChanged streams)
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    feed = runtime.incident_feed

    async def first_ai_change():
        async for event in feed.subscribe(tenant.tenant_id):
            if event.entry.kind.startswith("ai_"):
                return event

    listener = asyncio.create_task(first_ai_change())
    await wait_for(lambda: tenant.tenant_id in feed._tenants and feed._tenants[tenant.tenant_id].ready.is_set(),
                   timeout=5, what="the subscription")

    # when the RCA step completes
    await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id, step="rca")

    # then the subscriber gets the step's timeline entry for that incident
    event = await asyncio.wait_for(listener, timeout=10)
    assert (event.entry.kind, event.entry.incident_id) == ("ai_rca", planted.incident_id)
    assert event.entry.data["summary"].startswith("Likely root cause: bad change: CHG-1 Deploy payments v2.3 on payments")


async def test_a_failing_step_keeps_its_reason_then_says_why_on_the_timeline_once(db, make_tenant, make_gateway,
                                                                                  register):
    import pytest

    from domain.ai.governance import set_policy
    from domain.ai.providers.openai_compat import OpenAIProvider
    from domain.ai.types import AiUnavailable
    from tests.fake_openai import serve_fake_openai

    # given a tenant whose only RCA model keeps failing with 500s
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    async with serve_fake_openai() as fake:
        key = await register("openai", "down", base_url=fake.url, residency="local")
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                             routes={"rca": [key]}, actor="owner")
        fake.script = [500] * 6
        gateway = make_gateway(openai=OpenAIProvider(key_for=lambda name: "sk-test", timeout=5))
        run = {"db": db, "gateway": gateway, "tenant_id": tenant.tenant_id, "incident_id": planted.incident_id,
               "step": "rca"}

        # when the job tries, fails (the worker retries with backoff), then fails on its last attempt, and runs again
        with pytest.raises(AiUnavailable):
            await run_step(**run, final_attempt=False)
        between = (await _steps(db, tenant, planted.incident_id))["rca"]
        last = await run_step(**run, final_attempt=True)
        again = await run_step(**run, final_attempt=True)

    # then the reason is kept, the step is failed, and the timeline says why once
    rca = (await _steps(db, tenant, planted.incident_id))["rca"]
    assert (between.status, between.error) == ("pending", "Every model of this task's chain failed; try again later.")
    assert (last.outcome, again.outcome, rca.status, rca.run, rca.attempts) == ("failed", "failed", "failed", 0, 2)
    assert await _ai_entries(db, tenant, planted.incident_id) == ["ai_step_failed"]
