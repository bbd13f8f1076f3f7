"""Changing a CI from its page: edit, delete, add and remove relationships.

Each POST runs one named mutation and shows the CI again with the outcome: a notice, or the API's error
beside the field or form that caused it (a refused request, e.g. FORBIDDEN, at the top); nothing is
saved on an error. The edit form carries the version it was read at as ``expectedVersion``, so a stale
page gets the API's conflict instead of overwriting someone else's change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import FormProblem, path, refused, scope, submit, text, validation
from console.guard import signed_in
from console.views.cmdb.detail import ci_screen
from console.views.cmdb.form import form_values, update_input

DIRECTIONS = ("outgoing", "incoming")
OTHER_END = partial(scope, fields={"sourceId": "other", "targetId": "other"})
"""The add-relationship form: an error about either end of the relationship names its picker of the other CI."""


def _ci(request: Request) -> str:
    return request.path_params["ci_id"]


async def update_ci(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}: save the edit form (``version`` is the one it was read at)."""
    form = await request.form()
    values = form_values(form)
    try:
        variables = {"id": _ci(request), "input": update_input(values, text(form, "version"))}
    except FormProblem as problem:
        return await ci_screen(request, values=values, outcome=refused(problem.error, "edit"))
    return await submit(request, "ConsoleUpdateCi", "updateConfigurationItem", variables, show=ci_screen, form="edit",
                        values=values, notice=lambda ok: f"{ok['ci']['name']} saved as version {ok['ci']['version']}.")


async def delete_ci(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/delete: the CI and its relationships go; then the list."""
    return await submit(request, "ConsoleDeleteCi", "deleteConfigurationItem", {"id": _ci(request)}, show=ci_screen,
                        form="delete", go=lambda ok: path(request, "console_cmdb"))


def relation_values(form: Any) -> dict[str, str]:
    """The add-relationship form as typed: direction, type, the other CI chosen, and the search."""
    return {"direction": text(form, "direction"), "type": text(form, "type"), "other_id": text(form, "other_id"),
            "q": text(form, "q")}


async def _relate_screen(request: Request, *, outcome: dict[str, Any], values: dict[str, str] | None = None
                         ) -> Response:
    """The CI's page with the add-relationship form filled with ``values``."""
    return await ci_screen(request, outcome=outcome, relation=values)


async def add_relationship(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/relationships: relate this CI to another (either way) by a type."""
    relation = relation_values(await request.form())
    if relation["direction"] not in DIRECTIONS or not relation["other_id"]:
        error = validation("Choose the other CI: search by name, then pick one.", "other")
        return await _relate_screen(request, outcome=refused(error, "relate"), values=relation)
    ends = (_ci(request), relation["other_id"])
    source, target = ends if relation["direction"] == "outgoing" else ends[::-1]
    variables = {"input": {"type": relation["type"], "sourceId": source, "targetId": target}}
    return await submit(request, "ConsoleCreateCiRelationship", "createCiRelationship", variables,
                        show=_relate_screen, form="relate", values=relation, place=OTHER_END, notice=_related)


def _related(ok: dict[str, Any]) -> str:
    saved = ok["relationship"]
    return f"Related: {saved['source']['name']} {saved['type']} {saved['target']['name']}."


async def remove_relationship(request: Request) -> Response:
    """POST /console/cmdb/{ci_id}/relationships/{relationship_id}/remove: remove one relationship."""
    return await submit(request, "ConsoleDeleteCiRelationship", "deleteCiRelationship",
                        {"id": request.path_params["relationship_id"]}, show=ci_screen, form="relationships",
                        notice="Relationship removed.")


def _post(path: str, view: Any, name: str) -> Route:
    return Route(f"/cmdb/{{ci_id}}{path}", signed_in(view), methods=["POST"], name=name)


routes = [
    _post("", update_ci, "console_cmdb_update"),
    _post("/delete", delete_ci, "console_cmdb_delete"),
    _post("/relationships", add_relationship, "console_cmdb_relate"),
    _post("/relationships/{relationship_id}/remove", remove_relationship, "console_cmdb_unrelate"),
]
