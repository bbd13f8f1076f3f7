"""The console in a real browser, served by a real `atlas serve` process."""


async def test_console_home_renders_with_htmx_loaded(page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    await page.goto(f"{live_server}/console/")

    await page.get_by_role("heading", name="Platform status").wait_for()
    assert await page.locator("#status dd").first.inner_text() == "ok"
    assert await page.evaluate("typeof window.htmx") == "object"
    assert errors == []
