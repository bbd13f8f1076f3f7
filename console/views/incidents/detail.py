"""One incident: header, transitions, people, links, alerts, AI pipeline, postmortem and timeline, re-read live
on each change.

The page listens to the incident's own stream (``ConsoleIncidentWatch``); each ``changed`` event makes
htmx re-read the summary, the AI pipeline and the timeline blocks from this same URL (chosen by ``HX-Target``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from console.forms import may, path
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.sse import event_stream, message
from console.views.incidents.list import members_of
from console.views.incidents.pipeline import pipeline_context
from console.views.incidents.timeline import Names, describe
from domain.incidents.models import PRIORITIES, RESPONDER_ROLES, SEVERITIES
from domain.incidents.postmortems import ACTION_STATUSES
from domain.incidents.queries import incident_number

TEMPLATE = "incidents/detail.html"
BLOCKS = {"incident-summary": "summary", "incident-timeline": "timeline", "incident-live": "live",
          "incident-ai": "ai"}
LINK_KINDS = {"parent": "its parent", "child": "a child of it", "related": "related to it"}  # as the form words it
POSTMORTEM_READY = ("RESOLVED", "CLOSED")


def transition_label(current: str, to: str) -> str:
    """The button that moves an incident from ``current`` to ``to``."""
    labels = {"OPEN": "Reopen" if current == "RESOLVED" else "Acknowledge", "INVESTIGATING": "Start investigating",
              "RESOLVED": "Resolve", "CLOSED": "Close"}
    return labels.get(to, to.lower())


def _names(request: Request, incident: dict[str, Any], members: list[dict], candidates: list[dict]) -> Names:
    """Who and what the incident's ids stand for."""
    people = {m["id"]: m["name"] for m in members}
    known = [incident.get("assignee")] + [r["person"] for r in incident["responders"]]
    known += [item.get("owner") for item in (incident.get("postmortem") or {}).get("actionItems") or ()]
    people.update({p["id"]: p["displayName"] or p["email"] for p in known if p})
    related = [incident["parent"], *incident["children"], *candidates]
    items = (incident.get("postmortem") or {}).get("actionItems") or ()
    return Names(incident_id=incident["id"], people=people,
                 references={i["id"]: i["reference"] for i in related if i},
                 action_items={item["id"]: item["title"] for item in items},
                 path=lambda incident_id: path(request, "console_incident", incident_id=incident_id))


def _links(incident: dict[str, Any], names: Names) -> list[dict[str, Any]]:
    """The incident's links as the API reads them from this incident: its parent, a child, or related."""
    found = []
    for link in incident["links"]:
        other = link.get("other") or {}
        other_id = link["toId"] if link["fromId"] == incident["id"] else link["fromId"]
        found.append({**link, "relation": link["relation"].lower(), "title": other.get("title"),
                      "other": names.incident(other_id, incident_number(other.get("reference") or ""))})
    return found


def _incident_context(request: Request, incident: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    members = members_of(data)
    candidates = [e["node"] for e in (data.get("candidates") or {}).get("edges") or ()
                  if e["node"]["id"] != incident["id"]]
    names = _names(request, incident, members, candidates)
    timeline = incident["timeline"]
    transitions = [{"to": to.lower(), "label": transition_label(incident["status"], to)}
                   for to in incident["allowedTransitions"]]
    return {"members": members, "candidates": candidates, "links": _links(incident, names),
            "timeline": [describe(edge["node"], names) for edge in timeline["edges"]],
            "timeline_more": timeline["pageInfo"]["hasNextPage"], "transitions": transitions,
            "postmortem_ready": incident["status"] in POSTMORTEM_READY, "closed": incident["status"] == "CLOSED",
            "mergeable": not incident["mergedIntoId"] and incident["status"] not in POSTMORTEM_READY}


def detail_context(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Plain data for the template from ``ConsoleIncident``'s answer."""
    incident = data.get("incident")
    context = {"incident": incident, "escalation": data.get("incidentEscalation"), "severities": SEVERITIES,
               "priorities": PRIORITIES,
               "responder_roles": RESPONDER_ROLES, "action_statuses": ACTION_STATUSES, "link_kinds": LINK_KINDS,
               "can_write": may(data, "incident.write"), "can_read_alerts": may(data, "alert.read")}
    if incident:
        context.update(_incident_context(request, incident, data),
                       detail_url=path(request, "console_incident", incident_id=incident["id"]),
                       stream_url=path(request, "console_incident_watch", incident_id=incident["id"]))
        context["editable"] = context["can_write"] and not context["closed"]
        context["ai"] = pipeline_context(data)
    return context


async def detail_screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
) -> Response:
    """The incident's page (or, for htmx, the block its ``HX-Target`` names), with a change's outcome."""
    block = BLOCKS.get(request.headers.get("HX-Target", ""), "screen") if request.method == "GET" else "screen"
    principal = request.state.principal
    variables = {"id": request.path_params["incident_id"], "withMembers": principal.can("member.read"),
                 "withForms": block == "screen" and principal.can("incident.write"),
                 "withImpact": block == "screen" and principal.can("cmdb.read") and "cmdb" in principal.features,
                 "withAi": block in ("screen", "ai") and "ai.rca" in principal.features}
    data, errors = await run_screen(request, "ConsoleIncident", variables)
    loaded = bool(data.get("incident"))
    if not loaded and not errors:
        errors = [{"code": "NOT_FOUND", "message": "No such incident in this tenant."}]
    context = {"errors": errors, "outcome": outcome or {}, "values": values or {}, **detail_context(request, data),
               "show_impact": variables["withImpact"], "show_ai": variables["withAi"]}
    status = screen_status(outcome, errors, loaded=loaded)
    return await page(request, TEMPLATE, context, block=block, status_code=status)


async def incident_page(request: Request) -> Response:
    """GET /console/incidents/{incident_id}: everything about one incident."""
    return await detail_screen(request)


async def incident_watch(request: Request) -> StreamingResponse:
    """GET /console/incidents/{incident_id}/stream: a ``changed`` event per change of the incident."""
    return event_stream(request, "ConsoleIncidentWatch", {"id": request.path_params["incident_id"]},
                        lambda data: [message(str(data["incidentChanged"]["seq"]), event="changed")])


routes = [
    Route("/incidents/{incident_id}", signed_in(incident_page), methods=["GET"], name="console_incident"),
    Route("/incidents/{incident_id}/stream", signed_in(incident_watch), methods=["GET"],
          name="console_incident_watch"),
]
