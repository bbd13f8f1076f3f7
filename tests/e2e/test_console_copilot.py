"""The copilot panel and the analytics dashboard in a real Chromium against a real `atlas serve`."""

from __future__ import annotations

from playwright.async_api import expect

from tests.conftest import TEST_PASSWORD


async def _sign_in_at(page, url: str, tenant) -> None:
    await page.goto(url)
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def test_ask_the_copilot_and_see_the_cited_answer_stream_in(page, live_server, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    await _sign_in_at(page, f"{live_server}/console/copilot", tenant)

    await page.get_by_label("Question").fill("How many AI credits did we spend this period?")
    await page.get_by_role("button", name="Ask").click()

    answer = page.locator("#copilot-answer")
    await expect(page.locator("#copilot-routing")).to_have_text("FinOps · routed to FinOps by: credits, spend")
    await expect(answer.locator(".copilot-text")).to_contain_text("The AI credit balance is", timeout=10_000)
    await expect(answer).to_contain_text("Sources: AI usage ai:usage", timeout=10_000)
    await expect(answer.locator(".live-state")).to_have_text("answered")
    assert await answer.locator(".copilot-text").count() == 1  # the checked answer replaced the streamed one
    assert errors == []


async def test_the_analytics_dashboard_draws_its_charts(page, live_server, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()
    await _sign_in_at(page, f"{live_server}/console/analytics", tenant)

    await expect(page.locator("#incidents-total")).to_have_text("0")
    await expect(page.locator("#volume-chart svg.chart")).to_be_visible()
    await page.get_by_role("button", name="Write the Executive summary").click()
    await expect(page.locator("#summary-text")).to_contain_text("there were 0 incidents")
    assert errors == []
