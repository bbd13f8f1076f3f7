"""The token service: password grants, refresh rotation, and a replayed refresh token revoking its family."""

import pytest

from domain.auth.service import GrantError
from tests.conftest import TEST_PASSWORD


async def test_a_refresh_token_works_once_and_its_replay_revokes_the_family(runtime, make_tenant, sign_in):
    tenant = await make_tenant()
    first = await sign_in(tenant)

    second = await runtime.tokens.refresh_grant(refresh_token=first.refresh_token)
    with pytest.raises(GrantError) as replayed:
        await runtime.tokens.refresh_grant(refresh_token=first.refresh_token)
    with pytest.raises(GrantError) as revoked:
        await runtime.tokens.refresh_grant(refresh_token=second.refresh_token)

    assert second.access_token != first.access_token
    assert replayed.value.message == "Refresh token was already used; sign in again."
    assert revoked.value.message == "Refresh token was revoked."


async def test_a_password_grant_names_the_tenant_or_refuses_plainly(runtime, make_tenant):
    tenant, other = await make_tenant(), await make_tenant()
    email = f"owner@{tenant.slug}.example.com"

    with pytest.raises(GrantError) as wrong_password:
        await runtime.tokens.password_grant(username=email, password="nope", tenant=tenant.slug, address="t1")
    with pytest.raises(GrantError) as not_a_member:
        await runtime.tokens.password_grant(username=email, password=TEST_PASSWORD, tenant=other.slug, address="t1")
    grant = await runtime.tokens.password_grant(username=email, password=TEST_PASSWORD, tenant=str(tenant.tenant_id),
                                                address="t1")

    assert (wrong_password.value.error, wrong_password.value.message) == (
        "invalid_grant", "Invalid username or password.")
    assert not_a_member.value.error == "invalid_grant"
    assert grant.tenant_id == tenant.tenant_id
