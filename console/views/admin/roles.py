"""Roles: the built-in ones and the tenant's custom roles, with an editor grouped by permission area."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import choices, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

BLANK = {"id": None, "name": "", "description": "", "permissions": []}


def _editor(data: dict[str, Any], values: dict[str, Any] | None, edit_id: str | None) -> dict[str, Any]:
    """What the editor shows: the values just submitted, the custom role being edited, or a new role."""
    if values is not None:
        return values
    for role in data.get("roles") or ():
        if edit_id and role["id"] == edit_id and not role["builtIn"]:
            return {key: role[key] for key in BLANK}
    return BLANK


async def _screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
    edit_id: str | None = None,
) -> Response:
    """The roles screen, with the outcome of a change if there was one."""
    data, errors = await run_screen(request, "ConsoleRoles")
    status = screen_status(outcome, errors, loaded=bool(data.get("roles")))
    context = {"data": data, "errors": errors, "outcome": outcome or {},
               "editor": _editor(data, values, edit_id)}
    return await page(request, "admin/roles.html", context, block="screen", status_code=status)


async def roles_page(request: Request) -> Response:
    """GET /console/admin/roles[?edit=<id>]: every role; the editor for a new or the chosen custom role."""
    return await _screen(request, edit_id=request.query_params.get("edit"))


def _submitted(form, role_id: str | None = None) -> dict[str, Any]:
    return {"id": role_id, "name": text(form, "name"), "description": text(form, "description"),
            "permissions": choices(form, "permissions")}


async def create_role(request: Request) -> Response:
    """POST /console/admin/roles: define a custom role."""
    values = _submitted(await request.form())
    variables = {"input": {key: values[key] for key in ("name", "description", "permissions")}}
    return await submit(request, "ConsoleCreateRole", "createRole", variables, show=_screen, form="editor",
                        values=values, notice=lambda ok: f"Role {ok['role']['name']} created.")


async def update_role(request: Request) -> Response:
    """POST /console/admin/roles/{role_id}: change a custom role's description and permissions."""
    values = _submitted(await request.form(), request.path_params["role_id"])
    variables = {"input": {key: values[key] for key in ("id", "description", "permissions")}}
    return await submit(request, "ConsoleUpdateRole", "updateRole", variables, show=_screen, form="editor",
                        values=values, notice=lambda ok: f"Role {ok['role']['name']} saved.")


async def delete_role(request: Request) -> Response:
    """POST /console/admin/roles/{role_id}/delete: delete a custom role nobody holds."""
    role_id = request.path_params["role_id"]
    return await submit(request, "ConsoleDeleteRole", "deleteRole", {"id": role_id}, show=_screen,
                        form=f"role:{role_id}", notice="Role deleted.")


routes = [
    Route("/admin/roles", signed_in(roles_page), methods=["GET"], name="console_roles"),
    Route("/admin/roles", signed_in(create_role), methods=["POST"], name="console_create_role"),
    Route("/admin/roles/{role_id}", signed_in(update_role), methods=["POST"], name="console_update_role"),
    Route("/admin/roles/{role_id}/delete", signed_in(delete_role), methods=["POST"], name="console_delete_role"),
]
