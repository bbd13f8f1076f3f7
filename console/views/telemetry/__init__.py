"""The telemetry explorer: logs (with a live tail), metric charts, traces and their waterfalls, events.

Each screen lives in its own module; this one gathers their routes, and sends /console/explore to the
logs. The user-facing URLs and route names keep the word "explore" (``/console/explore/logs``,
``console_explore_logs``); the code says telemetry.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path
from console.guard import go_to, signed_in
from console.views.telemetry import events, logs, metrics, traces


async def explore_home(request: Request) -> Response:
    """GET /console/explore: the explorer opens on the logs."""
    return go_to(request, path(request, "console_explore_logs"))


routes = [
    Route("/explore", signed_in(explore_home), methods=["GET"], name="console_explore"),
    *logs.routes,
    *metrics.routes,
    *traces.routes,
    *events.routes,
]
