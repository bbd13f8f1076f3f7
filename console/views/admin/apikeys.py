"""API keys: list (never with secrets), create (the secret is shown once), revoke."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import choices, parse_day, refused, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

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


async def create_key(request: Request) -> Response:
    """POST /console/admin/api-keys: create a key; its secret is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "kind": text(form, "kind"), "roles": choices(form, "roles"),
              "expires": text(form, "expires")}
    problems: list[dict[str, Any]] = []
    expires = parse_day(values["expires"], "Expiry", "expiresAt", problems)
    if problems:
        return await _screen(request, outcome=refused(problems[0], "create"), values=values)
    variables = {"input": {"name": values["name"], "kind": values["kind"], "roles": values["roles"],
                           "expiresAt": f"{expires.isoformat()}T00:00:00+00:00" if expires else None}}
    return await submit(request, "ConsoleCreateApiKey", "createApiKey", variables, show=_screen, form="create",
                        values=values, notice=lambda ok: f"API key {ok['apiKey']['name']} created.")


async def revoke_key(request: Request) -> Response:
    """POST /console/admin/api-keys/{key_id}/revoke: the key stops working on its next request."""
    key_id = request.path_params["key_id"]
    return await submit(request, "ConsoleRevokeApiKey", "revokeApiKey", {"id": key_id}, show=_screen,
                        form=f"key:{key_id}", notice=lambda ok: f"API key {ok['apiKey']['name']} revoked.")


routes = [
    Route("/admin/api-keys", signed_in(api_keys_page), methods=["GET"], name="console_api_keys"),
    Route("/admin/api-keys", signed_in(create_key), methods=["POST"], name="console_create_api_key"),
    Route("/admin/api-keys/{key_id}/revoke", signed_in(revoke_key), methods=["POST"],
          name="console_revoke_api_key"),
]
