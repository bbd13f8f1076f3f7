"""Log search: filters in the URL, newest first, older pages, errors, fragments and the live tail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.views.telemetry import logs
from tests.console import html
from tests.console.telemetry.helpers import ago, log_bodies, log_levels, store, trace_id


def tail_url(page: str) -> str:
    """The URL the page's live tail polls."""
    return html.one(page, "p#log-tail")["hx-get"]


async def _store_mixed(db, tenant, trace: str) -> None:
    await store(db, tenant, {"resource": {"service.name": "payments"}, "logs": [
        {"body": "card declined for order 42", "severity": "ERROR", "time": ago(minutes=3), "trace_id": trace},
        {"body": "card accepted for order 43", "severity": "INFO", "time": ago(minutes=2)},
        {"body": "retrying the charge", "severity": "WARN", "time": ago(minutes=1)},
        {"body": "cache warmed", "severity": "DEBUG", "service": "search", "time": ago(seconds=30)},
        {"body": "an old line", "severity": "INFO", "time": ago(minutes=40)},
    ]})


async def test_records_show_newest_first_with_severity_service_and_a_trace_link(owner, db):
    trace = trace_id()
    await _store_mixed(db, owner.tenant, trace)

    page = await owner.get("/console/explore/logs")

    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
    assert log_bodies(page.text) == ["cache warmed", "retrying the charge", "card accepted for order 43",
                                     "card declined for order 42", "an old line"]
    assert log_levels(page.text) == ["debug", "warn", "info", "error", "info"]
    [declined] = [line for line in html.select(page.text, "li.log-line") if "card declined" in html.text(line)]
    assert html.texts(declined, "span.service") == ["payments"] and html.texts(declined, "span.level") == ["ERROR"]
    assert html.has(declined, f'a[href="/console/explore/traces/{trace}"]')
    assert html.has(page.text, 'head link[rel="stylesheet"][href="/static/explore.css"]')


async def test_filters_narrow_the_records_and_stay_in_the_form(owner, db):
    trace = trace_id()
    await _store_mixed(db, owner.tenant, trace)

    errors = await owner.get("/console/explore/logs?severity=error")
    warnings = await owner.get("/console/explore/logs?severity=warn")
    search = await owner.get("/console/explore/logs?service=search")
    text = await owner.get("/console/explore/logs?q=card+order")
    by_trace = await owner.get(f"/console/explore/logs?trace={trace.upper()}")
    recent = await owner.get("/console/explore/logs?range=15m")
    custom = await owner.get(f"/console/explore/logs?since={ago(minutes=50)[:19]}&until={ago(minutes=30)[:19]}")

    assert log_bodies(errors.text) == ["card declined for order 42"]
    assert log_bodies(warnings.text) == ["retrying the charge", "card declined for order 42"]
    assert log_bodies(search.text) == ["cache warmed"]
    assert log_bodies(text.text) == ["card accepted for order 43", "card declined for order 42"]
    assert log_bodies(by_trace.text) == ["card declined for order 42"]
    assert "an old line" not in log_bodies(recent.text) and len(log_bodies(recent.text)) == 4
    assert log_bodies(custom.text) == ["an old line"]
    assert html.selected(errors.text, "severity") == ["error"]
    assert html.one(text.text, 'input[name="q"][type="search"]')["value"] == "card order"
    assert html.selected(recent.text, "range") == ["15m"]


async def test_older_pages_follow_the_cursor_and_keep_the_filters(owner, db, monkeypatch):
    monkeypatch.setattr(logs, "PAGE_SIZE", 2)
    await store(db, owner.tenant, {"logs": [{"body": f"line {n}", "severity": "ERROR", "service": "api",
                                             "time": ago(minutes=10 - n)} for n in range(5)]})

    first = await owner.get("/console/explore/logs?service=api")
    second = await owner.get(older := html.href(first.text, 'a[rel="next"]'))
    third = await owner.get(html.href(second.text, 'a[rel="next"]'))

    assert older.startswith("/console/explore/logs?service=api&after=") and html.link(first.text, "Older") == older
    assert log_bodies(first.text) == ["line 4", "line 3"] and log_bodies(second.text) == ["line 2", "line 1"]
    assert log_bodies(third.text) == ["line 0"] and html.links(third.text, "Older") == []
    assert html.link(second.text, "Newest") == "/console/explore/logs?service=api"
    assert html.links(first.text, "Newest") == []


async def test_a_bad_time_range_shows_the_apis_validation_message(owner):
    since = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    backwards = await owner.get(f"/console/explore/logs?since={since.isoformat()}&until={(since - timedelta(hours=1)).isoformat()}")
    too_long = await owner.get(f"/console/explore/logs?since={(since - timedelta(days=40)).isoformat()}")
    garbled = await owner.get("/console/explore/logs?since=yesterday&range=2w&severity=loud")

    assert backwards.status_code == 400
    assert "Check what you entered. since must be before until." in html.alerts(backwards.text)
    assert not html.has(backwards.text, "#log-lines")
    assert too_long.status_code == 400 and "The time range may span at most 31 days." in too_long.text
    assert garbled.status_code == 400
    assert "Since must be a date and time (YYYY-MM-DDTHH:MM)." in garbled.text
    assert "Unknown range &#39;2w&#39;: choose from 15m, 1h, 24h, 7d." in garbled.text
    assert "Unknown severity &#39;loud&#39;" in garbled.text
    assert html.one(garbled.text, 'input[name="since"]')["value"] == "yesterday"


