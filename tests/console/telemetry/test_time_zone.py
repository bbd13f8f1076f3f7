"""The explorer speaks the viewer's time zone: times, chart axes and typed time ranges (UTC on hover)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from tests.console.html import has, one, select, text, texts
from tests.console.telemetry.helpers import log_bodies, store, trace_id

KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30, no daylight saving time
WHEN = datetime.now(UTC).replace(microsecond=250000) - timedelta(minutes=3)


def ms(moment: datetime, zone: ZoneInfo) -> str:
    """A time as the explorer shows it: to the millisecond, with the zone's abbreviation."""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d} " + local.strftime("%Z")


def field(moment: datetime, zone: ZoneInfo) -> str:
    """A time as a person types it into a date-and-time field: their wall clock, no offset."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0).isoformat()


async def _in_kolkata(owner) -> None:
    saved = await owner.post("/console/settings", {"time_zone": "Asia/Kolkata", "theme": "system"})
    assert saved.status_code == 200


async def _everything(db, tenant) -> str:
    trace = trace_id()
    await store(db, tenant, {"resource": {"service.name": "payments"},
                             "logs": [{"body": "card declined", "time": WHEN.isoformat(), "trace_id": trace}],
                             "events": [{"source": "synthetic", "title": "checkout slow", "time": WHEN.isoformat()}],
                             "spans": [{"trace_id": trace, "span_id": "a" * 16, "name": "POST /pay",
                                        "start_time": WHEN.isoformat(),
                                        "end_time": (WHEN + timedelta(milliseconds=40)).isoformat()}]})
    return trace


async def test_logs_events_and_traces_show_times_in_the_viewers_zone_with_utc_on_hover(owner, db):
    trace = await _everything(db, owner.tenant)
    await _in_kolkata(owner)

    logs = await owner.get("/console/explore/logs")
    events = await owner.get("/console/explore/events")
    traces = await owner.get("/console/explore/traces")
    waterfall = await owner.get(f"/console/explore/traces/{trace}")

    shown = [one(logs.text, "li.log-line time"), one(events.text, "#events tbody time"),
             one(traces.text, "#traces tbody time"), select(waterfall.text, ".facts time")[0]]
    assert [text(time) for time in shown] == [ms(WHEN, KOLKATA)] * 4  # e.g. "2026-01-02 15:30:03.250 IST"
    assert [time["title"] for time in shown] == [ms(WHEN, UTC)] * 4
    assert {datetime.fromisoformat(time["datetime"]) for time in shown} == {WHEN}


async def test_typed_time_ranges_are_read_in_the_viewers_zone_and_say_so(owner, db):
    await _everything(db, owner.tenant)
    await _in_kolkata(owner)
    around = [("since", field(WHEN - timedelta(minutes=1), KOLKATA)),
              ("until", field(WHEN + timedelta(minutes=1), KOLKATA))]
    as_if_utc = [("since", field(WHEN - timedelta(minutes=1), UTC)), ("until", field(WHEN + timedelta(minutes=1), UTC))]

    found = await owner.get(f"/console/explore/logs?{urlencode(around)}")
    missed = await owner.get(f"/console/explore/logs?{urlencode(as_if_utc)}")  # 5 h 30 min too early on Kolkata's clocks

    assert log_bodies(found.text) == ["card declined"]
    assert log_bodies(missed.text) == []
    assert texts(found.text, "#log-filters label > span.muted")[:2] == ["(Asia/Kolkata, optional)"] * 2
    assert one(found.text, 'input[name="since"]')["value"] == around[0][1]  # kept as typed


async def test_the_logs_link_of_a_trace_frames_it_on_the_viewers_clock(owner, db):
    trace = await _everything(db, owner.tenant)
    await _in_kolkata(owner)

    waterfall = await owner.get(f"/console/explore/traces/{trace}")
    logs = await owner.get(one(waterfall.text, "#trace-logs")["href"])

    assert log_bodies(logs.text) == ["card declined"]


async def test_the_chart_axis_is_on_the_viewers_clock(owner, db):
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    await store(db, owner.tenant, {"metrics": [
        {"name": "queue.depth", "value": float(hour), "time": (start + timedelta(hours=hour)).isoformat()}
        for hour in range(5)]})
    until = start + timedelta(hours=6)
    params = {"name": "queue.depth", "since": field(start, UTC), "until": field(until, UTC)}

    in_utc = await owner.get(f"/console/explore/metrics?{urlencode(params)}")
    await _in_kolkata(owner)
    in_kolkata = await owner.get("/console/explore/metrics?" + urlencode({
        **params, "since": field(start, KOLKATA), "until": field(until, KOLKATA)}))

    utc_labels = [tick.find(string=True) for tick in select(in_utc.text, "g.x-axis text")]
    kolkata_ticks = select(in_kolkata.text, "g.x-axis text")
    assert utc_labels[:3] == [(start + timedelta(hours=hour)).strftime("%H:%M") for hour in range(3)]
    labels = [tick.find(string=True) for tick in kolkata_ticks]
    hovers = [text(tick.find("title")) for tick in kolkata_ticks]
    # round hours on Kolkata's clocks (half past the hour in UTC), each with its UTC time on hover
    assert labels and all(label.endswith(":00") for label in labels)
    assert all(hover.endswith(":30:00 UTC") for hover in hovers)
    assert labels == [datetime.strptime(hover, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC).astimezone(KOLKATA)
                      .strftime("%H:%M") for hover in hovers]
    assert "Times on the axis are in Asia/Kolkata" in text(one(in_kolkata.text, "#chart-zone"))
    assert has(in_kolkata.text, "svg.chart polyline")
