"""CSRF protection for every console POST.

Signed-in requests: the session holds a random token (see console/sessions.py) and every POST must
echo it, as the ``X-CSRF-Token`` header (htmx sends it from base.html's ``hx-headers``) or as a
``csrf_token`` form field. Another site can make the browser send the session cookie, but it cannot
read the token, so it cannot forge the request.

Forms used before there is a session (sign-in, invitation acceptance) use a double-submit token:
the GET sets a random ``atlas_csrf`` cookie (HttpOnly, SameSite=Strict, Path=/console) and puts the
same value in a hidden field; the POST must carry both, equal. Another site can read neither the
cookie nor our page (same-origin policy), so it cannot produce a matching pair, and SameSite=Strict
keeps the cookie off cross-site POSTs anyway. The classic hole of double-submit, a sibling subdomain
planting its own cookie, is closed by also requiring the ``Origin`` header, whenever the browser sends
one (all current browsers do on POST), to name this host. Login CSRF matters even without a session:
it would sign the victim in to the attacker's account.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from console.sessions import Session

FORM_COOKIE = "atlas_csrf"
FIELD = "csrf_token"
MAX_FORM_FIELD = 16 * 1024 * 1024  # a CMDB import pasted in a textarea; whole bodies are capped per route
HEADER = "x-csrf-token"
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _plausible(token: str | None) -> bool:
    return bool(token) and 32 <= len(token) <= 64 and set(token) <= _TOKEN_CHARS


def _equal(sent: str | None, expected: str | None) -> bool:
    return bool(sent) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def _sent_token(request: Request) -> str | None:
    """The token the request carries: the header, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    value = (await request.form(max_part_size=MAX_FORM_FIELD)).get(FIELD)
    return value if isinstance(value, str) else None


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def session_token_ok(request: Request, session: Session) -> bool:
    """True if the POST carries this session's CSRF token."""
    return _equal(await _sent_token(request), session.csrf)


def form_token(request: Request) -> str:
    """The pre-session token for a form: the browser's current one, or a new one."""
    current = request.cookies.get(FORM_COOKIE)
    return current if _plausible(current) else secrets.token_urlsafe(32)


def set_form_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Send the pre-session token cookie that pairs with the form's hidden field."""
    response.set_cookie(FORM_COOKIE, token, path="/console", httponly=True, samesite="strict", secure=secure)


async def form_token_ok(request: Request) -> bool:
    """True if a pre-session POST carries the same token in its cookie and its form, from this host."""
    cookie = request.cookies.get(FORM_COOKIE)
    return _plausible(cookie) and same_origin(request) and _equal(await _sent_token(request), cookie)
