"""API keys screen: the secret is shown once, never in the list; revocation; inline errors."""

from __future__ import annotations

from tests.console.html import cells, has, one, select, text, texts


async def _create(browser, **fields):
    data = {"name": "collector", "kind": "client", "roles": ["agent"], "expires": "", **fields}
    return await browser.post("/console/admin/api-keys", data, htmx=True)


async def test_a_new_key_shows_its_secret_once_and_the_list_never_does(owner):
    created = await _create(owner, name="edge-collector")

    assert created.status_code == 200
    shown = one(created.text, "section#new-key")
    secret, full = one(shown, "input#new-key-secret"), one(shown, "input#new-key-full")
    assert (secret["aria-label"], full["aria-label"]) == ("Client secret", "Full key")
    assert secret.has_attr("readonly") and full.has_attr("readonly")
    secret, full, client_id = secret["value"], full["value"], text(one(shown, "code#new-key-client-id"))
    assert secret in full and client_id.startswith("atk_")
    listing = await owner.get("/console/admin/api-keys")
    assert "edge-collector" in listing.text and client_id in listing.text
    assert secret not in listing.text and full not in listing.text and not has(listing.text, "#new-key")


async def test_the_list_shows_kind_roles_and_usage(owner):
    await _create(owner, name="ingest-only", kind="ingest", roles=[])

    listing = await owner.get("/console/admin/api-keys")

    [row] = [row for row in select(listing.text, "#api-keys tbody tr") if cells(row)[0] == "ingest-only"]
    assert cells(row)[2] == "ingest" and texts(row, "td .tag") == ["agent"] and cells(row)[5:7] == ["never", "never"]


async def test_a_revoked_key_leaves_the_list_and_shows_with_revoked_keys(owner):
    created = await _create(owner, name="short-lived")
    [revoke] = select(created.text, 'form[action^="/console/admin/api-keys/"][action$="/revoke"]')
    key_id = revoke["action"].removeprefix("/console/admin/api-keys/").removesuffix("/revoke")

    revoked = await owner.post(f"/console/admin/api-keys/{key_id}/revoke", htmx=True)

    assert "API key short-lived revoked." in revoked.text and not has(revoked.text, f"#key-{key_id}")
    everything = await owner.get("/console/admin/api-keys?revoked=1")
    row = one(everything.text, f"#key-{key_id}")
    assert "UTC" in cells(row)[-2] and not has(row, "button")


async def test_a_client_key_without_roles_shows_the_error_beside_the_roles(owner):
    response = await _create(owner, roles=[])

    assert response.status_code == 400
    assert texts(one(response.text, "#create-key-form fieldset"), ".field-error") == ["Give at least one role."]
    assert not has(response.text, "#new-key")


async def test_an_expiry_in_the_past_or_not_a_date_is_shown_beside_the_expiry(owner):
    past = await _create(owner, expires="2001-01-01")
    garbage = await _create(owner, expires="soon")

    assert past.status_code == 400 and "Expiry must be in the future." in past.text
    assert garbage.status_code == 400 and "Expiry must be a date (YYYY-MM-DD)." in garbage.text
    assert one(garbage.text, 'input[name="expires"]')["value"] == "soon"


async def test_a_member_without_apikey_manage_gets_forbidden(make_tenant, add_member, signed_in):
    tenant = await make_tenant()
    browser = await signed_in(await add_member(tenant, ["responder"]))

    page = await browser.get("/console/admin/api-keys")
    refused = await _create(browser)

    assert page.status_code == 403 and "FORBIDDEN" in page.text
    assert refused.status_code == 403 and "You need the &#39;apikey.manage&#39; permission." in refused.text
