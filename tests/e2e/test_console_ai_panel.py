"""The incident page's AI pipeline panel in a real Chromium against a real `atlas serve`: it passes axe-core, and
its re-run button queues the step without reloading the page."""

from __future__ import annotations

from playwright.async_api import expect

from domain.ai.pipeline.service import run_step
from tests.domain.ai.pipeline_scenario import plant
from tests.e2e.test_console_daily import AXE, RUN_AXE, _sign_in


async def test_the_ai_panel_passes_axe_and_its_rerun_button_works(browser, live_server, runtime, make_tenant):
    # given an incident whose whole pipeline ran
    tenant = await make_tenant()
    planted = await plant(runtime.db, tenant)
    for step in ("rca", "runbook", "remediation", "verification"):
        await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                       incident_id=planted.incident_id, step=step)
    context = await browser.new_context(bypass_csp=True)  # to inject axe
    page = await context.new_page()
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")

    # when the owner opens its page
    await page.goto(f"{live_server}/console/incidents/{planted.incident_id}")
    await page.add_script_tag(content=AXE)
    violations = await page.evaluate(RUN_AXE)
    await page.evaluate("window.notReloaded = true")

    # then the panel is accessible, and re-running the RCA says it is queued, in place
    assert violations == []
    await expect(page.locator("#ai-step-verification .ai-state")).to_have_text("waiting for a remediation")
    await page.get_by_role("button", name="Re-run root-cause analysis").click()
    await expect(page.locator("#ai-step-rca .ai-state")).to_have_text("queued")
    await expect(page.get_by_text("Root-cause analysis queued to run again.")).to_be_visible()
    assert await page.evaluate("window.notReloaded") is True
    await context.close()
