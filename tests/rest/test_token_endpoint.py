"""POST /api/auth/token: each grant, and each way it can fail, with RFC 6749 error codes."""

import base64

import httpx
import jwt
import pytest

from domain.apikeys.service import create_api_key, revoke_api_key
from domain.tenants.service import set_tenant_status
from tests.conftest import TEST_PASSWORD

REQUIRED = {"iss", "aud", "sub", "tid", "roles", "ent", "region", "iat", "exp", "jti"}


async def _password(client, tenant, *, username=None, password=TEST_PASSWORD, as_json=False):
    data = {"grant_type": "password", "username": username or f"owner@{tenant.slug}.example.com",
            "password": password, "tenant": tenant.slug}
    kwargs = {"json": data} if as_json else {"data": data}
    return await client.post("/api/auth/token", **kwargs)


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_password_grant_returns_a_bearer_token_with_the_required_claims(client, make_tenant, as_json):
    tenant = await make_tenant()

    response = await _password(client, tenant, as_json=as_json)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["tenant_id"] == str(tenant.tenant_id)
    assert body["expires_in"] == 900 and body["refresh_token"].startswith("art_")
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims.keys() >= REQUIRED
    assert claims["tid"] == str(tenant.tenant_id) and claims["roles"] == ["owner"]
    assert claims["ent"]["plan"] == "enterprise" and "api_keys" in claims["ent"]["features"]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "EdDSA"


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"password": "wrong-password"}, "Invalid username or password."),
        ({"username": "nobody@nowhere.example.com"}, "Invalid username or password."),
        ({"tenant": "no-such-tenant"}, "Unknown tenant 'no-such-tenant'."),
    ],
)
async def test_password_grant_failures_are_invalid_grant(client, make_tenant, change, description):
    tenant = await make_tenant()
    data = {"grant_type": "password", "username": f"owner@{tenant.slug}.example.com",
            "password": TEST_PASSWORD, "tenant": tenant.slug, **change}

    response = await client.post("/api/auth/token", data=data)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": description}


async def test_a_user_of_another_tenant_is_not_let_in(client, make_tenant):
    mine, theirs = await make_tenant(), await make_tenant()

    response = await _password(client, theirs, username=f"owner@{mine.slug}.example.com")

    assert response.json()["error_description"] == f"You are not a member of tenant {theirs.slug!r}."


async def test_a_suspended_tenant_cannot_sign_in(client, db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        await set_tenant_status(tx, tenant_id=tenant.tenant_id, status="suspended", actor="test",
                                confirm_slug=tenant.slug)

    response = await _password(client, tenant)

    assert response.json() == {"error": "invalid_grant",
                               "error_description": f"Tenant {tenant.slug!r} is suspended."}


def _client_from(app, ip):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://atlas.test")


async def test_repeated_failures_are_throttled_even_for_the_right_password(app, make_tenant):
    tenant = await make_tenant()
    async with _client_from(app, "10.9.9.9") as attacker, _client_from(app, "10.8.8.8") as colleague:
        for _ in range(5):
            await _password(attacker, tenant, password="wrong-password")

        response = await _password(attacker, tenant)
        elsewhere = await _password(colleague, tenant)

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error_description"].startswith("Too many failed sign-ins")
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(
    ("request_kwargs", "status", "error"),
    [
        ({"data": {"grant_type": "magic"}}, 400, "unsupported_grant_type"),
        ({"data": {"username": "x"}}, 400, "invalid_request"),
        ({"content": b"grant_type=password", "headers": {"content-type": "text/plain"}}, 400, "invalid_request"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_request"),
    ],
    ids=["unsupported", "no-grant-type", "wrong-content-type", "bad-json"],
)
async def test_malformed_token_requests_are_invalid_request(client, request_kwargs, status, error):
    response = await client.post("/api/auth/token", **request_kwargs)

    assert response.status_code == status and response.json()["error"] == error


async def _owner(db, tenant):
    from domain.auth.principals import user_principal
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})


