"""Working an incident from its page: transition, assign, triage, comment, responders, links, merge.

Each POST runs one named mutation and shows the incident again with the outcome: a notice, or the
API's error beside the form that caused it (a refused request, e.g. FORBIDDEN, at the top).
Changes that read the incident's state carry ``version`` as ``expectedVersion``, so a stale page gets
the API's conflict error instead of overwriting someone else's change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import refused, scope, submit, text, validation
from console.guard import signed_in
from console.views.incidents.detail import LINK_KINDS, detail_screen
from domain.incidents.models import PRIORITIES, RESPONDER_ROLES, SEVERITIES, STATUSES

incident_scope = partial(scope, top_codes=("INCIDENT_CLOSED",), top_fields=())
"""Where an incident's errors go: beside the form, unless the incident is closed (its forms are gone)."""
change = partial(submit, show=detail_screen, place=incident_scope)
"""Run a mutation of this incident; show the page with the notice, or the error beside ``form``."""


def _incident(request: Request) -> str:
    return request.path_params["incident_id"]


def _version(form: FormData) -> int | None:
    raw = text(form, "version")
    return int(raw) if raw.isdigit() else None


def _choice(raw: str, options: tuple[str, ...]) -> str | None:
    """``raw`` as the API's enum name if it is one of ``options`` (any case), else None."""
    return raw.upper() if raw.lower() in {option.lower() for option in options} else None


async def refuse(request: Request, *, form: str, message: str, field: str,
                 values: dict[str, Any] | None = None) -> Response:
    """Show the page with a form's input refused before reaching the API."""
    return await detail_screen(request, outcome=refused(validation(message, field), form), values=values)


def _saved(what: str) -> Callable[[dict[str, Any]], str]:
    return lambda ok: f"{ok['incident']['reference']}: {what}."


async def transition(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/transition: move it (``to``, ``version``, optional ``note``)."""
    form = await request.form()
    to, note = _choice(text(form, "to"), STATUSES), text(form, "note")
    if to is None:
        return await refuse(request, form="transition", message=f"Unknown status {text(form, 'to')!r}.", field="to",
                            values={"note": note})
    variables = {"input": {"id": _incident(request), "to": to, "expectedVersion": _version(form), "note": note}}
    return await change(request, "ConsoleTransitionIncident", "transitionIncident", variables, form="transition",
                        values={"note": note},
                        notice=lambda ok: f"{ok['incident']['reference']} is now {ok['incident']['status'].lower()}.")


async def assign(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/assign: give it to a member (``assignee``), or to nobody."""
    form = await request.form()
    assignee = text(form, "assignee") or None
    variables = {"input": {"id": _incident(request), "assigneeId": assignee, "expectedVersion": _version(form)}}
    return await change(request, "ConsoleAssignIncident", "assignIncident", variables, form="assign",
                        notice=_saved("assigned" if assignee else "unassigned"))


async def triage(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/triage: change severity and/or priority."""
    form = await request.form()
    severity, priority = text(form, "severity"), text(form, "priority")
    checked = {"severity": _choice(severity, SEVERITIES) if severity else None,
               "priority": _choice(priority, PRIORITIES) if priority else None}
    for name, raw in (("severity", severity), ("priority", priority)):
        if raw and checked[name] is None:
            return await refuse(request, form="triage", message=f"Unknown {name} {raw!r}.", field=name)
    variables = {"input": {"id": _incident(request), **checked, "expectedVersion": _version(form)}}
    return await change(request, "ConsoleTriageIncident", "triageIncident", variables, form="triage",
                        notice=_saved("severity and priority saved"))


async def comment(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/comment: add a comment (``body``) to the timeline."""
    body = text(await request.form(), "body")
    return await change(request, "ConsoleCommentOnIncident", "commentOnIncident",
                        {"id": _incident(request), "body": body}, form="comment", values={"body": body},
                        notice=_saved("comment added"))


async def add_responder(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/responders: a member responds in a role (or changes role)."""
    form = await request.form()
    user, role = text(form, "user_id"), _choice(text(form, "role"), RESPONDER_ROLES)
    if not user or role is None:
        return await refuse(request, form="responder", message="Choose a member and a role.", field="userId")
    variables = {"input": {"incidentId": _incident(request), "userId": user, "role": role}}
    return await change(request, "ConsoleSetIncidentResponder", "setIncidentResponder", variables,
                        form="responder", notice=_saved(f"responder added as {role.lower()}"))


async def remove_responder(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/responders/{user_id}/remove: they no longer respond."""
    variables = {"input": {"incidentId": _incident(request), "userId": request.path_params["user_id"], "role": None}}
    return await change(request, "ConsoleSetIncidentResponder", "setIncidentResponder", variables,
                        form="responders", notice=_saved("responder removed"))


def _target(form: FormData) -> str:
    """The other incident of a link or merge form: a typed id, else the one chosen from the list."""
    return text(form, "target_id") or text(form, "target")


async def link(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/links: link another incident as parent, child or related."""
    form = await request.form()
    relation, target, reason = text(form, "relation"), _target(form), text(form, "reason")
    values = {"relation": relation, "target_id": text(form, "target_id"), "reason": reason}
    if relation not in LINK_KINDS or not target:
        return await refuse(request, form="link", message="Choose an incident and how it relates.", field="toId",
                            values=values)
    this = _incident(request)
    ends = {"fromId": target, "toId": this} if relation == "parent" else {"fromId": this, "toId": target}
    variables = {"input": {**ends, "kind": "RELATED" if relation == "related" else "PARENT", "reason": reason}}
    return await change(request, "ConsoleLinkIncidents", "linkIncidents", variables, form="link", values=values,
                        notice=lambda ok: "Incidents linked.")


async def unlink(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/links/{link_id}/remove: remove a link."""
    return await change(request, "ConsoleUnlinkIncidents", "unlinkIncidents",
                        {"linkId": request.path_params["link_id"]}, form="links", notice=lambda ok: "Link removed.")


async def merge(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/merge: this incident is a duplicate of another; merge it there."""
    form = await request.form()
    target, values = _target(form), {"merge_target_id": text(form, "target_id")}
    if not target:
        return await refuse(request, form="merge", message="Choose the incident to merge into.", field="intoId",
                            values=values)
    variables = {"duplicateId": _incident(request), "intoId": target}
    return await change(request, "ConsoleMergeIncidents", "mergeIncidents", variables, form="merge", values=values,
                        notice=lambda ok: f"{ok['duplicate']['reference']} merged into {ok['into']['reference']}.")


def _post(path: str, view: Callable, name: str) -> Route:
    return Route(f"/incidents/{{incident_id}}{path}", signed_in(view), methods=["POST"], name=name)


routes = [
    _post("/transition", transition, "console_incident_transition"),
    _post("/assign", assign, "console_incident_assign"),
    _post("/triage", triage, "console_incident_triage"),
    _post("/comment", comment, "console_incident_comment"),
    _post("/responders", add_responder, "console_incident_add_responder"),
    _post("/responders/{user_id}/remove", remove_responder, "console_incident_remove_responder"),
    _post("/links", link, "console_incident_link"),
    _post("/links/{link_id}/remove", unlink, "console_incident_unlink"),
    _post("/merge", merge, "console_incident_merge"),
]
