"""The CMDB in a real Chromium against a real `atlas serve`: open a CI, see its topology drawn as SVG,
change the depth (htmx re-draws it in place), search for a CI to relate, and click through to a neighbour."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.conftest import TEST_PASSWORD
from tests.console.cmdb.helpers import shop


async def test_open_a_ci_change_the_topology_depth_and_follow_a_neighbour(page, live_server, db, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    ids = await shop(db, tenant)

    await page.goto(f"{live_server}/console/cmdb")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("link", name="CMDB", exact=True)).to_have_attribute("aria-current", "page")
    await page.get_by_role("link", name="checkout", exact=True).click()
    await page.wait_for_url(f"{live_server}/console/cmdb/{ids['checkout']}")

    drawing = page.locator("#ci-topology svg.topology")
    await expect(drawing).to_be_visible()
    await expect(drawing.locator("a.node")).to_have_count(4)
    await expect(page.locator("#impact-customers")).to_contain_text("ACME Corp depends on Online store")
    await page.evaluate("window.notReloaded = true")

    await page.locator("#topology-depth").select_option("1")
    await expect(drawing.locator("a.node")).to_have_count(2)
    await expect(page.locator("#topology-summary")).to_contain_text("2 CIs within 1 step (both)")
    assert await page.evaluate("window.notReloaded === true")  # only the drawing was re-read
    assert re.search(r"depth=1", page.url)

    await page.locator("#relate-search").fill("db")
    await expect(page.locator("#ci-candidates")).to_contain_text("payments-db")

    await drawing.locator('a.node[aria-label="payments"]').click()
    await page.wait_for_url(f"{live_server}/console/cmdb/{ids['payments']}")
    await expect(page.locator("#ci-summary h1")).to_contain_text("payments")
    await expect(page.locator("#ci-topology svg.topology g.node.center")).to_contain_text("payments")
    assert errors == []
