"""Adding a CI by hand: a form that keeps what was typed and shows the API's errors beside their fields."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import FormProblem, may, path, refused, submit
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.views.cmdb.form import BLANK, create_input, form_values
from console.views.cmdb.list import CHOICES, class_options

TEMPLATE = "cmdb/new.html"


async def _screen(request: Request, *, values: dict[str, Any], outcome: dict[str, Any] | None = None) -> Response:
    """The form, filled with ``values``, with the error of a refused attempt beside its field."""
    data, errors = await run_screen(request, "ConsoleNewCi")
    context = {"errors": errors, "outcome": outcome or {}, "values": values, **CHOICES,
               "classes": class_options(data.get("ciClasses") or []), "can_change": may(data, "cmdb.write", "cmdb")}
    status = screen_status(outcome, errors, loaded=data.get("ciClasses") is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def new_ci_page(request: Request) -> Response:
    """GET /console/cmdb/new[?class=]: the empty form."""
    return await _screen(request, values={**BLANK, "class_key": request.query_params.get("class", "")})


async def create_ci(request: Request) -> Response:
    """POST /console/cmdb/new: add the CI and open it, or show the form again with the error; nothing is saved."""
    values = form_values(await request.form())
    try:
        variables = {"input": create_input(values)}
    except FormProblem as problem:
        return await _screen(request, values=values, outcome=refused(problem.error))
    return await submit(request, "ConsoleCreateCi", "createConfigurationItem", variables, show=_screen, values=values,
                        go=lambda ok: path(request, "console_cmdb_ci", ci_id=ok["ci"]["id"]))


routes = [
    Route("/cmdb/new", signed_in(new_ci_page), methods=["GET"], name="console_cmdb_new"),
    Route("/cmdb/new", signed_in(create_ci), methods=["POST"], name="console_cmdb_create"),
]
