"""Change requests against a real CMDB: risk with its reasons, collisions, CAB votes, lapsed approvals."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import clock
from domain.changes.collisions import ChangeCollision
from domain.changes.lifecycle import IllegalChangeTransition
from domain.changes.models import ChangePolicy, ChangeRequest
from domain.changes.workflow import cast_vote, lapse_approvals, transition_change
from domain.errors import Conflict, Forbidden, ValidationFailed
from tests.domain.changes.helpers import move, raise_change, shop, user_id, window


async def _vote(db, tenant, change_id, voter, decision="approve", comment="looks safe", roles=("change-manager",)):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await cast_vote(tx, change_id=change_id, voter_id=voter, roles=roles, decision=decision,
                               comment=comment, actor=f"{voter}@example.com")


async def _state(db, tenant, change_id):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.get(ChangeRequest, change_id)


async def test_risk_counts_the_blast_radius_the_business_service_and_the_window_with_reasons(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)

    change = await raise_change(db, tenant, ci_ids=[ids["payments-db"]], backout="",
                                start_end=window(hours_from_now=2))

    reasons = {r["reason"]: r["points"] for r in change.risk_reasons}
    assert reasons["no backout plan"] == 15
    assert reasons["normal change"] == 10
    assert reasons["blast radius: 3 dependent CI(s)"] == 6
    assert reasons["less than 24 hours' notice"] == 10
    assert change.risk_score == sum(reasons.values())


async def test_failed_changes_on_the_same_cis_raise_the_next_ones_risk(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)
    first = await raise_change(db, tenant, ci_ids=[ids["search"]], type="standard",
                               start_end=window(hours_from_now=-0.5, length=2))
    await move(db, tenant, first.id, "submitted", "assessment", "approved", "scheduled", "implementing", "failed")

    second = await raise_change(db, tenant, ci_ids=[ids["search"]])

    assert {"points": 10, "reason": "1 failed change(s) on these CIs in 180 days"} in second.risk_reasons


async def test_overlapping_changes_on_dependent_cis_warn_and_name_each_other(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)
    first = await raise_change(db, tenant, ci_ids=[ids["payments-db"]], title="Patch the database")
    await move(db, tenant, first.id, "submitted")

    second = await raise_change(db, tenant, ci_ids=[ids["checkout"]], title="Deploy checkout")
    unrelated = await raise_change(db, tenant, ci_ids=[ids["search"]], title="Reindex search")

    assert [c["message"] for c in second.collisions] == [
        f"{first.reference} (submitted) touches a dependent CI (payments-db) in an overlapping window"]
    assert unrelated.collisions == []


async def test_a_blocking_policy_refuses_to_submit_a_change_inside_a_freeze_window(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)
    start, end = window()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.session.add(ChangePolicy(tenant_id=tenant.tenant_id, collision_mode="block", freeze_windows=[{
            "name": "Black Friday", "starts_at": (start - timedelta(hours=1)).isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat()}]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], start_end=(start, end))

    with pytest.raises(ChangeCollision) as blocked:
        await move(db, tenant, change.id, "submitted")

    assert blocked.value.code == "CHANGE_COLLISION"
    assert "inside the freeze window 'Black Friday'" in blocked.value.message
    assert (await _state(db, tenant, change.id)).state == "draft"


async def test_the_cab_approves_once_the_quorum_agrees_and_nobody_votes_on_their_own_change(
        db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    alice = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], requester=alice)
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    with pytest.raises(Forbidden) as own:
        await _vote(db, tenant, change.id, alice)
    await _vote(db, tenant, change.id, bob)
    after_one = (await _state(db, tenant, change.id)).state
    owner_vote = await _vote(db, tenant, change.id, tenant.admin_user_id, comment="agreed")

    assert own.value.code == "SELF_APPROVAL"
    assert own.value.message == f"You requested {change.reference}; nobody approves their own change."
    assert after_one == "cab_review"
    assert owner_vote.state == "approved" and owner_vote.approved_at is not None
    assert owner_vote.history[-1]["actor"] == "CAB"


async def test_a_vote_needs_a_comment_and_counts_once(db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]])
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    with pytest.raises(ValidationFailed, match="Every vote needs a comment"):
        await _vote(db, tenant, change.id, bob, comment="  ")
    await _vote(db, tenant, change.id, bob)
    with pytest.raises(Conflict) as twice:
        await _vote(db, tenant, change.id, bob, decision="reject")

    assert twice.value.code == "ALREADY_VOTED"


async def test_a_named_cab_role_limits_who_votes(db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.session.add(ChangePolicy(tenant_id=tenant.tenant_id, cab_role="cab"))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]])
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    with pytest.raises(Forbidden) as refused:
        await _vote(db, tenant, change.id, bob)

    assert refused.value.code == "NOT_CAB_MEMBER"


async def test_an_emergency_change_needs_one_approval_and_one_rejection_rejects(db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], type="emergency")
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    decided = await _vote(db, tenant, change.id, bob, decision="reject", comment="not without a backout test")

    assert decided.state == "rejected"


async def test_an_approval_lapses_when_the_window_passes_unstarted_and_the_next_round_votes_anew(
        db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], type="emergency")
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")
    await _vote(db, tenant, change.id, bob)

    with clock.clock_at(change.planned_end + timedelta(minutes=1)):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            lapsed = [c.id for c in await lapse_approvals(tx)]
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            again = [c.id for c in await lapse_approvals(tx)]

    after = await _state(db, tenant, change.id)
    assert lapsed == [change.id] and again == []
    assert (after.state, after.cab_round, after.approved_at) == ("assessment", 2, None)
    assert after.history[-1]["note"] == "approval lapsed: the window passed unstarted"


async def test_illegal_and_stale_moves_change_nothing(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)
    change = await raise_change(db, tenant, ci_ids=[ids["web"]])

    with pytest.raises(IllegalChangeTransition):
        await move(db, tenant, change.id, "implementing")
    with pytest.raises(Conflict, match="moved on since you loaded it"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await transition_change(tx, change_id=change.id, to="submitted", actor="x", expected_version=7)

    after = await _state(db, tenant, change.id)
    assert (after.state, after.version) == ("draft", 1)


async def test_a_change_names_real_cis_of_its_tenant_only(db, make_tenant):
    tenant, _ids = await shop(db, make_tenant)
    _other, other_ids = await shop(db, make_tenant)

    with pytest.raises(ValidationFailed) as refused:
        await raise_change(db, tenant, ci_ids=[other_ids["web"], uuid.uuid4()])

    assert refused.value.field == "ciIds"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert list(await tx.session.scalars(select(ChangeRequest.id))) == []


async def test_an_emergency_change_is_closed_only_with_its_review(db, make_tenant, add_member):
    tenant, ids = await shop(db, make_tenant)
    bob = await user_id(db, tenant, await add_member(tenant, ["change-manager"]))
    change = await raise_change(db, tenant, ci_ids=[ids["web"]], type="emergency",
                                start_end=window(hours_from_now=-0.1, length=1))
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")
    await _vote(db, tenant, change.id, bob)
    await move(db, tenant, change.id, "scheduled", "implementing", "implemented")

    with pytest.raises(ValidationFailed, match="post-implementation review") as refused:
        await move(db, tenant, change.id, "closed")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        closed = await transition_change(tx, change_id=change.id, to="closed", actor="m",
                                         note="Review: the hotfix held; add a regression test")

    assert refused.value.field == "note"
    assert (closed.state, closed.history[-1]["note"]) == ("closed", "Review: the hotfix held; add a regression test")


async def test_concurrent_votes_and_moves_are_serialised_by_the_row_lock(db, make_tenant, add_member):
    import asyncio

    tenant, ids = await shop(db, make_tenant)
    voters = [await user_id(db, tenant, await add_member(tenant, ["change-manager"])) for _ in range(3)]
    change = await raise_change(db, tenant, ci_ids=[ids["web"]])
    await move(db, tenant, change.id, "submitted", "assessment", "cab_review")

    async def attempt(voter):
        try:
            return (await _vote(db, tenant, change.id, voter)).state
        except Conflict as refused:
            return refused.code

    outcomes = await asyncio.gather(*(attempt(v) for v in voters))

    after = await _state(db, tenant, change.id)
    # normal: 2 votes decide; the third voter finds the change no longer under review
    assert sorted(outcomes) == ["NOT_UNDER_REVIEW", "approved", "cab_review"]
    assert after.state == "approved" and [h["to"] for h in after.history].count("approved") == 1
