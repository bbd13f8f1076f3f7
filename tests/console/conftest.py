"""Console fixtures: browsers (own cookie jars) that sign in through the real sign-in form."""

from __future__ import annotations

import asyncio
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


# ---- incidents: setup through the API, and a transport that streams (server-sent events)

INCIDENT_FIELDS = "id number reference title status severity priority version"
CREATE_INCIDENT = f"""mutation($i: CreateIncidentInput!) {{ createIncident(input: $i) {{
  ... on IncidentSaved {{ incident {{ {INCIDENT_FIELDS} }} }} ... on Error {{ code message }} }} }}"""
MOVE_INCIDENT = f"""mutation($i: TransitionIncidentInput!) {{ transitionIncident(input: $i) {{
  ... on IncidentSaved {{ incident {{ {INCIDENT_FIELDS} }} }} ... on Error {{ code message }} }} }}"""
READ_INCIDENT = f"""query($id: ID!) {{ incident(id: $id) {{ {INCIDENT_FIELDS} assignee {{ email }}
  responders {{ role person {{ email }} }} links {{ kind reason }} mergedIntoId
  postmortem {{ summary status actionItems {{ title status }} }}
  timeline {{ edges {{ node {{ kind data }} }} }} }} }}"""


@dataclass
class IncidentApi:
    """The GraphQL API as one member of a tenant (setup and checks beside the console)."""

    http: httpx.AsyncClient
    headers: dict[str, str]

    async def call(self, query: str, variables: dict) -> dict:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers=self.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    async def create(self, title: str = "Checkout is failing", severity: str = "SEV2", **fields) -> dict:
        data = await self.call(CREATE_INCIDENT, {"i": {"title": title, "severity": severity, **fields}})
        return data["createIncident"]["incident"]

    async def move(self, incident: dict, *steps: str) -> dict:
        for to in steps:
            incident = (await self.call(MOVE_INCIDENT, {"i": {"id": incident["id"], "to": to}}))[
                "transitionIncident"]["incident"]
        return incident

    async def read(self, incident_id: str) -> dict:
        return (await self.call(READ_INCIDENT, {"id": incident_id}))["incident"]

    async def link(self, parent: dict, child: dict, kind: str = "PARENT", reason: str = "") -> dict:
        linked = await self.call("mutation($i: LinkIncidentsInput!) { linkIncidents(input: $i) { __typename "
                                 "... on IncidentsLinked { link { id } } ... on Error { code message } } }",
                                 {"i": {"fromId": parent["id"], "toId": child["id"], "kind": kind, "reason": reason}})
        assert linked["linkIncidents"]["__typename"] == "IncidentsLinked", linked
        return linked["linkIncidents"]["link"]


@pytest.fixture
def incident_api(client, sign_in):
    """``await incident_api(tenant, email=None)``: the API signed in as that member (the owner by default)."""
    from tests.conftest import auth_headers

    async def open_api(tenant, email: str | None = None) -> IncidentApi:
        return IncidentApi(client, auth_headers(await sign_in(tenant, email)))

    return open_api


class _StreamedBody(httpx.AsyncByteStream):
    """A response body read while the app still sends it; closing it tells the app the client left."""

    def __init__(self, chunks: asyncio.Queue, left: asyncio.Event, app_task: asyncio.Task) -> None:
        self.chunks, self.left, self.app_task = chunks, left, app_task

    async def __aiter__(self):
        while (chunk := await self.chunks.get()) is not None:
            yield chunk

    async def aclose(self) -> None:
        self.left.set()
        await asyncio.wait_for(self.app_task, 5)  # the app must end its response once the client left


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Like httpx.ASGITransport, but the response streams (httpx's own buffers the whole body first)."""

    def __init__(self, app) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = b"".join([part async for part in request.stream])
        chunks, left, started = asyncio.Queue(), asyncio.Event(), asyncio.get_running_loop().create_future()
        sent_request = False

        async def receive() -> dict:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.set_result(message)
            elif message["type"] == "http.response.body":
                await chunks.put(message.get("body", b""))
                if not message.get("more_body"):
                    await chunks.put(None)

        app_task = asyncio.create_task(self.app(_scope(request), receive, send))
        app_task.add_done_callback(lambda task: started.done() or started.set_exception(
            task.exception() or RuntimeError("the app sent no response")))
        start = await started
        return httpx.Response(start["status"], headers=start.get("headers", []),
                              stream=_StreamedBody(chunks, left, app_task))


def _scope(request: httpx.Request) -> dict:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": request.method, "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme, "path": request.url.path, "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query, "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 123), "root_path": ""}


@pytest.fixture
async def streaming(app):
    """``streaming(browser)``: a client with the browser's cookies whose responses stream."""
    opened: list[httpx.AsyncClient] = []

    def open_client(browser: Browser) -> httpx.AsyncClient:
        http = httpx.AsyncClient(transport=StreamingASGITransport(app), base_url="http://atlas.test",
                                 cookies=browser.http.cookies, timeout=10)
        opened.append(http)
        return http

    yield open_client
    for http in opened:
        await http.aclose()


async def next_event(lines, timeout: float = 5.0) -> dict[str, str]:
    """The next server-sent event (comments skipped) as ``{"event", "data"}``; TimeoutError if none comes."""

    async def read() -> dict[str, str]:
        event, data = "message", []
        async for line in lines:
            if line == "" and data:
                return {"event": event, "data": "\n".join(data)}
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data.append(line.removeprefix("data: "))
        raise EOFError("the stream ended")

    return await asyncio.wait_for(read(), timeout)
