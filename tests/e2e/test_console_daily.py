"""The console as a daily tool, in a real Chromium against a real `atlas serve`: every screen at a desktop
and a phone width (nothing overflows sideways, identifiers don't wrap, axe-core finds no serious or critical
violation), the time zone setting changes the times shown, the search box finds an incident and a CI,
and GraphiQL works with the network blocked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.members.models import User
from tests.conftest import TEST_PASSWORD
from tests.console.telemetry.helpers import store

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SCREENS = ["/console/", "/console/incidents", "/console/incidents/new", "/console/oncall", "/console/oncall/import",
           "/console/explore", "/console/explore/logs", "/console/explore/metrics?name=queue.depth",
           "/console/explore/traces", "/console/explore/events",
           "/console/alerts", "/console/alerts/rules", "/console/alerts/rules/new", "/console/alerts/silences",
           "/console/alerts/targets", "/console/alerts/settings", "/console/alerts/integrations",
           "/console/cmdb", "/console/cmdb/new", "/console/cmdb/classes", "/console/cmdb/transfer",
           "/console/knowledge", "/console/changes", "/console/changes/new", "/console/sla", "/console/catalog",
           "/console/problems", "/console/automation", "/console/ai", "/console/copilot", "/console/analytics",
           "/console/admin/members", "/console/admin/roles", "/console/admin/api-keys", "/console/admin/audit",
           "/console/admin/billing", "/console/admin/policies",
           "/console/platform/tenants", "/console/platform/policies", "/console/platform/ai-models",
           "/console/settings", "/console/search?query=checkout"]
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
# How far the page overflows sideways, and the innermost elements that stick out (to say what to fix).
OVERFLOW = """() => {
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow <= 1) return [];
  const out = [...document.body.querySelectorAll("*")].filter(element =>
    element.getBoundingClientRect().right > window.innerWidth + 1 &&
    ![...element.children].some(child => child.getBoundingClientRect().right > window.innerWidth + 1));
  return ["overflows the viewport by " + overflow + "px: " +
          out.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                              (e.className && e.className.baseVal === undefined ? "." + e.className : "")).join(", ")];
}"""
# Identifiers, times, tags and badges must stay on one line: the lines their text is laid out on, by bottom edge.
WRAPPED = """() => {
  const wrapped = [];
  for (const element of document.querySelectorAll("time, .ref, .tag, .sev, .lifecycle, td.when, td.who-cell")) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const bottoms = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.bottom).sort((a, b) => a - b);
    const lines = bottoms.filter((bottom, i) => i === 0 || bottom - bottoms[i - 1] > 6).length;
    if (lines > 1) wrapped.push(element.tagName.toLowerCase() + "." + element.className + " '" +
                                element.textContent.trim().slice(0, 30) + "' on " + lines + " lines");
  }
  return wrapped.slice(0, 5);
}"""
RUNBOOK = """apiVersion: atlas/v1
kind: Runbook
spec:
  name: restart-checkout
  description: Restart the checkout service after an approval
  steps:
  - name: approve
    kind: approval
    summary: Restart checkout?
    ttl_minutes: 30
