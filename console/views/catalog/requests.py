"""Tracking one request: its answers, approvals and tasks; approve or reject it (catalog managers) and
mark tasks done (their assignee or a manager)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "catalog/request.html"


def _id(request: Request) -> str:
    return request.path_params["request_id"]


async def request_screen(request: Request, *, outcome: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleServiceRequest", {"id": _id(request)})
    found = data.get("serviceRequest")
    viewer = data.get("viewer") or {}
    context = {"errors": errors, "outcome": outcome or {}, "request_": found, "missing": found is None and not errors,
               "can_manage": may(data, "catalog.manage"), "me": viewer.get("subject")}
    status = 404 if context["missing"] else screen_status(outcome, errors, loaded=found is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def request_page(request: Request) -> Response:
    """GET /console/requests/{request_id}."""
    return await request_screen(request)


async def decide(request: Request) -> Response:
    """POST /console/requests/{request_id}/decide: approve or reject."""
    form = await request.form()
    decision = "REJECT" if text(form, "decision") == "reject" else "APPROVE"
    return await submit(request, "ConsoleDecideServiceRequest", "decideServiceRequest",
                        {"id": _id(request), "decision": decision, "comment": text(form, "comment")},
                        show=request_screen, form="decide", notice=_decided)


def _decided(ok: dict[str, Any]) -> str:
    return f"{ok['request']['reference']} is {ok['request']['state'].replace('_', ' ')}."


async def complete(request: Request) -> Response:
    """POST /console/requests/{request_id}/tasks/{task_id}: mark the task done."""
    return await submit(request, "ConsoleCompleteRequestTask", "completeRequestTask",
                        {"taskId": request.path_params["task_id"]}, show=request_screen, form="tasks",
                        notice=lambda ok: f"Task done; {ok['request']['reference']} is "
                                          f"{ok['request']['state'].replace('_', ' ')}.")


routes = [
    Route("/requests/{request_id}", signed_in(request_page), methods=["GET"], name="console_request"),
    Route("/requests/{request_id}/decide", signed_in(decide), methods=["POST"], name="console_request_decide"),
    Route("/requests/{request_id}/tasks/{task_id}", signed_in(complete), methods=["POST"],
          name="console_request_task"),
]
