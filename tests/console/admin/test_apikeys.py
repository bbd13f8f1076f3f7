"""API keys screen: the secret is shown once, never in the list; revocation; inline errors."""

from __future__ import annotations

import re


async def _create(browser, **fields):
    data = {"name": "collector", "kind": "client", "roles": ["agent"], "expires": "", **fields}
    return await browser.post("/console/admin/api-keys", data, htmx=True)


async def test_a_new_key_shows_its_secret_once_and_the_list_never_does(owner):
    created = await _create(owner, name="edge-collector")

    assert created.status_code == 200
    secret = re.search(r'id="new-key-secret" readonly aria-label="Client secret" value="([^"]+)"', created.text)[1]
    full = re.search(r'id="new-key-full" readonly aria-label="Full key" value="([^"]+)"', created.text)[1]
    client_id = re.search(r'id="new-key-client-id">([^<]+)<', created.text)[1]
    assert secret in full and client_id.startswith("atk_")
    listing = await owner.get("/console/admin/api-keys")
    assert "edge-collector" in listing.text and client_id in listing.text
    assert secret not in listing.text and full not in listing.text and 'id="new-key"' not in listing.text


async def test_the_list_shows_kind_roles_and_usage(owner):
    await _create(owner, name="ingest-only", kind="ingest", roles=[])

    listing = await owner.get("/console/admin/api-keys")

    row = listing.text.split("<td>ingest-only</td>")[1].split("</tr>")[0]
    assert "<td>ingest</td>" in row and '<span class="tag">agent</span>' in row and "<td>never</td>" in row


async def test_a_revoked_key_leaves_the_list_and_shows_with_revoked_keys(owner):
    created = await _create(owner, name="short-lived")
    key_id = re.search(r'/console/admin/api-keys/([0-9a-f-]+)/revoke', created.text)[1]

    revoked = await owner.post(f"/console/admin/api-keys/{key_id}/revoke", htmx=True)

    assert "API key short-lived revoked." in revoked.text and f'id="key-{key_id}"' not in revoked.text
    everything = await owner.get("/console/admin/api-keys?revoked=1")
    row = everything.text.split(f'id="key-{key_id}"')[1].split("</tr>")[0]
    assert "UTC" in row.split("<td>")[-2] and "Revoke</button>" not in row


async def test_a_client_key_without_roles_shows_the_error_beside_the_roles(owner):
    response = await _create(owner, roles=[])

    assert response.status_code == 400
    form = response.text.split('id="create-key-form"')[1]
    assert '<span class="field-error" role="alert">Give at least one role.</span>' in form
    assert 'id="new-key"' not in response.text


async def test_an_expiry_in_the_past_or_not_a_date_is_shown_beside_the_expiry(owner):
    past = await _create(owner, expires="2001-01-01")
    garbage = await _create(owner, expires="soon")

    assert past.status_code == 400 and "Expiry must be in the future." in past.text
    assert garbage.status_code == 400 and "Expiry must be a date (YYYY-MM-DD)." in garbage.text
    assert 'value="soon"' in garbage.text


async def test_a_member_without_apikey_manage_gets_forbidden(make_tenant, add_member, signed_in):
    tenant = await make_tenant()
    browser = await signed_in(await add_member(tenant, ["responder"]))

    page = await browser.get("/console/admin/api-keys")
    refused = await _create(browser)

    assert page.status_code == 403 and "FORBIDDEN" in page.text
    assert refused.status_code == 403 and "You need the &#39;apikey.manage&#39; permission." in refused.text
