"""The AI pipeline through GraphQL: an incident's steps, a re-run queued on the AI queue, drafts, refusals."""

from domain.ai.pipeline.service import run_step, step_job_id
from domain.uow import AI_QUEUE
from tests.conftest import auth_headers, gql
from tests.domain.ai.pipeline_scenario import plant

ERROR = "... on Error { code message field }"
PIPELINE = """query($id: ID!) { incidentAiPipeline(incidentId: $id) { step status run droppedHypotheses
  hypotheses { ci evidenceIds } } }"""
RERUN = f"""mutation($id: ID!, $s: String!) {{ rerunAiPipelineStep(incidentId: $id, step: $s) {{ __typename
  ... on AiPipelineStepQueued {{ step {{ step status run }} }} {ERROR} }} }}"""
DRAFT = f"""mutation($id: ID!, $a: String!) {{ draftIncidentUpdate(incidentId: $id, audience: $a) {{ __typename
  ... on IncidentUpdateDraft {{ audience text cited flagged }} {ERROR} }} }}"""


async def test_an_owner_reads_the_rca_queues_a_rerun_and_drafts_updates(client, runtime, db, make_tenant, sign_in):
    # given an incident whose RCA ran
    tenant = await make_tenant(plan="enterprise")
    owner = auth_headers(await sign_in(tenant))
    planted = await plant(db, tenant)
    await run_step(db=db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=planted.incident_id, step="rca")
    incident = str(planted.incident_id)

    # when the owner reads the pipeline, asks for the RCA again and for two drafts
    steps = (await gql(client, PIPELINE, {"id": incident}, owner))["data"]["incidentAiPipeline"]
    rerun = (await gql(client, RERUN, {"id": incident, "s": "rca"}, owner))["data"]["rerunAiPipelineStep"]
    responders = (await gql(client, DRAFT, {"id": incident, "a": "responders"}, owner))["data"]["draftIncidentUpdate"]
    executives = (await gql(client, DRAFT, {"id": incident, "a": "executives"}, owner))["data"]["draftIncidentUpdate"]

    # then the RCA names payments on its evidence, the re-run is queued on the AI queue, the drafts cite
    assert steps == [{"step": "rca", "status": "done", "run": 1, "droppedHypotheses": 0, "hypotheses": [
        {"ci": "payments", "evidenceIds": ["metric:payments:latency_ms", f"change:{planted.change_reference}"]},
        {"ci": "checkout", "evidenceIds": ["metric:checkout:latency_ms"]},
        {"ci": "frontend", "evidenceIds": ["metric:frontend:latency_ms"]},
        {"ci": "currency", "evidenceIds": ["change:CHG-2"]}]},
        {"step": "runbook", "status": "pending", "run": 0, "droppedHypotheses": 0, "hypotheses": []}]  # queued next
    assert rerun == {"__typename": "AiPipelineStepQueued", "step": {"step": "rca", "status": "pending", "run": 1}}
    queued = [j.job_id for j in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)]
    assert step_job_id(incident, "rca", 2) in queued
    assert responders["flagged"] is False and "finding:rca" in responders["cited"]
    assert "Likely root cause: bad change" in responders["text"] and "payments" in responders["text"]
    assert executives["text"].startswith("We are working on a problem affecting frontend.")
    assert "We believe the cause is in payments [finding:rca]." in executives["text"]


async def test_a_rerun_of_an_unknown_step_or_audience_is_a_typed_error(client, db, make_tenant, sign_in):
    tenant = await make_tenant(plan="enterprise")
    owner = auth_headers(await sign_in(tenant))
    planted = await plant(db, tenant)

    step = (await gql(client, RERUN, {"id": str(planted.incident_id), "s": "magic"}, owner))["data"]
    audience = (await gql(client, DRAFT, {"id": str(planted.incident_id), "a": "press"}, owner))["data"]

    assert step["rerunAiPipelineStep"] == {
        "__typename": "ValidationError", "code": "VALIDATION", "field": "step",
        "message": "Step must be one of rca, runbook, remediation, verification."}
    assert audience["draftIncidentUpdate"] == {
        "__typename": "ValidationError", "code": "VALIDATION", "field": "audience",
        "message": "Audience must be responders or executives."}


async def test_a_plan_without_rca_is_not_entitled_to_the_pipeline(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="free")
    owner = auth_headers(await sign_in(tenant))

    body = await gql(client, PIPELINE, {"id": "00000000-0000-0000-0000-000000000000"}, owner)

    assert body["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"


async def test_an_incident_opened_by_hand_queues_the_pipeline_as_alerting_does(client, runtime, make_tenant, sign_in,
                                                                               forget_earlier_jobs):
    from tests.resolvers.incidents.test_incidents_api import CREATE

    # given an owner
    tenant = await make_tenant(plan="enterprise")
    owner = auth_headers(await sign_in(tenant))

    # when they open an incident with createIncident, and then try one with a bad title
    made = (await gql(client, CREATE, {"i": {"title": "Checkout is failing", "severity": "SEV2"}}, owner))
    refused = (await gql(client, CREATE, {"i": {"title": "  ", "severity": "SEV2"}}, owner))
    incident_id = made["data"]["createIncident"]["incident"]["id"]

    # then the same pipeline job the alerting engine queues is on the AI queue, once, and only for the first
    queued = [(j.function, j.job_id, j.kwargs) for j in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)
              if j.kwargs.get("tenant_id") == str(tenant.tenant_id)]
    assert refused["data"]["createIncident"]["__typename"] == "ValidationError"
    assert queued == [("ai_pipeline", f"ai-pipeline:{incident_id}",
                       {"tenant_id": str(tenant.tenant_id), "incident_id": incident_id})]