async def _api_key(db, tenant, *, kind="client", roles=("agent",)):
    owner = await _owner(db, tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_api_key(tx, name="collector", kind=kind, roles=list(roles), expires_at=None, actor=owner)


async def test_client_credentials_in_the_body_or_basic_auth(client, db, make_tenant):
    tenant = await make_tenant()
    issued = await _api_key(db, tenant)
    basic = base64.b64encode(f"{issued.client_id}:{issued.client_secret}".encode()).decode()

    in_body = await client.post("/api/auth/token", data={
        "grant_type": "client_credentials", "client_id": issued.client_id, "client_secret": issued.client_secret})
    in_header = await client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                                  headers={"Authorization": f"Basic {basic}"})

    for response in (in_body, in_header):
        assert response.status_code == 200
        body = response.json()
        assert "refresh_token" not in body
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == f"apikey:{issued.key.id}" and claims["roles"] == ["agent"]


async def test_client_credentials_failures_are_invalid_client(client, db, make_tenant):
    tenant = await make_tenant()
    issued = await _api_key(db, tenant)
    ingest = await _api_key(db, tenant, kind="ingest")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        revoked = await create_api_key(tx, name="old", kind="client", roles=["agent"], expires_at=None,
                                       actor=await _owner(db, tenant))
        await revoke_api_key(tx, key_id=revoked.key.id, actor="test")

    async def exchange(client_id, secret):
        return await client.post("/api/auth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})

    wrong = await exchange(issued.client_id, "not-the-secret")
    gone = await exchange(revoked.client_id, revoked.client_secret)
    ingest_only = await exchange(ingest.client_id, ingest.client_secret)

    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    assert gone.status_code == 401 and gone.json()["error_description"] == "This API key was revoked."
    assert ingest_only.status_code == 400 and ingest_only.json()["error"] == "unauthorized_client"


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(client, make_tenant):
    tenant = await make_tenant()
    first = (await _password(client, tenant)).json()

    rotated = await client.post("/api/auth/token", data={"grant_type": "refresh_token",
                                                          "refresh_token": first["refresh_token"]})
    replay = await client.post("/api/auth/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": first["refresh_token"]})
    after_replay = await client.post("/api/auth/token", data={
        "grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first["refresh_token"]
    assert replay.json() == {"error": "invalid_grant",
                             "error_description": "Refresh token was already used; sign in again."}
    assert after_replay.json()["error_description"] == "Refresh token was revoked."


async def test_revoked_refresh_tokens_cannot_be_used(client, make_tenant):
    tenant = await make_tenant()
    grant = (await _password(client, tenant)).json()

    revoked = await client.post("/api/auth/revoke", data={"token": grant["refresh_token"]})
    refreshed = await client.post("/api/auth/token", data={"grant_type": "refresh_token",
                                                            "refresh_token": grant["refresh_token"]})

    assert revoked.status_code == 200
    assert refreshed.json()["error_description"] == "Refresh token was revoked."


async def test_jwks_publishes_the_key_that_verifies_tokens(client, make_tenant):
    tenant = await make_tenant()
    token = (await _password(client, tenant)).json()["access_token"]

    jwks = (await client.get("/.well-known/jwks.json")).json()

    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="atlasai", issuer="atlasai")
    assert claims["tid"] == str(tenant.tenant_id)
    assert all("d" not in k for k in jwks["keys"]), "private key material must never be published"




@pytest.mark.parametrize("data", [
    {"grant_type": "password", "username": "a\x00b@example.com", "password": "x", "tenant": "t"},
    {"grant_type": "password", "username": "a@example.com", "password": "x\x00", "tenant": "t"},
    {"grant_type": "refresh_token", "refresh_token": "rt_\x00"},
    {"grant_type": "client_credentials", "client_id": "ak_\x00", "client_secret": "s"},
], ids=["username", "password", "refresh_token", "client_id"])
async def test_parameters_with_a_nul_character_are_an_invalid_request(client, data):
    response = await client.post("/api/auth/token", data=data)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request",
                               "error_description": "Text must not contain NUL characters (\\u0000) or unpaired surrogates."}


async def test_basic_credentials_with_a_nul_character_are_an_invalid_client(client):
    basic = base64.b64encode(b"ak_x%00:secret").decode()

    response = await client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": f"Basic {basic}"})

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
