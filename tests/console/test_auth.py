"""Console sign-in: sessions in Redis, CSRF on every POST, sign-out, ended sessions, tenant choice."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import delete

from console.guard import safe_next
from console.sessions import COOKIE
from domain.members.models import Membership
from domain.tenants.models import Tenant
from domain.tenants.service import revoke_tenant_tokens, set_tenant_status
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import form_csrf, submit_login
from tests.console.html import has, selected


async def _suspend(db, tenant_id) -> None:
    async with db.transaction(tenant_id=None) as tx:
        slug = (await tx.session.get(Tenant, tenant_id)).slug
        await set_tenant_status(tx, tenant_id=tenant_id, status="suspended", actor="test", confirm_slug=slug)


async def test_signed_out_pages_redirect_to_sign_in_with_next(client):
    response = await client.get("/console/admin/members?after=x")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fadmin%2Fmembers%3Fafter%3Dx"


async def test_signed_out_htmx_requests_get_a_full_page_redirect(client):
    response = await client.get("/console/", headers={"HX-Request": "true",
                                                      "HX-Current-URL": "http://atlas.test/console/"})

    assert response.headers["HX-Redirect"] == "/console/login?next=%2Fconsole%2F"


async def test_sign_in_sets_a_hardened_cookie_and_shows_the_viewer(make_tenant, new_browser, app):
    tenant = await make_tenant()
    browser = await new_browser()

    response = await submit_login(browser.http, f"owner@{tenant.slug}.example.com",
                                  next_path="/console/admin/members")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/members"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development; production adds it
    value = browser.http.cookies[COOKIE]
    stored = json.loads(await app.state.runtime.redis.get("atlas:session:" + hashlib.sha256(value.encode()).hexdigest()))
    assert stored["tenant_id"] == str(tenant.tenant_id) and stored["user_id"] == str(tenant.admin_user_id)
    home = await browser.get("/console/")
    assert f"owner@{tenant.slug}.example.com" in home.text


async def test_sign_in_never_redirects_off_site(make_tenant, new_browser):
    tenant = await make_tenant()
    browser = await new_browser()

    response = await submit_login(browser.http, f"owner@{tenant.slug}.example.com", next_path="//evil.example/x")

    assert response.headers["location"] == "/console/"


@pytest.mark.parametrize("value, expected", [
    ("/console/admin/roles?edit=1", "/console/admin/roles?edit=1"),
    ("//evil.example/console/", None),
    ("https://evil.example/console/", None),
    ("/\\evil.example", None),
    ("/static/x", None),
    ("/console\r\nSet-Cookie: x", None),
    ("", None),
])
def test_safe_next_allows_only_console_paths(value, expected):
    assert safe_next(value) == expected


@pytest.mark.parametrize("case, status, message", [
    ("wrong password", 400, "Invalid username or password."),
    ("unknown tenant", 400, "Unknown tenant 'no-such-tenant-zz'."),
    ("not a member", 400, "You are not a member of tenant '{other}'."),
    ("suspended tenant", 400, "Tenant '{slug}' is suspended."),
    ("nul character", 400, "Text must not contain NUL characters (\\u0000) or unpaired surrogates."),
])
async def test_sign_in_failures_show_their_message_and_start_no_session(
    case, status, message, make_tenant, new_browser, db
):
    tenant, other = await make_tenant(), await make_tenant()
    email, password, slug = f"owner@{tenant.slug}.example.com", TEST_PASSWORD, tenant.slug
    if case == "wrong password":
        password = "not-the-password"
    elif case == "unknown tenant":
        slug = "no-such-tenant-zz"
    elif case == "not a member":
        slug = other.slug
    elif case == "nul character":
        email = "owner\x00@example.com"
    else:
        await _suspend(db, tenant.tenant_id)
    browser = await new_browser()

    response = await submit_login(browser.http, email, password=password, tenant=slug)

    assert response.status_code == status
    assert message.format(other=other.slug, slug=tenant.slug).replace("'", "&#39;") in response.text
    assert COOKIE not in browser.http.cookies


async def test_too_many_failures_are_throttled_with_429(make_tenant, new_browser):
    tenant = await make_tenant()
    browser = await new_browser()
    email = f"owner@{tenant.slug}.example.com"
    for _ in range(5):
        assert (await submit_login(browser.http, email, password="wrong-password")).status_code == 400

    response = await submit_login(browser.http, email)  # even the right password waits now

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert int(response.headers["Retry-After"]) > 0
    assert COOKIE not in browser.http.cookies


async def test_sign_in_without_the_form_token_is_refused(make_tenant, new_browser):
    tenant = await make_tenant()
    browser = await new_browser()
    await browser.http.get("/console/login")  # has the cookie, but the form field is missing

    response = await browser.http.post("/console/login", data={
        "email": f"owner@{tenant.slug}.example.com", "password": TEST_PASSWORD})

    assert response.status_code == 403
    assert COOKIE not in browser.http.cookies


async def test_sign_in_from_another_origin_is_refused(make_tenant, new_browser):
    tenant = await make_tenant()
    browser = await new_browser()
    token = form_csrf((await browser.http.get("/console/login")).text)

    response = await browser.http.post("/console/login", headers={"Origin": "https://evil.example"}, data={
        "csrf_token": token, "email": f"owner@{tenant.slug}.example.com", "password": TEST_PASSWORD})

    assert response.status_code == 403


async def test_a_post_without_the_session_csrf_token_is_403_and_changes_nothing(owner):
    response = await owner.post("/console/admin/api-keys", {"name": "sneaky", "roles": "agent"}, csrf=False)

    assert response.status_code == 403
    assert "CSRF" in response.text
    keys = await owner.get("/console/admin/api-keys")
    assert "sneaky" not in keys.text


async def test_a_post_with_a_wrong_csrf_token_is_403(owner):
    response = await owner.http.post("/console/admin/api-keys", data={"name": "sneaky", "csrf_token": "x" * 43})

    assert response.status_code == 403


async def test_sign_out_ends_the_session_for_good(owner, new_browser):
    cookie = owner.http.cookies[COOKIE]

    response = await owner.post("/console/logout")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?notice=signed_out"
    replay = await new_browser()
    replay.http.cookies.set(COOKIE, cookie)
    again = await replay.get("/console/")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/console/login")


async def test_a_suspended_tenant_ends_the_session(owner, db, app):
    cookie = owner.http.cookies[COOKIE]
    await _suspend(db, owner.tenant.tenant_id)

    response = await owner.get("/console/")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2F&ended=TENANT_SUSPENDED"
    page = await owner.get(response.headers["location"])
    assert "Your tenant has been suspended, so you were signed out." in page.text
    redis = app.state.runtime.redis
    assert await redis.exists("atlas:session:" + hashlib.sha256(cookie.encode()).hexdigest()) == 0


async def test_revoking_every_session_of_the_tenant_signs_console_users_out(owner, db, signed_in):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        await revoke_tenant_tokens(tx, actor="test")

    response = await owner.get("/console/")
    again = await signed_in(f"owner@{owner.tenant.slug}.example.com")

    assert response.headers["location"].endswith("ended=SESSIONS_REVOKED")
    assert "An administrator ended every session of your tenant." in (await owner.get(response.headers["location"])).text
    assert (await again.get("/console/")).status_code == 200  # a new sign-in is fine


async def test_a_removed_member_is_signed_out(make_tenant, add_member, signed_in, db):
    tenant = await make_tenant()
    email = await add_member(tenant, ["viewer"])
    browser = await signed_in(email)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await tx.session.execute(delete(Membership).where(Membership.tenant_id == tenant.tenant_id,
                                                          Membership.user_id != tenant.admin_user_id))

    response = await browser.get("/console/admin/members")

    assert response.headers["location"].endswith("ended=FORBIDDEN")


async def test_a_user_in_several_tenants_chooses_then_switches(make_tenant, new_browser):
    email = f"multi-{uuid.uuid4().hex[:8]}@example.com"
    first, second = await make_tenant(email=email), await make_tenant(email=email)
    browser = await new_browser()

    response = await submit_login(browser.http, email)
    assert response.headers["location"] == "/console/choose-tenant?next=%2Fconsole%2F"
    chooser = await browser.get(response.headers["location"])
    assert f"Tenant {first.slug}" in chooser.text and f"Tenant {second.slug}" in chooser.text
    assert (await browser.get("/console/admin/members")).headers["location"] == "/console/choose-tenant"

    chosen = await browser.post("/console/switch-tenant", {"tenant_id": str(first.tenant_id)})
    assert chosen.status_code == 303
    home = await browser.get("/console/")
    assert selected(home.text, "tenant_id") == [str(first.tenant_id)]
    assert has(home.text, f'#switch-tenant option[value="{second.tenant_id}"]')

    await browser.post("/console/switch-tenant", {"tenant_id": str(second.tenant_id)})
    members = await browser.get("/console/admin/members")
    assert selected(members.text, "tenant_id") == [str(second.tenant_id)]


async def test_switching_to_a_tenant_you_do_not_belong_to_is_refused(owner, make_tenant):
    other = await make_tenant()

    response = await owner.post("/console/switch-tenant", {"tenant_id": str(other.tenant_id)})

    assert response.status_code == 403
    assert "You are not a member of that tenant." in response.text


async def test_sign_in_with_a_slug_picks_that_tenant(make_tenant, signed_in):
    email = f"multi-{uuid.uuid4().hex[:8]}@example.com"
    await make_tenant(email=email)
    second = await make_tenant(email=email)

    browser = await signed_in(email, tenant=second.slug)

    home = await browser.get("/console/")
    assert home.status_code == 200
    assert selected(home.text, "tenant_id") == [str(second.tenant_id)]
