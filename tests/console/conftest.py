"""Console fixtures: browsers (own cookie jars) that sign in through the real sign-in form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_PASSWORD

FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')


def form_csrf(html: str) -> str:
    """The hidden csrf_token field of a page."""
    match = FORM_CSRF.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


async def submit_login(http: httpx.AsyncClient, email: str, *, password: str = TEST_PASSWORD, tenant: str = "",
                       next_path: str = "") -> httpx.Response:
    """Open the sign-in page and submit it, as a browser does."""
    form = await http.get("/console/login")
    data = {"csrf_token": form_csrf(form.text), "email": email, "password": password, "tenant": tenant,
            "next": next_path}
    return await http.post("/console/login", data=data)


@dataclass
class Browser:
    """A signed-in (or not) browser: an httpx client with its own cookies."""

    http: httpx.AsyncClient
    tenant: Any = None

    async def csrf(self) -> str:
        """The session's CSRF token, as base.html hands it to htmx (the chooser works in any session)."""
        page = await self.http.get("/console/choose-tenant")
        match = SESSION_CSRF.search(page.text)
        assert match and match.group(1), "not signed in"
        return match.group(1)

    async def get(self, url: str, *, htmx: bool = False) -> httpx.Response:
        return await self.http.get(url, headers={"HX-Request": "true"} if htmx else {})

    async def post(self, url: str, data: dict | None = None, *, htmx: bool = False,
                   csrf: bool = True) -> httpx.Response:
        """POST a form; with ``csrf`` the session token goes in the X-CSRF-Token header like htmx sends it."""
        headers = {"HX-Request": "true"} if htmx else {}
        if csrf:
            headers["X-CSRF-Token"] = await self.csrf()
        return await self.http.post(url, data=data or {}, headers=headers)


@pytest.fixture
async def new_browser(app):
    """Open fresh browsers on the in-process app; all are closed after the test."""
    opened: list[httpx.AsyncClient] = []

    async def open_browser() -> Browser:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://atlas.test")
        opened.append(http)
        return Browser(http)

    yield open_browser
    for http in opened:
        await http.aclose()


@pytest.fixture
def signed_in(new_browser):
    """A browser signed in as ``email`` (password TEST_PASSWORD)."""

    async def sign_in(email: str, *, tenant: str = "") -> Browser:
        browser = await new_browser()
        response = await submit_login(browser.http, email, tenant=tenant)
        assert response.status_code == 303, response.text
        return browser

    return sign_in


@pytest.fixture
async def owner(make_tenant, signed_in):
    """A browser signed in as the owner of a fresh tenant (enterprise plan), which is ``.tenant``."""
    tenant = await make_tenant()
    browser = await signed_in(f"owner@{tenant.slug}.example.com")
    browser.tenant = tenant
    return browser
