"""Sign in, sign out, choose or switch the tenant. Authentication plumbing, not GraphQL screens."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console import csrf
from console.forms import path, text
from console.guard import ENDED_MESSAGES, csrf_refused, go_to, in_session, login_url, safe_next
from console.render import render
from console.sessions import COOKIE, SessionStore, clear_session_cookie, set_session_cookie
from console.signin import SignedIn, SignInRefused, check_sign_in, home_plane_handoff, member_tenants

NOTICES = {
    "signed_out": "You have signed out.",
    "joined": "You have joined the tenant. Sign in to continue.",
}


def _secure(request: Request) -> bool:
    return request.app.state.settings.is_production


def _home(request: Request) -> str:
    return path(request, "console_home")


def _login_form(
    request: Request, *, error: str | None = None, status_code: int = 200, email: str = "", tenant: str = "",
    next_path: str | None = None, retry_after: int | None = None,
) -> Response:
    """The sign-in form with a fresh pre-session CSRF token (see console/csrf.py)."""
    token = csrf.form_token(request)
    params = request.query_params
    notice = ENDED_MESSAGES.get(params.get("ended", "")) or NOTICES.get(params.get("notice", ""))
    context = {"csrf_token": token, "error": error, "notice": notice, "email": email, "tenant": tenant,
               "next": safe_next(next_path) or ""}
    response = render(request, "login.html", context, status_code=status_code)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    csrf.set_form_cookie(response, token, secure=_secure(request))
    return response


async def login_page(request: Request) -> Response:
    """GET /console/login: the sign-in form."""
    params = request.query_params
    return _login_form(request, email=params.get("email", ""), next_path=params.get("next"))


async def login(request: Request) -> Response:
    """POST /console/login: check the credentials, start a fresh session and go on."""
    form = await request.form()
    if not await csrf.form_token_ok(request):
        return csrf_refused(request)
    email, tenant, next_path = text(form, "email"), text(form, "tenant"), text(form, "next")
    password = form.get("password")
    address = request.client.host if request.client else "unknown"
    try:
        signed = await check_sign_in(request.app.state.runtime, email=email, tenant_ref=tenant, address=address,
                                     password=password if isinstance(password, str) else "")
    except SignInRefused as exc:
        return _login_form(request, error=exc.message, status_code=exc.status, email=email, tenant=tenant,
                           next_path=next_path, retry_after=exc.retry_after)
    settings = request.app.state.settings
    if settings.plane == "cp":  # the tenant's console lives on its home tenant plane
        away = await home_plane_handoff(request.app.state.runtime, signed, ttl=settings.signin_code_ttl,
                                        region_hint=request.headers.get(settings.region_hint_header))
        if away is not None:
            return RedirectResponse(away, status_code=303)
    return await _start_session(request, signed, safe_next(next_path) or _home(request))


async def signin_with_code(request: Request) -> Response:
    """GET /console/signin/code?code=...: at a tenant plane, redeem the control plane's one-time code and
    start a session here (the code works once, for this plane only, for a short time)."""
    runtime = request.app.state.runtime
    if runtime.control_plane is None:
        return _login_form(request, error="Sign in here with your password.", status_code=404)
    try:
        handoff = await runtime.control_plane.redeem_signin_code(request.query_params.get("code", ""))
    except httpx.HTTPError:
        return _login_form(request, error="The control plane cannot be reached; try again shortly.",
                           status_code=503)
    if handoff is None:
        return _login_form(request, error="This sign-in link is unknown, used or expired; sign in again.",
                           status_code=400)
    signed = SignedIn(uuid.UUID(handoff["user_id"]), uuid.UUID(handoff["tenant_id"]))
    return await _start_session(request, signed, _home(request))


async def _start_session(request: Request, signed: SignedIn, target: str) -> Response:
    """A new session id (any earlier one ends), then on to ``target`` or the tenant chooser."""
    store = SessionStore.of(request)
    await store.end(request.cookies.get(COOKIE))
    session = await store.create(user_id=signed.user_id, tenant_id=signed.tenant_id)
    if signed.tenant_id is None:
        target = f"{request.app.url_path_for('console_choose_tenant')}?{urlencode({'next': target})}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, session, secure=_secure(request))
    return response


async def logout(request: Request) -> Response:
    """POST /console/logout: end the session; its cookie no longer works anywhere."""
    await SessionStore.of(request).end(request.state.session.cookie)
    response = go_to(request, login_url(request, notice="signed_out"))
    clear_session_cookie(response, secure=_secure(request))
    return response


async def _chooser(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    session = request.state.session
    tenants = await member_tenants(request.app.state.runtime, user_id=session.user_id)
    next_path = safe_next(request.query_params.get("next")) or ""
    context = {"csrf_token": session.csrf, "tenants": tenants, "error": error, "next": next_path,
               "current": str(session.tenant_id or "")}
    return render(request, "choose_tenant.html", context, status_code=status_code)


async def choose_tenant(request: Request) -> Response:
    """GET /console/choose-tenant: the tenants this user belongs to, to pick one."""
    return await _chooser(request)


async def switch_tenant(request: Request) -> Response:
    """POST /console/switch-tenant: move the session to another of the user's tenants."""
    session = request.state.session
    form = await request.form()
    wanted = text(form, "tenant_id")
    tenants = await member_tenants(request.app.state.runtime, user_id=session.user_id)
    if wanted not in {tenant["id"] for tenant in tenants}:
        return await _chooser(request, error="You are not a member of that tenant.", status_code=403)
    moved = await SessionStore.of(request).move_to_tenant(session, uuid.UUID(wanted))
    response = go_to(request, safe_next(text(form, "next")) or _home(request))
    set_session_cookie(response, moved, secure=_secure(request))
    return response


routes = [
    Route("/login", login_page, methods=["GET"], name="console_login"),
    Route("/login", login, methods=["POST"]),
    Route("/signin/code", signin_with_code, methods=["GET"], name="console_signin_code"),
    Route("/logout", in_session(logout), methods=["POST"], name="console_logout"),
    Route("/choose-tenant", in_session(choose_tenant), methods=["GET"], name="console_choose_tenant"),
    Route("/switch-tenant", in_session(switch_tenant), methods=["POST"], name="console_switch_tenant"),
]
