"""Traces: the filtered list and the waterfall (depth-first rows, bars by offset and duration, errors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.console.html import alerts, cells, has, href, one, root, select, selected, text, texts
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
    return [row["id"].removeprefix("trace-") for row in select(html, 'tr[id^="trace-"]')]


def pairs(html) -> dict[str, str]:
    """A ``dl.pairs``' terms and their values."""
    return {text(term): text(term.find_next_sibling("dd")) for term in select(html, "dl.pairs dt")}


async def test_the_list_summarises_each_trace_and_filters(owner, db):
    checkout, health = await _checkout(db, owner.tenant), await _quick(db, owner.tenant)

    everything = await owner.get("/console/explore/traces")
    errors_only = await owner.get("/console/explore/traces?errors=1")
    slow = await owner.get("/console/explore/traces?min=100")
    by_service = await owner.get("/console/explore/traces?service=payments")
    long_ago = await owner.get("/console/explore/traces?since=2026-01-01T00:00&until=2026-01-01T01:00")

    assert everything.status_code == 200 and listed(everything.text) == [health, checkout]
    row = one(everything.text, f"#trace-{checkout}")
    found = cells(row)
    assert found[0] == "POST /checkout" and found[1] == "web" and found[3:] == ["200 ms", "4", "1"]
    assert href(row, "td a") == f"/console/explore/traces/{checkout}" and row["class"] == ["has-errors"]
    assert listed(errors_only.text) == [checkout] and listed(slow.text) == [checkout]
    assert listed(by_service.text) == [checkout] and listed(long_ago.text) == []
    assert selected(errors_only.text, "errors") == ["1"] and "No traces match." in long_ago.text


async def test_the_waterfall_shows_spans_depth_first_with_bars_and_the_error_marked(owner, db):
    trace = await _checkout(db, owner.tenant)

    page = await owner.get(f"/console/explore/traces/{trace}")

    assert page.status_code == 200
    rows = select(page.text, "ol#waterfall > li.span-row")
    assert [(row["id"], row["class"], row["data-depth"]) for row in rows] == [
        (f"span-{ROOT}", ["span-row"], "0"), (f"span-{CHARGE}", ["span-row"], "1"),
        (f"span-{QUERY}", ["span-row", "failed"], "2"), (f"span-{RENDER}", ["span-row"], "1")]
    bars = [one(row, "svg.bar rect.span-bar") for row in rows]
    assert [(float(bar["x"]), float(bar["width"])) for bar in bars] == [(0, 1000), (50, 700), (150, 250), (100, 200)]
    assert [bar["class"] for bar in bars] == [["span-bar"], ["span-bar"], ["span-bar", "failed"], ["span-bar"]]
    assert [one(row, "span.span-name")["class"][1] for row in rows] == ["indent-0", "indent-1", "indent-2", "indent-1"]
    query = one(rows[2], "details")
    assert "error: deadlock" in text(query) and pairs(query) == {"db.system": "postgresql", "exception.type": "Deadlock"}
    assert texts(query, "ul.span-events strong") == ["exception"]
    assert one(query, "ul.span-events dl.pairs dt").string == "exception.type"
    assert href(page.text, "a#trace-logs").startswith(f"/console/explore/logs?trace={trace}&since=")
    assert texts(page.text, "span.scale > span") == ["0 ms", "50 ms", "100 ms", "150 ms", "200 ms"]


async def test_unknown_and_malformed_trace_ids_get_clear_messages(owner):
    missing = await owner.get(f"/console/explore/traces/{trace_id()}")
    malformed = await owner.get("/console/explore/traces/not-a-trace")

    assert missing.status_code == 404 and alerts(missing.text)[0].startswith("Not found. No span of trace")
    assert malformed.status_code == 400
    assert "Check what you entered. A trace id is 32 lower-case hex characters." in alerts(malformed.text)
    assert not has(malformed.text, "#waterfall")


async def test_a_bad_minimum_duration_is_refused_before_asking(owner):
    page = await owner.get("/console/explore/traces?min=slow")

    assert page.status_code == 400 and "Minimum duration must be a number of milliseconds." in page.text


async def test_htmx_gets_the_screen_fragments(owner, db):
    trace = await _checkout(db, owner.tenant)

    listing = await owner.get("/console/explore/traces?errors=1", htmx=True)
    waterfall = await owner.get(f"/console/explore/traces/{trace}", htmx=True)

    assert root(listing.text)["id"] == "traces-screen" and not has(listing.text, "html")
    assert root(waterfall.text)["id"] == "trace-screen" and has(waterfall.text, "#waterfall")
