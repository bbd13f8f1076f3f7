"""Changes in a real Chromium against a real `atlas serve`: a CAB member opens the CAB queue, opens the
change, votes (htmx swaps the page in place, the clicked button's decision is sent) and sees it approved."""

from __future__ import annotations

from playwright.async_api import expect

from tests.conftest import TEST_PASSWORD
from tests.domain.changes.helpers import move, raise_change, shop


async def test_a_cab_member_approves_a_change_from_the_queue(page, live_server, db, make_tenant, add_member):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant, ids = await shop(db, make_tenant)
    manager = await add_member(tenant, ["change-manager"])
    change = await raise_change(db, tenant, ci_ids=[ids["payments-db"]], type="emergency", title="Hotfix the pool")
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    await page.goto(f"{live_server}/console/changes?view=cab")
    await page.get_by_label("Email").fill(manager)
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("link", name="Changes", exact=True)).to_have_attribute("aria-current", "page")
    await page.get_by_role("link", name=change.reference).click()
    await page.wait_for_url(f"{live_server}/console/changes/{change.id}")
    await expect(page.locator("#change-risk")).to_contain_text("blast radius: 3 dependent CI(s)")
    await page.evaluate("window.notReloaded = true")

    await page.get_by_label("Comment").fill("Rollback rehearsed")
    await page.get_by_role("button", name="Approve").click()

    await expect(page.locator("#change-state")).to_have_text("approved")
    await expect(page.locator("#change-votes")).to_contain_text(f"approve by {manager}: Rollback rehearsed")
    assert await page.evaluate("window.notReloaded === true")
    assert errors == []
