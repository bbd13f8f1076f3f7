"""Hostile request bodies on every route: 4xx with a reason, never 5xx (atlas/middleware.py, domain/strict_json.py).

Every POST route of the app is walked (path parameters filled with a random id) as a signed-in caller
(bearer token with every permission, and a console session with its CSRF token), so the bodies reach
the parsers behind authentication.
"""

import uuid

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.routing import Mount, Route

from atlas.middleware import BODY_LIMITS
from tests.conftest import TEST_PASSWORD, auth_headers, gql
from tests.console.conftest import SESSION_CSRF, submit_login

HOSTILE = {
    "invalid UTF-8 JSON": (b'{"query": "{ health { status } }", "x": "\xff\xfe"}', "application/json"),
    "deep JSON": (b"[" * 5000 + b"]" * 5000, "application/json"),
    "deep JSON object": (b'{"query": "{ health { status } }", "variables": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}",
                         "application/json"),
    "invalid UTF-8 form": (b"csrf_token=x&name=\xff\xfe&email=a%FF", "application/x-www-form-urlencoded"),
    "huge number": (b'{"query": "{ health { status } }", "n": ' + b"9" * 5000 + b"}", "application/json"),
}


def _post_paths(routes, prefix: str = "") -> list[str]:
    paths = []
    for route in routes:
        if isinstance(route, Mount):
            paths += _post_paths(route.routes, prefix + route.path)
        elif isinstance(route, Route) and "POST" in (route.methods or ()):
            path = prefix + route.path
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", str(uuid.uuid4()))
            paths.append(path)
    return sorted(set(paths))


@pytest.fixture
async def caller(app, make_tenant, sign_in):
    """An httpx client with a console session, plus bearer headers (the tenant's owner)."""
    tenant = await make_tenant()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        await submit_login(http, f"owner@{tenant.slug}.example.com", password=TEST_PASSWORD)
        csrf = SESSION_CSRF.search((await http.get("/console/choose-tenant")).text).group(1)
        headers = {**auth_headers(await sign_in(tenant)), "X-CSRF-Token": csrf}
        yield http, headers


async def test_every_post_route_answers_hostile_bodies_with_4xx(app, caller):
    http, headers = caller
    paths = _post_paths(app.routes)
    assert {"/graphql", "/api/auth/token", "/api/ingest/events", "/v1/logs", "/console/incidents/new"} <= set(paths)

    answers = {}
    for path in paths:
        for name, (body, content_type) in HOSTILE.items():
            response = await http.post(path, content=body, headers={**headers, "Content-Type": content_type})
            answers[(path, name)] = response.status_code

    server_errors = {case: status for case, status in answers.items() if status >= 500}
    assert not server_errors


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/graphql", b'{"query": "{ health { status } }", "x": "\xff"}', "Body is not valid UTF-8 (byte 0xff at offset 41)."),
    ("/graphql", b'{"query": "{ health { status } }", "variables": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}",
     "Body is nested too deeply (more than 64 levels)."),
    ("/api/auth/token", b"[" * 5000 + b"]" * 5000, "Body is nested too deeply (more than 64 levels)."),
    ("/api/ingest/events", b"[" * 5000 + b"]" * 5000, "Body is nested too deeply (more than 64 levels)."),
    ("/api/ingest/events", b'[{"source": "\xc3\x28"}]', "Body is not valid UTF-8 (byte 0xc3 at offset 13)."),
], ids=["graphql-utf8", "graphql-deep-variables", "token-deep", "ingest-deep", "ingest-utf8"])
async def test_malformed_json_is_400_saying_why(caller, path, body, message):
    http, headers = caller

    response = await http.post(path, content=body, headers={**headers, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize("path", ["/v1/logs", "/v1/traces"])
async def test_otlp_json_too_deep_is_a_400_status(caller, path):
    http, headers = caller

    response = await http.post(path, content=b"[" * 5000 + b"]" * 5000,
                               headers={**headers, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["message"]


def _limit(path: str, *, signed_in: bool) -> int:
    rule = next(rule for rule in BODY_LIMITS if path.startswith(rule.prefix))
    return rule.limit if signed_in or rule.anonymous is None else rule.anonymous


@pytest.mark.parametrize("path", ["/graphql", "/api/auth/token", "/api/ingest/events", "/v1/metrics",
                                  "/console/incidents/new", "/console/cmdb/transfer", "/console/login"])
async def test_a_body_over_its_routes_limit_is_413_before_parsing(caller, path):
    http, headers = caller
    limit = _limit(path, signed_in=True)
    kind = "application/x-www-form-urlencoded" if path.startswith("/console") else "application/json"
    headers = {**headers, "Content-Type": kind}

    declared = await http.post(path, content=b"x" * (limit + 1), headers=headers)

    async def stream():
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    streamed = await http.post(path, content=stream(), headers=headers)

    assert declared.status_code == 413 and streamed.status_code == 413
    assert declared.json() == {"error": f"Body larger than {limit} bytes; send a smaller request."}


async def test_anonymous_graphql_gets_the_small_limit_and_signed_in_the_large(client, caller):
    http, headers = caller
    padding = "#" + "x" * (_limit("/graphql", signed_in=False) + 10) + "\n"
    query = padding + "{ health { status } }"

    anonymous = await client.post("/graphql", json={"query": query})
    signed_in = await gql(http, query, headers=headers)

    assert anonymous.status_code == 413
    assert signed_in["data"]["health"]["status"] == "ok"


async def test_a_malformed_content_length_is_400(client):
    response = await client.post("/api/auth/token", content=b"grant_type=password",
                                 headers={"Content-Length": "12abc", "Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 400


@pytest.mark.parametrize("message", ["[" * 5000 + "]" * 5000,
                                     '{"type": "connection_init", "payload": ' + "[" * 3000 + "]" * 3000 + "}"])
async def test_a_websocket_message_nested_too_deeply_closes_the_socket_as_bad_input(app, message):
    transport = ASGIWebSocketTransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_text(message)
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive_json()

    assert closed.value.code == 4400
