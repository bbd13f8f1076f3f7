"""Traces: the filtered list and the waterfall (depth-first rows, bars by offset and duration, errors)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.console.telemetry.helpers import store, trace_id

START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
ROOT, CHARGE, QUERY, RENDER = "1" * 16, "2" * 16, "3" * 16, "4" * 16


def span(trace: str, span_id: str, parent: str | None, name: str, service: str, start_ms: int, end_ms: int,
         status: str = "ok", **extra) -> dict:
    return {"trace_id": trace, "span_id": span_id, "parent_span_id": parent, "name": name, "service": service,
            "start_time": (START + timedelta(milliseconds=start_ms)).isoformat(),
            "end_time": (START + timedelta(milliseconds=end_ms)).isoformat(), "status": status, **extra}


async def _checkout(db, tenant) -> str:
    """A 200 ms checkout trace whose database query failed; stored out of order."""
    trace = trace_id()
    await store(db, tenant, {"spans": [
        span(trace, QUERY, CHARGE, "SELECT orders", "orders-db", 30, 80, "error", status_message="deadlock",
             attributes={"db.system": "postgresql"}, events=[{"name": "exception", "time": START.isoformat(),
                                                                 "attributes": {"exception.type": "Deadlock"}}]),
        span(trace, RENDER, ROOT, "render", "web", 20, 60),  # starts before the query, yet comes after it
        span(trace, ROOT, None, "POST /checkout", "web", 0, 200),
        span(trace, CHARGE, ROOT, "charge", "payments", 10, 150)]})
    return trace


async def _quick(db, tenant) -> str:
    trace = trace_id()
    await store(db, tenant, {"spans": [span(trace, ROOT, None, "GET /health", "web", 1000, 1002)]})
    return trace


def listed(html: str) -> list[str]:
    return re.findall(r'<tr id="trace-([0-9a-f]{32})"', html)


async def test_the_list_summarises_each_trace_and_filters(owner, db):
    checkout, health = await _checkout(db, owner.tenant), await _quick(db, owner.tenant)

    everything = await owner.get("/console/explore/traces")
    errors_only = await owner.get("/console/explore/traces?errors=1")
    slow = await owner.get("/console/explore/traces?min=100")
    by_service = await owner.get("/console/explore/traces?service=payments")
    long_ago = await owner.get("/console/explore/traces?since=2026-01-01T00:00&until=2026-01-01T01:00")

    assert everything.status_code == 200 and listed(everything.text) == [health, checkout]
    row = everything.text.split(f'<tr id="trace-{checkout}"')[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
    assert cells[0] == "POST /checkout" and cells[1] == "web" and cells[3:] == ["200 ms", "4", "1"]
    assert f'href="/console/explore/traces/{checkout}"' in row and 'class="has-errors"' in row
    assert listed(errors_only.text) == [checkout] and listed(slow.text) == [checkout]
    assert listed(by_service.text) == [checkout] and listed(long_ago.text) == []
    assert 'name="errors" value="1" checked' in errors_only.text and "No traces match." in long_ago.text


async def test_the_waterfall_shows_spans_depth_first_with_bars_and_the_error_marked(owner, db):
    trace = await _checkout(db, owner.tenant)

    page = await owner.get(f"/console/explore/traces/{trace}")

    assert page.status_code == 200
    rows = re.findall(r'<li id="span-([0-9a-f]{16})" class="span-row( failed)?" data-depth="(\d+)">', page.text)
    assert rows == [(ROOT, "", "0"), (CHARGE, "", "1"), (QUERY, " failed", "2"), (RENDER, "", "1")]
    bars = re.findall(r'<rect class="span-bar( failed)?" x="([\d.]+)" y="1" width="([\d.]+)"', page.text)
    assert [(float(x), float(w)) for _, x, w in bars] == [(0, 1000), (50, 700), (150, 250), (100, 200)]
    assert [mark for mark, _, _ in bars] == ["", "", " failed", ""]
    assert re.findall(r'class="span-name indent-(\d+)"', page.text) == ["0", "1", "2", "1"]
    query = page.text.split(f'id="span-{QUERY}"')[1].split("</li>\n      <li")[0]
    assert "<details>" in query and "error: deadlock" in query and "<dt>db.system</dt><dd>postgresql</dd>" in query
    assert "<strong>exception</strong>" in query and "<dt>exception.type</dt><dd>Deadlock</dd>" in query
    assert f'href="/console/explore/logs?trace={trace}&amp;since=' in page.text
    assert '<span>0 ms</span><span>50 ms</span><span>100 ms</span><span>150 ms</span><span>200 ms</span>' in page.text


async def test_unknown_and_malformed_trace_ids_get_clear_messages(owner):
    missing = await owner.get(f"/console/explore/traces/{trace_id()}")
    malformed = await owner.get("/console/explore/traces/not-a-trace")

    assert missing.status_code == 404 and "<code>NOT_FOUND</code> No span of trace" in missing.text
    assert malformed.status_code == 400
    assert "<code>VALIDATION</code> A trace id is 32 lower-case hex characters." in malformed.text
    assert 'id="waterfall"' not in malformed.text


async def test_a_bad_minimum_duration_is_refused_before_asking(owner):
    page = await owner.get("/console/explore/traces?min=slow")

    assert page.status_code == 400 and "Minimum duration must be a number of milliseconds." in page.text


async def test_htmx_gets_the_screen_fragments(owner, db):
    trace = await _checkout(db, owner.tenant)

    listing = await owner.get("/console/explore/traces?errors=1", htmx=True)
    waterfall = await owner.get(f"/console/explore/traces/{trace}", htmx=True)

    assert listing.text.lstrip().startswith('<div id="traces-screen">') and "<html" not in listing.text
    assert waterfall.text.lstrip().startswith('<div id="trace-screen">') and 'id="waterfall"' in waterfall.text
