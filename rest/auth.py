"""OAuth2-style token endpoint (RFC 6749), revocation (RFC 7009) and the JWKS document."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain import strict_json
from domain.auth.service import GrantError
from domain.errors import TooManyAttempts
from domain.text import UNSTORABLE_MESSAGE, all_storable

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _storable(params: dict[str, str]) -> dict[str, str]:
    if not all_storable(params):
        raise GrantError("invalid_request", UNSTORABLE_MESSAGE)
    return params


async def _parameters(request: Request) -> dict[str, str]:
    """Token request parameters from a form or JSON body (text the database can hold)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = strict_json.loads(await request.body())
        except strict_json.BadJSON as bad:
            raise GrantError("invalid_request", f"Body is {bad}.") from None
        if not isinstance(body, dict):
            raise GrantError("invalid_request", "Body must be a JSON object.")
        return _storable({k: str(v) for k, v in body.items() if isinstance(v, str | int)})
    if content_type == "application/x-www-form-urlencoded":
        return _storable({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    raise GrantError("invalid_request", "Send application/x-www-form-urlencoded or application/json.")


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise GrantError("invalid_client", "Malformed Basic credentials.", status=401) from None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if not all_storable([client_id, secret]):
        raise GrantError("invalid_client", UNSTORABLE_MESSAGE, status=401)
    return client_id, secret


async def _grant(request: Request, params: dict[str, str]):
    tokens = request.app.state.runtime.tokens
    grant_type = params.get("grant_type", "")
    if grant_type == "password":
        address = request.client.host if request.client else "unknown"
        hint = request.headers.get(request.app.state.settings.region_hint_header)
        return await tokens.password_grant(username=params.get("username", ""), password=params.get("password", ""),
                                           tenant=params.get("tenant", ""), address=address, region_hint=hint)
    if grant_type == "client_credentials":
        client_id, secret = _basic_credentials(request) or (params.get("client_id", ""),
                                                            params.get("client_secret", ""))
        return await tokens.client_credentials_grant(client_id=client_id, client_secret=secret)
    if grant_type == "refresh_token":
        return await tokens.refresh_grant(refresh_token=params.get("refresh_token", ""))
    if not grant_type:
        raise GrantError("invalid_request", "grant_type is required.")
    raise GrantError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")


def _error(exc: GrantError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="atlasai"'
    return JSONResponse({"error": exc.error, "error_description": exc.message}, status_code=exc.status,
                        headers=headers)


async def token_endpoint(request: Request) -> Response:
    """POST /api/auth/token: password, client_credentials and refresh_token grants."""
    try:
        grant = await _grant(request, await _parameters(request))
    except GrantError as exc:
        return _error(exc)
    except TooManyAttempts as exc:
        return JSONResponse({"error": "invalid_grant", "error_description": exc.message}, status_code=429,
                            headers={**NO_STORE, "Retry-After": str(exc.retry_after)})
    return JSONResponse(grant.as_json(), headers=NO_STORE)


async def revoke_endpoint(request: Request) -> Response:
    """POST /api/auth/revoke: revoke a refresh token (and its rotation family)."""
    try:
        params = await _parameters(request)
    except GrantError as exc:
        return _error(exc)
    await request.app.state.runtime.tokens.revoke(token=params.get("token", ""))
    return Response(status_code=200, headers=NO_STORE)


async def jwks_endpoint(request: Request) -> JSONResponse:
    """GET /.well-known/jwks.json: public keys that verify access tokens."""
    return JSONResponse(request.app.state.runtime.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


routes = [
    Route("/api/auth/token", token_endpoint, methods=["POST"]),
    Route("/api/auth/revoke", revoke_endpoint, methods=["POST"]),
    Route("/.well-known/jwks.json", jwks_endpoint, methods=["GET"]),
]
