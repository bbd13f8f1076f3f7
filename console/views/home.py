"""The landing page: platform health and who is signed in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.views.screens import page, run_screen


async def home(request: Request) -> Response:
    """GET /console/: health of the platform and the signed-in user."""
    data, errors = await run_screen(request, "ConsoleHome")
    return await page(request, "home.html", {"data": data, "errors": errors}, block="status")


routes = [Route("/", signed_in(home), name="console_home")]
