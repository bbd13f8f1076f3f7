"""The copilot panel (ask, then the answer streams in over SSE) and the analytics dashboard (figures,
server-rendered charts, the Executive summary); bad input answers 4xx, never 500."""

from __future__ import annotations

import re

from tests.console.conftest import next_event
from tests.console.html import one, select, text


async def test_the_copilot_panel_streams_a_cited_answer(owner, incident_api, streaming):
    api = await incident_api(owner.tenant)
    incident = await api.create("Checkout errors after deploy", services=["checkout"])

    asked = await owner.post("/console/copilot/ask", {"question": "What is the status of the checkout incident?",
                                                      "persona": "", "incident_id": incident["id"]}, htmx=True)

    assert asked.status_code == 200
    assert text(one(asked.text, "#copilot-routing")) == "Executive · routed to Executive by: status"
    stream_url = re.search(r'sse-connect="([^"]+)"', asked.text).group(1)
    async with streaming(owner).stream("GET", stream_url) as response:
        lines = response.aiter_lines()
        events = [await next_event(lines)]
        while events[-1]["event"] != "close":
            events.append(await next_event(lines))
    kinds = [e["event"] for e in events]
    assert kinds[0] == "live" and "chunk" in kinds and kinds[-3:] == ["done", "live", "close"]
    done = next(e for e in events if e["event"] == "done")
    assert f"incident:{incident['id']}" in done["data"] and "Checkout errors after deploy" in done["data"]


async def test_the_copilot_page_lists_my_conversations(owner):
    await owner.post("/console/copilot/ask", {"question": "How many credits did we spend?"}, htmx=True)

    page = await owner.get("/console/copilot")

    assert page.status_code == 200
    assert "How many credits did we spend?" in text(one(page.text, "#copilot-history"))


async def test_the_incident_page_has_the_copilot_panel(owner, incident_api):
    incident = await (await incident_api(owner.tenant)).create("Queue backlog")

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert one(page.text, f'#copilot-panel input[name="incident_id"][value="{incident["id"]}"]')


async def test_bad_copilot_input_is_a_4xx(owner):
    empty = await owner.post("/console/copilot/ask", {"question": ""}, htmx=True)
    persona = await owner.post("/console/copilot/ask", {"question": "hi", "persona": "lawyer"}, htmx=True)
    incident = await owner.post("/console/copilot/ask", {"question": "hi", "incident_id": "nope"}, htmx=True)
    missing = await owner.post("/console/copilot/ask", {"question": "hi",
                                                        "incident_id": "00000000-0000-0000-0000-000000000000"},
                               htmx=True)
    stream = await owner.get("/console/copilot/answers/not-an-id/stream")

    assert [r.status_code for r in (empty, persona, incident, missing, stream)] == [400, 400, 400, 404, 400]
    assert "Ask a question of 1 to 2000 characters." in empty.text


async def test_the_analytics_dashboard_renders_figures_and_charts(owner, incident_api):
    api = await incident_api(owner.tenant)
    await api.create("Disk full", services=["orders-db"])

    page = await owner.get("/console/analytics?days=7&bucket=day")

    assert page.status_code == 200
    assert text(one(page.text, "#incidents-total")) == "1"
    assert one(page.text, "#volume-chart svg.chart polyline, #volume-chart svg.chart circle")
    assert [text(t) for t in select(page.text, "#service-chart svg text")][:2] == ["orders-db", "1"]


async def test_the_executive_summary_is_written_on_demand(owner, incident_api):
    await (await incident_api(owner.tenant)).create("Disk full", services=["orders-db"])

    summary = await owner.post("/console/analytics/summary?days=7", {}, htmx=True)

    assert summary.status_code == 200
    assert "there were 1 incidents" in text(one(summary.text, "#summary-text"))


async def test_bad_analytics_input_is_a_4xx(owner):
    responses = [await owner.get(url) for url in ("/console/analytics?days=abc", "/console/analytics?days=0",
                                                  "/console/analytics?days=9999", "/console/analytics?bucket=year")]
    summary = await owner.post("/console/analytics/summary?days=-1", {}, htmx=True)

    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    assert summary.status_code == 400


async def test_asking_without_htmx_renders_the_whole_page(owner):
    asked = await owner.post("/console/copilot/ask", {"question": "How many credits did we spend?",
                                                      "persona": "finops"})

    assert asked.status_code == 200
    assert text(one(asked.text, "#copilot-routing")) == "FinOps · persona FinOps as asked"
    assert one(asked.text, "#copilot-panel form")
