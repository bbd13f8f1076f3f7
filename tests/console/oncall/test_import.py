"""The on-call import page: a dry run that changes nothing and lists unmapped fields, then the import."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select

from domain.oncall.models import OnCallSchedule
from tests.console.html import cells, one, text
from tests.console.html import select as select_html
from tests.domain.oncall.import_payloads import opsgenie


async def _schedules(db, tenant) -> int:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(func.count()).select_from(OnCallSchedule))


async def test_a_dry_run_then_the_import_from_the_console(db, owner, add_member):
    emails = [await add_member(owner.tenant, ["responder"]) for _ in range(4)] + [f"n-{uuid.uuid4().hex[:6]}@example.com"]
    document = json.dumps(opsgenie(emails))

    dry = await owner.post("/console/oncall/import", {"source": "opsgenie", "document": document, "mode": "dry-run"},
                           htmx=True)

    assert dry.status_code == 200 and "Dry run: nothing was changed." in dry.text
    assert ["schedules", "Platform on call", ""] in [cells(r) for r in select_html(dry.text, "#import-objects tbody tr")]
    assert "teams" in [text(c) for c in select_html(dry.text, "#import-unmapped td code")]
    assert await _schedules(db, owner.tenant) == 0

    real = await owner.post("/console/oncall/import", {"source": "opsgenie", "document": document, "mode": "import"})

    assert real.status_code == 200 and "Imported." in real.text
    assert await _schedules(db, owner.tenant) == 1
    assert text(one(real.text, "#import-invitations td:first-child")) == emails[-1]


async def test_a_bad_export_is_refused_beside_the_field_and_changes_nothing(db, owner):
    response = await owner.post("/console/oncall/import", {"source": "pagerduty", "document": "{nope",
                                                           "mode": "import"}, htmx=True)

    assert response.status_code == 400
    assert text(one(response.text, ".field-error")).startswith("The export is not JSON: ")
    assert await _schedules(db, owner.tenant) == 0
