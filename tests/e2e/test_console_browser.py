"""The console in a real browser, served by a real `atlas serve` process."""

from tests.conftest import TEST_PASSWORD


async def test_console_home_renders_with_htmx_loaded(page, live_server, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()

    await page.goto(f"{live_server}/console/")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await page.get_by_role("heading", name="Platform status").wait_for()
    assert await page.locator("#status dd").first.inner_text() == "ok"
    assert await page.evaluate("typeof window.htmx") == "object"
    assert errors == []
