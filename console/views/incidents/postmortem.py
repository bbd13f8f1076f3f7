"""The postmortem of a resolved incident and its action items (the API refuses them any earlier)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import parse_day, text
from console.guard import signed_in
from console.views.incidents.actions import change, refuse
from domain.incidents.postmortems import ACTION_STATUSES

POSTMORTEM_FIELDS = {"summary": "summary", "impact": "impact", "root_cause": "rootCause", "lessons": "lessons"}


async def save_postmortem(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/postmortem: summary, impact, root cause, lessons, status."""
    form = await request.form()
    fields = {api: text(form, name) for name, api in POSTMORTEM_FIELDS.items()}
    status = text(form, "status") or None
    variables = {"input": {"incidentId": request.path_params["incident_id"], **fields, "status": status}}
    return await change(request, "ConsoleSavePostmortem", "savePostmortem", variables, form="postmortem",
                        values={"postmortem": {**fields, "status": status}},
                        notice=lambda ok: f"Postmortem saved ({ok['postmortem']['status']}).")


async def add_action_item(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/action-items: a follow-up with an owner and a due date."""
    form = await request.form()
    values = {"item_title": text(form, "title"), "item_owner": text(form, "owner"), "item_due": text(form, "due")}
    problems: list[dict] = []
    due = parse_day(values["item_due"], "Due date", "dueDate", problems)
    if problems:
        return await refuse(request, form="action-item", message=problems[0]["message"], field="dueDate",
                            values=values)
    variables = {"input": {"incidentId": request.path_params["incident_id"], "title": values["item_title"],
                           "ownerId": values["item_owner"] or None, "dueDate": due.isoformat() if due else None}}
    return await change(request, "ConsoleAddActionItem", "addActionItem", variables, form="action-item",
                        values=values, notice=lambda ok: f"Action item added: {ok['actionItem']['title']}.")


async def update_action_item(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/action-items/{item_id}: change an action item's status."""
    item_id = request.path_params["item_id"]
    status = text(await request.form(), "status")
    if status not in ACTION_STATUSES:
        return await refuse(request, form=f"item:{item_id}", message=f"Unknown status {status!r}.", field="status")
    variables = {"input": {"id": item_id, "status": status}}
    return await change(request, "ConsoleUpdateActionItem", "updateActionItem", variables, form=f"item:{item_id}",
                        notice=lambda ok: f"Action item {ok['actionItem']['title']!r} is {status.replace('_', ' ')}.")


routes = [
    Route("/incidents/{incident_id}/postmortem", signed_in(save_postmortem), methods=["POST"],
          name="console_incident_postmortem"),
    Route("/incidents/{incident_id}/action-items", signed_in(add_action_item), methods=["POST"],
          name="console_incident_add_action_item"),
    Route("/incidents/{incident_id}/action-items/{item_id}", signed_in(update_action_item), methods=["POST"],
          name="console_incident_update_action_item"),
]
