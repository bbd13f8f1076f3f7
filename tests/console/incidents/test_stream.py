"""Live incident views over server-sent events: the list's rows and the detail's change signal."""

from __future__ import annotations

import asyncio

import pytest

from console import sse
from console.operations import OperationError
from tests.console.conftest import next_event
from tests.console.html import alerts, has, one, root, select, text, texts
from tests.waiting import listening, wait_for


async def until_subscribed(app, tenant) -> None:
    """Wait until the process follows the tenant's incident changes (a stream subscribed)."""
    await wait_for(lambda: listening(app, [tenant.tenant_id]), timeout=4, every=0.02,
                   what="the stream to subscribe to the tenant's incident changes")


async def test_the_list_stream_sends_a_new_incident_as_a_row_for_the_top(app, owner, incident_api, streaming):
    api = await incident_api(owner.tenant)

    async with streaming(owner).stream("GET", "/console/incidents/stream") as response:
        lines = response.aiter_lines()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert (await next_event(lines)) == {"event": "live", "data": "live"}
        await until_subscribed(app, owner.tenant)
        created = await api.create("Disk full on db-7", services=["orders-db"])
        event = await next_event(lines)

    assert event["event"] == "incident-created"
    row = root(event["data"])
    assert (row.name, row["id"], row["sse-swap"]) == ("tr", f"incident-{created['id']}", f"incident-{created['id']}")
    assert "Disk full on db-7" in event["data"] and created["reference"] in event["data"]
    assert texts(row, "td > .tag") == ["orders-db"] and not has(row, ".stale")


async def test_a_change_replaces_the_row_in_place(app, owner, incident_api, streaming):
    api = await incident_api(owner.tenant)
    incident = await api.create("Queue backlog")

    async with streaming(owner).stream("GET", "/console/incidents/stream") as response:
        lines = response.aiter_lines()
        await next_event(lines)
        await until_subscribed(app, owner.tenant)
        await api.move(incident, "OPEN")
        event = await next_event(lines)

    assert event["event"] == f"incident-{incident['id']}"
    assert [(badge["class"], text(badge)) for badge in select(event["data"], "td > .lifecycle")] == [
        (["lifecycle", "lifecycle-open"], "open")]


async def test_another_tenants_changes_never_reach_the_stream(app, owner, make_tenant, incident_api, streaming):
    other = await make_tenant()
    mine, theirs = await incident_api(owner.tenant), await incident_api(other)

    async with streaming(owner).stream("GET", "/console/incidents/stream") as response:
        lines = response.aiter_lines()
        await next_event(lines)
        await until_subscribed(app, owner.tenant)
        await theirs.create("Their secret outage")
        await mine.create("Our outage")
        event = await next_event(lines)

    assert "Our outage" in event["data"]
    assert "Their secret outage" not in event["data"]


async def test_rows_leaving_the_filter_are_marked_and_new_ones_outside_it_are_not_sent(app, owner, incident_api,
                                                                                    streaming):
    api = await incident_api(owner.tenant)
    incident = await api.create("Major and triggered", severity="SEV1")

    async with streaming(owner).stream("GET", "/console/incidents/stream?status=triggered&severity=SEV1") as response:
        lines = response.aiter_lines()
        await next_event(lines)
        await until_subscribed(app, owner.tenant)
        await api.create("Minor", severity="SEV3")
        await api.create("Another major", severity="SEV1")
        await api.move(incident, "RESOLVED")
        events = [await next_event(lines), await next_event(lines)]

    created, resolved = events
    assert created["event"] == "incident-created" and "Another major" in created["data"]
    assert resolved["event"] == f"incident-{incident['id']}"
    assert one(resolved["data"], ".stale")["title"] == "No longer matches the filters"


async def test_a_later_page_gets_changes_but_no_new_rows(app, owner, incident_api, streaming):
    api = await incident_api(owner.tenant)
    incident = await api.create("Old one")

    async with streaming(owner).stream("GET", "/console/incidents/stream?after=abc") as response:
        lines = response.aiter_lines()
        await next_event(lines)
        await until_subscribed(app, owner.tenant)
        await api.create("Brand new")
        await api.move(incident, "OPEN")
        event = await next_event(lines)

    assert event["event"] == f"incident-{incident['id']}"