async def test_a_malformed_trace_id_is_refused_with_the_apis_message(owner):
    page = await owner.get("/console/explore/logs?trace=zzz")

    assert page.status_code == 400 and "A trace id is 32 lower-case hex characters." in page.text


async def test_htmx_gets_the_screen_fragment(owner, db):
    await store(db, owner.tenant, {"logs": [{"body": "fragment line", "severity": "INFO"}]})

    screen = await owner.get("/console/explore/logs?severity=info", htmx=True)

    assert html.root(screen.text)["id"] == "logs-screen" and not html.has(screen.text, "html")
    assert log_bodies(screen.text) == ["fragment line"]


async def test_the_tail_toggle_starts_and_stops_polling(owner, db):
    await store(db, owner.tenant, {"logs": [{"body": "steady", "severity": "INFO"}]})

    off = await owner.get("/console/explore/logs?service=")
    on = await owner.get(start := html.href(off.text, "a#tail-start"))

    assert not html.has(off.text, "#log-tail") and start == "/console/explore/logs?tail=1"
    tail = html.one(on.text, "#log-tail")
    assert (tail["hx-trigger"], tail["hx-target"], tail["hx-swap"]) == ("every 2s", "#log-lines", "afterbegin")
    assert html.href(on.text, "a#tail-stop") == "/console/explore/logs"
    assert html.one(on.text, 'input[type="hidden"][name="tail"]')["value"] == "1"


async def test_the_live_tail_returns_only_records_newer_than_those_shown(owner, db):
    moment = ago(seconds=20)
    await store(db, owner.tenant, {"logs": [{"body": "already here", "severity": "ERROR", "time": moment},
                                            {"body": "older", "severity": "ERROR", "time": ago(minutes=1)}]})
    page = await owner.get("/console/explore/logs?tail=1&severity=warn")
    poll = tail_url(page.text)

    quiet = await owner.get(poll, htmx=True)
    await store(db, owner.tenant, {"logs": [{"body": "same moment", "severity": "ERROR", "time": moment},
                                            {"body": "brand new", "severity": "ERROR", "time": ago(seconds=1)},
                                            {"body": "too quiet", "severity": "INFO", "time": ago(seconds=1)}]})
    fresh = await owner.get(poll, htmx=True)
    again = await owner.get(tail_url(fresh.text), htmx=True)

    assert "newer=" in poll and "seen=" in poll and "severity=warn" in poll
    assert quiet.status_code == 204
    assert fresh.status_code == 200 and log_bodies(fresh.text) == ["brand new", "same moment"]
    assert html.one(fresh.text, "p#log-tail")["hx-swap-oob"] == "true" and not html.has(fresh.text, "html")
    assert again.status_code == 204


async def test_an_empty_page_tails_from_the_start_of_its_range(owner, db):
    page = await owner.get("/console/explore/logs?tail=1&range=15m")
    await store(db, owner.tenant, {"logs": [{"body": "first ever", "severity": "INFO", "time": ago(seconds=5)}]})

    fresh = await owner.get(tail_url(page.text), htmx=True)

    assert "No log records match." in page.text and log_bodies(fresh.text) == ["first ever"]


async def test_older_pages_do_not_tail(owner, db, monkeypatch):
    monkeypatch.setattr(logs, "PAGE_SIZE", 1)
    await store(db, owner.tenant, {"logs": [{"body": "a", "time": ago(minutes=2)}, {"body": "b", "time": ago(minutes=1)}]})

    first = await owner.get("/console/explore/logs?tail=1")
    older = await owner.get(html.link(first.text, "Older"))

    assert html.has(first.text, "#log-tail") and not html.has(older.text, "#log-tail") and log_bodies(older.text) == [
        "a"]


async def test_a_tail_without_its_starting_time_stops_with_a_message(owner):
    response = await owner.get("/console/explore/logs/tail?tail=1", htmx=True)

    assert response.status_code == 200
    assert html.one(response.text, "#log-tail")["hx-swap-oob"] == "true" and "hx-trigger" not in response.text
    assert "The live tail needs the time of the newest record shown (newer)." in response.text


async def test_times_past_the_calendar_we_keep_are_refused_with_a_message(owner):
    page = await owner.get("/console/explore/logs?until=9999-12-31T23:59-05:00")
    ancient = await owner.get("/console/explore/logs?since=0001-01-01T00:00")

    assert page.status_code == 400 and "Until must be a date and time (YYYY-MM-DDTHH:MM)." in page.text
    assert ancient.status_code == 400 and "Since must be from 1900 to 2199." in ancient.text
