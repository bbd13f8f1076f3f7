"""The automation screen: import YAML, publish, the approval queue decides, agents show their key once."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.automation.models import Runbook
from tests.console.html import has, one, text
from tests.console.html import select as select_html
from tests.domain.automation.helpers import advance, start

GATE = """apiVersion: atlas/v1
kind: Runbook
spec:
  name: gate
  steps:
  - {name: ok, kind: approval, summary: "restart db-1?", allow_requester: true}
"""


async def test_import_publish_run_and_approve_from_the_screen(owner, runtime, db):
    # given a runbook imported and published through the screen
    imported = await owner.post("/console/automation/import", {"yaml": GATE}, htmx=True)
    assert "Runbook gate saved as draft version 1." in imported.text
    [publish] = select_html(imported.text, 'form[action$="/publish"]')
    published = await owner.post(publish["action"], htmx=True)
    assert "Version 1 of gate published." in published.text

    # when a run of it reaches its gate
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        runbook = await tx.session.scalar(select(Runbook).where(Runbook.name == "gate"))
    run_id = await start(db, owner.tenant, runbook, actor=f"owner@{owner.tenant.slug}.example.com")
    await advance(runtime, owner.tenant, run_id)
    queue = await owner.get("/console/automation")

    # then it is in the queue, and approving it there empties the queue and moves the run on
    [row] = select_html(queue.text, "#approvals tbody tr")
    assert "restart db-1?" in text(row)
    decided = await owner.post(one(row, "form")["action"], {"decision": "approve", "reason": "ok"}, htmx=True)
    assert "Approval approved." in decided.text and not has(decided.text, "#approvals")
    assert "gate v1" in text(one(decided.text, f"#run-{run_id}"))


async def test_a_bad_document_shows_the_error_beside_the_yaml_and_keeps_it(owner):
    response = await owner.post("/console/automation/import", {"yaml": "kind: [broken"}, htmx=True)

    assert response.status_code == 400
    assert "The document is not valid YAML at line 1." in text(one(response.text, "#import-form"))
    assert one(response.text, "#automation-yaml").text == "kind: [broken"


async def test_an_agent_key_is_shown_once(owner):
    name = f"edge-{uuid.uuid4().hex[:4]}"
    made = await owner.post("/console/automation/agents", {"name": name, "labels": "db, linux"}, htmx=True)

    key = one(made.text, "input#agent-key")["value"]
    later = await owner.get("/console/automation")
    assert key.startswith("aga_") and key not in later.text
    assert name in text(one(later.text, "#agents"))
