"""API keys: list (never with secrets), create (the secret is shown once), revoke."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.views.screens import (
    choices,
    page,
    run_mutation,
    run_screen,
    scope,
    screen_status,
    text,
)

KINDS = ("client", "ingest")


async def _screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
) -> Response:
    """The API keys screen, with the outcome of a change if there was one."""
    params = request.query_params if request.method == "GET" else {}
    show_revoked = params.get("revoked") == "1"
    variables = {"after": params.get("after") or None, "includeRevoked": show_revoked}
    data, errors = await run_screen(request, "ConsoleApiKeys", variables)
    status = screen_status(outcome, errors, loaded=bool(data.get("apiKeys")))
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values or {"kind": "client"},
               "kinds": KINDS, "show_revoked": show_revoked}
    return await page(request, "admin/api_keys.html", context, block="screen", status_code=status)


async def api_keys_page(request: Request) -> Response:
    """GET /console/admin/api-keys[?revoked=1]: the tenant's keys with kind, roles and last use."""
    return await _screen(request)


def _expiry(raw: str) -> str | None:
    """A date from the form as the start of that day in UTC; ValueError if it is not a date."""
    return f"{date.fromisoformat(raw).isoformat()}T00:00:00+00:00" if raw else None


async def create_key(request: Request) -> Response:
    """POST /console/admin/api-keys: create a key; its secret is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "kind": text(form, "kind"), "roles": choices(form, "roles"),
              "expires": text(form, "expires")}
    try:
        expires_at = _expiry(values["expires"])
    except ValueError:
        error = {"code": "VALIDATION", "message": "Expiry must be a date (YYYY-MM-DD).", "field": "expiresAt"}
        return await _screen(request, outcome={"ok": None, "error": error, "form": "create"}, values=values)
    variables = {"input": {"name": values["name"], "kind": values["kind"], "roles": values["roles"],
                           "expiresAt": expires_at}}
    outcome = scope(await run_mutation(request, "ConsoleCreateApiKey", "createApiKey", variables), "create")
    if outcome["ok"]:
        outcome["notice"] = f"API key {outcome['ok']['apiKey']['name']} created."
        return await _screen(request, outcome=outcome)
    return await _screen(request, outcome=outcome, values=values)


async def revoke_key(request: Request) -> Response:
    """POST /console/admin/api-keys/{key_id}/revoke: the key stops working on its next request."""
    key_id = request.path_params["key_id"]
    outcome = scope(await run_mutation(request, "ConsoleRevokeApiKey", "revokeApiKey", {"id": key_id}),
                    f"key:{key_id}")
    if outcome["ok"]:
        outcome["notice"] = f"API key {outcome['ok']['apiKey']['name']} revoked."
    return await _screen(request, outcome=outcome)


routes = [
    Route("/admin/api-keys", signed_in(api_keys_page), methods=["GET"], name="console_api_keys"),
    Route("/admin/api-keys", signed_in(create_key), methods=["POST"], name="console_create_api_key"),
    Route("/admin/api-keys/{key_id}/revoke", signed_in(revoke_key), methods=["POST"],
          name="console_revoke_api_key"),
]
