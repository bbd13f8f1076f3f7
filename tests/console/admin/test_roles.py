"""Roles screen: built-in and custom roles, the editor grouped by permission area, inline errors."""

from __future__ import annotations

import re

PERMISSIONS_ERROR = re.compile(r'<span class="field-error" role="alert">([^<]+)</span>\s*</fieldset>')


async def _create(browser, name: str, *permissions: str, htmx: bool = False):
    return await browser.post("/console/admin/roles", {"name": name, "description": "Test role",
                                                       "permissions": list(permissions)}, htmx=htmx)


async def test_roles_lists_built_in_roles_and_groups_permissions_by_area(owner):
    response = await owner.get("/console/admin/roles")

    assert response.status_code == 200
    for role in ("owner", "admin", "responder", "change-manager", "viewer", "agent"):
        assert f'id="role-{role}"' in response.text
    assert "<legend>incident</legend>" in response.text and "<legend>member</legend>" in response.text
    assert 'name="permissions" value="incident.write"' in response.text


async def test_a_role_without_permissions_shows_the_error_beside_the_permissions(owner):
    response = await _create(owner, "empty-role")

    assert response.status_code == 400
    assert PERMISSIONS_ERROR.search(response.text).group(1) == "Give the role at least one permission."
    assert 'value="empty-role"' in response.text  # what was typed is kept
    assert 'id="role-empty-role"' not in response.text


async def test_an_unknown_permission_shows_the_error_beside_the_permissions(owner):
    response = await _create(owner, "odd-role", "incident.read", "launch.missiles")

    assert response.status_code == 400
    assert PERMISSIONS_ERROR.search(response.text).group(1) == "Unknown permission(s): launch.missiles."
    assert 'id="role-odd-role"' not in (await owner.get("/console/admin/roles")).text


async def test_a_bad_role_name_is_shown_beside_the_name(owner):
    response = await _create(owner, "Bad Name!", "incident.read")

    assert response.status_code == 400
    assert re.search(r'id="role-name"[^>]*>\s*<span class="field-error" role="alert">Role name must be',
                     response.text)


async def test_create_edit_and_delete_a_custom_role(owner):
    created = await _create(owner, "triage", "incident.read", "incident.write", htmx=True)
    assert created.status_code == 200 and "Role triage created." in created.text
    role_id = re.search(r'/console/admin/roles/([0-9a-f-]+)/delete', created.text).group(1)

    editor = await owner.get(f"/console/admin/roles?edit={role_id}", htmx=True)
    assert "Edit role triage" in editor.text
    assert 'value="incident.write" checked' in editor.text

    saved = await owner.post(f"/console/admin/roles/{role_id}", {"name": "triage", "description": "Tweaked",
                                                                  "permissions": ["incident.read"]})
    assert "Role triage saved." in saved.text
    row = saved.text.split('id="role-triage"')[1].split("</tr>")[0]
    assert "Tweaked" in row and "1 permissions" in row

    deleted = await owner.post(f"/console/admin/roles/{role_id}/delete")
    assert "Role deleted." in deleted.text and 'id="role-triage"' not in deleted.text


async def test_a_plan_without_custom_roles_shows_no_editor(make_tenant, signed_in):
    tenant = await make_tenant(plan="free")
    browser = await signed_in(f"owner@{tenant.slug}.example.com")

    page = await browser.get("/console/admin/roles")
    refused = await _create(browser, "sneaky", "incident.read")

    assert 'id="role-editor"' not in page.text and "Your plan does not include custom roles." in page.text
    assert refused.status_code == 403 and "NOT_ENTITLED" in refused.text
