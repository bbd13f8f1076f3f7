"""Automation through GraphQL: YAML import and export, publishing, runs with typed errors, approvals, agents."""

import uuid
from types import SimpleNamespace

import yaml

from domain.automation import engine
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
IMPORT = f"""mutation($y: String!) {{ importAutomation(yaml: $y) {{ __typename
  ... on RunbookSaved {{ runbook {{ id name version status yaml }} }}
  ... on WorkflowSaved {{ workflow {{ id name trigger yaml }} }} {ERROR} }} }}"""
PUBLISH = f"""mutation($id: ID!) {{ publishRunbook(id: $id) {{ __typename
  ... on RunbookSaved {{ runbook {{ status version }} }} {ERROR} }} }}"""
START = f"""mutation($i: StartRunInput!) {{ startRun(input: $i) {{ __typename
  ... on RunSaved {{ run {{ id status runbookName steps {{ name status }} }} }} {ERROR} }} }}"""
DECIDE = f"""mutation($i: DecideApprovalInput!) {{ decideApproval(input: $i) {{ __typename
  ... on ApprovalDecided {{ approval {{ status decidedBy reason }} }} {ERROR} }} }}"""
RUNBOOK = """apiVersion: atlas/v1
kind: Runbook
spec:
  name: restart-db
  description: Restart a database host after a check and an approval
  inputs:
    type: object
    required: [host]
    properties:
      host: {type: string}
  steps:
  - name: check
    kind: http
    url: https://status.example.com/hosts/{{ inputs.host }}
    method: GET
    secret_headers: {Authorization: status-token}
    retries: 2
  - name: approve
    kind: approval
    summary: Restart {{ inputs.host }}?
    ttl_minutes: 30
  - name: restart
    kind: agent
    command: systemctl
    args: [restart, postgresql]
    labels: [db]
"""


async def _owner(make_tenant, sign_in):
    tenant = await make_tenant()
    return tenant, auth_headers(await sign_in(tenant))


async def _import(client, headers, text):
    return (await gql(client, IMPORT, {"y": text}, headers))["data"]["importAutomation"]


async def test_a_runbook_round_trips_through_yaml(client, make_tenant, sign_in):
    # given a runbook imported into one tenant
    _, first = await _owner(make_tenant, sign_in)
    _, second = await _owner(make_tenant, sign_in)
    saved = (await _import(client, first, RUNBOOK))["runbook"]

    # when its exported YAML is imported into another tenant
    again = (await _import(client, second, saved["yaml"]))["runbook"]

    # then both are the same runbook, and the export says what the document said
    assert (saved["name"], saved["version"], saved["status"]) == ("restart-db", 1, "DRAFT")
    assert again["yaml"] == saved["yaml"]
    assert yaml.safe_load(saved["yaml"]) == yaml.safe_load(RUNBOOK)


async def test_bad_documents_are_refused_saying_where(client, make_tenant, sign_in):
    _, owner = await _owner(make_tenant, sign_in)

    not_yaml = await _import(client, owner, "spec: [unclosed")
    wrong_kind = await _import(client, owner, RUNBOOK.replace("kind: agent", "kind: teleport"))
    bad_cel = await _import(client, owner, "apiVersion: atlas/v1\nkind: Workflow\nspec:\n  name: w\n"
                                           "  trigger: incident.created\n  runbook: x\n  condition: 'incident.severity =='\n")

    assert not_yaml == {"__typename": "ValidationError", "code": "VALIDATION", "field": "yaml",
                        "message": "The document is not valid YAML at line 1."}
    assert wrong_kind["field"] == "yaml" and wrong_kind["message"].startswith("Runbook.spec.steps.2: Input tag 'teleport'")
    assert bad_cel["message"].startswith("The condition is not valid CEL at line 1, column 19")
    assert (await gql(client, "{ runbooks { id } }", headers=owner))["data"]["runbooks"] == []


async def test_publishing_then_running_checks_inputs_and_a_second_publish_is_a_conflict(client, make_tenant, sign_in):
    _, owner = await _owner(make_tenant, sign_in)
    runbook = (await _import(client, owner, RUNBOOK))["runbook"]

    published = (await gql(client, PUBLISH, {"id": runbook["id"]}, owner))["data"]["publishRunbook"]
    twice = (await gql(client, PUBLISH, {"id": runbook["id"]}, owner))["data"]["publishRunbook"]
    bad = (await gql(client, START, {"i": {"runbookId": runbook["id"], "inputs": {"host": 1}}}, owner))
    good = (await gql(client, START, {"i": {"runbookId": runbook["id"], "inputs": {"host": "db-1"}}}, owner))

    assert published == {"__typename": "RunbookSaved", "runbook": {"status": "PUBLISHED", "version": 1}}
    assert twice["code"] == "CONFLICT" and twice["message"] == "Only a draft can be published; version 1 is published."
    assert bad["data"]["startRun"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "inputs",
                                       "message": "inputs.host: 1 is not of type 'string'"}
    run = good["data"]["startRun"]["run"]
    assert run["status"] == "RUNNING" and run["runbookName"] == "restart-db"
    assert [s["status"] for s in run["steps"]] == ["pending"] * 3


