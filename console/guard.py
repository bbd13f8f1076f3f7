"""Access to console screens: a live session, its CSRF token on every POST, the principal resolved.

Wrap a view with :func:`signed_in` (needs a tenant) or :func:`in_session` (a session is enough, e.g.
the tenant chooser)::

    routes = [Route("/admin/members", signed_in(members_page), name="console_members")]

Signed out, the browser goes to /console/login?next=<this page>; a suspended tenant or a lost
membership ends the session and sends the browser to sign in with a message saying why.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console import csrf
from console.render import is_htmx, render
from console.sessions import COOKIE, Session, SessionStore, clear_session_cookie
from console.signin import session_principal
from domain.errors import Forbidden, Unauthenticated

View = Callable[[Request], Awaitable[Response]]

ENDED_MESSAGES = {
    "EXPIRED": "Your session has ended. Sign in again.",
    "TENANT_SUSPENDED": "Your tenant has been suspended, so you were signed out.",
    "FORBIDDEN": "You are no longer a member of that tenant, so you were signed out.",
    "SESSIONS_REVOKED": "An administrator ended every session of your tenant. Sign in again.",
    "UNAUTHENTICATED": "Your account or tenant is no longer available, so you were signed out.",
    "NOT_ENTITLED": "Your tenant's plan does not include the console, so you were signed out.",
}
CONSOLE_FEATURE = "console"
CSRF_MESSAGE = ("This request did not carry the form's security token (CSRF), so nothing was done. "
                "Reload the page and try again.")


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path inside the console (no scheme, host or ``//``), else None."""
    if not value or "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == "/console" or parts.path.startswith("/console/")):
        return None
    return value


def go_to(request: Request, url: str) -> Response:
    """Send the browser to ``url``: a 303, or ``HX-Redirect`` so htmx loads a whole page."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def login_url(request: Request, *, next_path: str | None = None, **params: str | None) -> str:
    """The sign-in page, remembering where to go back to (``next``) and e.g. why the session ended."""
    query = {key: value for key, value in {"next": safe_next(next_path), **params}.items() if value}
    path = request.app.url_path_for("console_login")
    return f"{path}?{urlencode(query)}" if query else str(path)


def _here(request: Request) -> str | None:
    """The page the user was looking at (for ``next``): this GET, or htmx's current page."""
    if is_htmx(request):
        return urlsplit(request.headers.get("hx-current-url", "")).path or None
    if request.method != "GET":
        return None
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def to_sign_in(request: Request, *, ended: str | None = None) -> Response:
    """Redirect to the sign-in page; with ``ended``, also drop the session cookie."""
    response = go_to(request, login_url(request, next_path=_here(request), ended=ended))
    if ended:
        clear_session_cookie(response, secure=request.app.state.settings.is_production)
    return response


def csrf_refused(request: Request) -> Response:
    """403: a POST without the right CSRF token; nothing was done."""
    return render(request, "error.html", {"message": CSRF_MESSAGE, "code": "CSRF"}, block="error",
                  status_code=403)


async def _enter_tenant(request: Request, session: Session, store: SessionStore) -> Response | None:
    """Put the principal on ``request.state``; on failure end the session and say why."""
    runtime = request.app.state.runtime
    try:
        principal = await session_principal(
            runtime, user_id=session.user_id, tenant_id=session.tenant_id, signed_in_at=session.created_at)
        if CONSOLE_FEATURE not in principal.features:
            raise Forbidden("The plan does not include the console.", code="NOT_ENTITLED")
        request.state.principal = principal
    except (Forbidden, Unauthenticated) as exc:
        await store.end(session.cookie)
        return to_sign_in(request, ended=exc.code if exc.code in ENDED_MESSAGES else "UNAUTHENTICATED")
    return None


async def still_signed_in(request: Request) -> bool:
    """For a long response: the session still lives and its principal still has the same access."""
    started = request.state.principal
    session = await SessionStore.of(request).peek(request.cookies.get(COOKIE))
    if session is None or session.tenant_id != started.tenant_id:
        return False
    try:
        now = await session_principal(request.app.state.runtime, user_id=session.user_id,
                                      tenant_id=session.tenant_id, signed_in_at=session.created_at)
    except (Forbidden, Unauthenticated):
        return False
    return (now.permissions, now.features) == (started.permissions, started.features)


def _guarded(view: View, *, needs_tenant: bool) -> View:
    """``view`` behind the session, CSRF and (with ``needs_tenant``) principal checks."""
    @functools.wraps(view)
    async def guarded(request: Request) -> Response:
        store = SessionStore.of(request)
        cookie = request.cookies.get(COOKIE)
        session = await store.load(cookie)
        if session is None:
            return to_sign_in(request, ended="EXPIRED" if cookie else None)
        if request.method == "POST" and not await csrf.session_token_ok(request, session):
            return csrf_refused(request)
        request.state.session = session
        if needs_tenant and session.tenant_id is None:
            return go_to(request, str(request.app.url_path_for("console_choose_tenant")))
        if needs_tenant and (refused := await _enter_tenant(request, session, store)):
            return refused
        return await view(request)

    return guarded


def signed_in(view: View) -> View:
    """The view needs a session in a tenant; the principal is on ``request.state.principal``."""
    return _guarded(view, needs_tenant=True)


def in_session(view: View) -> View:
    """The view needs a session, with or without a tenant chosen yet."""
    return _guarded(view, needs_tenant=False)
