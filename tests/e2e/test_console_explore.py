"""The telemetry explorer in a real Chromium against a real `atlas serve`: a log sent through the ingest
API appears in the live tail without a reload, its trace link opens the waterfall, a span expands.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect

from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from tests.conftest import TEST_PASSWORD


async def _ingest_key(db, tenant) -> str:
    """A new ingest API key of the tenant (X-Api-Key value)."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        issued = await create_api_key(tx, name="e2e-agent", kind="ingest", roles=["agent"], expires_at=None,
                                      actor=owner)
    return str(issued.credential)


def _batch(trace: str, body: str) -> dict:
    """A log line inside a two-span trace whose child failed."""
    start = datetime.now(UTC) - timedelta(seconds=2)

    def at(ms: int) -> str:
        return (start + timedelta(milliseconds=ms)).isoformat()

    return {"resource": {"service.name": "checkout"},
            "logs": [{"body": body, "severity": "ERROR", "trace_id": trace, "span_id": "2" * 16}],
            "spans": [{"trace_id": trace, "span_id": "1" * 16, "name": "POST /checkout", "start_time": at(0),
                       "end_time": at(400), "status": "ok"},
                      {"trace_id": trace, "span_id": "2" * 16, "parent_span_id": "1" * 16, "name": "charge card",
                       "start_time": at(100), "end_time": at(300), "status": "error", "status_message": "declined",
                       "attributes": {"card.brand": "visa"}}]}


async def test_live_tail_shows_a_newly_ingested_log_and_its_trace_opens_as_a_waterfall(page, live_server, db,
                                                                                        make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    key, trace, body = await _ingest_key(db, tenant), uuid.uuid4().hex, f"card declined {uuid.uuid4().hex[:8]}"

    await page.goto(f"{live_server}/console/explore/logs")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Start live tail").click()
    await expect(page.locator("#log-tail .live-state")).to_have_text("live")
    await page.evaluate("window.notReloaded = true")

    async with httpx.AsyncClient(base_url=live_server) as http:
        sent = await http.post("/api/ingest/events", json=_batch(trace, body), headers={"X-Api-Key": key})
    assert sent.status_code == 202, sent.text
    line = page.locator("#log-lines li.log-line", has_text=body)
    await expect(line).to_be_visible(timeout=10_000)
    await expect(line.locator(".level")).to_have_text("ERROR")
    assert await page.evaluate("window.notReloaded === true")  # prepended by the poll, no reload
    assert "tail=1" in page.url

    await page.get_by_role("link", name="Stop live tail").click()
    await expect(page.locator("#log-tail")).to_have_count(0)

    await page.locator("#log-lines li.log-line", has_text=body).get_by_role("link", name="trace").click()
    await page.wait_for_url(f"{live_server}/console/explore/traces/{trace}")
    rows = page.locator("#waterfall li.span-row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_have_class("span-row failed")
    await rows.nth(1).locator("summary").click()
    await expect(rows.nth(1).locator(".span-details")).to_contain_text("card.brand")
    await expect(rows.nth(1).locator(".span-details")).to_contain_text("error: declined")
    assert errors == []
