"""The problem list: root causes, their known errors and workarounds, grouped incidents, fixing change."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.screens import nodes, page, run_screen, screen_status


async def problems_page(request: Request) -> Response:
    """GET /console/problems."""
    data, errors = await run_screen(request, "ConsoleProblems")
    problems = nodes(data.get("problems"))
    return await page(request, "catalog/problems.html", {"errors": errors, "problems": problems}, block="screen",
                      status_code=screen_status(None, errors, loaded=problems is not None))


routes = [Route("/problems", signed_in(problems_page), methods=["GET"], name="console_problems")]
