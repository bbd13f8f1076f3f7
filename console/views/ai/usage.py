"""AI usage (/console/ai): the credit balance, the ledger and the audit of recent model calls."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.screens import page, run_screen, screen_status


async def ai_usage_page(request: Request) -> Response:
    """GET /console/ai: balance (== the ledger's sum), ledger entries and recent calls with their outcome."""
    data, errors = await run_screen(request, "ConsoleAiUsage", {})
    status = screen_status(None, errors, loaded=bool(data.get("aiUsage")))
    return await page(request, "ai/usage.html", {"data": data, "errors": errors}, block="screen",
                      status_code=status)


routes = [Route("/ai", signed_in(ai_usage_page), methods=["GET"], name="console_ai")]
