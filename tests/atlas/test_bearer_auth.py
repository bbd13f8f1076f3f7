"""Tenant-plane requests: Bearer JWT + x-tenant-id, verified strictly, refused with clear errors."""

import asyncio
import time
import uuid
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete

from atlas.keys import SigningKey
from domain.auth.tokens import issue_access_token
from domain.members.models import Membership
from domain.tenants.service import revoke_tenant_tokens, set_tenant_status
from tests.conftest import auth_headers, gql

VIEWER = "{ viewer { subject email roles tenantId } }"


async def _viewer(client, headers):
    return await client.post("/graphql", json={"query": VIEWER}, headers=headers)


async def test_a_valid_token_with_its_tenant_header_identifies_the_caller(client, make_tenant, sign_in):
    tenant = await make_tenant()
    grant = await sign_in(tenant)

    body = await gql(client, VIEWER, headers=auth_headers(grant))

    assert body["data"]["viewer"] == {"subject": str(tenant.admin_user_id), "email": f"owner@{tenant.slug}.example.com",
                                      "roles": ["owner"], "tenantId": str(tenant.tenant_id)}


def _claims(runtime, tenant, **overrides):
    now = time.time()
    claims = {"iss": runtime.policy.issuer, "aud": runtime.policy.audience, "sub": str(tenant.admin_user_id),
              "tid": str(tenant.tenant_id), "roles": ["owner"], "ent": {}, "region": "local",
              "iat": now, "exp": int(now) + 300, "jti": uuid.uuid4().hex}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(runtime, claims, *, key=None, kid=None, algorithm="EdDSA"):
    signing = runtime.keys.signing_key
    return jwt.encode(claims, key or signing.private_key, algorithm=algorithm, headers={"kid": kid or signing.kid})


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda rt, t: _signed(rt, _claims(rt, t, exp=int(time.time()) - 60)), "Access token expired."),
        (lambda rt, t: _signed(rt, _claims(rt, t), key=Ed25519PrivateKey.generate()), "Token signature is invalid."),
        (lambda rt, t: _signed(rt, _claims(rt, t), kid="not-a-key"), "Token signed by an unknown key."),
        (lambda rt, t: _signed(rt, _claims(rt, t, aud="someone-else")), "Token is not meant for this audience."),
        (lambda rt, t: _signed(rt, _claims(rt, t, iss="https://evil.example")), "Token was issued by an unknown issuer."),
        (lambda rt, t: _signed(rt, _claims(rt, t, region=None)), "Token lacks the required claim 'region'."),
        (lambda rt, t: jwt.encode(_claims(rt, t), None, algorithm="none", headers={"kid": rt.keys.signing_key.kid}),
         "Token algorithm 'none' is not accepted."),
        (lambda rt, t: jwt.encode(_claims(rt, t), "shared-secret-guess-000000000000", algorithm="HS256",
                                  headers={"kid": rt.keys.signing_key.kid}), "Token algorithm 'HS256' is not accepted."),
        (lambda rt, t: "not.a.jwt", "Malformed access token."),
    ],
    ids=["expired", "forged", "unknown-kid", "wrong-audience", "wrong-issuer", "missing-claim", "alg-none",
         "alg-hs256", "garbage"],
)
async def test_bad_tokens_get_401_saying_what_is_wrong(client, runtime, make_tenant, make_token, message):
    tenant = await make_tenant()

    response = await _viewer(client, auth_headers(make_token(runtime, tenant), tenant.tenant_id))

    assert response.status_code == 401
    assert response.json()["message"] == message
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_an_empty_bearer_header_is_401(client):
    response = await _viewer(client, {"Authorization": "Bearer "})

    assert response.status_code == 401
    assert response.json()["message"] == "Authorization must be 'Bearer <access token>'."


@pytest.mark.parametrize("header", [None, "other"], ids=["missing", "mismatched"])
async def test_the_tenant_header_must_match_the_token(client, make_tenant, sign_in, header):
    tenant, other = await make_tenant(), await make_tenant()
    grant = await sign_in(tenant)
    headers = {"Authorization": f"Bearer {grant.access_token}"}
    if header:
        headers["x-tenant-id"] = str(other.tenant_id)

    response = await _viewer(client, headers)

    assert response.status_code == 403
    assert response.json()["code"] == "TENANT_MISMATCH"


async def test_suspending_a_tenant_blocks_its_tokens_at_once(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    grant = await sign_in(tenant)
    async with db.transaction(tenant_id=None) as tx:
        await set_tenant_status(tx, tenant_id=tenant.tenant_id, status="suspended", actor="test",
                                confirm_slug=tenant.slug)

    response = await _viewer(client, auth_headers(grant))

    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "code": "TENANT_SUSPENDED",
                               "message": f"Tenant {tenant.slug!r} is suspended."}


async def test_revoking_tenant_tokens_rejects_older_tokens_but_not_new_ones(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    old = await sign_in(tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await revoke_tenant_tokens(tx, actor="test")
    new = await sign_in(tenant)

    refused = await _viewer(client, auth_headers(old))
    accepted = await _viewer(client, auth_headers(new))

    assert refused.status_code == 401 and refused.json()["message"] == "Token was revoked; sign in again."
    assert accepted.status_code == 200


async def test_a_removed_member_loses_access_at_once(client, db, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    email = await add_member(tenant, ["responder"])
    grant = await sign_in(tenant, email)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        claims = jwt.decode(grant.access_token, options={"verify_signature": False})
        await tx.session.execute(delete(Membership).where(Membership.user_id == uuid.UUID(claims["sub"])))

    response = await _viewer(client, auth_headers(grant))

    assert response.status_code == 403
    assert response.json()["message"] == "You are not a member of this tenant."


async def test_tokens_from_a_rotated_key_still_verify(client, runtime, make_tenant, sign_in):
    # The test's runtime signs; the app is another key ring, as another instance would be.
    tenant = await make_tenant()
    before = await sign_in(tenant)
    fresh = runtime.keys.rotate()
    after = await sign_in(tenant)

    assert jwt.get_unverified_header(after.access_token)["kid"] == fresh.kid
    assert (await _viewer(client, auth_headers(before))).status_code == 200
    assert await _accepted_within(client, auth_headers(after), seconds=1.5)


async def _accepted_within(client, headers, *, seconds: float) -> bool:
    """The other instance accepts the new key's tokens within ``seconds`` (it re-reads the ring)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if (await _viewer(client, headers)).status_code == 200:
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)


async def test_a_token_for_another_issuer_policy_is_refused(runtime, make_tenant):
    tenant = await make_tenant()
    other_policy = replace(runtime.policy, issuer="https://elsewhere.example")
    token, _ = issue_access_token(runtime.keys, other_policy, subject=str(tenant.admin_user_id),
                                  tenant_id=tenant.tenant_id, roles=["owner"], entitlements={})

    from domain.auth.tokens import verify_access_token
    from domain.errors import Unauthenticated
    with pytest.raises(Unauthenticated, match="unknown issuer"):
        verify_access_token(runtime.keys, runtime.policy, token)


def test_signing_keys_are_ed25519():
    assert isinstance(SigningKey.generate().private_key, Ed25519PrivateKey)
