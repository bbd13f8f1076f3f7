"""Operations analytics (/console/analytics): MTTA, MTTR, volume, SLA, change success, alert noise, AI usage,
with server-rendered SVG charts (as the telemetry explorer's) and an Executive summary from the AI gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status, status_for
from console.views.telemetry import charts
from domain.analytics.figures import BUCKETS

TEMPLATE = "analytics/dashboard.html"
MAX_DAYS = 400


def _period(request: Request) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The asked period as the operation's variables, or a validation error for a bad ``days`` or ``bucket``."""
    raw_days, bucket = request.query_params.get("days", "30"), request.query_params.get("bucket", "day")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_DAYS:
        return None, validation(f"days must be a whole number from 1 to {MAX_DAYS}.", "days")
    if bucket not in BUCKETS:
        return None, validation(f"bucket must be one of {', '.join(BUCKETS)}.", "bucket")
    until = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    return {"since": (until - timedelta(days=int(raw_days))).isoformat(), "until": until.isoformat(),
            "bucket": bucket, "days": int(raw_days)}, None


async def dashboard(request: Request) -> Response:
    """GET /console/analytics?days=30&bucket=day: the figures and charts of the period."""
    period, problem = _period(request)
    if problem is not None:
        return await page(request, TEMPLATE, {"data": {}, "errors": [problem], "charts": {}, "period": None},
                          block="screen", status_code=status_for([problem]))
    variables = {k: period[k] for k in ("since", "until", "bucket")}
    data, errors = await run_screen(request, "ConsoleOpsAnalytics", variables)
    found = data.get("opsAnalytics")
    status = screen_status(None, errors, loaded=found is not None)
    return await page(request, TEMPLATE, {"data": found, "errors": errors, "period": period,
                                          "charts": _charts(found) if found else {}},
                      block="screen", status_code=status)


def _charts(found: dict[str, Any]) -> dict[str, Markup]:
    incidents = found["incidents"]
    since, until = datetime.fromisoformat(found["since"]), datetime.fromisoformat(found["until"])
    points = [(datetime.fromisoformat(c["key"]).replace(tzinfo=UTC), float(c["count"])) for c in incidents["byPeriod"]]
    return {"volume": charts.line_chart([charts.Series("incidents", points)], since=since, until=until,
                                        title="Incidents opened per period"),
            "severity": bar_chart(incidents["bySeverity"], title="Incidents by severity"),
            "service": bar_chart(incidents["byService"], title="Incidents by service")}


def bar_chart(counts: list[dict[str, Any]], *, title: str, width: int = 600, row: int = 22) -> Markup:
    """Horizontal bars, one per key, longest = the largest count (no inline styles: the CSP forbids them)."""
    if not counts:
        return Markup('<p class="muted">No data in this range.</p>')
    top, label_width = max(c["count"] for c in counts) or 1, 160
    height = row * len(counts) + 4
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for index, c in enumerate(counts):
        y, size = index * row + 2, max(2, round((width - label_width - 40) * c["count"] / top))
        parts.append(f'<g class="series s{index % charts.PALETTE_SIZE}"><title>{escape(c["key"])}: {c["count"]}</title>'
                     f'<text x="0" y="{y + 15}">{escape(c["key"][:24])}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{size}" height="{row - 6}"/>'
                     f'<text x="{label_width + size + 6}" y="{y + 15}">{c["count"]}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


async def summary(request: Request) -> Response:
    """POST /console/analytics/summary: the Executive summary of the last ``days`` (written by the gateway)."""
    period, problem = _period(request)
    if problem is not None:
        return await page(request, TEMPLATE, {"summary": None, "error": problem}, block="summary",
                          status_code=status_for([problem]))
    data, errors = await run_screen(request, "ConsoleSummarizeAnalytics",
                                    {"since": period["since"], "until": period["until"]})
    payload = data.get("summarizeAnalytics")
    if payload is None or "code" in payload:
        error = payload or errors[0]
        return await page(request, TEMPLATE, {"summary": None, "error": error}, block="summary",
                          status_code=status_for([error]))
    return await page(request, TEMPLATE, {"summary": payload, "error": None}, block="summary")


routes = [
    Route("/analytics", signed_in(dashboard), methods=["GET"], name="console_analytics"),
    Route("/analytics/summary", signed_in(summary), methods=["POST"], name="console_analytics_summary"),
]
