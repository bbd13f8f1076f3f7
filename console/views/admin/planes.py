"""Platform operators: the tenant-plane registry (status, region, capacity and tenants hosted, last
heartbeat, deliveries waiting), registering a plane (its credential shown once) and draining it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

FIELDS = ("name", "region", "url", "kind", "capacity")
NEXT_STATUS = {"active": "draining", "draining": "active", "offline": "active"}


async def _screen(request: Request, *, outcome: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleTenantPlanes", {})
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "next_status": NEXT_STATUS,
               "values": values or {"kind": "shared", "capacity": "1000"}}
    return await page(request, "admin/platform_planes.html", context, block="screen",
                      status_code=screen_status(outcome, errors, loaded=data.get("tenantPlanes") is not None))


async def planes_page(request: Request) -> Response:
    """GET /console/platform/planes."""
    return await _screen(request)


async def register(request: Request) -> Response:
    """POST /console/platform/planes: register a plane; the answer shows its credential once."""
    form = await request.form()
    values = {name: text(form, name) for name in FIELDS}
    try:
        capacity = int(values["capacity"] or "1000")
    except ValueError:
        return await _screen(request, outcome=refused(validation("Enter a whole number.", "capacity"), "register"),
                             values=values)
    variables = {"input": {"name": values["name"], "region": values["region"], "url": values["url"],
                           "kind": values["kind"] or "shared", "capacity": capacity}}
    return await submit(request, "ConsoleRegisterTenantPlane", "registerTenantPlane", variables, show=_screen,
                        form="register", values=values,
                        notice=lambda ok: f"Plane {ok['plane']['name']} registered.",
                        more=lambda ok: {"credential": ok["credential"], "credential_for": ok["plane"]["name"]})


async def set_status(request: Request) -> Response:
    """POST /console/platform/planes/{id}/status: drain a plane (no new tenants), or make it active again."""
    plane_id = request.path_params["plane_id"]
    status = text(await request.form(), "status")
    return await submit(request, "ConsoleUpdateTenantPlane", "updateTenantPlane",
                        {"id": plane_id, "input": {"status": status}}, show=_screen, form=f"plane:{plane_id}",
                        notice=lambda ok: f"Plane {ok['plane']['name']} is {ok['plane']['status']}.")


routes = [
    Route("/platform/planes", signed_in(planes_page), methods=["GET"], name="console_platform_planes"),
    Route("/platform/planes", signed_in(register), methods=["POST"], name="console_register_plane"),
    Route("/platform/planes/{plane_id}/status", signed_in(set_status), methods=["POST"],
          name="console_plane_status"),
]
