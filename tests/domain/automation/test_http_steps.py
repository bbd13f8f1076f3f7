"""HTTP steps: idempotency keys per attempt, retries with backoff, secret headers by reference only."""

import asyncio
import json

import pytest
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.automation.actions import secret_name
from domain.automation.models import Run
from tests.domain.automation.helpers import advance, events, outputs, published, start, state
from tests.waiting import wait_for


class Flaky:
    """Answers 503 the first ``failures`` times, then 200 with what it was sent."""

    def __init__(self, failures: int) -> None:
        self.failures, self.requests = failures, []

    async def handle(self, request: Request) -> JSONResponse:
        self.requests.append(dict(request.headers))
        if len(self.requests) <= self.failures:
            return JSONResponse({"error": "busy"}, status_code=503)
        return JSONResponse({"ok": True, "body": json.loads(await request.body() or b"null")})


@pytest.fixture
async def flaky():
    server_of = {}

    async def serve(failures: int) -> tuple[Flaky, str]:
        hook = Flaky(failures)
        app = Starlette(routes=[Route("/hook", hook.handle, methods=["POST"])])
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        server_of["task"] = asyncio.create_task(server.serve())
        server_of["server"] = server
        await wait_for(lambda: server.started, timeout=10, what="the receiver")
        return hook, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/hook"

    yield serve
    if "server" in server_of:
        server_of["server"].should_exit = True
        await server_of["task"]


def _runbook(url: str, **step) -> dict:
    return {"name": "call", "steps": [{"name": "call", "kind": "http", "url": url, "body": {"host": "{{ inputs.host }}"},
                                       "secret_headers": {"Authorization": "status-token"}, **step}]}


async def test_a_failed_attempt_is_retried_with_a_new_key_and_the_secret_is_never_stored(
        runtime, db, make_tenant, flaky):
    tenant = await make_tenant()
    runtime.secrets.put(secret_name(tenant.tenant_id, "status-token"), "Bearer s3cr3t-value")
    hook, url = await flaky(failures=1)
    run_id = await start(db, tenant, await published(db, tenant, _runbook(url, retries=2, retry_delay=0)),
                         inputs={"host": "db-1"})

    first = await advance(runtime, tenant, run_id)
    after_first = await state(db, tenant, run_id)
    second = await advance(runtime, tenant, run_id)  # what the deferred retry job does

    assert (first, after_first) == ("running", ("running", [("call", "pending", 1)]))
    assert second == "succeeded" and (await state(db, tenant, run_id))[1] == [("call", "succeeded", 2)]
    step_id_keys = [r["idempotency-key"] for r in hook.requests]
    assert [key.rsplit(":", 1)[1] for key in step_id_keys] == ["1", "2"]
    assert {r["authorization"] for r in hook.requests} == {"Bearer s3cr3t-value"}
    assert (await outputs(db, tenant, run_id, "call"))["body"] == {"ok": True, "body": {"host": "db-1"}}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = (await tx.session.execute(text("SELECT inputs::text || outputs::text FROM automation_steps s "
                                                "WHERE s.run_id = :r"), {"r": run_id})).scalar_one()
    assert "s3cr3t" not in stored and "status-token" in stored
    assert (await events(db, tenant, run_id)).count("step_retry") == 1


async def test_a_missing_secret_fails_the_step_saying_which_and_retries_run_out(runtime, db, make_tenant, flaky):
    tenant = await make_tenant()
    hook, url = await flaky(failures=0)
    run_id = await start(db, tenant, await published(db, tenant, _runbook(url)), inputs={"host": "x"})

    assert await advance(runtime, tenant, run_id) == "failed"

    assert hook.requests == []
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        run = await tx.session.get(Run, run_id)
    assert run.error == "step call failed: secret 'status-token' is not available"
