"""A new SEV1 incident starts a workflow whose agent steps a real `atlas agent` runs and whose gate is approved
through GraphQL; a SEV3 incident starts nothing."""

import os
import subprocess
import sys

import httpx

from tests.conftest import auth_headers
from tests.waiting import wait_for

ERROR = "... on Error { code message field }"
IMPORT = (f"mutation($y: String!) {{ importAutomation(yaml: $y) {{ __typename "
          f"... on RunbookSaved {{ runbook {{ id }} }} {ERROR} }} }}")
RUNBOOK = """apiVersion: atlas/v1
kind: Runbook
spec:
  name: db-down
  steps:
  - {name: diagnose, kind: agent, command: echo, args: ["diagnosing", "{{ subject.title }}"], labels: [db]}
  - {name: approve, kind: approval, summary: "restart for {{ subject.title }}?"}
  - {name: remediate, kind: agent, command: echo, args: [restarted], labels: [db]}
  - {name: note, kind: mutation, action: incident.comment,
     params: {incident_id: "{{ subject.id }}", body: "agent said {{ steps.remediate.outputs.stdout }}"}}
"""
WORKFLOW = """apiVersion: atlas/v1
kind: Workflow
spec:
  name: sev1-db
  trigger: incident.created
  condition: incident.severity == "SEV1"
  runbook: db-down
"""
RUNS = "{ automationRuns { id status subject steps { name status outputs actor } } }"


async def _gql(http, query, variables=None, headers=None):
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def _agent(base: str, key: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "atlas", "agent", "--url", base, "--key", key, "--allow", "echo",
                             "--wait", "1"], env={**os.environ}, stdout=subprocess.DEVNULL, stderr=log)


def _worker(data_dir, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "atlas", "worker", "--data-dir", str(data_dir)],
                            env={**os.environ, "ATLAS_LOG_LEVEL": "warning"}, stdout=subprocess.DEVNULL, stderr=log)


async def test_a_sev1_incident_runs_the_workflow_through_a_real_agent_and_a_graphql_approval(
        live_server, live_settings, make_tenant, sign_in, add_member, tmp_path):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    responder = auth_headers(await sign_in(tenant, await add_member(tenant, ["responder"])))
    processes = []
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        # given a published runbook, a workflow on new SEV1 incidents, a worker and a real agent
        runbook = (await _gql(http, IMPORT, {"y": RUNBOOK}, owner))["importAutomation"]["runbook"]
        await _gql(http, f"mutation($id: ID!) {{ publishRunbook(id: $id) {{ __typename {ERROR} }} }}",
                   {"id": runbook["id"]}, owner)
        await _gql(http, IMPORT, {"y": WORKFLOW}, owner)
        key = (await _gql(http, 'mutation { registerAgent(input: {name: "db-agent", labels: ["db"]}) { '
                                '... on AgentRegistered { key } } }', headers=owner))["registerAgent"]["key"]
        logs = (tmp_path / "worker.log").open("wb"), (tmp_path / "agent.log").open("wb")
        processes += [_worker(live_settings.data_dir, logs[0]), _agent(live_server, key, logs[1])]
        try:
            # when a SEV3 and then a SEV1 incident are created
            create = ("mutation($t: String!, $s: Severity!) { "
                      "createIncident(input: {title: $t, severity: $s}) { __typename } }")
            await _gql(http, create, {"t": "cache slow", "s": "SEV3"}, owner)
            await _gql(http, create, {"t": "db down", "s": "SEV1"}, owner)

            # then one run starts, the agent diagnoses, and the run waits at the gate
            async def gate():
                return (await _gql(http, "{ approvals { id summary } }", headers=owner))["approvals"]
            await wait_for(gate, timeout=60, what="the approval gate (after the agent's diagnosis)")
            [approval] = await gate()
            [run] = (await _gql(http, RUNS, headers=owner))["automationRuns"]
            assert approval["summary"] == "restart for db down?"
            assert [(s["name"], s["status"]) for s in run["steps"]] == [
                ("diagnose", "succeeded"), ("approve", "waiting"), ("remediate", "pending"), ("note", "pending")]
            assert run["steps"][0]["outputs"]["stdout"] == "diagnosing db down\n"
            assert run["steps"][0]["actor"] == "agent:db-agent"

            # and when a responder approves it through GraphQL, the agent remediates and the run finishes
            decide = f"mutation($i: DecideApprovalInput!) {{ decideApproval(input: $i) {{ __typename {ERROR} }} }}"
            decided = await _gql(http, decide, {"i": {"id": approval["id"], "approve": True, "reason": "go"}},
                                 responder)
            assert decided["decideApproval"]["__typename"] == "ApprovalDecided"

            async def finished():
                [current] = (await _gql(http, RUNS, headers=owner))["automationRuns"]
                return current["status"] in ("SUCCEEDED", "FAILED") and current
            await wait_for(finished, timeout=60, what="the run to finish")
            done = await finished()
            incident = (await _gql(http, "query($id: ID!) { incident(id: $id) { timeline { edges { node { kind "
                                         "data } } } } }", {"id": run["subject"]["id"]}, owner))["incident"]
        finally:
            for process in processes:
                process.terminate()
                process.wait(15)
    assert done["status"] == "SUCCEEDED", done
    comments = [e["node"]["data"]["body"] for e in incident["timeline"]["edges"] if e["node"]["kind"] == "comment"]
    assert comments == ["agent said restarted"]  # the comment is stored trimmed
