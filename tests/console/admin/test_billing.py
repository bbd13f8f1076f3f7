"""Billing screen: plan in force, subscribe, change, cancel, usage; only for billing.manage."""

from __future__ import annotations

from tests.console.html import one, select, text


async def test_an_owner_subscribes_from_the_billing_page_and_sees_the_plan_in_force(make_tenant, signed_in):
    tenant = await make_tenant(plan="free")
    owner = await signed_in(f"owner@{tenant.slug}.example.com")

    before = await owner.get("/console/admin/billing")
    subscribed = await owner.post("/console/admin/billing/subscribe", {"plan": "pro"}, htmx=True)
    after = await owner.get("/console/admin/billing")

    assert text(one(before.text, "#plan-in-force strong")) == "free"
    assert text(one(before.text, "#subscription-status")) == "none"
    assert text(one(subscribed.text, ".notice")) == "Subscribed to pro (active)."
    assert text(one(after.text, "#plan-in-force strong")) == "pro"
    usage = {text(row.select("td")[0]): text(row.select("td")[2]) for row in select(after.text, "#usage tbody tr")}
    assert usage["users"] == "100" and usage["api_keys"] == "50"
    assert one(after.text, "#change-plan-form") is not None


async def test_cancelling_says_the_plan_stays_until_the_period_ends(make_tenant, signed_in):
    tenant = await make_tenant(plan="free")
    owner = await signed_in(f"owner@{tenant.slug}.example.com")
    await owner.post("/console/admin/billing/subscribe", {"plan": "pro"}, htmx=True)

    cancelled = await owner.post("/console/admin/billing/cancel", htmx=True)
    again = await owner.post("/console/admin/billing/cancel", htmx=True)

    assert text(one(cancelled.text, ".notice")) == "Subscription cancelled; the plan stays until the period ends."
    assert "pro · cancelled" in text(one(cancelled.text, "#subscription-status"))
    assert "The tenant has no live subscription." in again.text


async def test_an_admin_without_billing_manage_is_refused(make_tenant, add_member, signed_in):
    tenant = await make_tenant(plan="free")
    admin = await signed_in(await add_member(tenant, ["admin"]))

    page = await admin.get("/console/admin/billing")

    assert page.status_code == 403
    assert "billing.manage" in page.text
