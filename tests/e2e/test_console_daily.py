"""The console as a daily tool, in a real Chromium against a real `atlas serve`: every screen at a desktop
and a phone width (nothing overflows sideways, identifiers don't wrap, axe-core finds no serious or critical
violation), the time zone setting changes the times shown, the search box finds an incident and a CI,
and GraphiQL works with the network blocked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SCREENS = ["/console/", "/console/incidents", "/console/incidents/new", "/console/oncall", "/console/explore",
           "/console/alerts", "/console/alerts/rules", "/console/cmdb", "/console/cmdb/transfer", "/console/knowledge",
           "/console/changes", "/console/sla", "/console/catalog", "/console/problems", "/console/automation",
           "/console/admin/members", "/console/admin/roles", "/console/admin/api-keys", "/console/admin/audit",
           "/console/settings", "/console/search?query=checkout"]
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


async def _sign_in(page, base: str, email: str) -> None:
    await page.goto(f"{base}/console/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/console/")


async def _api(page, base: str, tenant, query: str, variables: dict) -> dict:
    token = await page.request.post(f"{base}/api/auth/token", form={
        "grant_type": "password", "username": f"owner@{tenant.slug}.example.com", "password": TEST_PASSWORD,
        "tenant": tenant.slug})
    headers = {"Authorization": f"Bearer {(await token.json())['access_token']}", "x-tenant-id": str(tenant.tenant_id)}
    answer = await page.request.post(f"{base}/graphql", data={"query": query, "variables": variables}, headers=headers)
    return (await answer.json())["data"]


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_screen_fits_and_passes_axe(browser, live_server, make_tenant, size):
    tenant = await make_tenant()
    width, height = SIZES[size]
    context = await browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)  # to inject axe
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")
    problems: dict[str, list[str]] = {}
    for screen in SCREENS:
        response = await page.goto(f"{live_server}{screen}")
        assert response.status < 400, screen
        found = []
        if (overflow := await page.evaluate(OVERFLOW)) > 1:
            found.append(f"overflows the viewport by {overflow}px")
        await page.add_script_tag(content=AXE)
        found += await page.evaluate(RUN_AXE)
        if found:
            problems[screen] = found
    await context.close()

    assert problems == {}
    assert errors == []


async def test_the_phone_menu_opens_and_the_search_shortcut_focuses_the_box(browser, live_server, make_tenant):
    tenant = await make_tenant()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")
    nav = page.locator("#console-nav")

    hidden = await nav.is_visible()
    await page.get_by_role("button", name="Menu").click()
    shown = await nav.is_visible()
    await page.keyboard.press("Control+k")
    focused = await page.evaluate("document.activeElement.id")
    await context.close()

    assert (hidden, shown, focused) == (False, True, "global-search")


async def test_times_follow_the_time_zone_setting_and_search_finds_an_incident_and_a_ci(page, live_server, make_tenant):
    tenant = await make_tenant()
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")
    data = await _api(page, live_server, tenant, "mutation { createIncident(input: {title: \"Checkout down\", "
                      "severity: SEV1}) { ... on IncidentSaved { incident { id reference } } } }", {})
    incident = data["createIncident"]["incident"]
    await _api(page, live_server, tenant, "mutation { createConfigurationItem(input: {classKey: \"application_service\", "
               "name: \"checkout-api\"}) { __typename } }", {})

    await page.goto(f"{live_server}/console/incidents/{incident['id']}")
    in_utc = await page.locator(".facts time").first.inner_text()
    await page.goto(f"{live_server}/console/settings")
    await page.get_by_label("Time zone").fill("America/New_York")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_text("Saved: times are shown in America/New_York").wait_for()
    await page.goto(f"{live_server}/console/incidents/{incident['id']}")
    opened = page.locator(".facts time").first
    in_new_york = await opened.inner_text()
    hover = await opened.get_attribute("title")
    await page.keyboard.press("/")
    await page.keyboard.type("checkout")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/search?query=checkout")
    hits = await page.locator("#search-results a").all_inner_texts()

    assert in_utc.endswith("UTC") and in_new_york[-3:] in ("EST", "EDT")
    assert hover == in_utc
    assert hits == [f"{incident['reference']} Checkout down", "checkout-api"]


async def test_graphiql_works_with_the_network_blocked(page, live_server):
    blocked: list[str] = []

    async def only_our_server(route):
        if route.request.url.startswith(live_server):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_our_server)
    await page.goto(f"{live_server}/graphql")
    await page.get_by_test_id("graphiql-container").wait_for(timeout=15000)  # rendered by React: the scripts ran

    assert blocked == []
