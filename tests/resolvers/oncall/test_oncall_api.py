"""On-call through GraphQL: typed errors that change nothing, then a schedule, a policy and who is on call."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.oncall.models import OnCallSchedule
from tests.conftest import auth_headers, gql

ERR = "__typename ... on Error { code message field }"
CREATE_SCHEDULE = f"mutation($i: CreateScheduleInput!) {{ createOnCallSchedule(input: $i) {{ {ERR} " \
                  "... on ScheduleSaved { schedule { id name onCallNow { email } } } } }"
CREATE_POLICY = f"mutation($i: CreatePolicyInput!) {{ createEscalationPolicy(input: $i) {{ {ERR} " \
                "... on PolicySaved { policy { id } } } }"
SET_SERVICE = f"mutation($s: String!, $p: ID) {{ setServiceEscalationPolicy(service: $s, policyId: $p) {{ {ERR} }} }}"
ADD_RULE = f"mutation($i: NotificationRuleInput!) {{ addNotificationRule(input: $i) {{ {ERR} " \
           "... on NotificationRuleSaved { rule { id channel address } } } }"


def layer(user_id, **overrides) -> dict:
    return {"rotation": "daily", "start": "2026-01-01T09:00", "participants": [str(user_id)], **overrides}


async def test_bad_input_gets_a_typed_error_and_creates_nothing(db, client, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    me = tenant.admin_user_id
    cases = [
        (CREATE_SCHEDULE, {"i": {"name": "P", "timeZone": "Mars/Olympus", "layers": [layer(me)]}}, "timeZone"),
        (CREATE_SCHEDULE, {"i": {"name": "P", "timeZone": "UTC", "layers": [layer(me, rotation="hourly")]}}, "layers"),
        (CREATE_SCHEDULE, {"i": {"name": "P", "timeZone": "UTC", "layers": [
            layer(me, restrictions=[{"days": [0], "start": "17:00", "end": "09:00"}])]}}, "layers"),
        (CREATE_POLICY, {"i": {"name": "X", "levels": [{"timeoutSeconds": 0, "targets": [
            {"kind": "user", "id": str(me)}]}]}}, "levels"),
        (ADD_RULE, {"i": {"urgency": "high", "channel": "email", "address": "not an address"}}, "address"),
        (ADD_RULE, {"i": {"urgency": "urgent", "channel": "email", "address": "a@b.example.com"}}, "urgency"),
    ]
    for document, variables, field in cases:
        body = await gql(client, document, variables, headers)
        payload = next(iter(body["data"].values()))
        assert (payload["code"], payload["field"]) == ("VALIDATION", field), (variables, payload)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(OnCallSchedule)) == 0


async def test_a_schedule_behind_a_policy_answers_who_is_on_call(client, make_tenant, sign_in):
    # given the owner alone on a schedule that the checkout policy pages
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    owner = f"owner@{tenant.slug}.example.com"
    made = await gql(client, CREATE_SCHEDULE, {"i": {"name": "Primary", "timeZone": "Asia/Kolkata",
                                                     "layers": [layer(tenant.admin_user_id)]}}, headers)
    schedule = made["data"]["createOnCallSchedule"]["schedule"]
    policy = await gql(client, CREATE_POLICY, {"i": {"name": "Checkout", "levels": [
        {"timeoutSeconds": 300, "targets": [{"kind": "schedule", "id": schedule["id"]}]}]}}, headers)
    await gql(client, SET_SERVICE, {"s": "checkout", "p": policy["data"]["createEscalationPolicy"]["policy"]["id"]},
              headers)
    # when asked who is on call for checkout, and for my shifts
    who = await gql(client, '{ whoIsOnCall(service: "checkout") { email } nobody: whoIsOnCall(service: "x") { email } '
                            'myOnCallShifts(count: 2) { scheduleName } onCallSchedules { onCallNow { email } } }',
                    headers=headers)
    # then it is the owner, on one unbroken shift (alone on the rotation)
    assert who["data"] == {"whoIsOnCall": [{"email": owner}], "nobody": [],
                           "myOnCallShifts": [{"scheduleName": "Primary"}],
                           "onCallSchedules": [{"onCallNow": {"email": owner}}]}
