"""Invitation acceptance, public: the token in the link is the credential."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console import csrf
from console.forms import run_mutation, text
from console.guard import csrf_refused, login_url
from console.render import render
from console.screens import status_for


def _form(
    request: Request, *, token: str, values: dict[str, Any] | None = None, error: dict | None = None,
    status_code: int = 200,
) -> Response:
    """The acceptance form with a pre-session CSRF token (see console/csrf.py)."""
    csrf_token = csrf.form_token(request)
    context = {"csrf_token": csrf_token, "token": token, "values": values or {}, "error": error}
    response = render(request, "invite.html", context, block="invite", status_code=status_code)
    csrf.set_form_cookie(response, csrf_token, secure=request.app.state.settings.is_production)
    return response


async def invite_page(request: Request) -> Response:
    """GET /console/invite?token=...: choose a display name (and a password, for a new account)."""
    return _form(request, token=request.query_params.get("token", ""))


async def accept(request: Request) -> Response:
    """POST /console/invite: run acceptInvitation, then send the invitee to sign in."""
    form = await request.form()
    if not await csrf.form_token_ok(request):
        return csrf_refused(request)
    token, values = text(form, "token"), {"displayName": text(form, "display_name")}
    password = form.get("password")
    variables = {"input": {"token": token, "displayName": values["displayName"] or None,
                           "password": password if isinstance(password, str) and password else None}}
    outcome = await run_mutation(request, "ConsoleAcceptInvitation", "acceptInvitation", variables)
    if outcome["error"]:
        return _form(request, token=token, values=values, error=outcome["error"],
                     status_code=status_for([outcome["error"]]))
    return RedirectResponse(login_url(request, email=outcome["ok"]["email"], notice="joined"), status_code=303)


routes = [
    Route("/invite", invite_page, methods=["GET"], name="console_invite"),
    Route("/invite", accept, methods=["POST"]),
]
