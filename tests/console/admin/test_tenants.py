"""Platform tenants screen: only for platform admins; filter, search, next page, create, suspend, resume."""

from __future__ import annotations

import uuid

import pytest

from domain.members.models import User
from tests.console.html import alerts, beside, has, link, one, root, select, text


def listed(html: str) -> list[str]:
    """The slugs of the tenants listed."""
    return [row["id"].removeprefix("tenant-") for row in select(html, 'tr[id^="tenant-"]')]


@pytest.fixture
async def operator(make_tenant, signed_in, db):
    """A browser signed in as a platform admin (the owner of a fresh tenant)."""
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    browser = await signed_in(f"owner@{tenant.slug}.example.com")
    browser.tenant = tenant
    return browser


async def test_the_tenants_screen_is_hidden_from_tenant_browsers(owner):
    home = await owner.get("/console/")
    page = await owner.get("/console/platform/tenants")

    assert not has(home.text, 'a[href="/console/platform/tenants"]')
    assert page.status_code == 403
    assert "You may not do this. You need the 'platform.admin' permission." in alerts(page.text)
    assert not has(page.text, "#create-tenant-form")


async def test_a_tenant_owner_cannot_suspend_a_tenant(owner):
    response = await owner.post(f"/console/platform/tenants/{owner.tenant.tenant_id}/suspend")

    assert response.status_code == 403 and "FORBIDDEN" in response.text
    assert (await owner.get("/console/")).status_code == 200  # still active


async def test_operators_see_the_link_and_can_search(operator, make_tenant):
    wanted = await make_tenant(slug=f"findme-{uuid.uuid4().hex[:6]}")

    home = await operator.get("/console/")
    found = await operator.get(f"/console/platform/tenants?search={wanted.slug}", htmx=True)

    assert has(home.text, 'nav[aria-label="Console"] a[href="/console/platform/tenants"]')
    assert found.status_code == 200 and root(found.text)["id"] == "tenants-screen"
    assert listed(found.text) == [wanted.slug]


async def test_operators_page_through_tenants_with_a_cursor(operator, make_tenant):
    marker = f"pg{uuid.uuid4().hex[:6]}"
    email = f"pager@{marker}.example.com"  # one user owns them all: one password hash, not 27
    made = [await make_tenant(slug=f"{marker}-{i}", email=email) for i in range(27)]

    first = await operator.get(f"/console/platform/tenants?search={marker}")
    next_url = link(first.text, "Next page")
    pager = one(first.text, f'a[href="{next_url}"]')
    assert pager["hx-get"] == next_url and pager["hx-target"] == "#tenants-screen"
    second = await operator.get(next_url)

    seen = listed(first.text) + listed(second.text)
    assert len(listed(first.text)) == 25
    assert sorted(seen) == sorted(t.slug for t in made)
    assert "Next page" not in second.text


async def test_operators_create_suspend_filter_and_resume_a_tenant(operator):
    slug = f"made-{uuid.uuid4().hex[:6]}"

    created = await operator.post("/console/platform/tenants", {
        "name": "Made Here", "slug": slug, "admin_email": f"boss@{slug}.example.com",
        "admin_password": "a-good-long-password", "plan": "pro"}, htmx=True)
    assert created.status_code == 200
    assert f"Tenant {slug} created; its owner is a new user." in created.text
    [suspend] = select(one(created.text, f"#tenant-{slug}"), 'form[action$="/suspend"]')
    tenant_id = suspend["action"].removeprefix("/console/platform/tenants/").removesuffix("/suspend")

    untyped = await operator.post(f"/console/platform/tenants/{tenant_id}/suspend?search={slug}",
                                  {"confirm_slug": "made"})
    assert untyped.status_code == 400 and f"Type the tenant&#39;s slug ({slug}) to confirm the suspension." in untyped.text
    suspended = await operator.post(f"/console/platform/tenants/{tenant_id}/suspend?search={slug}",
                                    {"confirm_slug": slug})
    assert f"Tenant {slug} suspended." in suspended.text
    only_suspended = await operator.get(f"/console/platform/tenants?status=suspended&search={slug}")
    assert listed(only_suspended.text) == [slug]
    only_active = await operator.get(f"/console/platform/tenants?status=active&search={slug}")
    assert slug not in listed(only_active.text)

    resumed = await operator.post(f"/console/platform/tenants/{tenant_id}/resume")
    assert f"Tenant {slug} resumed." in resumed.text


async def test_a_taken_slug_is_shown_beside_the_slug(operator, make_tenant):
    taken = await make_tenant()

    response = await operator.post("/console/platform/tenants", {
        "name": "Again", "slug": taken.slug, "admin_email": "x@example.com", "admin_password": "long-enough-pw",
        "plan": "free"})

    assert response.status_code == 409
    assert beside(response.text, "tenant-slug").startswith("A tenant with slug")


async def test_operators_cannot_suspend_the_tenant_they_are_signed_in_to(operator):
    own = operator.tenant
    page = await operator.get(f"/console/platform/tenants?search={own.slug}")
    refused = await operator.post(f"/console/platform/tenants/{own.tenant_id}/suspend", {"confirm_slug": own.slug})

    row = one(page.text, f"#tenant-{own.slug}")
    assert "You are signed in to it: a tenant cannot be suspended from inside." in text(row)
    assert not has(row, 'form[action$="/suspend"]') and "/suspend" not in str(row)
    assert refused.status_code == 403 and "a tenant cannot suspend itself from inside" in refused.text
    still = await operator.get("/console/")
    assert still.status_code == 200


async def test_an_operator_sets_a_tenants_plan_and_overrides(operator, make_tenant, sign_in):
    import jwt

    target = await make_tenant(plan="free")

    done = await operator.post(f"/console/platform/tenants/{target.tenant_id}/entitlements?search={target.slug}",
                               {"plan": "pro", "features": "sso", "limits": "users=7"}, htmx=True)
    bad = await operator.post(f"/console/platform/tenants/{target.tenant_id}/entitlements?search={target.slug}",
                              {"plan": "pro", "features": "", "limits": "users=many"}, htmx=True)
    claims = jwt.decode((await sign_in(target)).access_token, options={"verify_signature": False})

    assert text(one(done.text, ".notice")) == "Entitlements set (version 2)."
    assert "Limits look like users=25, api_keys=10" in text(one(bad.text, f"#tenant-{target.slug} .error"))
    assert claims["ent"]["plan"] == "pro" and "sso" in claims["ent"]["features"]
    assert claims["ent"]["limits"]["users"] == 7
