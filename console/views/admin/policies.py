"""Policies: the tenant's (the platform's values, its own stricter ones, the result) and, for platform
operators, every published version with publish and rollback (URLs under /console/platform/)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status


def _json_object(raw: str, field: str) -> dict[str, Any] | dict[str, dict[str, Any]]:
    """``{"value": object}`` or ``{"error": ...}`` for text that should be a JSON object."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        return {"error": validation(f"Not valid JSON: {exc.msg} (line {exc.lineno}).", field)}
    return {"value": value} if isinstance(value, dict) else {"error": validation("Enter a JSON object.", field)}


async def _tenant_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                         values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsolePolicies", {})
    policies = data.get("policies") or {}
    context = {"data": data, "errors": errors, "outcome": outcome or {},
               "values": values or {"tightening": json.dumps(policies.get("tightening") or {}, indent=2)}}
    return await page(request, "admin/policies.html", context, block="screen",
                      status_code=screen_status(outcome, errors, loaded=bool(policies)))


async def policies_page(request: Request) -> Response:
    """GET /console/admin/policies."""
    return await _tenant_screen(request)


async def tighten(request: Request) -> Response:
    """POST /console/admin/policies: set the tenant's stricter values (a JSON object)."""
    values = {"tightening": text(await request.form(), "tightening")}
    parsed = _json_object(values["tightening"], "tightening")
    if "error" in parsed:
        return await _tenant_screen(request, outcome=refused(parsed["error"], "tighten"), values=values)
    return await submit(request, "ConsoleTightenPolicies", "tightenPolicies", {"tightening": parsed["value"]},
                        show=_tenant_screen, form="tighten", values=values, notice="Your stricter values are saved.")


async def _platform_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                           values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsolePolicyVersions", {})
    versions = data.get("policyVersions")
    latest = json.dumps(versions[0]["document"], indent=2) if versions else "{}"
    context = {"data": data, "errors": errors, "outcome": outcome or {},
               "values": values or {"document": latest, "note": ""}}
    return await page(request, "admin/platform_policies.html", context, block="screen",
                      status_code=screen_status(outcome, errors, loaded=versions is not None))


async def versions_page(request: Request) -> Response:
    """GET /console/platform/policies: every published version, newest first."""
    return await _platform_screen(request)


async def publish(request: Request) -> Response:
    """POST /console/platform/policies: publish a new version."""
    form = await request.form()
    values = {"document": text(form, "document"), "note": text(form, "note")}
    parsed = _json_object(values["document"], "document")
    if "error" in parsed:
        return await _platform_screen(request, outcome=refused(parsed["error"], "publish"), values=values)
    return await submit(request, "ConsolePublishPolicy", "publishPolicy",
                        {"document": parsed["value"], "note": values["note"]}, show=_platform_screen, form="publish",
                        values=values, notice=lambda ok: f"Version {ok['policy']['version']} published.")


async def rollback(request: Request) -> Response:
    """POST /console/platform/policies/{version}/rollback: publish that version's document again."""
    version = request.path_params["version"]
    return await submit(request, "ConsoleRollbackPolicy", "rollbackPolicy", {"version": version},
                        show=_platform_screen, form=f"version:{version}",
                        notice=lambda ok: f"Version {ok['policy']['version']} restores version "
                                          f"{ok['policy']['rolledBackTo']}.")


routes = [
    Route("/admin/policies", signed_in(policies_page), methods=["GET"], name="console_policies"),
    Route("/admin/policies", signed_in(tighten), methods=["POST"], name="console_tighten_policies"),
    Route("/platform/policies", signed_in(versions_page), methods=["GET"], name="console_platform_policies"),
    Route("/platform/policies", signed_in(publish), methods=["POST"], name="console_publish_policy"),
    Route("/platform/policies/{version:int}/rollback", signed_in(rollback), methods=["POST"],
          name="console_rollback_policy"),
]
