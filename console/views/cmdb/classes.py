"""CI classes: the built-in hierarchy and the tenant's own classes, each with its attribute schema.

A tenant class names a parent (built in or its own) and a JSON Schema for its own attributes; the
schema is typed as JSON and text that is not JSON is refused here, beside the field, before the API.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import FormProblem, may, refused, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.views.cmdb.list import class_options
from domain import strict_json

TEMPLATE = "cmdb/classes.html"
FIELDS = ("key", "label", "parent", "schema")
BLANK = {"key": "", "label": "", "parent": "", "schema": '{\n  "type": "object",\n  "properties": {}\n}'}


async def classes_screen(request: Request, *, values: dict[str, str] | None = None,
                         outcome: dict[str, Any] | None = None) -> Response:
    """Every class as a tree, and the form for a new one, with the outcome of a change."""
    data, errors = await run_screen(request, "ConsoleCiClasses")
    classes = data.get("ciClasses")
    context = {"errors": errors, "outcome": outcome or {}, "values": values or dict(BLANK),
               "classes": class_options(classes or []), "can_change": may(data, "cmdb.write", "cmdb")}
    status = screen_status(outcome, errors, loaded=classes is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def classes_page(request: Request) -> Response:
    """GET /console/cmdb/classes."""
    return await classes_screen(request)


def class_input(values: dict[str, str]) -> dict[str, Any]:
    """``CiClassInput`` from the form; FormProblem when the schema is not JSON."""
    try:
        schema = strict_json.loads(values["schema"]) if values["schema"] else None
    except strict_json.BadJSON as bad:
        raise FormProblem(f"The schema is {bad}.", "attributeSchema") from None
    return {"key": values["key"], "label": values["label"], "parent": values["parent"], "attributeSchema": schema}


async def create_class(request: Request) -> Response:
    """POST /console/cmdb/classes: add a tenant class."""
    form = await request.form()
    values = {name: text(form, name) for name in FIELDS}
    try:
        variables = {"input": class_input(values)}
    except FormProblem as problem:
        return await classes_screen(request, values=values, outcome=refused(problem.error, "class"))
    return await submit(request, "ConsoleCreateCiClass", "createCiClass", variables, show=classes_screen,
                        form="class", values=values,
                        notice=lambda ok: f"Class {ok['ciClass']['label']} ({ok['ciClass']['key']}) added.")


async def delete_class(request: Request) -> Response:
    """POST /console/cmdb/classes/{key}/delete: remove a tenant class no CI or class uses."""
    key = request.path_params["key"]
    return await submit(request, "ConsoleDeleteCiClass", "deleteCiClass", {"key": key}, show=classes_screen,
                        form=f"class:{key}", notice=f"Class {key} deleted.")


routes = [
    Route("/cmdb/classes", signed_in(classes_page), methods=["GET"], name="console_cmdb_classes"),
    Route("/cmdb/classes", signed_in(create_class), methods=["POST"], name="console_cmdb_create_class"),
    Route("/cmdb/classes/{key}/delete", signed_in(delete_class), methods=["POST"], name="console_cmdb_delete_class"),
]
