"""The telemetry explorer: logs (with a live tail), metric charts, traces and their waterfalls, events.

Each screen lives in its own module (explore_logs, explore_metrics, explore_traces, explore_events);
this one gathers their routes, and sends /console/explore to the logs.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import go_to, signed_in
from console.views import explore_events, explore_logs, explore_metrics, explore_traces


async def explore_home(request: Request) -> Response:
    """GET /console/explore: the explorer opens on the logs."""
    return go_to(request, str(request.app.url_path_for("console_explore_logs")))


routes = [
    Route("/explore", signed_in(explore_home), methods=["GET"], name="console_explore"),
    *explore_logs.routes,
    *explore_metrics.routes,
    *explore_traces.routes,
    *explore_events.routes,
]
