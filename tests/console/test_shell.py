"""The console shell: full pages, htmx fragments, vendored htmx, a strict CSP."""

import re
from pathlib import Path

import console
from tests.console.html import has, one, root

TEMPLATES = Path(console.__file__).parent / "templates"
INLINE_CODE = re.compile(r"\sstyle=|\shx-on|\son[a-z]+=|<script(?![^>]*\bsrc=)", re.IGNORECASE)


async def test_console_home_renders_a_full_page_with_platform_status(owner):
    response = await owner.get("/console/")

    assert response.status_code == 200
    assert response.text.startswith("<!doctype html>")
    assert "Platform status" in response.text
    assert has(response.text, 'head script[src="/static/vendor/htmx-2.0.11.min.js"]')


async def test_the_navigation_is_links_only_and_offers_what_the_owner_may_open(owner):
    nav = one((await owner.get("/console/")).text, 'nav[aria-label="Console"]')

    assert nav.find(string=re.compile(r"\S"), recursive=False) is None, "text outside the links"
    labels = [link.get_text(strip=True) for link in nav.select("a")]
    assert {"Incidents", "Copilot", "Analytics", "Billing", "Audit", "Policies"} <= set(labels)
    assert len(labels) == len(set(labels))


async def test_htmx_requests_get_only_the_fragment(owner):
    response = await owner.get("/console/", htmx=True)

    assert response.status_code == 200
    assert (root(response.text).name, root(response.text)["id"]) == ("section", "status")
    assert not has(response.text, "html")


async def test_vendored_htmx_is_served_locally(client):
    response = await client.get("/static/vendor/htmx-2.0.11.min.js")

    assert response.status_code == 200
    assert "htmx" in response.text[:2000]


async def test_console_pages_forbid_scripts_from_elsewhere(client):
    response = await client.get("/console/login")

    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_root_redirects_to_the_console(client):
    response = await client.get("/")

    assert response.status_code == 307
    assert response.headers["location"].endswith("/console/")


def test_templates_need_no_inline_script_or_style_under_the_csp():
    offenders = [f"{path.name}: {match.group(0)}" for path in TEMPLATES.rglob("*.html")
                 for match in INLINE_CODE.finditer(path.read_text())]

    assert offenders == []