"""
SEEDS = [  # (mutation, how to read the new object's id from the answer, its page or None)
    ('mutation { createIncident(input: {title: "Checkout down", severity: SEV1}) '
     '{ ... on IncidentSaved { incident { id } } } }', ("createIncident", "incident"), "/console/incidents/{}"),
    ('mutation { createConfigurationItem(input: {classKey: "application_service", name: "checkout-api"}) '
     '{ ... on CiSaved { ci { id } } } }', ("createConfigurationItem", "ci"), "/console/cmdb/{}"),
    ('mutation { createChange(input: {title: "Patch the checkout database", type: NORMAL, backoutPlan: "restore"}) '
     '{ ... on ChangeSaved { change { id } } } }', ("createChange", "change"), "/console/changes/{}"),
    ('mutation { createAlertRule(input: {name: "Checkout failing", kind: EVENT, '
     'condition: "event.severity == \'critical\'"}) { ... on AlertRuleSaved { rule { id } } } }',
     ("createAlertRule", "rule"), "/console/alerts/rules/{}"),
    ('mutation { createKbArticle(input: {title: "Restarting checkout", body: "Drain, then restart.", '
     'tags: ["checkout"]}) { ... on KbArticleSaved { article { id } } } }', ("createKbArticle", "article"),
     "/console/knowledge/{}"),
    ('mutation($user: ID!) { createOnCallSchedule(input: {name: "Checkout primary", timeZone: "Europe/Berlin", '
     'layers: [{rotation: "weekly", start: "2026-01-05T09:00", participants: [$user]}]}) '
     '{ ... on ScheduleSaved { schedule { id } } } }', ("createOnCallSchedule", "schedule"),
     "/console/oncall/schedules/{}"),
    ('mutation { createCatalogItem(input: {name: "Laptop", category: "Hardware"}) '
     '{ ... on CatalogItemSaved { item { id } } } }', ("createCatalogItem", "item"), None),
    ('mutation { createProblem(title: "Checkout keeps failing") { __typename } }', None, None),
    ('mutation($runbook: String!) { importAutomation(yaml: $runbook) { __typename } }', None, None),
]
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


async def _seed(page, base: str, tenant, db) -> list[str]:
    """One object of each kind with a page (and a few for the lists); the pages of those objects."""
    pages = []
    variables = {"user": str(tenant.admin_user_id), "runbook": RUNBOOK}
    for mutation, found, path in SEEDS:
        data = await _api(page, base, tenant, mutation, variables)
        if found:
            field, kind = found
            assert kind in data[field], data
            identifier = data[field][kind]["id"]
            if path:
                pages.append(path.format(identifier))
            if kind == "item":
                raised = await _api(page, base, tenant, 'mutation($id: ID!) { raiseServiceRequest(itemId: $id, '
                                    'answers: {}) { ... on ServiceRequestSaved { request { id } } } }', {"id": identifier})
                pages.append(f"/console/requests/{raised['raiseServiceRequest']['request']['id']}")
    trace = uuid.uuid4().hex
    start = datetime.now(UTC) - timedelta(minutes=5)
    await store(db, tenant, {"resource": {"service.name": "checkout"},
                             "logs": [{"body": "card declined", "severity": "ERROR", "trace_id": trace}],
                             "metrics": [{"name": "queue.depth", "value": 3.0}],
                             "events": [{"source": "synthetic", "title": "checkout slow", "severity": "critical"}],
                             "spans": [{"trace_id": trace, "span_id": "a" * 16, "name": "POST /checkout",
                                        "start_time": start.isoformat(),
                                        "end_time": (start + timedelta(milliseconds=120)).isoformat()}]})
    return [*pages, f"/console/explore/traces/{trace}"]


async def _platform_admin(db, tenant) -> None:
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_screen_fits_and_passes_axe(browser, live_server, make_tenant, db, size):
    tenant = await make_tenant()
    await _platform_admin(db, tenant)
    width, height = SIZES[size]
    context = await browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)  # to inject axe
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")
    details = await _seed(page, live_server, tenant, db)
    problems: dict[str, list[str]] = {}
    for screen in [*SCREENS, *details]:
        response = await page.goto(f"{live_server}{screen}")
        assert response.status < 400, screen
        found = await page.evaluate(OVERFLOW) + await page.evaluate(WRAPPED)
        await page.add_script_tag(content=AXE)
        found += await page.evaluate(RUN_AXE)
        if found:
            problems[screen] = found
    await context.close()

    assert len(details) == 8
    assert problems == {}, "\n".join(f"{screen}: {found}" for screen, found in problems.items())
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


async def test_the_cmdb_import_hint_follows_the_chosen_format(page, live_server, make_tenant):
    tenant = await make_tenant()
    await _sign_in(page, live_server, f"owner@{tenant.slug}.example.com")
    await page.goto(f"{live_server}/console/cmdb/transfer")
    cis = page.get_by_label("CIs", exact=True)

    as_json = await cis.get_attribute("placeholder")
    await page.get_by_label("Format").select_option("csv")
    as_csv = await cis.get_attribute("placeholder")
    await page.get_by_label("Format").select_option("json")

    assert as_json.startswith('[{"class": "database"')
    assert as_csv == "class,name,environment,attr.port"
    assert await cis.get_attribute("placeholder") == as_json
