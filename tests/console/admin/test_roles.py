"""Roles screen: built-in and custom roles, the editor grouped by permission area, inline errors."""

from __future__ import annotations

from tests.console.html import beside, cells, has, one, select, selected, texts


def permissions_error(html: str) -> list[str]:
    """The errors shown at the end of the editor's permissions."""
    return texts(one(html, "#role-editor fieldset.permissions"), ":scope > .field-error")


async def _create(browser, name: str, *permissions: str, htmx: bool = False):
    return await browser.post("/console/admin/roles", {"name": name, "description": "Test role",
                                                       "permissions": list(permissions)}, htmx=htmx)


async def test_roles_lists_built_in_roles_and_groups_permissions_by_area(owner):
    response = await owner.get("/console/admin/roles")

    assert response.status_code == 200
    for role in ("owner", "admin", "responder", "change-manager", "viewer", "agent"):
        assert has(response.text, f"#role-{role}")
    areas = texts(response.text, "fieldset.permissions > fieldset > legend")
    assert "incident" in areas and "member" in areas
    assert has(response.text, 'fieldset.permissions input[type="checkbox"][name="permissions"][value="incident.write"]')


async def test_a_role_without_permissions_shows_the_error_beside_the_permissions(owner):
    response = await _create(owner, "empty-role")

    assert response.status_code == 400
    assert permissions_error(response.text) == ["Give the role at least one permission."]
    assert one(response.text, "#role-name")["value"] == "empty-role"  # what was typed is kept
    assert not has(response.text, "#role-empty-role")


async def test_an_unknown_permission_shows_the_error_beside_the_permissions(owner):
    response = await _create(owner, "odd-role", "incident.read", "launch.missiles")

    assert response.status_code == 400
    assert permissions_error(response.text) == ["Unknown permission(s): launch.missiles."]
    assert not has((await owner.get("/console/admin/roles")).text, "#role-odd-role")


async def test_a_bad_role_name_is_shown_beside_the_name(owner):
    response = await _create(owner, "Bad Name!", "incident.read")

    assert response.status_code == 400
    assert beside(response.text, "role-name").startswith("Role name must be")


async def test_create_edit_and_delete_a_custom_role(owner):
    created = await _create(owner, "triage", "incident.read", "incident.write", htmx=True)
    assert created.status_code == 200 and "Role triage created." in created.text
    [delete] = select(created.text, '#role-triage form[action$="/delete"]')
    role_id = delete["action"].removeprefix("/console/admin/roles/").removesuffix("/delete")

    editor = await owner.get(f"/console/admin/roles?edit={role_id}", htmx=True)
    assert "Edit role triage" in editor.text
    assert "incident.write" in selected(editor.text, "permissions")

    saved = await owner.post(f"/console/admin/roles/{role_id}", {"name": "triage", "description": "Tweaked",
                                                                  "permissions": ["incident.read"]})
    assert "Role triage saved." in saved.text
    row = one(saved.text, "#role-triage")
    assert cells(row)[2] == "Tweaked" and texts(row, "details > summary") == ["1 permissions"]

    deleted = await owner.post(f"/console/admin/roles/{role_id}/delete")
    assert "Role deleted." in deleted.text and not has(deleted.text, "#role-triage")


async def test_a_plan_without_custom_roles_shows_no_editor(make_tenant, signed_in):
    tenant = await make_tenant(plan="free")
    browser = await signed_in(f"owner@{tenant.slug}.example.com")

    page = await browser.get("/console/admin/roles")
    refused = await _create(browser, "sneaky", "incident.read")

    assert not has(page.text, "#role-editor") and "Your plan does not include custom roles." in page.text
    assert refused.status_code == 403 and "NOT_ENTITLED" in refused.text
