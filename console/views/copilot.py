"""The copilot panel (/console/copilot, and on each incident page): ask, then watch the answer stream in.

The question runs ``ConsoleAskCopilot`` as the signed-in user; the answer streams over SSE from the
``ConsoleCopilotAnswer`` subscription (per user: nobody else can open it), one cited sentence at a time,
then the checked answer with its sources replaces the streamed text.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path, text, validation
from console.guard import signed_in
from console.render import fragment
from console.screens import page, run_screen, screen_status, status_for
from console.sse import event_stream, message
from domain.copilot.personas import PERSONAS

TEMPLATE = "copilot/panel.html"


async def copilot_page(request: Request) -> Response:
    """GET /console/copilot: the ask form and my recent conversations."""
    data, errors = await run_screen(request, "ConsoleCopilotConversations", {})
    status = screen_status(None, errors, loaded=data.get("copilotConversations") is not None)
    return await page(request, TEMPLATE, _context(data, errors), block="screen", status_code=status)


def _context(data: dict[str, Any], errors: list, **more: Any) -> dict[str, Any]:
    return {"conversations": data.get("copilotConversations"), "errors": errors,
            "incident_id": None, "asked": None, "error": None, **more}


def _uuid(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


async def ask(request: Request) -> Response:
    """POST /console/copilot/ask: store the question; answer with the panel that streams the answer."""
    form = await request.form()
    question, persona, incident = text(form, "question"), text(form, "persona"), text(form, "incident_id")
    context = _context({}, [], incident_id=incident or None)
    if persona and persona not in PERSONAS:
        return await _refuse(request, context, validation("Choose a persona from the list.", "persona"))
    if incident and _uuid(incident) is None:
        return await _refuse(request, context, validation("Not an incident id.", "incidentId"))
    variables = {"question": question, "persona": persona.upper() or None, "incidentId": incident or None}
    data, errors = await run_screen(request, "ConsoleAskCopilot", variables)
    payload = data.get("askCopilot")
    if payload is None or "code" in payload:
        return await _refuse(request, context, payload or errors[0])
    stream = path(request, "console_copilot_stream", answer_id=payload["answerId"])
    return await page(request, TEMPLATE, {**context, "asked": payload, "stream_url": stream}, block="answer")


async def _refuse(request: Request, context: dict[str, Any], error: dict[str, Any]) -> Response:
    return await page(request, TEMPLATE, {**context, "error": error}, block="answer",
                      status_code=status_for([error]))


async def answer_stream(request: Request) -> Response:
    """GET /console/copilot/answers/{answer_id}/stream: the answer's sentences, then the checked answer."""
    answer_id = _uuid(request.path_params["answer_id"])
    if answer_id is None:
        return Response("Not an answer id.", status_code=400)

    def render(data: dict[str, Any]) -> list[str]:
        event = data.get("copilotAnswer") or {}
        if event.get("kind") == "chunk":
            return [message(escape(event["text"]), event="chunk")]
        final = fragment(request, TEMPLATE, "final", {"event": event})
        return [message(final, event="done"), message("answered", event="live"), message("close", event="close")]

    return event_stream(request, "ConsoleCopilotAnswer", {"messageId": answer_id}, render)


routes = [
    Route("/copilot", signed_in(copilot_page), methods=["GET"], name="console_copilot"),
    Route("/copilot/ask", signed_in(ask), methods=["POST"], name="console_copilot_ask"),
    Route("/copilot/answers/{answer_id}/stream", signed_in(answer_stream), methods=["GET"],
          name="console_copilot_stream"),
]
