"""Platform operators: every tenant (filter, search, next page), provisioning, suspend and resume.

The screen's URLs stay under /console/platform/ (the control plane's, as users see it); the code calls
it tenants.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import kept, next_url, refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

STATUSES = ("active", "suspended")
PLANS = ("free", "pro", "enterprise")


def _filters(request: Request) -> dict[str, str]:
    """The list's filters from the query string (kept across changes through hidden fields)."""
    source = request.query_params
    status = source.get("status", "")
    return {"status": status if status in STATUSES else "", "search": source.get("search", "").strip()}


async def _screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
) -> Response:
    """The tenants screen, with the outcome of a change if there was one."""
    filters = _filters(request)
    after = request.query_params.get("after") if request.method == "GET" else None
    variables = {"status": filters["status"] or None, "search": filters["search"] or None, "after": after or None}
    data, errors = await run_screen(request, "ConsolePlatformTenants", variables)
    status = screen_status(outcome, errors, loaded=bool(data.get("tenants")))
    query = urlencode(kept(filters))
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values or {"plan": "free"},
               "filters": filters, "kept": f"?{query}" if query else "", "statuses": STATUSES, "plans": PLANS,
               "next_url": next_url(request, "console_platform_tenants", filters, data.get("tenants")),
               "own_tenant": str(request.state.principal.tenant_id)}
    return await page(request, "admin/tenants.html", context, block="screen", status_code=status)


async def tenants_page(request: Request) -> Response:
    """GET /console/platform/tenants[?status=&search=&after=]: every tenant, newest first."""
    return await _screen(request)


async def create_tenant(request: Request) -> Response:
    """POST /console/platform/tenants: provision a tenant and its first admin."""
    form = await request.form()
    values = {"name": text(form, "name"), "slug": text(form, "slug"), "adminEmail": text(form, "admin_email"),
              "plan": text(form, "plan")}
    password = form.get("admin_password")
    variables = {"input": {**values, "adminPassword": password if isinstance(password, str) and password else None}}
    return await submit(request, "ConsoleCreateTenant", "createTenant", variables, show=_screen, form="create",
                        values=values, notice=lambda made: f"Tenant {made['tenant']['slug']} created; its owner is "
                                                           f"{'a new' if made['adminIsNew'] else 'an existing'} user.")


async def _change_status(request: Request, operation: str, field: str, verb: str) -> Response:
    tenant_id = request.path_params["tenant_id"]
    form = await request.form()
    variables = {"id": tenant_id, "reason": text(form, "reason")}
    if operation == "ConsoleSuspendTenant":
        variables["confirmSlug"] = text(form, "confirm_slug")
    return await submit(request, operation, field, variables, show=_screen, form=f"tenant:{tenant_id}",
                        notice=lambda ok: f"Tenant {ok['tenant']['slug']} {verb}.")


async def suspend(request: Request) -> Response:
    """POST /console/platform/tenants/{tenant_id}/suspend (``confirm_slug`` repeats its slug): its users and keys
    are refused from now on. The tenant you are signed in to cannot be suspended from here."""
    return await _change_status(request, "ConsoleSuspendTenant", "suspendTenant", "suspended")


async def resume(request: Request) -> Response:
    """POST /console/platform/tenants/{tenant_id}/resume: lift the suspension."""
    return await _change_status(request, "ConsoleResumeTenant", "resumeTenant", "resumed")


def _limits(raw: str) -> dict[str, int] | None:
    """``users=25, api_keys=10`` as a dict; None when a pair is not ``name=whole number``."""
    limits: dict[str, int] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            return None
        limits[name.strip()] = int(value)
    return limits


async def set_entitlements(request: Request) -> Response:
    """POST /console/platform/tenants/{tenant_id}/entitlements: contract plan and overrides (replacing earlier
    ones); the tenant's open sessions and tokens pick them up on their next request."""
    tenant_id, form = request.path_params["tenant_id"], await request.form()
    limits = _limits(text(form, "limits"))
    if limits is None:
        return await _screen(request, outcome=refused(validation(
            "Limits look like users=25, api_keys=10 (whole numbers).", "limits"), f"entitlements:{tenant_id}"))
    features = [f.strip() for f in text(form, "features").split(",") if f.strip()]
    variables = {"input": {"tenantId": tenant_id, "plan": text(form, "plan"), "features": features, "limits": limits}}
    return await submit(request, "ConsoleSetTenantEntitlements", "setTenantEntitlements", variables, show=_screen,
                        form=f"entitlements:{tenant_id}",
                        notice=lambda ok: f"Entitlements set (version {ok['version']}).")


routes = [
    Route("/platform/tenants", signed_in(tenants_page), methods=["GET"], name="console_platform_tenants"),
    Route("/platform/tenants", signed_in(create_tenant), methods=["POST"], name="console_create_tenant"),
    Route("/platform/tenants/{tenant_id}/suspend", signed_in(suspend), methods=["POST"],
          name="console_suspend_tenant"),
    Route("/platform/tenants/{tenant_id}/resume", signed_in(resume), methods=["POST"],
          name="console_resume_tenant"),
    Route("/platform/tenants/{tenant_id}/entitlements", signed_in(set_entitlements), methods=["POST"],
          name="console_set_tenant_entitlements"),
]
