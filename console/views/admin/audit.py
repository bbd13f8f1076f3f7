"""Audit log: who did what, filtered by actor, action and target type; export as CSV or JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import kept, may, next_url, url
from console.guard import signed_in
from console.screens import nodes, page, run_screen, status_for

FILTERS = ("actor", "action", "targetType")
MEDIA = {"CSV": "text/csv", "JSON": "application/json"}


def _filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


def _variables(values: dict[str, str]) -> dict:
    return {"filter": {name: value for name, value in values.items() if value} or None}


async def audit_page(request: Request) -> Response:
    """GET /console/admin/audit[?actor=&action=&targetType=&after=]."""
    values = _filters(request)
    data, errors = await run_screen(request, "ConsoleAudit",
                                    {**_variables(values), "after": request.query_params.get("after") or None})
    context = {"data": data, "errors": errors, "values": values, "events": nodes(data.get("auditEvents")),
               "next": next_url(request, "console_audit", values, data.get("auditEvents")),
               "can_export": may(data, "audit.read", "audit_export"),
               "export": {fmt: url(request, "console_audit_export", [*kept(values), ("format", fmt)])
                          for fmt in MEDIA}}
    return await page(request, "admin/audit.html", context, block="screen", status_code=status_for(errors))


async def audit_export(request: Request) -> Response:
    """GET /console/admin/audit/export?format=CSV|JSON: the filtered log as a download."""
    fmt = request.query_params.get("format", "CSV").upper()
    if fmt not in MEDIA:
        return Response("format must be CSV or JSON", status_code=400, media_type="text/plain")
    data, errors = await run_screen(request, "ConsoleAuditExport", {**_variables(_filters(request)), "format": fmt})
    if errors:
        return Response(errors[0]["message"], status_code=status_for(errors), media_type="text/plain")
    name = f"audit-log.{fmt.lower()}"
    return Response(data["auditExport"]["content"], media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/admin/audit", signed_in(audit_page), methods=["GET"], name="console_audit"),
    Route("/admin/audit/export", signed_in(audit_export), methods=["GET"], name="console_audit_export"),
]