async def test_the_detail_stream_signals_only_its_incidents_changes(app, owner, incident_api, streaming):
    api = await incident_api(owner.tenant)
    watched, other = await api.create("Watched"), await api.create("Other")

    url = f"/console/incidents/{watched['id']}/stream"
    async with streaming(owner).stream("GET", url) as response:
        lines = response.aiter_lines()
        assert (await next_event(lines))["event"] == "live"
        await until_subscribed(app, owner.tenant)
        await api.move(other, "OPEN")
        await api.move(watched, "OPEN")
        event = await next_event(lines)

    assert event["event"] == "changed" and int(event["data"]) > 0


async def test_the_stream_ends_when_the_client_leaves_and_leaves_no_subscription(app, owner, streaming):
    shared = app.state.schema.shared_subscriptions
    before = shared.group_count

    async with streaming(owner).stream("GET", "/console/incidents/stream") as response:
        await next_event(response.aiter_lines())
        await until_subscribed(app, owner.tenant)
        during = shared.group_count
    # leaving the block closed the response: the transport waited for the app to finish (5 s at most)

    assert during == before + 1
    assert shared.group_count == before
    await wait_for(lambda: owner.tenant.tenant_id not in app.state.runtime.incident_feed._tenants, timeout=2,
                   every=0.02, what="the tenant's feed to stop with its last stream")
    assert owner.tenant.tenant_id not in app.state.runtime.incident_feed._tenants


async def test_streams_are_long_lived_subscriptions_so_identical_ones_share_one_execution(app, owner, streaming):
    shared = app.state.schema.shared_subscriptions
    before = shared.group_count
    first, second = streaming(owner), streaming(owner)

    async with first.stream("GET", "/console/incidents/stream") as one, \
            second.stream("GET", "/console/incidents/stream") as two:
        await next_event(one.aiter_lines())
        await next_event(two.aiter_lines())
        groups = shared.group_count - before

    assert groups == 1  # a context without connection_params is per request: it would never share


async def test_a_quiet_stream_sends_heartbeats_and_then_asks_the_page_to_reconnect(owner, streaming, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.4)

    async with streaming(owner).stream("GET", "/console/incidents/stream") as response:
        body = await asyncio.wait_for(response.aread(), 5)

    text = body.decode()
    assert text.count(": keep-alive\n\n") >= 2
    assert text.endswith("event: reconnect\ndata: reconnect\n\nevent: close\ndata: close\n\n")


async def test_a_stream_stops_when_its_session_ends(owner, streaming, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    http = streaming(owner)

    async with http.stream("GET", "/console/incidents/stream") as response:
        await owner.post("/console/logout")
        body = await asyncio.wait_for(response.aread(), 5)

    assert body.decode().endswith("event: live\ndata: signed out\n\nevent: close\ndata: close\n\n")


async def test_a_member_without_incident_read_gets_the_apis_refusal_and_a_close(make_tenant, add_member, signed_in,
                                                                                streaming):
    tenant = await make_tenant()
    agent = await signed_in(await add_member(tenant, ["agent"]))

    async with streaming(agent).stream("GET", "/console/incidents/stream") as response:
        body = await asyncio.wait_for(response.aread(), 5)

    assert "You may not do this. You need the 'incident.read' permission." in alerts(body.decode())
    assert body.decode().endswith("event: close\ndata: close\n\n")


async def test_signed_out_the_stream_sends_to_sign_in(client):
    response = await client.get("/console/incidents/stream")

    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")


async def test_the_runner_streams_only_subscriptions_and_runs_only_the_rest(app):
    runner = app.state.operations

    with pytest.raises(OperationError, match="ConsoleIncidents is not a subscription"):
        await runner.subscribe("ConsoleIncidents", context=None)
    with pytest.raises(OperationError, match="ConsoleIncidentChanges is a subscription: stream it with subscribe"):
        await runner.run("ConsoleIncidentChanges", context=None)
    with pytest.raises(OperationError, match="unknown operation 'Nope'"):
        await runner.subscribe("Nope", context=None)
