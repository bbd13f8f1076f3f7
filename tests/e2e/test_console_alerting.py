"""Alerting in a real Chromium against a real `atlas serve`: write a rule, preview it with a dry run over
events sent through the ingest API, see the kind's own fields, save it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect

from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from tests.conftest import TEST_PASSWORD


async def _send_checks(db, tenant, live_server) -> None:
    """Four failed synthetic checks of payments in the last half hour, through the ingest API."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        issued = await create_api_key(tx, name="e2e-agent", kind="ingest", roles=["agent"], expires_at=None,
                                      actor=owner)
    now = datetime.now(UTC)
    events = [{"source": "synthetic-monitor", "severity": "critical", "title": f"checkout check {m} min ago",
               "service": "payments", "time": (now - timedelta(minutes=m)).isoformat()} for m in (25, 20, 15, 10)]
    async with httpx.AsyncClient(base_url=live_server) as http:
        sent = await http.post("/api/ingest/events", json={"events": events},
                               headers={"X-Api-Key": str(issued.credential)})
    assert sent.status_code in (200, 202), sent.text


async def test_write_a_rule_dry_run_it_and_save_it(page, live_server, db, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    await _send_checks(db, tenant, live_server)

    await page.goto(f"{live_server}/console/alerts")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("link", name="Alerts", exact=True)).to_have_attribute("aria-current", "page")
    await page.get_by_role("link", name="New rule").click()

    await page.locator("#rule-name").fill("Checkout failing")
    await page.locator("#rule-kind").select_option("metric")
    await expect(page.locator("#rule-metric")).to_be_visible()
    await expect(page.locator("#rule-condition")).to_be_hidden()
    await page.locator("#rule-kind").select_option("event")
    await expect(page.locator("#rule-metric")).to_be_hidden()
    await page.locator("#rule-condition").fill("event.source == 'synthetic-monitor' && event.severity == 'critical'")
    await page.locator("#rule-group-by").fill("service")
    await page.locator("#rule-threshold-count").fill("3")
    await page.locator("#dry-run-hours").select_option("1")
    await page.get_by_role("button", name="Dry run").click()

    summary = page.locator("#dry-run-summary")
    await expect(summary).to_contain_text("would have fired for 1 of 1 groups, raising 1 incident.")
    await expect(page.locator("#dry-run-groups")).to_contain_text("service=payments")
    await expect(page.locator("#dry-run-groups")).to_contain_text("checkout check 10 min ago")
    assert "/rules/new" in page.url  # the preview saved nothing and left the page where it was

    await page.locator("#rule-condition").fill("event.severity ==")
    await page.get_by_role("button", name="Dry run").click()
    await expect(page.locator("#rule-condition + .muted + .field-error")).to_contain_text("not valid CEL")

    await page.locator("#rule-condition").fill("event.source == 'synthetic-monitor' && event.severity == 'critical'")
    await page.get_by_role("button", name="Create rule").click()
    await page.wait_for_url(re.compile(r".*/console/alerts/rules/[0-9a-f-]{36}$"))
    await expect(page.locator("h1")).to_contain_text("Checkout failing version 1")
    await expect(page.locator("#rule-version-1")).to_contain_text("created")
    await page.get_by_role("link", name="Rules", exact=True).click()
    await expect(page.locator("#alert-rules")).to_contain_text("Checkout failing")
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]  # the bad CEL
