"""The edge agents' REST shim: leased pickup per tenant and address, results, lease expiry, refusals."""

import asyncio
import uuid

import httpx
from sqlalchemy import update

from atlas.edge_agent import EdgeAgent
from domain import clock
from domain.automation.agents import expire_leases, register_agent
from domain.automation.models import RunStep
from tests.domain.automation.helpers import advance, events, outputs, published, start, state

RESTART = {"name": "restart", "steps": [
    {"name": "restart", "kind": "agent", "command": "echo", "args": ["restarting", "{{ inputs.host }}"],
     "labels": ["linux"], "retries": 1},
], "inputs": {"type": "object", "properties": {"host": {"type": "string"}}}}


async def _agent(db, tenant, name="edge-1", labels=("linux",)) -> str:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        _, key = await register_agent(tx, name=name, labels=list(labels), actor="t")
    return key


async def _waiting_run(runtime, db, tenant, spec=RESTART) -> uuid.UUID:
    runbook = await published(db, tenant, spec)
    run_id = await start(db, tenant, runbook, inputs={"host": "db-1"})
    assert await advance(runtime, tenant, run_id) == "waiting"
    return run_id


async def test_an_agent_gets_its_tenants_step_and_its_result_moves_the_run_on(runtime, db, client, make_tenant):
    # given a run waiting on an agent step in tenant A, and an agent in A and one in B
    a, b = await make_tenant(), await make_tenant()
    run_id = await _waiting_run(runtime, db, a)
    key_a, key_b = await _agent(db, a), await _agent(db, b)

    # when B's agent polls, it gets nothing; A's gets the step, leased, with its inputs rendered
    nothing = await client.get("/api/agent/jobs", headers={"X-Agent-Key": key_b})
    got = await client.get("/api/agent/jobs", headers={"X-Agent-Key": key_a})
    job = got.json()["job"]
    assert nothing.status_code == 204 and got.status_code == 200
    assert (job["command"], job["args"], job["attempt"]) == ("echo", ["restarting", "db-1"], 1)

    # and when it reports success
    beat = await client.post(f"/api/agent/jobs/{job['id']}/heartbeat", json={"attempt": 1},
                             headers={"X-Agent-Key": key_a})
    done = await client.post(f"/api/agent/jobs/{job['id']}/result", headers={"X-Agent-Key": key_a},
                             json={"attempt": 1, "exit_code": 0, "stdout": "restarting db-1\n"})

    # then the run goes on and finishes with the agent's output recorded
    assert beat.status_code == 200 and done.json() == {"step": "succeeded"}
    assert await advance(runtime, tenant=a, run_id=run_id) == "succeeded"
    assert (await outputs(db, a, run_id, "restart"))["stdout"] == "restarting db-1\n"
    again = await client.post(f"/api/agent/jobs/{job['id']}/result", headers={"X-Agent-Key": key_a},
                              json={"attempt": 1, "exit_code": 0})
    assert again.status_code == 409


async def test_a_step_addressed_to_labels_the_agent_lacks_is_not_given_to_it(runtime, db, client, make_tenant):
    tenant = await make_tenant()
    await _waiting_run(runtime, db, tenant)
    windows = await _agent(db, tenant, name="win", labels=("windows",))

    assert (await client.get("/api/agent/jobs", headers={"X-Agent-Key": windows})).status_code == 204


