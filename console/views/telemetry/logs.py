"""Log search: filters in the URL, newest first, older pages by cursor, and a live tail polled by htmx.

The live tail asks for the records at or after the newest one shown (``newer``) every two seconds and
drops the ones the page already has (``seen``: their cursors), so each record appears once, on top.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from console.forms import kept, next_url, parse_moment, url, validation
from console.guard import signed_in
from console.render import fragment
from console.screens import nodes, page, run_screen, screen_status
from console.views.telemetry.common import PRESETS, request_window, trace_url, window_values

TEMPLATE = "telemetry/logs.html"
PAGE_SIZE, TAIL_SIZE = 100, 200
TAIL_AHEAD = timedelta(days=1)  # ingest accepts records up to a day in the future
TAIL_BACK = timedelta(days=30)
SEVERITIES = {"debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21}
LEVELS = ((21, "fatal"), (17, "error"), (13, "warn"), (9, "info"), (5, "debug"), (1, "trace"))


def level(number: int) -> str:
    """The OTLP severity range a number falls in (``unset`` for 0)."""
    return next((name for floor, name in LEVELS if number >= floor), "unset")


def form_values(params: QueryParams) -> dict[str, str]:
    """The filter form's fields as sent (kept even when invalid)."""
    fields = ("severity", "service", "q", "trace", "tail")
    return {**window_values(params), **{name: params.get(name, "").strip() for name in fields}}


def log_filter(values: dict[str, str], errors: list[dict[str, str]]) -> dict[str, Any]:
    """The ``LogFilterInput`` of the form's filters, without the time range."""
    if values["severity"] and values["severity"] not in SEVERITIES:
        errors.append(validation(f"Unknown severity {values['severity']!r}: choose from "
                                 f"{', '.join(SEVERITIES)}.", "severity"))
    found = {"minSeverity": SEVERITIES.get(values["severity"], 0), "service": values["service"] or None,
             "text": values["q"] or None, "traceId": values["trace"].lower() or None}
    return {key: value for key, value in found.items() if value is not None}


def record(request: Request, node: dict[str, Any]) -> dict[str, Any]:
    """A log record as the template shows it."""
    return {**node, "level": level(node["severityNumber"]),
            "severity": node["severityText"] or level(node["severityNumber"]).upper(),
            "trace_url": trace_url(request, node["traceId"])}


def tail_link(request: Request, values: dict[str, str], records: list[dict[str, Any]], since: str) -> str:
    """The poll URL: the page's filters, the newest time shown and the cursors of the records at that time."""
    newest = records[0]["ts"] if records else since
    seen = [("seen", r["cursor"]) for r in records if r["ts"] == newest]
    return url(request, "console_explore_logs_tail", [*kept(values), ("newer", newest), *seen])


def toggles(request: Request, values: dict[str, str]) -> dict[str, str]:
    """Links that start and stop the tail (or go back to the newest records) with the same filters."""
    off = {**values, "tail": ""}
    return {"start_url": url(request, "console_explore_logs", kept({**values, "tail": "1"})),
            "stop_url": url(request, "console_explore_logs", kept(off)),
            "list_url": url(request, "console_explore_logs")}


async def logs_page(request: Request) -> Response:
    """GET /console/explore/logs[?range=&since=&until=&severity=&service=&q=&trace=&tail=1&after=]."""
    values, errors = form_values(request.query_params), []
    window = request_window(request, errors)
    variables = {**log_filter(values, errors), **window.variables()}
    after = request.query_params.get("after") or None
    connection = None
    if not errors:
        data, errors = await run_screen(request, "ConsoleExploreLogs",
                                        {"filter": variables, "first": PAGE_SIZE, "after": after})
        connection = data.get("logs")
    found = nodes(connection)
    records = [record(request, node) for node in found] if found is not None else None
    tailing = values["tail"] == "1" and not after and records is not None
    context = {"values": values, "errors": errors, "records": records, "presets": PRESETS,
               "severities": SEVERITIES, "after": after, "fresh": [], "oob": False,
               "next_url": next_url(request, "console_explore_logs", values, connection),
               "tail_url": tail_link(request, values, records, variables["since"]) if tailing else None,
               **toggles(request, values)}
    return await page(request, TEMPLATE, context, block="screen",
                      status_code=screen_status(None, errors, loaded=connection is not None))


def _newest(fresh: list[dict[str, Any]], newer: datetime, seen: list[str]) -> list[str]:
    """The cursors of every record shown at the newest time, after ``fresh`` went on top."""
    top = datetime.fromisoformat(fresh[0]["ts"])
    cursors = [r["cursor"] for r in fresh if datetime.fromisoformat(r["ts"]) == top]
    return cursors + seen if top == newer else cursors


async def _fresh(request: Request, values: dict[str, str], newer: datetime,
                 errors: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The records at or after ``newer`` that the page does not show yet, newest first."""
    until = datetime.now(UTC) + TAIL_AHEAD
    since = max(newer, until - TAIL_BACK)
    variables = {**log_filter(values, errors), "since": since.isoformat(), "until": until.isoformat()}
    data, found = await run_screen(request, "ConsoleExploreLogs", {"filter": variables, "first": TAIL_SIZE})
    errors += found
    seen = set(request.query_params.getlist("seen"))
    return [record(request, n) for n in nodes(data.get("logs")) or () if n["cursor"] not in seen]


async def logs_tail(request: Request) -> Response:
    """GET /console/explore/logs/tail?<filters>&newer=&seen=: new records on top, or 204 when none came."""
    values, errors = form_values(request.query_params), []
    newer = parse_moment(request.query_params.get("newer", ""), "Newer", "newer", errors)
    if newer is None and not errors:
        errors.append(validation("The live tail needs the time of the newest record shown (newer).", "newer"))
    fresh = await _fresh(request, values, newer, errors) if newer and not errors else []
    if not fresh and not errors:
        return Response(status_code=204)
    context = {"fresh": fresh, "oob": True, "tail_error": errors[0] if errors else None, "tail_url": None,
               **toggles(request, values)}
    if fresh and not errors:
        seen = _newest(fresh, newer, request.query_params.getlist("seen"))
        params = [*kept(values), ("newer", fresh[0]["ts"]), *(("seen", cursor) for cursor in seen)]
        context["tail_url"] = url(request, "console_explore_logs_tail", params)
    return HTMLResponse(fragment(request, TEMPLATE, "tail", context))


routes = [
    Route("/explore/logs", signed_in(logs_page), methods=["GET"], name="console_explore_logs"),
    Route("/explore/logs/tail", signed_in(logs_tail), methods=["GET"], name="console_explore_logs_tail"),
]
