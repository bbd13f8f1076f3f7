"""Identity screens in a real Chromium against a real `atlas serve`: sign in, create an API key, sign out."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


async def test_an_owner_signs_in_creates_an_api_key_sees_its_secret_and_signs_out(page, live_server, make_tenant):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tenant = await make_tenant()

    await page.goto(f"{live_server}/console/admin/api-keys")
    await page.get_by_label("Email").fill(f"owner@{tenant.slug}.example.com")
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Create an API key").wait_for()
    assert page.url == f"{live_server}/console/admin/api-keys"

    await page.evaluate("window.notReloaded = true")
    await page.get_by_label("Name", exact=True).fill("e2e-collector")
    await page.get_by_label("agent", exact=True).check()
    await page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key-secret")
    await secret.wait_for()
    assert len(await secret.input_value()) >= 32
    assert await page.evaluate("window.notReloaded === true")  # htmx swapped the screen in place
    assert await page.locator("#api-keys").get_by_text("e2e-collector").count() == 1

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("You have signed out.").wait_for()
    await page.goto(f"{live_server}/console/admin/api-keys")
    await page.get_by_role("heading", name="Sign in to AtlasAI").wait_for()
    assert errors == []
