"""The explorer has the API's access: signed-in only, telemetry.read required, one tenant's data only."""

from __future__ import annotations

import pytest

from tests.console.html import alerts, shown_codes
from tests.console.telemetry.helpers import ago, store, trace_id

NOW_SPAN = {"span_id": "a" * 16, "name": "secret span", "service": "vault"}


async def _secrets(db, tenant) -> str:
    """Telemetry of one tenant, every kind, marked "secret"; its trace id."""
    trace = trace_id()
    await store(db, tenant, {"resource": {"service.name": "vault"}, "logs": [{"body": "secret log line"}],
                             "metrics": [{"name": "secret.metric", "value": 1.0}],
                             "events": [{"source": "secret-source", "title": "secret event"}],
                             "spans": [{**NOW_SPAN, "trace_id": trace, "start_time": ago(seconds=5),
                                        "end_time": ago(seconds=4)}]})
    return trace


async def test_another_tenants_telemetry_never_shows(owner, db, make_tenant):
    other = await make_tenant()
    trace = await _secrets(db, other)
    await store(db, owner.tenant, {"logs": [{"body": "my own line"}]})

    pages = [await owner.get(url) for url in (
        "/console/explore/logs", "/console/explore/metrics", "/console/explore/metrics?name=secret.metric",
        "/console/explore/traces?range=7d", "/console/explore/events")]
    waterfall = await owner.get(f"/console/explore/traces/{trace}")

    assert all(page.status_code == 200 for page in pages)
    assert not [page.url for page in pages if "secret" in page.text.replace("secret.metric", "")]
    assert "my own line" in pages[0].text and 'value="secret.metric">' not in pages[1].text
    assert "No data in this range" in pages[2].text
    assert waterfall.status_code == 404 and "secret span" not in waterfall.text


@pytest.mark.parametrize("url", ["/console/explore/logs", "/console/explore/metrics", "/console/explore/traces",
                                 f"/console/explore/traces/{'b' * 32}", "/console/explore/events",
                                 "/console/explore/logs/tail?newer=2026-01-01T00:00:00Z"])
async def test_a_member_without_telemetry_read_sees_forbidden(url, make_tenant, add_member, signed_in):
    tenant = await make_tenant()
    agent = await signed_in(await add_member(tenant, ["agent"]))

    page = await agent.get(url)

    assert page.status_code == (200 if "/tail" in url else 403)
    assert "FORBIDDEN" in shown_codes(page.text)
    assert any(alert.startswith("You may not do this.") for alert in alerts(page.text))
    assert "telemetry.read" in page.text


async def test_viewers_may_explore(make_tenant, add_member, signed_in, db):
    tenant = await make_tenant()
    await store(db, tenant, {"logs": [{"body": "visible to viewers"}]})
    viewer = await signed_in(await add_member(tenant, ["viewer"]))

    page = await viewer.get("/console/explore/logs")

    assert page.status_code == 200 and "visible to viewers" in page.text


@pytest.mark.parametrize("url", ["/console/explore", "/console/explore/logs", "/console/explore/metrics",
                                 "/console/explore/traces", "/console/explore/events"])
async def test_signed_out_browsers_go_to_sign_in(url, client):
    response = await client.get(url)

    assert response.status_code == 303 and response.headers["location"].startswith("/console/login?next=")


async def test_the_explorer_opens_on_the_logs(owner):
    response = await owner.get("/console/explore")

    assert response.status_code == 303 and response.headers["location"] == "/console/explore/logs"
