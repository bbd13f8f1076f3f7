"""Audit log screen: filters, and the export download behind the audit_export feature."""

from __future__ import annotations

import csv
import io

from domain.audit import service as audit
from tests.console.html import one, select, text


async def test_the_audit_log_filters_by_action_prefix(db, owner):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        await audit.record(tx, actor="ops@example.com", action="billing.subscribed", target_type="subscription")
        await audit.record(tx, actor="ops@example.com", action="member.invited", target_type="invitation")

    page = await owner.get("/console/admin/audit?action=billing.")

    rows = select(page.text, "#audit-events tbody tr")
    assert [text(row.select("td")[2]) for row in rows] == ["billing.subscribed"]


async def test_the_export_downloads_the_filtered_log_as_csv(db, owner):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        await audit.record(tx, actor="ops@example.com", action="policy.tightened", data={"k": 1})

    download = await owner.get("/console/admin/audit/export?format=CSV&action=policy.tightened")

    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="audit-log.csv"'
    assert [row["action"] for row in csv.DictReader(io.StringIO(download.text))] == ["policy.tightened"]


async def test_without_audit_export_the_page_says_so_and_the_download_is_refused(make_tenant, signed_in):
    tenant = await make_tenant(plan="pro")
    browser = await signed_in(f"owner@{tenant.slug}.example.com")

    page = await browser.get("/console/admin/audit")
    download = await browser.get("/console/admin/audit/export?format=JSON")

    assert "needs a plan with audit_export" in text(one(page.text, "#audit-export"))
    assert download.status_code == 403 and download.text == "Your plan does not include 'audit_export'."
