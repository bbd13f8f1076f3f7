"""The tenant-planes screen (platform operators): the registry, registering a plane (credential shown
once), draining it; a tenant admin is refused."""

from __future__ import annotations

import uuid

from domain.members.models import User
from tests.console.html import one, select, text


async def _operator(db, make_tenant, signed_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return await signed_in(f"owner@{tenant.slug}.example.com")


async def test_an_operator_registers_and_drains_a_plane_from_the_console(db, make_tenant, signed_in):
    operator = await _operator(db, make_tenant, signed_in)
    name = f"tp-{uuid.uuid4().hex[:8]}"

    made = await operator.post("/console/platform/planes", {"name": name, "region": "eu-west",
                                                            "url": "https://eu.example.com", "kind": "shared",
                                                            "capacity": "50"}, htmx=True)
    credential = text(one(made.text, "#plane-credential-value"))
    row = [text(c) for c in select(made.text, f"#plane-{name} td")]
    plane_id = one(made.text, f"#plane-{name} form").get("action").split("/")[-2]
    drained = await operator.post(f"/console/platform/planes/{plane_id}/status", {"status": "draining"}, htmx=True)
    listed = await operator.get("/console/platform/planes")

    assert text(one(made.text, ".notice")) == f"Plane {name} registered."
    assert credential.startswith("atp_")
    assert row[1:5] == ["eu-west", "shared", "active", "0 / 50"]
    assert text(one(drained.text, ".notice")) == f"Plane {name} is draining."
    assert [text(c) for c in select(listed.text, f"#plane-{name} td")][3] == "draining"
    assert credential not in listed.text


async def test_a_bad_registration_is_shown_beside_the_form_and_changes_nothing(db, make_tenant, signed_in):
    operator = await _operator(db, make_tenant, signed_in)
    name = f"tp-{uuid.uuid4().hex[:8]}"

    bad = await operator.post("/console/platform/planes", {"name": name, "region": "eu-west", "url": "ftp://x",
                                                           "kind": "shared", "capacity": "10"}, htmx=True)
    not_a_number = await operator.post("/console/platform/planes", {"name": name, "region": "eu", "url": "https://x.io",
                                                                    "capacity": "lots"}, htmx=True)

    assert bad.status_code == 400 and "URL" in text(one(bad.text, "#register-plane-form .error"))
    assert not_a_number.status_code == 400
    assert not select(not_a_number.text, f"#plane-{name}")


async def test_a_tenant_admin_cannot_open_the_planes_screen(owner):
    response = await owner.get("/console/platform/planes")

    assert response.status_code == 403
