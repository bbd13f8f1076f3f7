"""Inbound signed webhooks start `webhook` workflows: signature, freshness, condition, replay, tenancy."""

import json
import time

from sqlalchemy import func, select

from domain.automation.models import Run
from domain.automation.runbooks import save_workflow
from domain.automation.spec import WorkflowSpec
from domain.automation.webhooks import rotate_webhook_secret, signature
from tests.domain.automation.helpers import published

GATE = {"name": "gate", "steps": [{"name": "ok", "kind": "approval"}]}


async def _hook(runtime, db, tenant, *, secret=True):
    await published(db, tenant, GATE)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        workflow = await save_workflow(tx, actor="t", spec=WorkflowSpec(
            name="from-monitor", trigger="webhook", runbook="gate", condition='event.level == "critical"'))
        made = await rotate_webhook_secret(tx, workflow_id=workflow.id, seal=runtime.sealer.seal) if secret else None
    return f"/api/automation/hooks/{tenant.tenant_id}/{workflow.id}", made


def _signed(secret, payload, *, at=None):
    body, stamp = json.dumps(payload).encode(), str(int(at or time.time()))
    return body, {"X-Atlas-Timestamp": stamp, "X-Atlas-Signature": signature(secret, stamp, body),
                  "Content-Type": "application/json"}


async def _runs(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(func.count()).select_from(Run))


async def test_a_signed_body_starts_the_workflow_once_and_its_condition_decides(client, runtime, db, make_tenant):
    tenant = await make_tenant()
    path, secret = await _hook(runtime, db, tenant)

    body, headers = _signed(secret, {"level": "critical", "host": "db-1"})
    started = await client.post(path, content=body, headers=headers)
    replayed = await client.post(path, content=body, headers=headers)
    quiet = await client.post(path, content=_signed(secret, {"level": "info"})[0],
                              headers=_signed(secret, {"level": "info"})[1])

    assert started.status_code == 202 and started.json()["run_id"]
    assert (replayed.status_code, replayed.json()) == (202, {"run_id": None})
    assert (quiet.status_code, quiet.json()) == (202, {"run_id": None})
    assert await _runs(db, tenant) == 1


async def test_bad_stale_or_misdirected_webhooks_are_refused_and_start_nothing(client, runtime, db, make_tenant):
    tenant, other = await make_tenant(), await make_tenant()
    path, secret = await _hook(runtime, db, tenant)
    no_secret_path, _ = await _hook(runtime, db, other, secret=False)

    body, headers = _signed(secret, {"level": "critical"})
    forged = await client.post(path, content=body, headers={**headers, "X-Atlas-Signature": "sha256=" + "0" * 64})
    stale = await client.post(path, content=_signed(secret, {"level": "critical"}, at=time.time() - 600)[0],
                              headers=_signed(secret, {"level": "critical"}, at=time.time() - 600)[1])
    wrong_tenant = await client.post(path.replace(str(tenant.tenant_id), str(other.tenant_id)), content=body,
                                     headers=headers)
    unsigned_yet = await client.post(no_secret_path, content=body, headers=headers)
    not_json = await client.post(path, content=b"[1]", headers={**headers, "X-Atlas-Signature": signature(
        secret, headers["X-Atlas-Timestamp"], b"[1]")})

    assert [r.status_code for r in (forged, stale, wrong_tenant, unsigned_yet, not_json)] == [401, 401, 404, 409, 400]
    assert forged.json() == {"error": "Bad signature."}
    assert await _runs(db, tenant) == 0 and await _runs(db, other) == 0
