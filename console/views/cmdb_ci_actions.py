"""Changing a CI from its page: edit, delete, add and remove relationships.

Each POST runs one named mutation and shows the CI again with the outcome: a notice, or the API's error
beside the field or form that caused it (a refused request, e.g. FORBIDDEN, at the top); nothing is
saved on an error. The edit form carries the version it was read at as ``expectedVersion``, so a stale
page gets the API's conflict instead of overwriting someone else's change.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import go_to, signed_in
from console.views.alert_rule_form import FormProblem
from console.views.cmdb_ci import ci_screen
from console.views.cmdb_ci_form import form_values, update_input
from console.views.screens import run_mutation, scope, text

DIRECTIONS = ("outgoing", "incoming")


def _ci(request: Request) -> str:
    return request.path_params["ci_id"]


async def update_ci(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}: save the edit form (``version`` is the one it was read at)."""
    form = await request.form()
    values = form_values(form)
    try:
        variables = {"id": _ci(request), "input": update_input(values, text(form, "version"))}
    except FormProblem as problem:
        return await ci_screen(request, values=values, outcome={"ok": None, "error": problem.error, "form": "edit"})
    outcome = scope(await run_mutation(request, "ConsoleUpdateCi", "updateConfigurationItem", variables), "edit")
    if not outcome["ok"]:
        return await ci_screen(request, values=values, outcome=outcome)
    saved = outcome["ok"]["ci"]
    notice = f"{saved['name']} saved as version {saved['version']}."
    return await ci_screen(request, outcome={**outcome, "notice": notice})


async def delete_ci(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/delete: the CI and its relationships go; then the list."""
    outcome = scope(await run_mutation(request, "ConsoleDeleteCi", "deleteConfigurationItem", {"id": _ci(request)}),
                    "delete")
    if outcome["ok"]:
        return go_to(request, str(request.app.url_path_for("console_cmdb")))
    return await ci_screen(request, outcome=outcome)


def relation_values(form: Any) -> dict[str, str]:
    """The add-relationship form as typed: direction, type, the other CI chosen, and the search."""
    return {"direction": text(form, "direction"), "type": text(form, "type"), "other_id": text(form, "other_id"),
            "q": text(form, "q")}


def _other_end(error: dict[str, Any] | None, direction: str) -> dict[str, Any] | None:
    """An error about the other CI's end (``sourceId`` or ``targetId``) names the form's picker instead."""
    other = "sourceId" if direction == "incoming" else "targetId"
    if error and error.get("field") in (other, "sourceId", "targetId"):
        return {**error, "field": "other"}
    return error


async def add_relationship(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/relationships: relate this CI to another (either way) by a type."""
    relation = relation_values(await request.form())
    if relation["direction"] not in DIRECTIONS or not relation["other_id"]:
        error = {"code": "VALIDATION", "message": "Choose the other CI: search by name, then pick one.",
                 "field": "other"}
        return await ci_screen(request, outcome={"ok": None, "error": error, "form": "relate"}, relation=relation)
    ends = (_ci(request), relation["other_id"])
    source, target = ends if relation["direction"] == "outgoing" else ends[::-1]
    variables = {"input": {"type": relation["type"], "sourceId": source, "targetId": target}}
    outcome = scope(await run_mutation(request, "ConsoleCreateCiRelationship", "createCiRelationship", variables),
                    "relate")
    if not outcome["ok"]:
        outcome["error"] = _other_end(outcome["error"], relation["direction"])
        return await ci_screen(request, outcome=outcome, relation=relation)
    saved = outcome["ok"]["relationship"]
    outcome["notice"] = f"Related: {saved['source']['name']} {saved['type']} {saved['target']['name']}."
    return await ci_screen(request, outcome=outcome)


async def remove_relationship(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/relationships/{relationship_id}/remove: remove one relationship."""
    outcome = scope(await run_mutation(request, "ConsoleDeleteCiRelationship", "deleteCiRelationship",
                                       {"id": request.path_params["relationship_id"]}), "relationships")
    if outcome["ok"]:
        outcome["notice"] = "Relationship removed."
    return await ci_screen(request, outcome=outcome)


def _post(path: str, view: Any, name: str) -> Route:
    return Route(f"/cmdb/{{ci_id}}{path}", signed_in(view), methods=["POST"], name=name)


routes = [
    _post("", update_ci, "console_cmdb_update"),
    _post("/delete", delete_ci, "console_cmdb_delete"),
    _post("/relationships", add_relationship, "console_cmdb_relate"),
    _post("/relationships/{relationship_id}/remove", remove_relationship, "console_cmdb_unrelate"),
]
