"""Members and invitations screen, and the public invitation acceptance page."""

from __future__ import annotations

import uuid

from tests.conftest import TEST_PASSWORD
from tests.console.conftest import form_csrf, submit_login
from tests.console.html import alerts, beside, has, one, root, select, texts

ADMIN_LINKS = ("/console/admin/members", "/console/admin/roles", "/console/admin/api-keys", "/console/platform/tenants")


def invite_link(html: str) -> str:
    """The acceptance link shown once, after an invitation is made."""
    link = one(html, 'input[value^="http://atlas.test/console/invite?token="]')["value"]
    assert link.startswith("http://atlas.test/console/invite?token=")
    return link


async def _invite(browser, email: str, *roles: str, htmx: bool = False):
    return await browser.post("/console/admin/members/invite", {"email": email, "roles": list(roles)}, htmx=htmx)


async def _accept(browser, link: str, *, display_name: str = "Invitee", password: str = TEST_PASSWORD):
    page = await browser.get(link.removeprefix("http://atlas.test"))
    token = one(page.text, 'input[name="token"]')["value"]
    return await browser.http.post("/console/invite", data={
        "csrf_token": form_csrf(page.text), "token": token, "display_name": display_name, "password": password})


async def test_owners_see_the_admin_navigation(owner):
    home = await owner.get("/console/")

    for link in ADMIN_LINKS[:3]:
        assert has(home.text, f'nav[aria-label="Console"] a[href="{link}"]')


async def test_a_viewer_sees_no_admin_navigation(make_tenant, add_member, signed_in):
    tenant = await make_tenant()
    browser = await signed_in(await add_member(tenant, ["viewer"]))

    home = await browser.get("/console/")

    assert home.status_code == 200
    for link in ADMIN_LINKS:
        assert not has(home.text, f'a[href="{link}"]')


async def test_a_viewer_posting_an_admin_action_gets_forbidden_and_nothing_changes(make_tenant, add_member,
                                                                                   signed_in):
    tenant = await make_tenant()
    viewer = await signed_in(await add_member(tenant, ["viewer"]))
    admin = await signed_in(f"owner@{tenant.slug}.example.com")

    response = await _invite(viewer, "sneak@example.com", "owner")

    assert response.status_code == 403
    assert "You may not do this. You need the 'member.manage' permission." in alerts(response.text)
    assert "sneak@example.com" not in (await admin.get("/console/admin/members")).text


async def test_invite_shows_the_link_once_and_the_invitee_joins_and_signs_in(owner, new_browser):
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"

    created = await _invite(owner, email, "responder")

    assert created.status_code == 200
    assert f"Invitation created for {email}." in created.text
    link = invite_link(created.text)
    listing = await owner.get("/console/admin/members")
    assert email in listing.text and link not in listing.text and "token=" not in listing.text

    invitee = await new_browser()
    accepted = await _accept(invitee, link, display_name="New Person")
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/console/login?email={email.replace('@', '%40')}&notice=joined"
    signed = await submit_login(invitee.http, email)
    assert signed.status_code == 303
    home = await invitee.get("/console/")
    assert email in home.text and "responder" in home.text


async def test_accepting_with_a_short_password_shows_the_error_beside_the_field(owner, new_browser):
    link = invite_link((await _invite(owner, f"p-{uuid.uuid4().hex[:6]}@example.com", "viewer")).text)

    response = await _accept(await new_browser(), link, password="short")

    assert response.status_code == 400
    assert one(response.text, "input#password")["name"] == "password"
    assert beside(response.text, "password") == "Password must be at least 8 characters."


async def test_an_unknown_invitation_token_is_refused(new_browser):
    browser = await new_browser()

    response = await _accept(browser, "http://atlas.test/console/invite?token=nonsense")

    assert response.status_code == 400
    assert "Malformed invitation token." in response.text


async def test_invitation_acceptance_needs_the_form_token(new_browser):
    browser = await new_browser()
    await browser.get("/console/invite?token=x")

    response = await browser.http.post("/console/invite", data={"token": "x", "password": TEST_PASSWORD})

    assert response.status_code == 403


async def test_invalid_invite_email_is_shown_next_to_the_email_field(owner):
    response = await _invite(owner, "not-an-email", "viewer")

    assert response.status_code == 400
    assert beside(response.text, "invite-email").startswith("Invalid email address")


async def test_inviting_without_roles_is_shown_next_to_the_roles(owner):
    response = await _invite(owner, "someone@example.com")

    assert response.status_code == 400
    assert texts(one(response.text, "#invite-form fieldset"), ".field-error") == ["Give at least one role."]


async def test_revoking_an_invitation_removes_it(owner):
    email = f"r-{uuid.uuid4().hex[:6]}@example.com"
    await _invite(owner, email, "viewer")
    listing = (await owner.get("/console/admin/members")).text
    [revoke] = [form["action"] for form in select(listing, 'form[action^="/console/admin/members/invitations/"]')]

    response = await owner.post(revoke, htmx=True)

    assert response.status_code == 200
    assert f"Invitation for {email} withdrawn." in response.text
    assert has(response.text, "#invitations") and email not in texts(response.text, "#invitations td")


async def test_changing_roles_and_removing_a_member(owner, add_member, db):
    email = await add_member(owner.tenant, ["viewer"])
    listing = (await owner.get("/console/admin/members")).text
    [row] = [row for row in select(listing, 'tr[id^="member-"]') if texts(row, "td .member-email") == [email]]
    user_id = row["id"].removeprefix("member-")

    changed = await owner.post(f"/console/admin/members/{user_id}/roles", {"roles": ["responder", "viewer"]})
    assert f"{email} now has: responder, viewer." in changed.text

    removed = await owner.post(f"/console/admin/members/{user_id}/remove")
    assert "Member removed." in removed.text and email not in removed.text


async def test_the_last_owner_cannot_lose_the_role_and_the_error_is_inline(owner):
    user_id = str(owner.tenant.admin_user_id)

    response = await owner.post(f"/console/admin/members/{user_id}/roles", {"roles": ["admin"]})

    assert response.status_code == 409
    row = one(response.text, f"#member-{user_id}")
    opened = one(row, "details[open]")
    assert texts(opened, "fieldset .field-error") == ["A tenant needs at least one owner."]


async def test_htmx_changes_get_only_the_screen_fragment(owner):
    response = await _invite(owner, f"h-{uuid.uuid4().hex[:6]}@example.com", "viewer", htmx=True)

    assert response.status_code == 200
    assert root(response.text)["id"] == "members-screen"
    assert not has(response.text, "html") and "topbar" not in response.text