async def test_an_expired_lease_goes_to_another_agent_and_the_first_ones_late_result_is_refused(
        runtime, db, client, make_tenant):
    # given a step leased by an agent that then went quiet
    tenant = await make_tenant()
    run_id = await _waiting_run(runtime, db, tenant)
    first, second = await _agent(db, tenant, name="first"), await _agent(db, tenant, name="second")
    job = (await client.get("/api/agent/jobs", headers={"X-Agent-Key": first})).json()["job"]
    assert (await client.get("/api/agent/jobs", headers={"X-Agent-Key": second})).status_code == 204

    # when its lease expires and the automation tick looks
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await tx.session.execute(update(RunStep).where(RunStep.run_id == run_id)
                                 .values(lease_expires_at=clock.now()))
        assert await expire_leases(tx) == 1

    # then another agent gets it as attempt 2, and the first agent's late result is refused
    retry = (await client.get("/api/agent/jobs", headers={"X-Agent-Key": second})).json()["job"]
    late = await client.post(f"/api/agent/jobs/{job['id']}/result", headers={"X-Agent-Key": first},
                             json={"attempt": 1, "exit_code": 0})
    assert (retry["id"], retry["attempt"]) == (job["id"], 2)
    assert late.status_code == 409 and "does not hold the lease" in late.json()["error"]
    assert "lease_expired" in await events(db, tenant, run_id)

    # and when that lease expires too, the step has no tries left: the run fails
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await tx.session.execute(update(RunStep).where(RunStep.run_id == run_id)
                                 .values(lease_expires_at=clock.now()))
        await expire_leases(tx)
    assert (await state(db, tenant, run_id)) == ("failed", [("restart", "failed", 2)])


async def test_the_agent_refuses_a_command_off_its_allow_list_and_runs_nothing(runtime, db, app, make_tenant):
    tenant = await make_tenant()
    run_id = await _waiting_run(runtime, db, tenant, {**RESTART, "name": "rm", "steps": [
        {"name": "wipe", "kind": "agent", "command": "rm", "args": ["-rf", "/tmp/x"], "retries": 3}]})
    agent = EdgeAgent(url="http://atlas.test", key=await _agent(db, tenant), allow=frozenset({"echo"}))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://atlas.test") as http:
        assert await agent.poll_once(http) is True

    assert agent.ran == []
    status, steps = await state(db, tenant, run_id)
    assert (status, steps) == ("failed", [("wipe", "failed", 1)])  # a refusal is final: no retries
    assert (await outputs(db, tenant, run_id, "wipe"))["refused"] is True


async def test_the_agent_runs_an_allowed_command_with_a_timeout_and_capped_output():
    agent = EdgeAgent(url="http://unused", key="k", allow=frozenset({"echo", "sleep"}))

    echoed = await agent.execute("echo", ["hello"], 5)
    slow = await agent.execute("sleep", ["5"], 0.2)

    assert echoed == {"exit_code": 0, "stdout": "hello\n", "stderr": ""}
    assert slow["exit_code"] == -9 and "timed out" in slow["stderr"]


async def test_refusals_answer_4xx(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _agent(db, tenant)

    no_key = await client.get("/api/agent/jobs")
    forged = await client.get("/api/agent/jobs", headers={"X-Agent-Key": key[:-4] + "AAAA"})
    bad_wait = await client.get("/api/agent/jobs?wait=soon", headers={"X-Agent-Key": key})
    bad_body = await client.post(f"/api/agent/jobs/{uuid.uuid4()}/result", headers={"X-Agent-Key": key},
                                 content=b"{nope")
    no_job = await client.post(f"/api/agent/jobs/{uuid.uuid4()}/result", headers={"X-Agent-Key": key},
                               json={"attempt": 1, "exit_code": 0})
    not_a_job = await client.post("/api/agent/jobs/xyz/result", headers={"X-Agent-Key": key},
                                  json={"attempt": 1})

    assert [r.status_code for r in (no_key, forged, bad_wait, bad_body, no_job, not_a_job)] == [
        401, 401, 400, 400, 404, 404]
    assert no_key.json() == {"error": "Malformed agent key."}


async def test_a_long_poll_returns_the_step_as_soon_as_it_is_ready(runtime, db, client, make_tenant):
    tenant = await make_tenant()
    key = await _agent(db, tenant)
    polling = asyncio.create_task(client.get("/api/agent/jobs?wait=10", headers={"X-Agent-Key": key}))
    await asyncio.sleep(0.3)

    await _waiting_run(runtime, db, tenant)

    response = await asyncio.wait_for(polling, 5)
    assert response.status_code == 200 and response.json()["job"]["command"] == "echo"