async def test_the_requester_cannot_approve_their_own_run_but_a_responder_can(
        client, runtime, make_tenant, sign_in, add_member):
    # given a run the owner started, waiting at its approval gate
    tenant, owner = await _owner(make_tenant, sign_in)
    responder = auth_headers(await sign_in(tenant, await add_member(tenant, ["responder"])))
    gate = "apiVersion: atlas/v1\nkind: Runbook\nspec:\n  name: gate\n  steps:\n  - {name: ok, kind: approval}\n"
    runbook = (await _import(client, owner, gate))["runbook"]
    run = (await gql(client, START, {"i": {"runbookId": runbook["id"]}}, owner))["data"]["startRun"]["run"]
    await engine.advance(SimpleNamespace(db=runtime.db, secrets=runtime.secrets), tenant_id=tenant.tenant_id,
                         run_id=uuid.UUID(run["id"]), job_id="api-test")
    [approval] = (await gql(client, "{ approvals { id runId summary } }", headers=owner))["data"]["approvals"]

    # when the owner tries to approve it, then a responder approves it
    own = (await gql(client, DECIDE, {"i": {"id": approval["id"], "approve": True}}, owner))["data"]
    theirs = (await gql(client, DECIDE, {"i": {"id": approval["id"], "approve": True, "reason": "ok"}}, responder))

    assert own["decideApproval"] == {"__typename": "ForbiddenError", "code": "FORBIDDEN", "field": "id",
                                     "message": "You requested this run; someone else must approve it."}
    assert theirs["data"]["decideApproval"]["approval"]["status"] == "APPROVED"
    assert (await gql(client, "{ approvals { id } }", headers=owner))["data"]["approvals"] == []


async def test_an_agent_key_is_shown_once(client, make_tenant, sign_in):
    _, owner = await _owner(make_tenant, sign_in)
    register = f"""mutation {{ registerAgent(input: {{name: "edge-1", labels: ["db"]}}) {{ __typename
      ... on AgentRegistered {{ key agent {{ name labels }} }} {ERROR} }} }}"""

    made = (await gql(client, register, headers=owner))["data"]["registerAgent"]
    twice = (await gql(client, register, headers=owner))["data"]["registerAgent"]
    listed = (await gql(client, "{ agents { name labels lastHeartbeatAt } }", headers=owner))["data"]["agents"]

    assert made["key"].startswith("aga_") and made["agent"] == {"name": "edge-1", "labels": ["db"]}
    assert twice == {"__typename": "ConflictError", "code": "CONFLICT", "field": "name",
                     "message": "An agent called 'edge-1' exists."}
    assert listed == [{"name": "edge-1", "labels": ["db"], "lastHeartbeatAt": None}]


async def test_a_run_started_for_an_incident_is_its_remediation_and_the_ai_pipeline_verifies_it(
        client, runtime, make_tenant, sign_in, forget_earlier_jobs):
    from domain.ai.pipeline.service import pipeline_steps, run_step, step_job_id
    from domain.uow import AI_QUEUE
    from tests.domain.ai.pipeline_scenario import plant

    # given an incident whose AI pipeline ran (verification waits for a remediation), and a published runbook
    tenant, owner = await _owner(make_tenant, sign_in)
    other, _ = await _owner(make_tenant, sign_in)
    planted, elsewhere = await plant(runtime.db, tenant), await plant(runtime.db, other)
    for step in ("rca", "runbook", "remediation", "verification"):
        await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                       incident_id=planted.incident_id, step=step)
    doc = "apiVersion: atlas/v1\nkind: Runbook\nspec:\n  name: fix\n  steps:\n  - {name: go, kind: condition, when: 'true'}\n"
    runbook = (await _import(client, owner, doc))["runbook"]
    await gql(client, PUBLISH, {"id": runbook["id"]}, owner)

    # when the owner runs it for the incident (and tries another tenant's incident), and the run finishes
    start = f"""mutation($i: StartRunInput!) {{ startRun(input: $i) {{ __typename
      ... on RunSaved {{ run {{ id subject }} }} {ERROR} }} }}"""
    foreign = (await gql(client, start, {"i": {"runbookId": runbook["id"], "incidentId": str(elsewhere.incident_id)}},
                         owner))["data"]["startRun"]
    run = (await gql(client, start, {"i": {"runbookId": runbook["id"], "incidentId": str(planted.incident_id)}},
                     owner))["data"]["startRun"]["run"]
    status = await engine.advance(runtime, tenant_id=tenant.tenant_id, run_id=uuid.UUID(run["id"]), job_id="t")

    # then the run's subject is the incident, the other tenant's incident is unknown, and verification is queued
    assert foreign == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "incidentId",
                       "message": "No such incident."}
    assert (run["subject"]["id"], run["subject"]["title"], status) == (
        str(planted.incident_id), "frontend latency high", "succeeded")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        verification = {r.step: r for r in await pipeline_steps(tx, incident_id=planted.incident_id)}["verification"]
    assert (verification.run, verification.wanted, verification.status) == (1, 2, "pending")
    queued = [job.job_id for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)]
    assert step_job_id(planted.incident_id, "verification", 2) in queued
