"""Incident screens in a real Chromium against a real `atlas serve`: create, live list over SSE, resolve."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.conftest import TEST_PASSWORD, auth_headers
from tests.waiting import subscribed_elsewhere, wait_for

MOVE = "mutation($i: TransitionIncidentInput!) { transitionIncident(input: $i) { __typename } }"
COMMENT = "mutation($id: ID!, $body: String!) { commentOnIncident(id: $id, body: $body) { __typename } }"


async def _open_an_incident_through_the_form(page, live_server, tenant) -> str:
    """Sign in on the incident list, open an incident with the form; its id."""
    await page.goto(f"{live_server}/console/incidents")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="New incident").click()
    await page.get_by_label("Title").fill("E2E checkout is down")
    await page.get_by_label("Severity").select_option("SEV1")
    await page.get_by_label("Services").fill("checkout, payments")
    await page.get_by_role("button", name="Open incident").click()
    await page.wait_for_url(re.compile(r".*/console/incidents/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


async def _when_live(page, indicator: str, runtime, tenant) -> None:
    """Wait until the page's stream is open and the server follows the tenant's changes, and mark the page
    to prove later that it was not reloaded."""
    await expect(page.locator(indicator)).to_have_text("live")
    await page.evaluate("window.notReloaded = true")
    await wait_for(lambda: subscribed_elsewhere(runtime.redis, tenant.tenant_id), timeout=10, every=0.05,
                   what="the server's live feed to subscribe to the tenant's changes")


async def test_create_see_changes_arrive_live_and_resolve(page, live_server, runtime, make_tenant, sign_in):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    incident_id = await _open_an_incident_through_the_form(page, live_server, tenant)

    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers(await sign_in(tenant))) as api:
        await page.get_by_role("link", name="Incidents", exact=True).click()
        row = page.locator(f"#incident-{incident_id}")
        await expect(row.locator(".lifecycle")).to_have_text("triggered")
        await _when_live(page, "#incident-table .live-state", runtime, tenant)
        moved = await api.post("/graphql", json={"query": MOVE, "variables": {"i": {"id": incident_id, "to": "OPEN"}}})
        assert moved.json()["data"]["transitionIncident"]["__typename"] == "IncidentSaved"
        await expect(row.locator(".lifecycle")).to_have_text("open", timeout=10_000)
        assert await page.evaluate("window.notReloaded === true")  # the row changed in place, over SSE

        await row.get_by_role("link").click()
        await expect(page.locator("#incident-status")).to_have_text("open")
        await page.get_by_role("button", name="Resolve").click()
        await expect(page.locator("#incident-status")).to_have_text("resolved")
        await expect(page.locator("#transition-form button")).to_have_text(["Reopen", "Close"])
        await expect(page.locator("#incident-timeline")).to_contain_text("Status open → resolved")

        await _when_live(page, "#incident-live .live-state", runtime, tenant)
        await api.post("/graphql", json={"query": COMMENT, "variables": {"id": incident_id, "body": "Said elsewhere"}})
        await expect(page.locator("#incident-timeline")).to_contain_text("Said elsewhere", timeout=10_000)
        assert await page.evaluate("window.notReloaded === true")  # the timeline re-read itself on the signal
    assert errors == []
