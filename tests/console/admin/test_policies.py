"""Policies screens: tenants tighten (never loosen) with a JSON object; platform operators publish and roll back."""

from __future__ import annotations

import json
import uuid

import pytest

from domain.members.models import User
from tests.console.html import one, select, text
from tests.outbox_cleanup import delete_pending_jobs


@pytest.fixture(autouse=True)
async def no_policy_jobs_left(live_settings):
    yield
    await delete_pending_jobs(live_settings, "policy_published")


async def _operator(db, make_tenant, signed_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return await signed_in(f"owner@{tenant.slug}.example.com")


async def test_an_operator_publishes_and_rolls_back_from_the_console(db, make_tenant, signed_in):
    operator = await _operator(db, make_tenant, signed_in)
    hours = 20 + uuid.uuid4().int % 100
    first = await operator.post("/console/platform/policies", {
        "document": json.dumps({"session_max_hours": hours}), "note": "first"}, htmx=True)
    version = int(text(one(first.text, ".notice")).split()[1])
    await operator.post("/console/platform/policies", {"document": json.dumps({"session_max_hours": hours + 1}),
                                                       "note": "second"}, htmx=True)

    rolled = await operator.post(f"/console/platform/policies/{version}/rollback", htmx=True)
    bad = await operator.post("/console/platform/policies", {"document": "{not json", "note": ""}, htmx=True)

    assert text(one(rolled.text, ".notice")) == f"Version {version + 2} restores version {version}."
    assert "Not valid JSON" in text(one(bad.text, "#publish-form .error"))
    assert bad.status_code == 400


async def test_a_tenant_tightens_and_a_looser_value_is_refused_beside_the_form(owner):
    tightened = await owner.post("/console/admin/policies", {"tightening": '{"mfa_required": true}'}, htmx=True)
    looser = await owner.post("/console/admin/policies", {"tightening": '{"password_min_length": 8}'}, htmx=True)

    assert text(one(tightened.text, ".notice")) == "Your stricter values are saved."
    assert [text(c) for c in select(tightened.text, "#policy-mfa_required td")][2:] == ["true", "true"]
    assert "password_min_length may only be tightened" in text(one(looser.text, "#tighten-form .error"))
