"""Importing on-call setups from PagerDuty, Opsgenie and Grafana OnCall exports.

The strongest check: for each imported schedule, who is on call at every hour of 90 days (across a DST
change) equals what an independent evaluator of the vendor's own rules says from the export itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.auth.principals import user_principal
from domain.errors import ValidationFailed
from domain.members.models import Invitation
from domain.oncall import rotation
from domain.oncall.imports.service import import_setup, read_plan
from domain.oncall.models import ImportRecord, OnCallOverride, OnCallSchedule
from domain.oncall.service import load_rotation
from domain.paging.models import EscalationPolicy, ServicePolicy
from domain.paging.queries import emails as email_of
from tests.domain.oncall import import_payloads, vendor_semantics

CASES = {  # source: (export builder, evaluator, schedule id, a window of 90 days with a DST change in it)
    "pagerduty": (import_payloads.pagerduty, vendor_semantics.pagerduty_on_call, "PS00001",
                  datetime(2027, 2, 1, tzinfo=UTC)),  # America/New_York springs forward on 2027-03-14
    "opsgenie": (import_payloads.opsgenie, vendor_semantics.opsgenie_on_call, "sched-1",
                 datetime(2027, 2, 1, tzinfo=UTC)),  # Europe/Berlin springs forward on 2027-03-28
    "grafana-oncall": (import_payloads.grafana_oncall, vendor_semantics.grafana_on_call, "SCHED1",
                       datetime(2027, 2, 1, tzinfo=UTC)),  # Australia/Sydney falls back on 2027-04-04
}


async def _people(db, tenant, add_member, count: int = 5) -> list[str]:
    return [await add_member(tenant, ["responder"], email=f"p{i}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example.com")
            for i in range(count)]


async def _import(db, tenant, source: str, export: dict, *, dry_run: bool = False):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        return await import_setup(tx, source=source, document=export, dry_run=dry_run, actor=owner)


async def _counts(db, tenant) -> dict:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {model.__tablename__: await tx.session.scalar(select(func.count()).select_from(model))
                for model in (OnCallSchedule, OnCallOverride, EscalationPolicy, ServicePolicy, ImportRecord,
                              Invitation)}


@pytest.mark.parametrize("source", list(CASES))
async def test_who_is_on_call_every_hour_for_90_days_matches_the_vendors_own_rules(db, make_tenant, add_member,
                                                                                   source):
    build, evaluate, schedule_id, since = CASES[source]
    tenant = await make_tenant()
    emails = await _people(db, tenant, add_member)
    export = build(emails)

    report = await _import(db, tenant, source, export)

    assert len(report.created["schedules"]) == 1 and report.matched_users == sorted(report.matched_users,
                                                                                      key=emails.index)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        schedule = await tx.session.scalar(select(OnCallSchedule))
        ours = await load_rotation(tx, schedule, since=since)
        ids = {str(k): v for k, v in (await email_of(tx, {uuid.UUID(p) for layer in schedule.layers
                                                        for p in layer["participants"]})).items()}
    external = {u: emails[i] for i, u in enumerate(_external_ids(source, export))}
    mismatches, seen = [], set()
    for hour in range(90 * 24):
        at = since + timedelta(hours=hour)
        theirs = evaluate(export, schedule_id, at)
        mine = rotation.on_call_at(ours, at)
        seen.add(theirs)
        if (external.get(theirs) if theirs else None) != (ids.get(mine) if mine else None):
            mismatches.append((at.isoformat(), theirs and external[theirs], mine and ids.get(mine)))
    assert mismatches == []
    assert len(seen - {None}) == 5  # every person takes a turn


def _external_ids(source: str, export: dict) -> list[str]:
    if source == "pagerduty":
        return [u["id"] for u in export["users"]["users"]]
    if source == "opsgenie":
        return [u["id"] for u in export["users"]["data"]]
    return [u["id"] for u in export["users"]["results"]]


@pytest.mark.parametrize("source", list(CASES))
async def test_a_re_run_updates_what_the_first_run_made_and_never_duplicates(db, make_tenant, add_member, source):
    tenant = await make_tenant()
    export = CASES[source][0](await _people(db, tenant, add_member))
    first = await _import(db, tenant, source, export)
    before = await _counts(db, tenant)

    again = await _import(db, tenant, source, export)

    assert await _counts(db, tenant) == before
    assert again.created == {} and again.updated["schedules"] == first.created["schedules"]
    assert again.updated["escalation_policies"] == first.created["escalation_policies"]
    assert before["service_escalation_policies"] == 1 and before["oncall_overrides"] == 1


@pytest.mark.parametrize("source", list(CASES))
async def test_a_dry_run_reports_what_it_would_do_and_every_unmapped_field_and_changes_nothing(
        db, make_tenant, add_member, source):
    tenant = await make_tenant()
    export = CASES[source][0]([*await _people(db, tenant, add_member, 4), f"new-{uuid.uuid4().hex[:6]}@example.com"])
    before = await _counts(db, tenant)

    dry = await _import(db, tenant, source, export, dry_run=True)

    assert await _counts(db, tenant) == before
    assert dry.dry_run and len(dry.created["schedules"]) == 1 and len(dry.created["escalation_policies"]) == 1
    assert len(dry.invited) == 1 and dry.invitation_tokens == {}
    paths = {u.path for u in dry.unmapped}
    assert "teams" in paths
    assert any("is not a member yet" in u.reason for u in dry.unmapped)  # the invitee is left out of layers
    real = await _import(db, tenant, source, export)
    assert real.created == dry.created and [u.path for u in real.unmapped] == [u.path for u in dry.unmapped]
    assert list(real.invitation_tokens) == real.invited


UNMAPPED = {
    "pagerduty": {"users[PU00000].contact_methods", "services[PV00001].integrations", "schedules[PS00001].description"},
    "opsgenie": {"escalations[esc-1].rules[2].recipient", "schedules[sched-1].rotations",
                 "services[svc-1].teamId"},
    "grafana-oncall": {"escalation_policies[E4]", "integrations[INT1].link"},
}


@pytest.mark.parametrize("source", list(CASES))
def test_the_fields_that_do_not_map_are_named(source):
    plan = read_plan(source, CASES[source][0]([f"p{i}@example.com" for i in range(5)]))
    assert UNMAPPED[source] <= {u.path for u in plan.unmapped}


@pytest.mark.parametrize(("source", "document", "message"), [
    ("pagerduty", [], "The export is one JSON object of API responses."),
    ("pagerduty", {"schedules": "nope"}, "'schedules' is not a list of objects (nor a response body holding one)."),
    ("opsgenie", {"schedules": [{"data": {"id": "s", "name": "x"}}]}, "schedules[s]: 'timezone' is missing or not a "
                                                                        "string."),
    ("grafana-oncall", {"on_call_shifts": {"results": [{"id": 1}]}}, "on_call_shifts[]: 'id' is missing or not a "
                                                                      "string."),
    ("splunk", {}, "Import from one of pagerduty, opsgenie, grafana-oncall."),
])
async def test_a_bad_file_is_a_typed_error_and_changes_nothing(db, make_tenant, source, document, message):
    tenant = await make_tenant()
    before = await _counts(db, tenant)
    with pytest.raises(ValidationFailed) as raised:
        await _import(db, tenant, source, document)
    assert raised.value.message == message
    assert await _counts(db, tenant) == before


async def test_a_failure_half_way_rolls_back_everything(db, make_tenant, add_member):
    tenant = await make_tenant()
    export = import_payloads.pagerduty(await _people(db, tenant, add_member))
    export["escalation_policies"]["escalation_policies"][0]["name"] = "x" * 201  # fails after the schedule
    before = await _counts(db, tenant)
    with pytest.raises(ValidationFailed, match=r"A policy needs a name of 1 to 200 characters\."):
        await _import(db, tenant, "pagerduty", export)
    assert await _counts(db, tenant) == before
